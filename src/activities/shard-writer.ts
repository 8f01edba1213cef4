// What a finishing step (complete, cancel, the discard of an ended run) does to a target shard,
// it does holding the shard's writer lock (state.ts), which every copy batch and catch-up holds
// while it writes. The shard workflows end as soon as they have asked their activities to stop,
// and an activity learns of it at its next heartbeat: without the lock, a cancel dropped tables
// under a catch-up still applying rows, and a forced complete let one write after it returned.
import type { Connection } from '../mysql/connect';
import { acquireShardLock, releaseShardLock } from './state';

/** How long an activity of the run may keep writing (it lets go at its next heartbeat, seconds at most). */
const LOCK_WAIT_MS = 120_000;

export interface ShardWriterTarget {
  conn: Connection;
  workflowId: string;
  keyspace: string;
  shard: string;
  /** The primary's tablet alias, for the message. */
  tablet: string;
}

/**
 * Runs `fn` holding the shard's writer lock. `wait` is told what is waited for (to heartbeat);
 * `again` names the step to run again when an activity keeps writing past the bound.
 */
export async function asShardWriter<T>(t: ShardWriterTarget, again: string, wait: (message: string) => void, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await acquireShardLock(t.conn, t.workflowId, t.shard, 5))) {
    wait(`waiting for the writer lock of ${t.workflowId} on shard ${t.keyspace}/${t.shard} (an activity of the workflow still holds it)`);
    if (Date.now() > deadline) {
      throw new Error(`shard ${t.keyspace}/${t.shard} (tablet ${t.tablet}): an activity of workflow ${t.workflowId} still writes there after ${LOCK_WAIT_MS / 1000} s; stop the worker running it, then ${again} again`);
    }
  }
  try {
    return await fn();
  } finally {
    await releaseShardLock(t.conn, t.workflowId, t.shard).catch(() => undefined);
  }
}
