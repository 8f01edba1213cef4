// The consistent point of a shard's diff (vitess-facts.md §5.3 steps 2-8) while the source keeps
// writing: the source and target snapshots must hold exactly the same transactions.
//
//  1. Hold the shard's streams (stop_pos 'hold'): the catch-up applier stops applying and says
//     so (state 'Held'); when no applier runs, taking the shard's writer lock keeps one from starting.
//  2. On a source tablet of each stream, wait until it has the stream's position, then open a
//     consistent snapshot and record its exact GTID position P (a LOCK TABLES ... READ of the
//     diffed tables only while the snapshot starts). The source is never blocked longer.
//  3. Let each stream run exactly to its P (stop_pos P): the applier applies transactions up to P
//     and none after, so the target shard then holds what the source snapshots hold.
//  4. Open the target snapshot (on a replica: once it has the primary's position).
//  5. Release the streams (stop_pos '').
// The snapshots stay open while the diff reads them; --max-diff-duration takes a new point.
import { abortConnection, connectMysql, type Connection, type MysqlEndpoint } from '../mysql/connect';
import { formatPosition, parsePosition, positionAtLeast, type GtidPosition } from '../mysql/gtid';
import { currentPosition, serverFlavor, startConsistentSnapshot, waitForPosition } from '../mysql/positions';
import { ROW_READER_CONNECT_OPTIONS } from '../mysql/values';
import type { StreamPlan } from '../workflows/api';
import type { VDiffOptions } from '../workflows/vdiff-api';
import type { MigrationRef } from '../workflows/tasks';
import { tabletEndpoint, type ActivityDeps } from './deps';
import { pause } from './heartbeat';
import { connectSourceTablet } from './source-tablet';
import { HOLD, readStreams, setStopPosition, shardLockName, type StreamRow } from './state';
import { targetTopoRef } from './target-primary';
import { pickTargetTablet } from './vdiff-target-tablet';
import { lockIsFree, releaseLock, tryLock } from './vdiff-state';

/** How long the streams may lack an applier before the diff says none is running. */
const APPLIER_GRACE_MS = 10_000;
const POLL_MS = 100;

export interface PointSource {
  stream: StreamPlan;
  conn: Connection;
  tablet: string;
  /** The tablet's mysqld, for the source watchdog (source-watchdog.ts). */
  endpoint: MysqlEndpoint;
  position: string;
}

export interface ConsistentPoint {
  takenAt: number;
  target: { conn: Connection; tablet: string };
  sources: PointSource[];
  close(): void;
}

export interface PointContext {
  deps: ActivityDeps;
  /** The migration, with the VDiff's source cells and tablet types. */
  ref: MigrationRef;
  shard: string;
  primaryAlias: string;
  streams: StreamPlan[];
  /** Tables to lock while a MySQL snapshot starts. */
  tables: string[];
  /** The target primary: stream state, stop requests and the shard's writer lock. */
  state: Connection;
  options: VDiffOptions;
  say: (message: string) => void;
  cancelled: () => boolean;
}

async function until<T>(ctx: PointContext, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ctx.options.filteredReplicationWaitTimeMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (ctx.cancelled()) throw new Error(`cancelled while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ctx.options.filteredReplicationWaitTimeMs / 1000}s (--filtered-replication-wait-time) waiting for ${what}`);
    ctx.say(`waiting for ${what}`);
    await pause(POLL_MS);
  }
}

/** Waits in short slices (heartbeating) until the tablet has `pos`. */
async function tabletReaches(ctx: PointContext, conn: Connection, pos: GtidPosition, tablet: string): Promise<void> {
  await until(ctx, `tablet ${tablet} to reach position ${formatPosition(pos)}`, async () => ((await waitForPosition(conn, pos, 1000)) ? true : undefined));
}

/** Opens a snapshot of the diffed tables on a tablet and returns its position. */
async function tableSnapshot(ctx: PointContext, conn: Connection, endpoint: Parameters<typeof connectMysql>[0], db: string): Promise<GtidPosition> {
  const lockConn = await connectMysql(endpoint);
  try {
    return (await startConsistentSnapshot(conn, await serverFlavor(conn), { lockConn, tables: ctx.tables.map((table) => ({ db, table })) })).position;
  } finally {
    lockConn.destroy();
  }
}

export async function takeConsistentPoint(ctx: PointContext): Promise<ConsistentPoint> {
  const { state, ref, shard } = ctx;
  const wf = ref.workflowId;
  const lockName = shardLockName(wf, shard);
  const ids = new Set(ctx.streams.map((s) => s.id));
  const ours = async (): Promise<StreamRow[]> => (await readStreams(state, wf)).filter((r) => ids.has(r.id));
  const opened: Connection[] = [];
  let lockHeld = false;
  try {
    // 1. Hold the streams.
    for (const s of ctx.streams) await setStopPosition(state, wf, s.id, HOLD);
    const held = await until(ctx, `the streams of ${ref.targetKeyspace}/${shard} to stop for the VDiff`, async () => {
      if (!lockHeld && (await ours()).every((r) => r.state === 'Held' && r.message === 'held for vdiff')) return ours();
      if (lockHeld || await tryLock(state, lockName, 0)) {
        lockHeld = true;
        return ours();
      }
      return undefined;
    });

    // 2. Source snapshots at positions the streams have not passed.
    const sources: PointSource[] = [];
    const sourceDb = `vt_${ref.sourceKeyspace}`;
    for (const stream of ctx.streams) {
      const row = held.find((r) => r.id === stream.id);
      if (!row || row.pos === '') throw new Error(`stream ${stream.id} has not started on tablet ${ctx.primaryAlias}`);
      const picked = await connectSourceTablet(ctx.deps, ref, stream.sourceShard, { onWait: ctx.say, cancelled: ctx.cancelled });
      opened.push(picked.conn);
      await tabletReaches(ctx, picked.conn, parsePosition(row.pos), `${picked.tablet.alias} (${ref.sourceKeyspace}/${stream.sourceShard})`);
      const endpoint = tabletEndpoint(ctx.deps, ref.sourceTopo, 'source', picked.tablet.host, picked.tablet.port);
      const position = await tableSnapshot(ctx, picked.conn, endpoint, sourceDb);
      sources.push({ stream, conn: picked.conn, tablet: picked.tablet.alias, endpoint, position: formatPosition(position) });
    }

    // 3. Streams run exactly to the snapshot positions.
    for (const s of sources) await setStopPosition(state, wf, s.stream.id, s.position);
    let freeSince: number | undefined;
    await until(ctx, `the streams of ${ref.targetKeyspace}/${shard} to reach the source snapshot positions`, async () => {
      const rows = await ours();
      const behind = sources.filter((s) => !positionAtLeast(parsePosition(rows.find((r) => r.id === s.stream.id)?.pos ?? ''), parsePosition(s.position)));
      if (behind.length === 0) return true;
      // Our lock keeps appliers out: let one in to run the streams forward.
      if (lockHeld) {
        await releaseLock(state, lockName);
        lockHeld = false;
      }
      if (await lockIsFree(state, lockName)) {
        freeSince ??= Date.now();
        if (Date.now() - freeSince > Math.min(APPLIER_GRACE_MS, ctx.options.filteredReplicationWaitTimeMs / 2)) {
          const s = behind[0];
          const at = rows.find((r) => r.id === s.stream.id)?.pos ?? '';
          throw new Error(`stream ${s.stream.id} of ${ref.targetKeyspace}/${shard} (from ${ref.sourceKeyspace}/${s.stream.sourceShard}) is at ${at}, behind the source snapshot at ${s.position}, and no catch-up is applying it (the workflow is stopped, drained for cutover or failing): start the workflow and run the VDiff again`);
        }
      } else {
        freeSince = undefined;
      }
      return undefined;
    });

    // 4. The target snapshot, while the streams stand at those positions.
    const tablet = await pickTargetTablet(ctx.deps, ref.targetKeyspace, shard, ctx.options.targetCells, ctx.options.tabletTypes, ctx.options.tabletTypesInPreferenceOrder);
    const targetDb = `vt_${ref.targetKeyspace}`;
    const endpoint = tabletEndpoint(ctx.deps, targetTopoRef(ctx.deps), 'target', tablet.host, tablet.port);
    const target = await connectMysql(endpoint, ROW_READER_CONNECT_OPTIONS);
    opened.push(target);
    if (!tablet.primary) await tabletReaches(ctx, target, await currentPosition(state, await serverFlavor(state)), tablet.alias);
    // Under the same brief lock: on a replica, the last transaction its gtid_binlog_pos holds may
    // still be committing (a writer's metadata lock lasts until its commit is visible).
    await tableSnapshot(ctx, target, endpoint, targetDb);

    return {
      takenAt: Date.now(),
      target: { conn: target, tablet: tablet.alias },
      sources,
      // Aborted, not ended: a streamed SELECT (vdiff-reader.ts) may still be sending rows.
      close: () => { for (const c of opened) abortConnection(c, new Error('the VDiff snapshot was closed')); },
    };
  } catch (err) {
    for (const c of opened) c.destroy();
    throw err;
  } finally {
    // 5. Release the streams, whatever happened.
    for (const s of ctx.streams) await setStopPosition(state, wf, s.id, '').catch(() => undefined);
    if (lockHeld) await releaseLock(state, lockName).catch(() => undefined);
  }
}
