// Where the CPU went during a measurement: CPU seconds of the worker, the source and target
// mysqlds and Temporal (from /proc/<pid>/stat), and how busy the whole machine was (/proc/stat;
// "other" is everything else on it, e.g. other people's test runs). Tells which resource a
// figure is bound by.
import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100;

export type PidGroups = Record<string, number[]>;

export interface CpuUse {
  seconds: number;
  /** Average cores used per group over the window. */
  cores: Record<string, number>;
  /** Average cores busy on the whole machine, of `total`. */
  machine: number;
  total: number;
}

function pidTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; all: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const all = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: all - idle, all };
}

export class CpuMeter {
  private readonly t0 = process.hrtime.bigint();
  private readonly start: Map<string, number>;
  private readonly machine0 = machineTicks();

  constructor(private readonly groups: PidGroups) {
    this.start = new Map(Object.entries(groups).map(([g, pids]) => [g, pids.reduce((n, p) => n + pidTicks(p), 0)]));
  }

  stop(): CpuUse {
    const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const cores: Record<string, number> = {};
    let ours = 0;
    for (const [g, pids] of Object.entries(this.groups)) {
      const used = (pids.reduce((n, p) => n + pidTicks(p), 0) - this.start.get(g)!) / TICKS_PER_SECOND;
      cores[g] = used / seconds;
      ours += used;
    }
    const m = machineTicks();
    const total = os.cpus().length;
    const machine = ((m.busy - this.machine0.busy) / Math.max(1, m.all - this.machine0.all)) * total;
    cores.other = Math.max(0, machine - ours / seconds);
    return { seconds, cores, machine, total };
  }
}

export function formatCpu(u: CpuUse): string {
  const parts = Object.entries(u.cores).map(([g, c]) => `${g} ${c.toFixed(2)}`);
  return `CPU cores: ${parts.join(', ')} (machine ${u.machine.toFixed(2)} of ${u.total}); worker CPU ${workerCpuSeconds(u).toFixed(1)} s`;
}

/** CPU seconds the worker used in the window: its cost, steadier than wall time on a shared machine. */
export function workerCpuSeconds(u: CpuUse): number {
  return (u.cores.worker ?? 0) * u.seconds;
}
