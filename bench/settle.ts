// Before every timed run, the machine is brought back to the same quiet state: each mysqld has
// flushed its dirty pages (so its redo log is nearly empty and the run's writes do not pay for the
// run before's), InnoDB's purge has caught up, and the kernel has written back its page cache.
//
// Without it a run measured what the one before left behind: after a vtmigrate copy the target
// primaries held ~50 MB of unflushed redo in their 64 MB logs, and the LOAD DATA baseline of the
// same rows took anywhere from 12 to 22 s in one invocation, depending on how much flushing it
// inherited; vtmigrate's own runs varied as much. The settling is outside every timed window.
import { spawnSync } from 'node:child_process';
import type { Connection } from '../src/mysql/connect';
import { globalStatus, rootConnection } from './dataset';
import { sleep } from './stats';

/** Dirty pages and redo a server may keep and still count as settled. */
const QUIET = { dirtyPages: 16, checkpointAgeBytes: 1 << 20, historyLength: 1000 } as const;
const MAX_WAIT_MS = 120_000;

/** Settles every mysqld on `ports`, then the kernel's dirty pages; logs what did not settle in time. */
export async function settle(ports: readonly number[], log: (line: string) => void): Promise<void> {
  const late = (await Promise.all(ports.map(settleMysqld))).filter((s): s is string => s !== undefined);
  if (late.length > 0) log(`  (not fully settled after ${MAX_WAIT_MS / 1000} s: ${late.join('; ')})`);
  // sync(1) returns once the kernel's dirty pages are written.
  spawnSync('sync', { stdio: 'ignore' });
}

async function status(conn: Connection): Promise<{ dirty: number; age: number; history: number }> {
  const v = await globalStatus(conn, ['Innodb_buffer_pool_pages_dirty', 'Innodb_checkpoint_age', 'Innodb_history_list_length']);
  return { dirty: v.get('Innodb_buffer_pool_pages_dirty') ?? 0, age: v.get('Innodb_checkpoint_age') ?? 0, history: v.get('Innodb_history_list_length') ?? 0 };
}

/** Flushes one server (innodb_max_dirty_pages_pct 0 for the while); a description if it did not settle in time. */
async function settleMysqld(port: number): Promise<string | undefined> {
  const conn = await rootConnection(port);
  try {
    const [rows] = await conn.query('SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct');
    const pct = Number((rows as { pct: string }[])[0].pct);
    await conn.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
    try {
      const deadline = Date.now() + MAX_WAIT_MS;
      for (;;) {
        const s = await status(conn);
        if (s.dirty <= QUIET.dirtyPages && s.age <= QUIET.checkpointAgeBytes && s.history <= QUIET.historyLength) return undefined;
        if (Date.now() > deadline) return `port ${port}: ${s.dirty} dirty pages, checkpoint age ${s.age} bytes, history ${s.history}`;
        await sleep(100);
      }
    } finally {
      await conn.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [pct]);
    }
  } finally {
    await conn.end();
  }
}

