// What `status` and `show` know about a running migration, merged from its sources: the parent's
// status query (phases, plan, per-shard status as the children last reported it), each shard
// child's own status query (fresher), and the heartbeats of the children's pending activities
// (live rows, lag and positions). Pure functions: the Temporal calls are in live.ts.
import type {
  CatchUpHeartbeat,
  CopyHeartbeat,
  MigrateStatus,
  ShardStatus,
  StreamHeartbeat,
  StreamStatus,
  TableCopyProgress,
} from '../workflows/api';

export interface HeartbeatAt<T> {
  details: T;
  /** Epoch ms of the heartbeat (the server's LastHeartbeatTime). */
  at: number;
}

/** A pending activity whose previous attempt failed: Temporal is retrying it. */
export interface RetryingActivity {
  activity: string;
  attempt: number;
  message: string;
  /** The stream it works for, when its last heartbeat says (a copy); else every stream of the shard. */
  streamId?: number;
}

export interface ShardLive {
  shard: string;
  /** The shard child's answer to its status query, when it answered. */
  status?: ShardStatus;
  /** One per stream copying now (a shard fed by several source shards copies them side by side). */
  copies?: HeartbeatAt<CopyHeartbeat>[];
  catchUp?: HeartbeatAt<CatchUpHeartbeat>;
  retries?: RetryingActivity[];
  /**
   * What another of the shard's activities is waiting for, from its heartbeat (initStreams
   * reading the start positions: `No healthy serving tablet found …`).
   */
  waiting?: string;
  /** The stream `waiting` is about, when the heartbeat says (else it is shown on every stream). */
  waitingStream?: number;
}

export interface MigrateView {
  status: MigrateStatus;
  live: ShardLive[];
  /** Epoch ms the view was taken at (all ages and ETAs are relative to it). */
  now: number;
}

export type StreamState = 'Copying' | 'Running' | 'Stopped' | 'Error';

export interface TabletAlias {
  cell: string;
  uid: number;
}

/** One vreplication-like stream: source shard → target shard, as status and show print it. */
export interface StreamRow {
  /** Target shard. */
  shard: string;
  /** The target shard's primary, where Vitess would run the stream. */
  tablet: TabletAlias;
  id: number;
  sourceShard: string;
  position: string;
  state: StreamState;
  /** The error (state Error) or the stream's message ('Stopped after copy.', a held-up copy, ...). */
  message: string;
  /** Set when Temporal is retrying the shard's activity after a failure. */
  retryAttempt?: number;
  tables: Record<string, TableCopyProgress>;
  /** Seconds behind the source, from the catch-up heartbeat; undefined when unknown. */
  lagSeconds?: number;
  /** Epoch seconds of the last applied source transaction (0: none yet). */
  transactionTimestamp: number;
  /** Epoch seconds of the stream's last heartbeat (0: none seen). */
  timeUpdated: number;
  /** The table being copied now, with its live rate. */
  copying?: { table: string; rowsCopied: number; rowsPerSecond: number };
  /** The source tablet streamed from (`cell-uid`), '' when unknown. */
  sourceTablet: string;
  drained: boolean;
}

export type TableCopyPhase = 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETE';

export interface TableRow {
  table: string;
  rowsCopied: number;
  rowsTotal: number;
  /** float32, as Vitess computes it. */
  rowsPercentage: number;
  bytesCopied: number;
  bytesTotal: number;
  bytesPercentage: number;
  phase: TableCopyPhase;
}

/**
 * A heartbeat older than this says the stream may not be running (Vitess's wording): its copy or
 * catch-up beats every second, and Temporal gives up on an activity silent this long
 * (workflows/activities.ts, streaming heartbeatTimeout) and runs it again, on a live worker.
 */
export const STALE_HEARTBEAT_SECONDS = 20;

/** `zone1-100` → {cell: 'zone1', uid: 100}; the uid is after the last dash, as in Vitess. */
export function parseAlias(alias: string): TabletAlias {
  const dash = alias.lastIndexOf('-');
  if (dash <= 0) return { cell: alias, uid: 0 };
  const uid = Number(alias.slice(dash + 1));
  return { cell: alias.slice(0, dash), uid: Number.isFinite(uid) ? uid : 0 };
}

/** Vitess's percentage: 100·part/total as a float32, and 100 when the total is 0. */
export function percentage(part: number, total: number): number {
  return Math.fround(total > 0 ? (100 * part) / total : 100);
}

function liveFor(view: MigrateView, shard: string): ShardLive | undefined {
  return view.live.find((l) => l.shard === shard);
}

/** The freshest status of each shard: the child's own answer, else the parent's copy. */
export function shardStatuses(view: MigrateView): ShardStatus[] {
  return view.status.shards.map((s) => liveFor(view, s.shard)?.status ?? s);
}

function withLiveCopy(tables: Record<string, TableCopyProgress>, hb: CopyHeartbeat | undefined): Record<string, TableCopyProgress> {
  if (!hb) return tables;
  const current = tables[hb.table];
  if (!current || current.done) return tables;
  return {
    ...tables,
    [hb.table]: {
      ...current,
      rowsCopied: Math.max(current.rowsCopied, hb.rowsCopied),
      rowsScanned: Math.max(current.rowsScanned, hb.rowsScanned),
      bytesCopied: Math.max(current.bytesCopied, hb.bytesCopied),
    },
  };
}

function displayState(shard: ShardStatus, state: string): StreamState {
  // A shard in Error whose failure is some streams' own (their copies) has the others in their
  // own state; runs from before per-stream errors show every stream of the shard in Error.
  if (state === 'Error' || (shard.phase === 'Error' && !shard.streams.some((s) => s.error))) return 'Error';
  if (state === 'Copying' || state === 'Running' || state === 'Stopped') return state;
  return 'Stopped';
}

/** For a stream that copied all its tables while another stream of its shard failed: what it waits for. */
function waitingForFailedStreams(shard: ShardStatus, stream: StreamStatus): string {
  const failed = shard.streams.filter((s) => s.error);
  const copied = Object.values(stream.tables).every((t) => t.done);
  if (failed.length === 0 || !copied || stream.state !== 'Copying') return '';
  const names = failed.map((s) => `id=${s.id} (source shard ${s.sourceShard})`).join(', ');
  return `the shard's catch-up waits for the copy of stream${failed.length === 1 ? '' : 's'} ${names}, in Error`;
}

function joinNotes(a: string, b: string): string {
  return a && b ? `${a}; ${b}` : a || b;
}

function stripPeriod(text: string): string {
  return text.replace(/\.+$/, '');
}

/**
 * Rows of a stream waiting behind a row with the same key from another source shard. For a moment
 * after a row moves between source shards that is normal; once the streams are caught up it means
 * the key exists on several source shards, and the target can hold only one of those rows.
 */
export function parkedNote(rows: number): string {
  if (rows <= 0) return '';
  return `${rows} row${rows === 1 ? '' : 's'} parked: another source shard has a row with the same primary key (see README, "Parked rows")`;
}

export function streamRows(view: MigrateView): StreamRow[] {
  const rows: StreamRow[] = [];
  for (const shard of shardStatuses(view)) {
    const live = liveFor(view, shard.shard);
    const catchUp = live?.catchUp;
    for (const stream of shard.streams) {
      const copy = live?.copies?.find((c) => c.details.streamId === stream.id);
      const hbCopy = copy?.details;
      const hbStream: StreamHeartbeat | undefined = catchUp?.details.streams.find((s) => s.id === stream.id);
      const heartbeatAt = copy ? copy.at : hbStream ? catchUp?.at : undefined;
      let state = displayState(shard, stream.state);
      let message = stripPeriod(stream.message);
      let retryAttempt: number | undefined;
      if (state === 'Error') message = stripPeriod(stream.error || shard.lastError || stream.message || 'unknown error');
      else if (shard.phase === 'Error') message = joinNotes(message, waitingForFailedStreams(shard, stream));
      const retry = live?.retries?.find((r) => r.streamId === undefined || r.streamId === stream.id);
      if (retry) {
        // Temporal is retrying this stream's activity (or the shard's): Vitess shows a stream that keeps failing as Error.
        state = 'Error';
        message = stripPeriod(retry.message);
        retryAttempt = retry.attempt;
      } else if (state === 'Running' && hbStream?.failing) {
        // Catch-up keeps trying other tablets, but the stream is not replicating: Vitess shows Error.
        state = 'Error';
        message = stripPeriod(hbStream.message);
      } else if (state !== 'Error') {
        const held = stripPeriod(hbCopy?.message || hbStream?.message || catchUp?.details.message || '');
        if (held) message = message ? `${message}; ${held}` : held;
      }
      if (state !== 'Error' && live?.waiting && (live.waitingStream === undefined || live.waitingStream === stream.id)) message = joinNotes(message, stripPeriod(live.waiting));
      const parked = parkedNote(hbStream?.parkedRows ?? 0);
      if (parked) message = message ? `${message}; ${parked}` : parked;
      rows.push({
        shard: shard.shard,
        // Where the stream writes now (a reparent moves it), else the primary of the plan.
        tablet: parseAlias(hbCopy?.targetTablet || catchUp?.details.targetTablet || shard.primaryAlias),
        id: stream.id,
        sourceShard: stream.sourceShard,
        position: hbStream?.position || stream.position,
        state,
        message,
        retryAttempt,
        tables: withLiveCopy(stream.tables, hbCopy),
        lagSeconds: hbStream?.lagSeconds,
        transactionTimestamp: hbStream?.transactionTimestamp ?? 0,
        timeUpdated: heartbeatAt ? Math.floor(heartbeatAt / 1000) : 0,
        copying: hbCopy ? { table: hbCopy.table, rowsCopied: hbCopy.rowsCopied, rowsPerSecond: hbCopy.rowsPerSecond } : undefined,
        sourceTablet: hbCopy?.tablet || hbStream?.tablet || stream.tablet,
        drained: shard.phase === 'Drained',
      });
    }
  }
  return rows.sort((a, b) => (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : a.id - b.id));
}

/** Per table over every stream: rows copied to the target, the source estimate, and its phase. */
export function tableRows(view: MigrateView, rows: StreamRow[]): TableRow[] {
  const { status } = view;
  return [...status.tables].sort().map((table) => {
    let rowsCopied = 0;
    let bytesCopied = 0;
    let started = false;
    let done = rows.length > 0;
    for (const r of rows) {
      const p = r.tables[table];
      if (!p) {
        done = false;
        continue;
      }
      rowsCopied += p.rowsCopied;
      bytesCopied += p.bytesCopied;
      if (p.rowsScanned > 0 || p.rowsCopied > 0) started = true;
      if (!p.done) done = false;
    }
    const rowsTotal = status.tableRowsEstimate[table] ?? 0;
    const bytesTotal = status.tableBytesEstimate[table] ?? 0;
    return {
      table,
      rowsCopied,
      rowsTotal,
      rowsPercentage: percentage(rowsCopied, rowsTotal),
      bytesCopied,
      bytesTotal,
      bytesPercentage: percentage(bytesCopied, bytesTotal),
      phase: done ? 'COMPLETE' : started ? 'IN_PROGRESS' : 'NOT_STARTED',
    };
  });
}

/** Whether the copy phase is still under way (Vitess prints the Table Copy Status block only then). */
export function copyInProgress(view: MigrateView, tables: TableRow[]): boolean {
  if (view.status.phase === 'Copying') return true;
  const active = ['Running', 'Stopped', 'CuttingOver', 'CutoverReady'].includes(view.status.phase);
  return active && tables.some((t) => t.phase !== 'COMPLETE');
}

/** Target rows copied per second right now, from the copy heartbeats of the last minute. */
export function liveCopyRate(view: MigrateView): number | undefined {
  let rate = 0;
  let seen = false;
  for (const copy of view.live.flatMap((l) => l.copies ?? [])) {
    if (view.now - copy.at > STALE_HEARTBEAT_SECONDS * 1000) continue;
    const hb = copy.details;
    const kept = hb.rowsScanned > 0 ? hb.rowsCopied / hb.rowsScanned : 1;
    rate += hb.rowsPerSecond * kept;
    seen = true;
  }
  return seen ? rate : undefined;
}
