// One vtmigrate-local command at a time per state dir. Two `up`s racing (say `npm test` and a
// suite file run on its own) would each start a mysqld for the same tablet; the loser dies on
// the port, but its pid file may already have replaced the winner's, leaving a process nobody
// can find or stop. So up, down, start and stop hold `<stateDir>/.lock` (holding our pid) while
// they run; a lock whose process is gone is stale and taken over.
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive, readPid } from './daemon';

const WAIT_MS = 10 * 60_000;

/** Locks this process holds, with how many callers share each (calls may nest). */
const held = new Map<string, number>();

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function tryLock(file: string): boolean {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readPid(file);
    // No pid yet may mean the holder created the file and is about to write it: only an old
    // empty file is stale.
    const stale = holder === undefined ? ageMs(file) > 5000 : holder !== process.pid && !isProcessAlive(holder);
    // Re-read just before removing, so a waiter that took over meanwhile keeps its fresh lock.
    if (stale && readPid(file) === holder) {
      fs.rmSync(file, { force: true });
      return tryLock(file);
    }
    return false;
  }
}

export async function withStateLock<T>(stateDir: string, fn: () => Promise<T>, log: (line: string) => void = () => {}): Promise<T> {
  const file = path.join(stateDir, '.lock');
  const depth = held.get(file) ?? 0;
  if (depth === 0) {
    const deadline = Date.now() + WAIT_MS;
    let said = false;
    while (!tryLock(file)) {
      if (!said) log(`waiting for another vtmigrate-local command on ${stateDir} (pid ${readPid(file)})`);
      said = true;
      if (Date.now() > deadline) throw new Error(`${file} is held by pid ${readPid(file)} for more than ${WAIT_MS / 60_000} minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  held.set(file, depth + 1);
  try {
    return await fn();
  } finally {
    held.set(file, depth);
    // down --wipe removes the state dir, lock included; only remove a lock that is still ours.
    if (depth === 0) {
      held.delete(file);
      if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
    }
  }
}
