// Where the source primaries are now: the positions cutover drains every stream to.
import { connectMysql, type Connection } from '../mysql/connect';
import { formatPosition } from '../mysql/gtid';
import { currentPosition, serverFlavor } from '../mysql/positions';
import type { MigrationRef, ShardRef } from '../workflows/tasks';
import { openSourceTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { acquireShardLock, parkedRowsByTable, readStreams, releaseShardLock, rowsApplied } from './state';
import { connectTargetPrimary, findPrimary } from './target-primary';

export async function sourcePositions(deps: ActivityDeps, ref: MigrationRef): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await withTopo(openSourceTopo(ref.sourceTopo), async (topo) => {
    for (const shard of ref.sourceShards) {
      const primary = await findPrimary(topo, ref.sourceKeyspace, shard);
      const where = `source primary ${primary.alias} (${primary.host}:${primary.port}) of ${ref.sourceKeyspace}/${shard}`;
      const conn = await connectMysql(tabletEndpoint(deps, ref.sourceTopo, 'source', primary.host, primary.port)).catch((err: unknown) => {
        // Say which server ("connect ECONNREFUSED" alone does not); code and errno stay.
        if (err instanceof Error) err.message = `cannot connect to ${where}: ${err.message}`;
        throw err;
      });
      try {
        out[shard] = formatPosition(await currentPosition(conn, await serverFlavor(conn)));
      } catch (err) {
        if (err instanceof Error) err.message = `reading the position of ${where}: ${err.message}`;
        throw err;
      } finally {
        conn.destroy();
      }
    }
  });
  return out;
}

type ShardsTask = { ref: MigrationRef; shards: string[] };

/** `read` on each listed target shard's primary, one after the other. */
async function onEachTargetPrimary<T>(deps: ActivityDeps, task: ShardsTask, read: (conn: Connection) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const shard of task.shards) {
    const { conn } = await connectTargetPrimary(deps, task.ref.targetKeyspace, shard);
    try {
      out.push(await read(conn));
    } finally {
      conn.destroy();
    }
  }
  return out;
}

/**
 * Row changes to the migrated tables that every stream has applied so far, over all target
 * shards. Cutover compares it before and after its VDiff: a difference means the application
 * still wrote to those tables (writes elsewhere, such as heartbeats, do not count).
 */
export async function appliedChanges(deps: ActivityDeps, task: ShardsTask): Promise<number> {
  const counts = await onEachTargetPrimary(deps, task, (conn) => rowsApplied(conn, task.ref.workflowId));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Rows parked on the target shards (state.ts shadow_rows), per table. Once every stream is
 * drained to the same source positions a parked row is no move in transit: its key is on
 * several source shards, and the target can hold one of them (README, "Parked rows").
 */
export async function parkedRows(deps: ActivityDeps, task: ShardsTask): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const byTable of await onEachTargetPrimary(deps, task, (conn) => parkedRowsByTable(conn, task.ref.workflowId))) {
    for (const [table, n] of byTable) out[table] = (out[table] ?? 0) + n;
  }
  return out;
}

/** How long streamPositions waits for a stopping catch-up to let go of the shard (it does at its next heartbeat). */
const STOPPING_WAIT_SECONDS = 30;

/**
 * The positions the shard's streams have committed, read once a stopping catch-up has let go of
 * the shard's writer lock (or after STOPPING_WAIT_SECONDS, as they are then). A stopped stream's
 * status showed the position of the last finished catch-up call instead: after a first stop, the
 * copy's start position.
 */
export async function streamPositions(deps: ActivityDeps, task: ShardRef): Promise<Record<number, string>> {
  const { conn } = await connectTargetPrimary(deps, task.ref.targetKeyspace, task.shard);
  try {
    const held = await acquireShardLock(conn, task.ref.workflowId, task.shard, STOPPING_WAIT_SECONDS);
    try {
      const out: Record<number, string> = {};
      for (const s of await readStreams(conn, task.ref.workflowId)) if (s.pos !== '') out[s.id] = s.pos;
      return out;
    } finally {
      if (held) await releaseShardLock(conn, task.ref.workflowId, task.shard).catch(() => undefined);
    }
  } finally {
    conn.destroy();
  }
}
