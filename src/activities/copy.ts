// The copy phase of one stream (DESIGN.md §4.4): the stream's start position is recorded first;
// then each table is read in primary-key order from a consistent snapshot on a source tablet,
// filtered to the rows this target shard owns, and written in batches, each committing with its
// lastpk checkpoint. A retried or restarted copy resumes from the stored lastpk.
import { connectMysql, type Connection } from '../mysql/connect';
import { nextChunkRows } from './chunk-size';
import { binaryRowSource, textPathObstacle, textRowSource, type Chunk, type RowSource, type RowSourceSpec } from './copy-rows';
import { parsePosition, positionAtLeast, formatPosition } from '../mysql/gtid';
import { currentPosition, serverFlavor, startConsistentSnapshot, waitForPosition } from '../mysql/positions';
import type { CopyHeartbeat } from '../workflows/api';
import type { CopyResult, CopyTask, InitStreamsTask } from '../workflows/tasks';
import { tabletEndpoint, type ActivityDeps } from './deps';
import { errorText, schemaError } from './errors';
import { activityAttempt, makeHeartbeat } from './heartbeat';
import { applyOps } from './row-applier';
import { decodeRowFromJson as decodeRow, encodeRowForJson as encodeRow } from '../mysql/values';
import { connectSourceTablet } from './source-tablet';
import { watchSource, type SourceWatchdog } from './source-watchdog';
import { acquireCopyLock, acquireShardLock, advanceCopyState, ensureAddedColumns, ensureCopyState, readCopyState, readStreams, releaseShardLock, setStartPosition, type CopyStateRow } from './state';
import { loadTableTarget, type RowValue, type TableTarget } from './table-target';
import { connectTargetPrimary } from './target-primary';

const MAX_STATEMENT_BYTES = 8 << 20;

/** Records each stream's start position (once); returns them by stream id. */
export async function initStreams(deps: ActivityDeps, task: InitStreamsTask): Promise<Record<number, string>> {
  const hb = makeHeartbeat<{ message: string; streamId: number }>();
  const { conn: target } = await connectTargetPrimary(deps, task.ref.targetKeyspace, task.shard);
  try {
    const existing = await readStreams(target, task.ref.workflowId);
    const out: Record<number, string> = {};
    for (const stream of task.streams) {
      const row = existing.find((s) => s.id === stream.id);
      if (row && row.startPos !== '') {
        out[stream.id] = formatPosition(parsePosition(row.startPos));
        continue;
      }
      const source = await connectSourceTablet(deps, task.ref, stream.sourceShard, {
        onWait: (message) => hb.beat({ message, streamId: stream.id }),
        cancelled: hb.cancelled,
      });
      try {
        const pos = await currentPosition(source.conn, await serverFlavor(source.conn));
        out[stream.id] = formatPosition(parsePosition(await setStartPosition(target, task.ref.workflowId, stream.id, formatPosition(pos), source.tablet.alias)));
      } finally {
        source.conn.destroy();
      }
    }
    return out;
  } finally {
    target.destroy();
  }
}

export async function copyTable(deps: ActivityDeps, task: CopyTask): Promise<CopyResult> {
  const { ref, shard, stream, table } = task;
  const started = Date.now();
  const hb = makeHeartbeat<CopyHeartbeat>();
  const progress: CopyHeartbeat = {
    kind: 'copy', streamId: stream.id, sourceShard: stream.sourceShard, table: table.name,
    rowsCopied: 0, rowsScanned: 0, bytesCopied: 0, tablet: '', rowsPerSecond: 0, message: '',
  };
  // LOAD DATA LOCAL is the text path's write (copy-rows.ts).
  const { conn: target, primary } = await connectTargetPrimary(deps, ref.targetKeyspace, shard, { localInfile: true });
  progress.targetTablet = primary.alias;
  let source: Connection | undefined;
  let watchdog: SourceWatchdog | undefined;
  try {
    while (!(await acquireCopyLock(target, ref.workflowId, shard, stream.id, table.name, 5))) {
      progress.message = `waiting for a previous attempt of this copy (${table.name} from ${ref.sourceKeyspace}/${stream.sourceShard}) to finish`;
      hb.beat(progress, true);
      hb.throwIfCancelled();
    }
    progress.message = '';
    // A run prepared by an earlier version has no snapshot_pos column yet.
    await ensureAddedColumns(target);
    await ensureCopyState(target, ref.workflowId, stream.id, table.name);
    let state: CopyStateRow = await readCopyState(target, ref.workflowId, stream.id, table.name);
    Object.assign(progress, { rowsCopied: state.rowsCopied, rowsScanned: state.rowsScanned, bytesCopied: state.bytesCopied });
    if (state.done) return { ...state, done: true };

    const targetDb = `vt_${ref.targetKeyspace}`;
    const sourceDb = `vt_${ref.sourceKeyspace}`;
    const tt = await loadTableTarget(target, targetDb, table, { sourceShards: task.sharedShard ? ref.sourceShards : undefined });
    const sourceIndex = ref.sourceShards.indexOf(stream.sourceShard);
    const startRow = (await readStreams(target, ref.workflowId)).find((s) => s.id === stream.id);
    if (!startRow || startRow.startPos === '') throw new Error(`stream ${stream.id} of shard ${shard} has no start position yet`);
    const startPos = parsePosition(startRow.startPos);

    const picked = await connectSourceTablet(deps, ref, stream.sourceShard, {
      onWait: (message) => { progress.message = message; hb.beat(progress, true); },
      cancelled: hb.cancelled,
    });
    source = picked.conn;
    progress.tablet = picked.tablet.alias;
    progress.message = '';
    const sourceEndpoint = tabletEndpoint(deps, ref.sourceTopo, 'source', picked.tablet.host, picked.tablet.port);
    let lockConn: Connection | undefined;
    watchdog = watchSource({
      endpoint: sourceEndpoint,
      tablet: `${picked.tablet.alias} (${picked.tablet.host}:${picked.tablet.port})`,
      mark: () => progress.rowsScanned,
      connections: () => [source, lockConn],
      // Alive but slow (a lock wait, say): heartbeats keep this attempt, which holds the copy lock.
      onSlow: () => hb.beat(progress, true),
    });
    const flavor = await serverFlavor(source);
    const sourceTable: TableTarget = { ...tt, db: sourceDb };
    await checkSourceColumns(source, sourceDb, tt, `source shard ${ref.sourceKeyspace}/${stream.sourceShard}, tablet ${picked.tablet.alias}`);

    // A snapshot older than the stream's start position would miss changes the catch-up never
    // replays: wait for a lagging tablet to pass it first. The position is read under a brief
    // LOCK TABLES ... READ of this table, held on a second connection while the snapshot opens.
    const snapshotAt = async () => {
      lockConn = await connectMysql(sourceEndpoint);
      try {
        return await startConsistentSnapshot(source!, flavor, { lockConn, tables: [{ db: sourceDb, table: table.name }] });
      } finally {
        lockConn.destroy();
        lockConn = undefined;
      }
    };
    let snapshot = await snapshotAt();
    if (!positionAtLeast(snapshot.position, startPos)) {
      await source.query('ROLLBACK');
      progress.message = `source tablet ${picked.tablet.alias} is behind the stream's start position ${formatPosition(startPos)}; waiting for it`;
      hb.beat(progress, true);
      if (!(await waitForPosition(source, startPos, 60_000))) throw new Error(progress.message);
      snapshot = await snapshotAt();
      progress.message = '';
    }

    const spec: RowSourceSpec = { source, sourceTable, targetTable: tt, table, shard, filterRows: stream.filterRows };
    // Zoned DATETIMEs are converted in each row's SQL (sql-text.ts), which LOAD DATA cannot do
    // without warnings on zero and invalid dates.
    const text = !tt.zoned?.some(Boolean) && (await textPathObstacle(source, flavor, tt)) === undefined;
    const rs = text ? await textRowSource(spec) : await binaryRowSource(spec);
    state = await copyChunks(rs, state, {
      started, task, hb, progress,
      write: async (chunk, prev, next) => {
        // Streams of a shard copy side by side; their batches take the shard's writer lock one
        // at a time, as catch-up holds it, so rows are only ever written by one transaction.
        while (!(await acquireShardLock(target, ref.workflowId, shard, 5))) {
          progress.message = `waiting for the writer lock of shard ${ref.targetKeyspace}/${shard}`;
          hb.beat(progress, true);
          hb.throwIfCancelled();
        }
        progress.message = '';
        try {
          await writeBatch(target, tt, rs, chunk, sourceIndex, ref.workflowId, async () => {
            if (!(await advanceCopyState(target, ref.workflowId, stream.id, table.name, prev.lastpk, next, formatPosition(snapshot.position)))) {
              throw new Error(`the copy checkpoint of ${table.name} from ${stream.sourceShard} moved under this attempt (another attempt advanced or finished it); this attempt stops`);
            }
          });
        } finally {
          await releaseShardLock(target, ref.workflowId, shard).catch(() => undefined);
        }
      },
    });
    hb.beat(progress, true);
    return { rowsCopied: state.rowsCopied, rowsScanned: state.rowsScanned, bytesCopied: state.bytesCopied, done: state.done };
  } catch (err) {
    // A source that stopped answering: its dropped connection's error says less than why.
    const stalled = watchdog?.failure();
    if (activityAttempt() > 1) progress.message = errorText(stalled ?? err);
    throw stalled ?? err;
  } finally {
    watchdog?.stop();
    source?.destroy();
    target.destroy();
  }
}

interface ChunkLoop {
  started: number;
  task: CopyTask;
  hb: ReturnType<typeof makeHeartbeat<CopyHeartbeat>>;
  progress: CopyHeartbeat;
  /** Writes a chunk's kept rows with the checkpoint that follows them (over `prev`), in one transaction. */
  write: (chunk: Chunk, prev: CopyStateRow, next: CopyStateRow) => Promise<void>;
}

/**
 * Reads the table in chunks from the stored lastpk and writes each chunk's kept rows with its
 * checkpoint, until the table ends, the slice is over or the activity is cancelled. Returns the
 * last committed checkpoint.
 */
async function copyChunks(rs: RowSource, from: CopyStateRow, loop: ChunkLoop): Promise<CopyStateRow> {
  const { task, hb, progress } = loop;
  let state = from;
  let lastpk: RowValue[] | null = state.lastpk ? decodeRow(state.lastpk) : null;
  let limit = Math.min(task.batchRows, 1000);
  const fetch = (after: RowValue[] | null, n: number) => {
    const chunk = rs.fetch(after, n);
    // Awaited later; if the write fails first, its rejection must not go unhandled.
    chunk.catch(() => undefined);
    return chunk;
  };
  let next: Promise<Chunk> | undefined = fetch(lastpk, limit);
  let rateMark = { at: Date.now(), rows: state.rowsScanned };
  while (next !== undefined) {
    const chunk = await next;
    next = undefined;
    const done = chunk.scanned < limit;
    if (chunk.lastpk) lastpk = chunk.lastpk;
    limit = nextChunkRows(chunk, limit, { batchRows: task.batchRows, batchBytes: task.batchBytes, holdsScanned: rs.mode === 'binary' });
    const sliceOver = Date.now() - loop.started > task.sliceMs;
    // Read the next chunk while this one is written (source and target are different servers).
    if (!done && !sliceOver && !hb.cancelled()) next = fetch(lastpk, limit);

    const after: CopyStateRow = {
      lastpk: lastpk ? encodeRow(lastpk) : null,
      rowsCopied: state.rowsCopied + chunk.keptCount,
      rowsScanned: state.rowsScanned + chunk.scanned,
      bytesCopied: state.bytesCopied + chunk.keptBytes,
      done,
    };
    await loop.write(chunk, state, after);
    state = after;
    Object.assign(progress, { rowsCopied: state.rowsCopied, rowsScanned: state.rowsScanned, bytesCopied: state.bytesCopied });
    const now = Date.now();
    if (now - rateMark.at >= 1000) {
      progress.rowsPerSecond = Math.round(((state.rowsScanned - rateMark.rows) * 1000) / (now - rateMark.at));
      rateMark = { at: now, rows: state.rowsScanned };
    }
    hb.beat(progress);
    if (done) break;
    if (!next) {
      // Slice over or cancelled: the checkpoint is committed, so stopping here loses nothing.
      hb.throwIfCancelled();
      break;
    }
  }
  return state;
}

/**
 * One batch and its checkpoint in one transaction. Rows normally go in with plain inserts; if
 * one is already there (a row that moved between source shards and came from another stream),
 * the batch is redone as ownership-aware upserts.
 */
async function writeBatch(target: Connection, tt: TableTarget, rs: RowSource, chunk: Chunk, sourceIndex: number, workflowId: string, checkpoint: () => Promise<void>): Promise<void> {
  await target.query('BEGIN');
  try {
    if ((await rs.insert(target, chunk)) === 'ok') {
      await checkpoint();
      await target.query('COMMIT');
      return;
    }
  } catch (err) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await target.query('ROLLBACK');
  const rows = await rs.rows(chunk);
  await target.query('BEGIN');
  try {
    await applyOps({ conn: target, workflowId, maxStatementBytes: MAX_STATEMENT_BYTES, encodeRow, decodeRow }, tt,
      rows.map((row) => ({ kind: 'upsert' as const, source: sourceIndex, row })));
    await checkpoint();
    await target.query('COMMIT');
  } catch (err) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** `where` names the source shard and tablet, since source shards can drift apart. */
async function checkSourceColumns(source: Connection, db: string, tt: TableTarget, where: string): Promise<void> {
  const [rows] = await source.query('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?', [db, tt.name]);
  const have = new Set((rows as { name: string }[]).map((r) => r.name.toLowerCase()));
  const missing = tt.columns.filter((c) => !have.has(c.toLowerCase()));
  if (missing.length > 0) throw schemaError(`table ${tt.name}: column(s) ${missing.join(', ')} of the target are missing in the source (${db} on ${where})`);
}
