// What runs and listens on this machine, read from /proc, so tests can prove that a command
// started nothing, or that `down` left no process and no listening socket behind.
import fs from 'node:fs';
import { isPortFree } from '../../src/local/ports';

/** Programs vtmigrate-local starts. */
const STACK_PROGRAMS = new Set(['mariadbd', 'etcd', 'temporal']);

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Pids of running (non-zombie) mariadbd, etcd and temporal processes, whoever started them. */
export function stackProgramPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (STACK_PROGRAMS.has(comm) && !isZombie(Number(entry))) pids.add(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Stack programs whose command line mentions dir: with vtmigrate-local, those whose data is there. */
export function stackProcessesUnder(dir: string): { pid: number; program: string }[] {
  const found: { pid: number; program: string }[] = [];
  for (const pid of stackProgramPids()) {
    try {
      const program = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) found.push({ pid, program });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Listening TCP sockets: inode → port, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      sockets.set(cols[9], Number.parseInt(cols[1].split(':')[1], 16));
    }
  }
  return sockets;
}

/** Every port something listens on right now. */
export function listeningPorts(): Set<number> {
  return new Set(listeningSockets().values());
}

/** The ports the given processes listen on (their socket fds matched against LISTEN sockets). */
export function portsListenedOnBy(pids: number[]): number[] {
  const sockets = listeningSockets();
  const ports = new Set<number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        const port = m ? sockets.get(m[1]) : undefined;
        if (port !== undefined) ports.add(port);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * A base port such that base + every offset is free on 127.0.0.1. Chosen below Linux's
 * ephemeral range (32768+) so outgoing connections do not take them meanwhile.
 */
export async function freePortBase(offsets: number[], range: [number, number] = [20_000, 30_000]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = range[0] + Math.floor(Math.random() * (range[1] - range[0]));
    const free = await Promise.all(offsets.map((o) => isPortFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free ports at offsets ${offsets.join(',')} in ${range.join('-')}`);
}

/**
 * SIGSTOP pid and wait until every one of its threads has stopped. The kernel wakes one thread
 * to take the signal and that thread stops the others, so on a busy machine another thread (the
 * one serving a connection, say) can still answer a query for a moment after kill() returned.
 */
export async function stopProcess(pid: number, timeoutMs = 5_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let running = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        // State follows the parenthesised name: T is stopped by a signal.
        if (!/\) [Tt] /.test(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))) running++;
      } catch {
        // the thread exited meanwhile
      }
    }
    if (running === 0) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} still has ${running} running thread(s) ${timeoutMs} ms after SIGSTOP`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
