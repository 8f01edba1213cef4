// Catch-up (DESIGN.md §4.5): every stream of one target shard reads its source shard's binlog
// from its stored position; one applier takes their transactions in arrival order, keeps the
// rows this shard owns, applies them idempotently by primary key, and commits each stream's new
// position in the same transaction as its rows. A dropped connection or a dead tablet means
// another tablet is picked and the stream resumes from its last position.
import { quoteId, type Connection } from '../mysql/connect';
import { formatPosition, parsePosition, positionAtLeast, type GtidPosition } from '../mysql/gtid';
import { binlogReaderServerId, isPositionUnavailable, isShapeMismatch, KEPT_AFTER, KEPT_BEFORE, openBinlogStream, type BinlogStream, type BinlogTransaction, type RowFilterSpec } from '../mysql/binlog';
import type { CatchUpHeartbeat, StreamHeartbeat, StreamPlan, TablePlan } from '../workflows/api';
import type { CatchUpResult, CatchUpTask } from '../workflows/tasks';
import { tabletEndpoint, type ActivityDeps } from './deps';
import { ddlTables, retargetDdl } from './ddl';
import { errorText, isDuplicateKeyError, isSchemaError, schemaError } from './errors';
import { actionChildren, isForeignKeyError, parentActions } from './fk-cascades';
import { makeHeartbeat, pause } from './heartbeat';
import { applyOps, exactKey, UniqueKeyClash, type RowOp } from './row-applier';
import { literal, pkEquals, qualified } from './sql-text';
import { decodeRowFromJson as decodeRow, encodeRowForJson as encodeRow } from '../mysql/values';
import { readTableSchema } from '../mysql/schema';
import { connectSourceTablet } from './source-tablet';
import { watchReplica, type ReplicaWatch } from './replica-watch';
import { mayApplyUnderStop, stepToStop } from './stop-request';
import { acquireShardLock, HOLD, parkedRowsBySource, readStopPositions, readStreams, setStopPosition, setStreamMessage, writeStreamPosition } from './state';
import { releaseLock, tryLock, vdiffLockName } from './vdiff-state';
import { loadTableTarget, targetValueFilter, type RowValue, type TableTarget } from './table-target';
import { connectTargetPrimary } from './target-primary';
import { streamLagSeconds } from './stream-lag';
import { loadCopiedTables, withoutCopiedChanges, type CopiedTables } from './copied-changes';

const MAX_STATEMENT_BYTES = 8 << 20;
const NONE: readonly number[] = [];
/**
 * Bounded buffering between readers and the applier: memory stays flat on any backlog. On the
 * bench (200k-change backlog, 2 -> 3 shards, our MariaDB decoder) 3,000/1,000 applied 20.7k
 * changes/s, 1,200/600 17.9k and 6,000/2,000 20.2k: past this, queued rows only make more work
 * for the garbage collector (they survive young-generation collections), and cost memory.
 */
const QUEUE_CHANGES = 3_000;
const BATCH_CHANGES = 1_000;
/**
 * The same bound in binlog bytes, for large rows: a few 20-40 MB rows queued and applied in one
 * batch took the worker past its heap limit (and one statement past max_allowed_packet).
 * A transaction larger than these still goes, alone.
 */
const QUEUE_BYTES = 24 << 20;
const BATCH_BYTES = 8 << 20;
/** How long a stream held back by a unique-key clash waits before it tries again on its own. */
const CLASH_RETRY_MS = 2_000;
/** How long it waits, with no other stream moving, before it writes over the clash after all. */
const CLASH_GIVE_UP_MS = 60_000;
/** How long a stream waits on a clash before it tries its own later transactions folded in (unless the others are idle at once). */
const CLASH_FOLD_AFTER_MS = 10_000;
/** Each binlog reader's own buffer, on top of the queue. */
const READER_BUFFER_CHANGES = 600;
const READER_BUFFER_BYTES = 1 << 20;

interface StreamRun {
  plan: StreamPlan;
  sourceIndex: number;
  /** Committed on the target. */
  committed: GtidPosition;
  /**
   * Read and queued (committed once the applier gets there): the text of the last queued
   * transaction's position; parsed only where it is compared (`until`), not per transaction.
   */
  queued: string;
  until?: GtidPosition;
  reached: boolean;
  tablet: string;
  lastTimestamp: number;
  eventsApplied: number;
  message: string;
  /**
   * Set when the last binlog stream failed because the tablet lacks the start position (binlogs
   * purged), until a new one delivers something: status shows the stream in Error meanwhile.
   * Other failures (a tablet down) show as Running with a growing lag and the message.
   */
  readerError: string;
  /** Connected and caught up: the source sent a heartbeat after its last change. */
  idle: boolean;
  /** Epoch ms of the last heartbeat: the stream was caught up then, whatever time its last change carries. */
  syncedAt: number;
  /** Set while no binlog reader is connected (stream-lag.ts). */
  disconnected?: { sinceMs: number; lagSeconds: number };
  /** VDiff's request: '' none, 'hold', or a position to stop exactly at (see state.ts). */
  stopPos: string;
  /** True once we told VDiff (state 'Held') that the stream stands still where it asked. */
  held: boolean;
  /**
   * Its rows clash on a unique key with rows another stream has not changed yet (UniqueKeyClash):
   * its transactions wait in the queue, retried once another stream commits, or after `retryAt`.
   */
  clash?: { message: string; retryAt: number; since: number };
  /** Tables whose copy from this stream has changes still ahead of the stream (copied-changes.ts). */
  copied?: CopiedTables;
  closeReader?: () => Promise<void>;
}

interface Queued { stream: StreamRun; txn: BinlogTransaction }

/** What a transaction counts against the queue and batch bounds in changes (a DDL or an empty one counts 1). */
const changeWeight = (txn: BinlogTransaction) => Math.max(1, txn.changes.length);

interface TableRoute {
  target: TableTarget;
  /** Per stream id: does a row belong to this shard. */
  keep: Map<number, (row: RowValue[]) => boolean>;
  /** The same test for the binlog readers of streams that filter (by the vindex column's name). */
  readerFilter?: RowFilterSpec;
  /** Every column of the target table, generated ones included: a source row may carry no other. */
  known: Set<string>;
  /** Indexes (in target.columns) a source row can never lack: primary key and vindex columns. */
  required: Set<number>;
  /** Streams whose row shape for this table was checked since the last DDL they carried. */
  checked: Set<number>;
  /** target narrowed to the columns a source row has, by the missing indexes ('1,4'). */
  partial: Map<string, TableTarget>;
  /** A foreign key deletes or changes other rows when a row of this table is deleted (fk-cascades.ts). */
  cascadesOnDelete: boolean;
  /** Indexes (in target.columns) of referenced columns whose change a foreign key carries to other rows. */
  cascadingUpdates: number[];
}

export async function catchUp(deps: ActivityDeps, task: CatchUpTask): Promise<CatchUpResult> {
  const { ref, shard } = task;
  const started = Date.now();
  const hb = makeHeartbeat<CatchUpHeartbeat>();
  const { conn: target, primary } = await connectTargetPrimary(deps, ref.targetKeyspace, shard);
  const streams: StreamRun[] = [];
  /** Ends the binlog readers (set once they run); also on failure, or they would reconnect forever. */
  let stopReaders = async (): Promise<void> => {};
  let stoppedAtDdl: string | undefined;
  let totalEvents = 0;
  try {
    while (!(await acquireShardLock(target, ref.workflowId, shard, 5))) {
      hb.beat({ kind: 'catchup', streams: [], eventsPerSecond: 0, message: `waiting for another writer of shard ${ref.targetKeyspace}/${shard} to finish`, targetTablet: primary.alias }, true);
      hb.throwIfCancelled();
    }
    const targetDb = `vt_${ref.targetKeyspace}`;
    const sourceDb = `vt_${ref.sourceKeyspace}`;
    const routes = await loadRoutes(target, targetDb, task.tables, task.streams, shard, ref.sourceShards);
    const stored = await readStreams(target, ref.workflowId);
    // Tables on either side of a foreign key action replay everything (copied-changes.ts).
    const replayAll = await actionChildren(target, targetDb);
    for (const [name, r] of routes) if (r.cascadesOnDelete || r.cascadingUpdates.length > 0) replayAll.add(name);
    for (const plan of task.streams) {
      const row = stored.find((s) => s.id === plan.id);
      if (!row || row.pos === '') throw new Error(`stream ${plan.id} of shard ${shard} has no position yet (the copy has not started)`);
      const pos = parsePosition(row.pos);
      const until = task.until?.[plan.sourceShard] !== undefined ? parsePosition(task.until[plan.sourceShard]) : undefined;
      streams.push({
        plan, sourceIndex: ref.sourceShards.indexOf(plan.sourceShard), committed: pos, queued: formatPosition(pos), until,
        reached: until !== undefined && positionAtLeast(pos, until), tablet: row.tablet, lastTimestamp: row.transactionTimestamp,
        eventsApplied: 0, message: '', readerError: '', idle: false, syncedAt: 0, stopPos: '', held: false,
        // Out of reach until a reader connects; what the lag was before this call is not known.
        disconnected: { sinceMs: started, lagSeconds: 0 },
        copied: await loadCopiedTables(target, ref.workflowId, plan.id, pos, replayAll),
      });
    }

    const readerFilters = new Map<string, RowFilterSpec>();
    for (const [name, r] of routes) if (r.readerFilter) readerFilters.set(name, r.readerFilter);

    // ---- readers ----
    const queue: Queued[] = [];
    let queuedChanges = 0;
    let queuedBytes = 0;
    const noop = () => {};
    let wakeApplier: () => void = noop;
    let readerWaiters: (() => void)[] = [];
    const wakeReaders = () => { const w = readerWaiters; readerWaiters = []; for (const f of w) f(); };
    /** Items entering (+1) or leaving (-1) the queue, in its bounds. */
    const countQueued = (items: Queued[], sign: 1 | -1) => {
      for (const q of items) {
        queuedChanges += sign * changeWeight(q.txn);
        queuedBytes += sign * (q.txn.bytes ?? 0);
      }
    };
    let stopping = false;
    const readerFailures: Error[] = [];
    const queueFull = () => {
      let changes = queuedChanges;
      let bytes = queuedBytes;
      if (streams.some((x) => x.clash)) {
        for (const q of queue) {
          if (!q.stream.clash) continue;
          changes -= changeWeight(q.txn);
          bytes -= q.txn.bytes ?? 0;
        }
      }
      return changes >= QUEUE_CHANGES || bytes >= QUEUE_BYTES;
    };
    /** A stream held back by a unique-key clash reads on until what it queued fills the queue's bounds by itself. */
    const heldFull = (s: StreamRun) => {
      if (!s.clash) return false;
      let changes = 0;
      let bytes = 0;
      for (const q of queue) {
        if (q.stream !== s) continue;
        changes += changeWeight(q.txn);
        bytes += q.txn.bytes ?? 0;
      }
      return changes >= QUEUE_CHANGES || bytes >= QUEUE_BYTES;
    };
    /** Whether a VDiff's stop request (stop-request.ts) lets this transaction apply. */
    const mayApply = (s: StreamRun, txn: BinlogTransaction) => mayApplyUnderStop(s.stopPos, txn);
    const enqueue = (q: Queued) => {
      queue.push(q);
      countQueued([q], 1);
      q.stream.queued = q.txn.position;
      wakeApplier();
    };
    const pump = async (s: StreamRun) => {
      let exclude: string[] = [];
      while (!stopping && !s.reached) {
        s.idle = false; // until the (new) reader says it is caught up
        let source;
        try {
          source = await connectSourceTablet(deps, ref, s.plan.sourceShard, {
            exclude,
            onWait: (message) => { s.message = message; },
            cancelled: () => stopping || hb.cancelled(),
          });
        } catch (err) {
          s.message = errorText(err);
          if (stopping) return;
          readerFailures.push(err as Error);
          wakeApplier();
          return;
        }
        source.conn.destroy();
        s.tablet = source.tablet.alias;
        s.message = '';
        let reader: BinlogStream | undefined;
        let replica: ReplicaWatch | undefined;
        let replicaStopped: Error | undefined;
        try {
          const endpoint = tabletEndpoint(deps, ref.sourceTopo, 'source', source.tablet.host, source.tablet.port);
          reader = await openBinlogStream({
            endpoint,
            serverId: binlogReaderServerId(ref.workflowId, `${shard}/${s.plan.id}`),
            startPosition: s.queued,
            schemaTables: { db: sourceDb, tables: task.tables.map((t) => t.name) },
            // Rows other shards own are not decoded (the applier still checks what it gets).
            rowFilters: s.plan.filterRows ? readerFilters : undefined,
            // The queue below is the read-ahead; the reader's own buffer only has to bridge the
            // moments the queue is full.
            maxBufferedChanges: READER_BUFFER_CHANGES,
            maxBufferedBytes: READER_BUFFER_BYTES,
          });
          const r = reader;
          s.closeReader = () => r.close();
          s.disconnected = undefined;
          if (source.tablet.type !== 'PRIMARY') {
            replica = watchReplica({ endpoint, tablet: source.tablet.alias, onStopped: (why) => { replicaStopped = why; void r.close(); } });
          }
          for await (const read of reader) {
            if (stopping) break;
            s.readerError = '';
            if (read.type === 'heartbeat') {
              s.idle = true; // nothing newer on the source: caught up
              s.syncedAt = Date.now();
              continue;
            }
            s.idle = false;
            const item = s.copied ? withoutCopiedChanges(s.copied, read) : read;
            if (s.copied?.size === 0) s.copied = undefined;
            // A stream held by a VDiff, or at its stop position, reads no further: what it cannot
            // apply would fill the queue and starve the streams still running to their stops.
            // A stream held back by a unique-key clash reads on, up to the queue's bounds of its
            // own: a later transaction of its own may be what lets the value go. What it queued
            // does not count against the others, or it could fill the queue and stop the stream
            // it waits for.
            while ((queueFull() || !mayApply(s, item) || heldFull(s)) && !stopping) {
              // A stop inside a folded run of empty transactions: stand at the stop first.
              const step = mayApply(s, item) ? undefined : stepToStop(s.stopPos, s.queued, item);
              if (step) {
                enqueue({ stream: s, txn: step });
                continue;
              }
              await new Promise<void>((r) => { readerWaiters.push(r); });
            }
            enqueue({ stream: s, txn: item });
            if (s.until && positionAtLeast(parsePosition(s.queued), s.until)) break;
          }
          if (s.until && positionAtLeast(parsePosition(s.queued), s.until)) return;
          if (stopping) return;
          if (replicaStopped) throw replicaStopped;
          exclude = [];
        } catch (err) {
          // The tablet died or the connection dropped: pick again (another tablet first). Not
          // caught up any more: lag grows from the last moment it was.
          const now = Date.now();
          s.disconnected ??= { sinceMs: now, lagSeconds: streamLagSeconds(s, now, queue.every((q) => q.stream !== s)) };
          s.idle = false;
          s.message = err === replicaStopped ? errorText(err) : `binlog stream from ${s.tablet} failed: ${errorText(err)}; picking a tablet again`;
          // A position no tablet has, or rows no schema reads, is not going to come back by
          // itself: show it as an error.
          s.readerError = isPositionUnavailable(err) || isShapeMismatch(err) ? s.message : '';
          exclude = [s.tablet];
          await pause(1000);
        } finally {
          replica?.stop();
          await reader?.close().catch(() => undefined);
          s.closeReader = undefined;
        }
      }
    };
    const pumps = streams.filter((s) => !s.reached).map((s) => pump(s));
    stopReaders = async () => {
      stopping = true;
      wakeReaders();
      await Promise.all(streams.map((s) => s.closeReader?.().catch(() => undefined)));
      await Promise.allSettled(pumps);
    };

    // ---- applier ----
    // Parked rows, counted now and then for status: only a shard fed by several streams has any.
    let parked = new Map<number, number>();
    let lastParkedPoll = 0;
    const refreshParked = async () => {
      if (streams.length < 2 || Date.now() - lastParkedPoll < 5000) return;
      lastParkedPoll = Date.now();
      parked = await parkedRowsBySource(target, ref.workflowId);
    };

    let rateMark = { at: Date.now(), events: 0 };
    let eventsPerSecond = 0;
    const beat = (force = false) => {
      const now = Date.now();
      if (now - rateMark.at >= 1000) {
        eventsPerSecond = Math.round(((totalEvents - rateMark.events) * 1000) / (now - rateMark.at));
        rateMark = { at: now, events: totalEvents };
      }
      hb.beat({
        kind: 'catchup',
        streams: streams.map((s): StreamHeartbeat => ({
          id: s.plan.id, sourceShard: s.plan.sourceShard, position: formatPosition(s.committed), tablet: s.tablet,
          lagSeconds: streamLagSeconds(s, now, queue.every((q) => q.stream !== s)),
          transactionTimestamp: s.lastTimestamp, eventsApplied: s.eventsApplied, message: s.message,
          ...(s.readerError ? { failing: true } : {}),
          parkedRows: parked.get(s.sourceIndex) ?? 0,
        })),
        eventsPerSecond,
        message: stoppedAtDdl ? `stopped at DDL ${stoppedAtDdl}` : '',
        targetTablet: primary.alias,
      }, force);
    };

    // VDiff's stop requests, polled from the streams table.
    let lastStopPoll = 0;
    let lastStaleCheck = 0;
    const refreshStops = async () => {
      if (Date.now() - lastStopPoll < 250) return;
      lastStopPoll = Date.now();
      let stops = await readStopPositions(target, ref.workflowId);
      // A VDiff holds its lock while its stop requests stand; a request without the lock was left
      // by a VDiff that died (terminated) and would stall this shard forever: clear it.
      if ([...stops.values()].some((v) => v !== '') && Date.now() - lastStaleCheck > 5000) {
        lastStaleCheck = Date.now();
        if (await tryLock(target, vdiffLockName(ref.workflowId, shard), 0)) {
          try {
            for (const [id, v] of stops) if (v !== '') await setStopPosition(target, ref.workflowId, id, '');
          } finally {
            await releaseLock(target, vdiffLockName(ref.workflowId, shard));
          }
          stops = await readStopPositions(target, ref.workflowId);
        }
      }
      let changed = false;
      for (const s of streams) {
        const next = stops.get(s.plan.id) ?? '';
        if (next === s.stopPos) continue;
        // A new request is acknowledged afresh; a cleared one flips the stream back to Running.
        if (next !== '') s.held = false;
        s.stopPos = next;
        changed = true;
      }
      if (changed) wakeReaders();
    };
    /** Tells VDiff a stream stands still: held, or exactly at its stop position. */
    const acknowledgeHolds = async () => {
      for (const s of streams) {
        const still = s.stopPos === HOLD || (s.stopPos !== '' && positionAtLeast(s.committed, parsePosition(s.stopPos)));
        if (still && !s.held) {
          await setStreamMessage(target, ref.workflowId, s.plan.id, 'Held', s.stopPos === HOLD ? 'held for vdiff' : `synchronized for vdiff at ${s.stopPos}`);
          s.held = true;
        } else if (s.stopPos === '' && s.held) {
          await setStreamMessage(target, ref.workflowId, s.plan.id, 'Running', '');
          s.held = false;
        }
      }
    };

    /**
     * Applies a batch. When it clashes on a unique key (row-applier UniqueKeyClash: a row of one
     * stream takes a value a row of another stream still holds here), each stream's part is
     * applied alone: the parts that apply commit, and a stream whose part still clashes is held
     * back, its message saying why, until another stream commits (which may free the value) or
     * a few seconds pass. On the source the value moved in order; here the other stream is behind.
     */
    const applyOrHoldBack = async (batch: Queued[]): Promise<Queued[]> => {
      const clashes = (err: unknown) => err instanceof UniqueKeyClash && streams.length > 1;
      try {
        await applyBatch(target, batch, routes, ref.workflowId);
        for (const q of batch) releaseClash(q.stream);
        return batch;
      } catch (err) {
        if (!clashes(err)) throw err;
      }
      const applied: Queued[] = [];
      for (const s of new Set(batch.map((q) => q.stream))) {
        const part = batch.filter((q) => q.stream === s);
        try {
          await applyBatch(target, part, routes, ref.workflowId);
          applied.push(...part);
          releaseClash(s);
        } catch (err) {
          if (!clashes(err)) throw err;
          // Folded together, the part's transactions may take a value that an earlier one of
          // them let go, which the other stream waits for (a swap): apply them one at a time,
          // up to the one that clashes, so that neither stream waits for the other forever.
          let one = 0;
          let clash = err as Error;
          for (; one < part.length; one++) {
            try {
              await applyBatch(target, [part[one]], routes, ref.workflowId);
            } catch (e) {
              if (!clashes(e)) throw e;
              clash = e as Error;
              break;
            }
            applied.push(part[one]);
          }
          if (one > 0) releaseClash(s);
          if (one === part.length) continue;
          const since = s.clash?.since ?? Date.now();
          const rest = part.slice(one);
          // The stream itself may let the value go in a transaction after this batch (a batch
          // ends at BATCH_CHANGES, and a held stream reads on): folded with what it has queued
          // since, the clash may be gone. Without this, the wait below would end in a REPLACE
          // that deletes the other stream's row for good.
          // Tried once the other streams cannot free the value soon (idle, or a long wait), as
          // a failed try rolls back a large batch.
          const othersIdle = streams.every((x) => x === s || !queue.some((q) => q.stream === x));
          const later = othersIdle || Date.now() - since > CLASH_FOLD_AFTER_MS ? queuedAfter(s) : [];
          if (later.length > 0) {
            try {
              await applyBatch(target, [...rest, ...later], routes, ref.workflowId);
              dequeue(later);
              applied.push(...rest, ...later);
              releaseClash(s);
              continue;
            } catch (e) {
              if (!clashes(e)) throw e;
            }
          }
          // Waiting only helps while another stream may still free the value. A row copied from
          // a later snapshot than the stream replays from can hold it "from the future" (the
          // same stream, or one that is idle, will not free it): after a long wait with nothing
          // else to apply, write as before (REPLACE), and say so; the cutover VDiff checks it.
          if (Date.now() - since > CLASH_GIVE_UP_MS && othersIdle) {
            await applyBatch(target, rest, routes, ref.workflowId, true);
            applied.push(...rest);
            releaseClash(s);
            s.message = `applied after waiting ${Math.round(CLASH_GIVE_UP_MS / 1000)} s on a unique-key clash, replacing the clashing row (the cutover VDiff checks it): ${clash.message}`;
            continue;
          }
          const message = `waiting: ${clash.message}`;
          // The stream's message is ours to set unless the reader has said something since.
          if (s.message === '' || s.message === s.clash?.message || s.message.startsWith('applied after waiting')) s.message = message;
          s.clash = { message, retryAt: Date.now() + CLASH_RETRY_MS, since };
        }
      }
      // Another stream moved: a held one may apply now.
      if (applied.length > 0) for (const s of streams) if (s.clash && !applied.some((q) => q.stream === s)) s.clash.retryAt = 0;
      return applied;
    };
    /** The stream's queued transactions that may apply now, in order, up to a DDL (which applies alone). */
    const queuedAfter = (s: StreamRun): Queued[] => {
      const out: Queued[] = [];
      for (const q of queue) {
        if (q.stream !== s) continue;
        if (q.txn.ddl || !mayApply(s, q.txn)) break;
        out.push(q);
      }
      return out;
    };
    const dequeue = (items: Queued[]) => {
      const gone = new Set(items);
      queue.splice(0, queue.length, ...queue.filter((q) => !gone.has(q)));
      countQueued(items, -1);
      wakeReaders();
    };
    const releaseClash = (s: StreamRun) => {
      if (!s.clash) return;
      if (s.message === s.clash.message) s.message = '';
      s.clash = undefined;
      wakeReaders();
    };

    /**
     * A stop request that came after its stream queued a folded run of empty transactions past
     * the stop: queue the step to the stop (stop-request.ts) before the stream's first
     * transaction that the stop keeps back.
     */
    const stepToStops = () => {
      if (!streams.some((s) => s.stopPos !== '' && s.stopPos !== HOLD)) return;
      const previous = new Map<StreamRun, string>(streams.map((s) => [s, formatPosition(s.committed)]));
      const done = new Set<StreamRun>();
      for (let i = 0; i < queue.length; i++) {
        const q = queue[i];
        if (done.has(q.stream)) continue;
        if (mayApply(q.stream, q.txn)) {
          previous.set(q.stream, q.txn.position);
          continue;
        }
        done.add(q.stream);
        const step = stepToStop(q.stream.stopPos, previous.get(q.stream)!, q.txn);
        if (!step) continue;
        const stepped = { stream: q.stream, txn: step };
        queue.splice(i++, 0, stepped);
        countQueued([stepped], 1);
      }
    };

    /** Reads the target tables' definitions again (after a DDL, or when the operator altered them). */
    const reloadRoutes = async () => {
      const fresh = await loadRoutes(target, targetDb, task.tables, task.streams, shard, ref.sourceShards);
      for (const [k, v] of fresh) routes.set(k, v);
    };
    /**
     * Applies a batch; if it does not fit the target tables as this activity read them, reads them
     * again and tries once more before failing. The operator may have altered a target table
     * while this activity ran: the remedy another shard's schema error asks for (add the column
     * on the target, then start) reaches the shards that had not failed yet only this way.
     */
    const applyWithCurrentSchema = async (batch: Queued[]): Promise<Queued[]> => {
      try {
        return await applyOrHoldBack(batch);
      } catch (err) {
        if (!isSchemaError(err)) throw err;
      }
      await reloadRoutes();
      return applyOrHoldBack(batch);
    };

    const allReached = () => streams.every((s) => s.reached);
    while (!allReached() && !stoppedAtDdl) {
      if (readerFailures.length > 0) throw readerFailures[0];
      if (hb.cancelled() || Date.now() - started > task.sliceMs) break;
      await refreshStops();
      await refreshParked();
      if (queue.length === 0) {
        await acknowledgeHolds();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 500);
          wakeApplier = () => { wakeApplier = noop; clearTimeout(timer); resolve(); };
        });
        beat();
        continue;
      }
      stepToStops();
      // Take whole transactions up to the batch size, in queue order per stream, leaving those a
      // VDiff hold keeps back; stop before a DDL so it applies alone.
      const batch: Queued[] = [];
      const kept: Queued[] = [];
      const blocked = new Set<StreamRun>();
      let changes = 0;
      let bytes = 0;
      let closed = false;
      const now = Date.now();
      const waiting = (s: StreamRun) => s.clash !== undefined && now < s.clash.retryAt;
      for (const item of queue) {
        const full = changes >= BATCH_CHANGES || bytes >= BATCH_BYTES;
        if (closed || blocked.has(item.stream) || !mayApply(item.stream, item.txn) || waiting(item.stream) || full || (item.txn.ddl && batch.length > 0)) {
          if (!closed && (!mayApply(item.stream, item.txn) || waiting(item.stream))) blocked.add(item.stream);
          if (item.txn.ddl || full) closed = true;
          kept.push(item);
          continue;
        }
        batch.push(item);
        changes += changeWeight(item.txn);
        bytes += item.txn.bytes ?? 0;
        if (item.txn.ddl) closed = true;
      }
      queue.splice(0, queue.length, ...kept);
      await acknowledgeHolds();
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          wakeApplier = () => { wakeApplier = noop; clearTimeout(timer); resolve(); };
        });
        await refreshStops();
        beat();
        continue;
      }
      countQueued(batch, -1);
      wakeReaders();
      const ddl = batch.length === 1 ? batch[0].txn.ddl : undefined;
      if (ddl) {
        // Rows after a DDL may have another shape: check the next row of each table from this stream.
        for (const r of routes.values()) r.checked.delete(batch[0].stream.plan.id);
        const outcome = await applyDdl(target, ddl, batch[0], task, sourceDb, targetDb, ref.workflowId);
        if (outcome === 'stop') stoppedAtDdl = ddl.sql;
        if (outcome === 'applied') await reloadRoutes();
      } else {
        // What applied: of the batch, and (after a clash) transactions its stream queued since.
        const applied = await applyWithCurrentSchema(batch);
        if (applied !== batch) {
          const done = new Set(applied);
          const back = batch.filter((q) => !done.has(q));
          queue.unshift(...back);
          countQueued(back, 1);
          batch.splice(0, batch.length, ...applied);
        }
      }
      // Positions only grow within a stream: the last transaction of each stream is where it is.
      const lastOfStream = new Map<StreamRun, BinlogTransaction>();
      for (const q of batch) {
        if (q.txn.timestamp > 0) q.stream.lastTimestamp = q.txn.timestamp;
        q.stream.eventsApplied += q.txn.changes.length;
        totalEvents += q.txn.changes.length;
        lastOfStream.set(q.stream, q.txn);
      }
      for (const [s, txn] of lastOfStream) {
        s.committed = parsePosition(txn.position);
        if (s.until && positionAtLeast(s.committed, s.until)) s.reached = true;
      }
      beat();
    }
    await stopReaders();
    beat(true);
    return {
      positions: Object.fromEntries(streams.map((s) => [s.plan.id, formatPosition(s.committed)])),
      eventsApplied: totalEvents,
      reachedUntil: task.until !== undefined && allReached(),
      stoppedAtDdl,
    };
  } finally {
    await stopReaders();
    target.destroy();
  }
}

async function loadRoutes(target: Connection, db: string, tables: TablePlan[], streams: StreamPlan[], shard: string, sourceShards: string[]): Promise<Map<string, TableRoute>> {
  const routes = new Map<string, TableRoute>();
  const parents = await parentActions(target, db);
  for (const table of tables) {
    const tt = await loadTableTarget(target, db, table, { sourceShards: streams.length > 1 ? sourceShards : undefined });
    const f = await targetValueFilter(table, tt, shard);
    const owned = f ? (row: RowValue[]) => f.keep(row[f.column]) : () => true;
    const keep = new Map<number, (row: RowValue[]) => boolean>();
    for (const s of streams) keep.set(s.id, s.filterRows ? owned : () => true);
    const known = new Set((await readTableSchema(target, db, table.name)).columns.map((c) => c.name));
    const indexOf = (name: string) => tt.columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    const required = new Set([...tt.pkIndexes, ...[table.vindex, table.sourceVindex].flatMap((v) => v?.columns ?? []).map(indexOf).filter((i) => i >= 0)]);
    routes.set(table.name, { target: tt, keep, readerFilter: f && { column: tt.columns[f.column], keep: f.keep }, known, required, checked: new Set(), partial: new Map(),
      cascadesOnDelete: parents.get(table.name)?.onDelete ?? false,
      cascadingUpdates: (parents.get(table.name)?.onUpdateColumns ?? []).map(indexOf).filter((i) => i >= 0) });
  }
  return routes;
}

/**
 * A source row image in the target's column order. Columns the image lacks (the target has a
 * column its source shard does not have yet: --on-ddl EXEC on a shard fed by several source
 * shards, between their ALTERs) are listed in `missing` and left out of the write, so they take
 * the target's default, as Vitess applies rows with the source's own columns. A column the
 * target lacks is an error naming it: writing the row would silently drop its value.
 */
function toRow(route: TableRoute, streamId: number, image: Record<string, RowValue>, table: string): { row: RowValue[]; missing: string } {
  const t = route.target;
  const row = new Array<RowValue>(t.columns.length);
  let missing = '';
  for (let i = 0; i < t.columns.length; i++) {
    const v = image[t.columns[i]];
    if (v === undefined) {
      if (route.required.has(i)) {
        throw schemaError(`table ${table}: the source binlog row has no column ${t.columns[i]}, which the target needs to key or place the row (the source schema changed; see --on-ddl)`);
      }
      missing += (missing === '' ? '' : ',') + i;
      row[i] = null;
    } else {
      row[i] = v;
    }
  }
  if (!route.checked.has(streamId)) {
    const unknown = Object.keys(image).filter((c) => !route.known.has(c));
    if (unknown.length > 0) {
      throw schemaError(`table ${table}: the source binlog row has column(s) ${unknown.join(', ')} that the target table ${t.db}.${t.name} lacks ` +
        '(the source schema changed and --on-ddl did not apply the change to the target); add the column(s) on the target, then start the workflow again');
    }
    route.checked.add(streamId);
  }
  return { row, missing };
}

/**
 * route.target narrowed to the columns a source row has (`missing`: the indexes it lacks): an
 * insert gives the others their default, an update leaves them as they are. (A narrowed row
 * parked in shadow_rows keeps its narrow shape; promoting it later with all columns fails with a
 * column-count error rather than writing a wrong value.)
 */
function partialTarget(route: TableRoute, missing: string): { target: TableTarget; project: (row: RowValue[]) => RowValue[] } {
  const absent = new Set(missing.split(',').map(Number));
  const t = route.target;
  const present = t.columns.map((_, i) => i).filter((i) => !absent.has(i));
  let narrowed = route.partial.get(missing);
  if (!narrowed) {
    const at = new Map(present.map((i, j) => [i, j]));
    const owner = t.owner;
    narrowed = {
      ...t,
      columns: present.map((i) => t.columns[i]),
      columnSchemas: present.map((i) => t.columnSchemas[i]),
      kinds: present.map((i) => t.kinds[i]),
      pkIndexes: t.pkIndexes.map((i) => at.get(i)!),
      // The owner reads the source vindex column, which every row has (route.required).
      owner: owner ? (row) => owner(t.columns.map((_, i) => (at.has(i) ? row[at.get(i)!] : null))) : undefined,
      ownerColumn: t.ownerColumn !== undefined ? at.get(t.ownerColumn) : undefined,
    };
    route.partial.set(missing, narrowed);
  }
  return { target: narrowed, project: (row) => present.map((i) => row[i]) };
}

function pushOp(runs: { missing: string; ops: RowOp[] }[], missing: string, op: RowOp): void {
  const last = runs[runs.length - 1];
  if (last && last.missing === missing) last.ops.push(op);
  else runs.push({ missing, ops: [op] });
}

/** Per table, runs of consecutive ops with the same columns (nearly always one run of full rows). */
type TableRuns = Map<string, { missing: string; ops: RowOp[] }[]>;

/**
 * Turns a batch of source transactions into per-table ops and applies them with the positions.
 * Ops are folded per table; a delete whose table cascades (fk-cascades.ts) is a cut: what came
 * before it is written first, then the delete alone with foreign_key_checks on, so the target's
 * own foreign key actions change the children as the source's did, at the same point.
 */
async function applyBatch(target: Connection, batch: Queued[], routes: Map<string, TableRoute>, workflowId: string, allowUniqueClash = false): Promise<void> {
  let perTable: TableRuns = new Map();
  const flush = async (cascade = false) => {
    const runs = perTable;
    perTable = new Map();
    if (!cascade) return writeRuns(target, runs, routes, workflowId, allowUniqueClash);
    // A child the source did not have here yet (rows copied from a later snapshot while catching
    // up from before it) fails the checks: the delete then goes through unchecked.
    if (!(await withForeignKeyChecks(target, () => writeRuns(target, runs, routes, workflowId, allowUniqueClash)))) await writeRuns(target, runs, routes, workflowId, allowUniqueClash);
  };
  await target.query('BEGIN');
  try {
    for (const { stream, txn } of batch) {
      for (const change of txn.changes) {
        const route = routes.get(change.table);
        if (!route) continue;
        const t = route.target;
        const keep = route.keep.get(stream.plan.id)!;
        const before = change.before ? toRow(route, stream.plan.id, change.before, change.table) : undefined;
        const after = change.after ? toRow(route, stream.plan.id, change.after, change.table) : undefined;
        // The reader's row filter already judged the images it kept (the same test as keep).
        const beforeHere = before !== undefined && (change.kept !== undefined ? (change.kept & KEPT_BEFORE) !== 0 : keep(before.row));
        const afterHere = after !== undefined && (change.kept !== undefined ? (change.kept & KEPT_AFTER) !== 0 : keep(after.row));
        const cascade = route.cascadesOnDelete && beforeHere && change.kind === 'delete';
        if (cascade) await flush();
        const moved = route.cascadingUpdates.length > 0 && beforeHere && afterHere ? route.cascadingUpdates.filter((i) => !sameValue(before.row[i], after.row[i])) : NONE;
        if (moved.length > 0 && before!.missing === '' && after!.missing === '') {
          // The referenced columns change in place, with the checks on, so the target's own
          // ON UPDATE actions follow; the row's upsert below then finds it at its new key.
          await flush();
          const set = moved.map((i) => `${quoteId(t.columns[i])}=${literal(t, i, after!.row[i])}`).join(',');
          await withForeignKeyChecks(target, () => target.query(`UPDATE ${qualified(t)} SET ${set} WHERE ${pkEquals(t, before!.row)}`));
        }
        const runs = perTable.get(change.table) ?? [];
        perTable.set(change.table, runs);
        if (afterHere) {
          // A changed primary key is a delete of the old key and an insert of the new one.
          if (beforeHere && exactKey(t, before.row) !== exactKey(t, after.row)) pushOp(runs, '', { kind: 'delete', source: stream.sourceIndex, row: before.row });
          pushOp(runs, after.missing, { kind: 'upsert', source: stream.sourceIndex, row: after.row });
        } else if (beforeHere) {
          // A delete needs the key only, which every row has.
          pushOp(runs, '', { kind: 'delete', source: stream.sourceIndex, row: before.row });
        }
        if (cascade) await flush(true);
      }
    }
    await flush();
    const last = new Map<StreamRun, BinlogTransaction>();
    for (const q of batch) last.set(q.stream, q.txn);
    for (const [s, txn] of last) {
      const ts = batch.filter((q) => q.stream === s && q.txn.timestamp > 0).map((q) => q.txn.timestamp).pop() ?? 0;
      const changes = batch.reduce((n, q) => n + (q.stream === s ? q.txn.changes.length : 0), 0);
      await writeStreamPosition(target, workflowId, s.plan.id, txn.position, ts, s.tablet, changes);
    }
    await target.query('COMMIT');
  } catch (err) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Runs `write` with foreign_key_checks on, in a savepoint. A foreign key error, or a duplicate key
 * (a key change replayed over rows copied at a later snapshot), rolls back to the savepoint and
 * returns false: the caller writes as without the action. The checks are off again either way.
 */
async function withForeignKeyChecks(target: Connection, write: () => Promise<unknown>): Promise<boolean> {
  await target.query('SAVEPOINT vtm_cascade');
  try {
    await target.query('SET SESSION foreign_key_checks = 1');
    await write();
    return true;
  } catch (err) {
    if (!isForeignKeyError(err) && !isDuplicateKeyError(err)) throw err;
    await target.query('ROLLBACK TO SAVEPOINT vtm_cascade');
    return false;
  } finally {
    await target.query('SET SESSION foreign_key_checks = 0');
  }
}

function sameValue(a: RowValue, b: RowValue): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (a === null || b === null) return a === b;
  return String(a) === String(b);
}

async function writeRuns(target: Connection, perTable: TableRuns, routes: Map<string, TableRoute>, workflowId: string, allowUniqueClash: boolean): Promise<void> {
  const ctx = { conn: target, workflowId, maxStatementBytes: MAX_STATEMENT_BYTES, encodeRow, decodeRow, allowUniqueClash };
  for (const [table, runs] of perTable) {
    const route = routes.get(table)!;
    for (const run of runs) {
      if (run.missing === '') {
        await applyOps(ctx, route.target, run.ops);
      } else {
        const { target: narrowed, project } = partialTarget(route, run.missing);
        await applyOps(ctx, narrowed, run.ops.map((op) => ({ ...op, row: project(op.row) })));
      }
    }
  }
}

/** --on-ddl: IGNORE, STOP (position saved past the DDL, as Vitess does), EXEC, EXEC_IGNORE. */
async function applyDdl(target: Connection, ddl: { db: string; sql: string }, q: Queued, task: CatchUpTask, sourceDb: string, targetDb: string, workflowId: string): Promise<'ignored' | 'stop' | 'applied'> {
  const named = ddlTables(ddl.sql, ddl.db) ?? [];
  const relevant = named.some((n) => n.db === sourceDb && task.tables.some((t) => t.name === n.table));
  let outcome: 'ignored' | 'stop' | 'applied' = 'ignored';
  if (relevant && task.onDdl === 'STOP') outcome = 'stop';
  if (relevant && (task.onDdl === 'EXEC' || task.onDdl === 'EXEC_IGNORE')) {
    try {
      await target.query(`USE ${quoteId(targetDb)}`);
      await target.query(retargetDdl(ddl.sql, sourceDb, targetDb));
      outcome = 'applied';
    } catch (err) {
      if (task.onDdl === 'EXEC') throw new Error(`applying the source DDL on the target failed (--on-ddl EXEC): ${ddl.sql}: ${errorText(err)}`);
    }
  }
  await writeStreamPosition(target, workflowId, q.stream.plan.id, q.txn.position, q.txn.timestamp, q.stream.tablet);
  return outcome;
}
