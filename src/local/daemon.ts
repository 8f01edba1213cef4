// Background processes that outlive the command that started them: each writes a pid file, and
// is found again (and stopped) by that pid, checked against its command line so a recycled pid
// is never mistaken for ours.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface DaemonSpec {
  /** Component name as users type it: temporal, etcd:source, tablet:zone1-100, worker. */
  name: string;
  command: string;
  args: string[];
  pidFile: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** The running pid recorded in pidFile, if that process is still the one we started. */
export function runningPid(pidFile: string, marker: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined) return undefined;
  const line = cmdline(pid);
  if (line === undefined || !line.includes(marker)) return undefined;
  // A zombie (exited, not yet reaped) is not running.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

export function startDaemon(spec: DaemonSpec): number {
  fs.mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const log = fs.openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: spec.env ?? process.env,
    cwd: spec.cwd,
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  child.unref();
  fs.writeFileSync(spec.pidFile, `${child.pid}\n`);
  return child.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Stops the process in pidFile: SIGTERM (or the given signal), then SIGKILL after graceMs.
 * Returns the pid it stopped, or undefined when nothing of ours was running.
 */
export async function stopDaemon(pidFile: string, marker: string, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<number | undefined> {
  const pid = runningPid(pidFile, marker);
  if (pid === undefined) {
    fs.rmSync(pidFile, { force: true });
    return undefined;
  }
  const signal = opts.signal ?? 'SIGTERM';
  // Daemons are process-group leaders (detached): signal the group so helpers die too.
  const kill = (sig: NodeJS.Signals) => {
    try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
  };
  kill(signal);
  const deadline = Date.now() + (opts.graceMs ?? 30_000);
  while (alive(pid)) {
    if (Date.now() > deadline) {
      kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      if (!alive(pid)) break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(pidFile, { force: true });
  return pid;
}

export { alive as isProcessAlive };
