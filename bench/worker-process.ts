// The worker under test runs as its own process, the way operators run it
// (`node bin/vtmigrate.js worker --config ...`), so its memory is measured alone (VmRSS from
// /proc/<pid>/status) and it can run under `node --cpu-prof`.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monotonicUs, sleep } from './stats';
import { REPO_ROOT } from './stack';
import { WORKER_NODE_FLAGS } from '../src/worker-heap';

export interface RssSample { at: number; kb: number }

export class WorkerProcess {
  readonly samples: RssSample[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private exited: Promise<number | null>;

  /**
   * When the process was spawned, in µs on this process's monotonic clock. A CPU profile's own
   * timestamps are on another base, but start within milliseconds of the spawn, so windows
   * are given to profile-summary as offsets from here.
   */
  readonly spawnedUs = monotonicUs();

  private constructor(private readonly child: ChildProcess, readonly logFile: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts a worker and waits until it polls its task queue. `profileDir`: run under
   * --cpu-prof, the profile is written there when the worker exits.
   */
  static async start(configFile: string, opts: { logFile: string; profileDir?: string; profileName?: string }): Promise<WorkerProcess> {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    // VTMIGRATE_BENCH_WORKER_NODE_ARGS: extra node flags for the worker (e.g. --trace-gc, --max-old-space-size=256).
    // The worker runs as deployed (src/worker-heap.ts); extra flags come after, so they override.
    const args: string[] = [...WORKER_NODE_FLAGS, ...(process.env.VTMIGRATE_BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '')];
    if (opts.profileDir) {
      fs.mkdirSync(opts.profileDir, { recursive: true });
      args.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
      if (opts.profileName) args.push(`--cpu-prof-name=${opts.profileName}`);
    }
    // VTMIGRATE_BENCH_WORKER_ROOT: run the worker from another build (a copy of bin/ and dist/),
    // to measure a change before and after on the same stack and data.
    const root = process.env.VTMIGRATE_BENCH_WORKER_ROOT ?? REPO_ROOT;
    args.push(path.join(root, 'bin', 'vtmigrate.js'), 'worker', '--config', configFile);
    const log = fs.openSync(opts.logFile, 'a');
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], cwd: root });
    fs.closeSync(log);
    const w = new WorkerProcess(child, opts.logFile);
    const deadline = Date.now() + 60_000;
    let exitCode: number | null | undefined;
    void w.exited.then((c) => { exitCode = c; });
    for (;;) {
      if (exitCode !== undefined) throw new Error(`the worker exited (code ${exitCode}) before polling; see ${opts.logFile}`);
      if (fs.readFileSync(opts.logFile, 'utf8').includes('polling task queue')) break;
      if (Date.now() > deadline) throw new Error(`the worker did not start polling within 60 s; see ${opts.logFile}`);
      await sleep(100);
    }
    w.sampler = setInterval(() => {
      const kb = rssKb(w.pid);
      if (kb !== undefined) w.samples.push({ at: Date.now(), kb });
    }, 200);
    w.sampler.unref();
    return w;
  }

  /** Peak RSS in MB over [from, to] (epoch ms). */
  peakMb(from = 0, to = Number.MAX_SAFE_INTEGER): number {
    let peak = 0;
    for (const s of this.samples) if (s.at >= from && s.at <= to && s.kb > peak) peak = s.kb;
    return peak / 1024;
  }

  currentMb(): number {
    return (rssKb(this.pid) ?? 0) / 1024;
  }

  /** SIGTERM (the worker drains and exits, writing its CPU profile); SIGKILL after 60 s. */
  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(60_000).then(() => true)]);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
