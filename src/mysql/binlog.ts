// A source tablet's binlog as an async stream of transactions.
//
// Each item is one source transaction (GTID event group) with its row changes on the tables in
// scope, already in the copy reader's value forms (values.ts), and the position after it, so a
// consumer can apply the changes and store the position in one target transaction. Transactions
// on other tables still advance the position (coalesced while the consumer is behind), and an
// idle server yields heartbeats so the consumer can record lag 0.
//
// Memory is bounded: when the consumer is behind, the binlog connection is paused (mysql2 queues
// nothing further from the socket), and a huge source transaction is yielded in parts.
//
// Events come from one of two sources: on MariaDB our own dump connection and row decoder
// (binlog-mariadb.ts), elsewhere, or for column types that decoder does not read, zongji
// (binlog-zongji.ts). This file keeps what does not depend on the source: transactions,
// positions, DDL, schema re-reads, backpressure.
import crypto from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { answerWithin, closeWithin, connectMysql, describeEndpoint, type MysqlEndpoint } from './connect';
import { addGtid, flavorOf, formatPosition, parsePosition, positionAtLeast, type Flavor, type GtidPosition } from './gtid';
import { currentPosition } from './positions';
import { readTableSchemas } from './schema';
import { planFor, type EventSource, type OpenGroup, type SourceHandlers, type SourceStart, type TablePlan } from './binlog-source';
import { startMariadbSource } from './binlog-mariadb';
import { startZongjiSource } from './binlog-zongji';
import type { RowValue } from './values';

export interface RowChange {
  table: string;
  kind: 'insert' | 'update' | 'delete';
  before?: Record<string, RowValue>;
  after?: Record<string, RowValue>;
  /**
   * Set when the stream's row filter (rowFilters) judged the change: which images it keeps,
   * KEPT_BEFORE | KEPT_AFTER, so the consumer need not judge them again.
   */
  kept?: number;
}

export { KEPT_AFTER, KEPT_BEFORE } from './binlog-source';

export interface BinlogTransaction {
  type: 'transaction';
  /** The source GTID ('d-s-n' on MariaDB, 'uuid:n' on MySQL). */
  gtid: string;
  /**
   * The position (bare GTID set text) after this transaction; for a part of a transaction
   * (complete=false), the position before it. Storing either is safe: resuming replays from
   * there, and changes apply idempotently by primary key.
   */
  position: string;
  /** Commit time on the source, epoch seconds. */
  timestamp: number;
  /** False for all but the last part of a transaction too large to buffer whole. */
  complete: boolean;
  /** In source order. Empty for transactions that touch none of the tables in scope. */
  changes: RowChange[];
  /** A statement (DDL) on the database in scope. */
  ddl?: { db: string; sql: string };
  /** Binlog bytes of its row events: what holding it costs, roughly (consumers bound queues by it). */
  bytes?: number;
}

export interface BinlogHeartbeat {
  type: 'heartbeat';
  /** Unchanged position: the server had nothing newer to send. */
  position: string;
  /** Local clock, epoch seconds: the consumer is caught up as of now. */
  timestamp: number;
}

export type BinlogItem = BinlogTransaction | BinlogHeartbeat;

export interface BinlogStreamOptions {
  endpoint: Pick<MysqlEndpoint, 'host' | 'port' | 'user' | 'password'>;
  /** Unique among everything replicating from this server; see binlogReaderServerId. */
  serverId: number;
  /** MariaDB GTID position or MySQL GTID set, optionally flavor-prefixed; '' streams from the oldest binlog. */
  startPosition: string;
  schemaTables: { db: string; tables: string[] };
  /** Seconds between server heartbeats while idle (default 1). */
  heartbeatSeconds?: number;
  /** Buffered row changes above which the connection pauses (default 20,000). */
  maxBufferedChanges?: number;
  /** Buffered binlog bytes above which the connection pauses (default 32 MiB). */
  maxBufferedBytes?: number;
  /** No event or heartbeat for this long means the connection is dead (default max(10 s, 5 heartbeats)). */
  idleTimeoutMs?: number;
  /**
   * Per table: the rows the consumer keeps, judged by one column's value (a target shard's
   * vindex column). Our MariaDB decoder then decodes only the changes whose row image (either,
   * for an update) is kept, and leaves the others out of their transaction (which still
   * advances the position); it reads nothing but that column of the others. A hint: zongji
   * delivers every change, and a consumer must still filter what it gets.
   */
  rowFilters?: Map<string, RowFilterSpec>;
  /** 'zongji' forces the zongji decoder (the bench's baseline); by default a MariaDB source uses ours. */
  decoder?: 'mariadb' | 'zongji';
}

export interface RowFilterSpec {
  /** The column's name, as the source table has it. */
  column: string;
  keep: (value: RowValue) => boolean;
}

export interface BinlogStream extends AsyncIterable<BinlogItem> {
  readonly flavor: Flavor;
  /** The position after the last transaction seen (bare text). */
  readonly position: string;
  /** True while the connection is paused because the consumer is behind. */
  readonly paused: boolean;
  /** Row changes buffered and not yet taken by the consumer. */
  readonly bufferedChanges: number;
  /** Which decoder reads the events: our MariaDB one, or zongji. */
  readonly decoder: 'mariadb' | 'zongji';
  close(): Promise<void>;
}

/** Sources (host:port/db) whose binlog has something only zongji reads: later streams use it. */
const needsZongji = new Set<string>();

const READER_ID_BASE = 1_000_000_000;
const READER_ID_SPAN = 1_000_000_000;

/**
 * A server id for a binlog reader: stable for (workflow, stream, process, nonce), in
 * [1e9, 2e9), so it never collides with tablets (whose ids are their ports, 1-65535 locally).
 * Two readers with one id would make the server drop the older connection.
 */
export function binlogReaderServerId(workflow: string, stream: string, pid: number = process.pid, nonce = ''): number {
  const h = crypto.createHash('sha256').update(`${workflow}\0${stream}\0${pid}\0${nonce}`).digest();
  return READER_ID_BASE + (h.readUInt32BE(0) % READER_ID_SPAN);
}

/**
 * The position after each transaction, as text. MariaDB positions are tracked as one GTID
 * string per domain (the text of a single-domain position is the last GTID itself), which
 * keeps this off the per-transaction profile; MySQL sets go through gtid.ts.
 */
class PositionTracker {
  private readonly domains = new Map<number, string>();
  private order: number[] = [];
  private mysql: GtidPosition | undefined;
  private cached: string;

  constructor(start: GtidPosition) {
    if (start.flavor === 'MariaDB') {
      for (const g of start.gtids) this.domains.set(g.domain, `${g.domain}-${g.server}-${g.sequence}`);
      this.order = [...this.domains.keys()].sort((a, b) => a - b);
    } else {
      this.mysql = start;
    }
    this.cached = formatPosition(start);
  }

  add(gtid: string): void {
    if (this.mysql) {
      this.mysql = addGtid(this.mysql, gtid);
      this.cached = formatPosition(this.mysql);
      return;
    }
    const dash = gtid.indexOf('-');
    const domain = Number(gtid.slice(0, dash));
    if (dash <= 0 || !Number.isInteger(domain)) throw new Error(`unexpected MariaDB GTID '${gtid}' in the binlog`);
    if (!this.domains.has(domain)) this.order = [...this.order, domain].sort((a, b) => a - b);
    this.domains.set(domain, gtid);
    this.cached = this.order.length === 1 ? gtid : this.order.map((d) => this.domains.get(d)).join(',');
  }

  get text(): string {
    return this.cached;
  }
}

const CONTROL_STATEMENT = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i;
const DML_STATEMENT = /^\s*(INSERT|UPDATE|DELETE|REPLACE|LOAD\s+DATA)\b/i;

type QueuedItem = BinlogItem & { bytes?: number };

function errorText(err: unknown): string {
  const e = err as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  const msg = e.sqlMessage ?? e.message ?? String(err);
  return e.errno ? `${msg} (errno ${e.errno}${e.code ? `, ${e.code}` : ''})` : e.code && !msg.includes(e.code) ? `${msg} (${e.code})` : msg;
}

/**
 * Opens the binlog of `endpoint` at `startPosition` and streams the transactions after it.
 * Resolves once the server accepted the dump request (errors such as a purged position may
 * still surface from the iterator, naming host:port and the position).
 */
export async function openBinlogStream(opts: BinlogStreamOptions): Promise<BinlogStream> {
  const where = describeEndpoint(opts.endpoint);
  const db = opts.schemaTables.db;
  const inScope = new Set(opts.schemaTables.tables);
  const dbNamePattern = new RegExp(`(^|[^\\w$])${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\.`);
  const heartbeatSeconds = opts.heartbeatSeconds ?? 1;
  const maxChanges = opts.maxBufferedChanges ?? 20_000;
  const maxBytes = opts.maxBufferedBytes ?? 32 * 1024 * 1024;
  const partChanges = Math.max(1, Math.floor(maxChanges / 2));
  const idleTimeoutMs = opts.idleTimeoutMs ?? Math.max(10_000, heartbeatSeconds * 5_000);

  // A control connection for the schema (and the flavor, to parse the start position).
  const ctrl = await connectMysql({ ...opts.endpoint }).catch((err: unknown) => {
    throw new Error(`cannot open the binlog of ${where}: ${errorText(err)}`, { cause: err });
  });
  let flavor: Flavor;
  let position: GtidPosition;
  const plans = new Map<string, TablePlan>();
  try {
    const [v] = await ctrl.query<RowDataPacket[]>('SELECT VERSION() AS v');
    flavor = flavorOf(String(v[0].v));
    position = parsePosition(opts.startPosition, flavor);
    // MariaDB rejects a start position ahead of its binlog within a known domain, but silently
    // waits on a domain it has never seen; either way the stream could never deliver, so say so.
    const serverPos = await currentPosition(ctrl, flavor);
    if (!positionAtLeast(serverPos, position)) {
      throw new Error(`binlog position '${formatPosition(position)}' is ahead of ${where}, whose binlog ends at '${formatPosition(serverPos)}' ` +
        '(a different or lagging server?)');
    }
    for (const [name, s] of await readTableSchemas(ctrl, db, opts.schemaTables.tables)) {
      // zongji builds row images as plain objects, where a column named __proto__ would set the
      // prototype instead of a value: refuse rather than lose it.
      if (s.columns.some((c) => c.name === '__proto__')) throw new Error(`table ${db}.${name} has a column named __proto__, which the binlog reader cannot carry`);
      plans.set(name, planFor(s));
    }
  } catch (err) {
    await closeWithin(ctrl);
    throw err;
  }
  const tracker = new PositionTracker(position);
  let positionText = tracker.text;
  const startText = positionText;

  const queue: QueuedItem[] = [];
  let head = 0;
  let queuedChanges = 0;
  let queuedBytes = 0;
  let failure: Error | undefined;
  let closed = false;
  let waiter: (() => void) | undefined;
  let group: OpenGroup | undefined;
  let pausedForBackpressure = false;
  /** Tables whose schema must be re-read before their next rows are decoded (after DDL). */
  const staleTables = new Set<string>();
  /** Table ids whose TableMap is waiting for a schema re-read; their rows must not be decoded yet. */
  const refreshing = new Set<number>();
  let lastEventAt = Date.now();
  /** Events seen; the watchdog notes the time it last changed (no clock read per event). */
  let eventsSeen = 0;
  let eventsAtCheck = 0;
  /** The event source (set right below): zongji, or our own MariaDB decoder. */
  let source: EventSource = { pause() {}, resume() {}, stop: async () => {}, prepareTable: () => 'no decoder' };

  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const setPaused = () => {
    if (pausedForBackpressure || refreshing.size > 0) {
      source.pause();
    } else {
      // The idle watchdog must not count the time we held the connection still.
      lastEventAt = Date.now();
      source.resume();
    }
  };
  const fail = (err: unknown, what?: string) => {
    if (failure || closed) return;
    const e = err as { errno?: number; code?: string };
    let text: string;
    if (what) text = what;
    else if (POSITION_UNAVAILABLE.includes(e.errno ?? 0)) {
      text = `binlog position '${positionText}' is not available on ${where} (binlogs purged, or the position is not in this server's history): ${errorText(err)}`;
    } else if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.errno === 1053) {
      text = `lost the binlog connection to ${where} at position '${positionText}': ${errorText(err)}`;
    } else {
      text = `binlog stream from ${where} at position '${positionText}' failed: ${errorText(err)}`;
    }
    failure = new Error(text, { cause: err });
    wake();
  };

  /** What an item adds to the buffer bounds while queued (+1) or takes off when it leaves (-1). */
  const count = (item: QueuedItem, sign: 1 | -1) => {
    if (item.type !== 'transaction') return;
    queuedChanges += sign * item.changes.length;
    queuedBytes += sign * (item.bytes ?? 0);
  };
  const enqueue = (item: QueuedItem) => {
    const last = queue.length > head ? queue[queue.length - 1] : undefined;
    // Coalesce runs of empty transactions and heartbeats the consumer has not taken yet: the
    // latest one carries the furthest position, and nothing else is lost. The replaced one
    // leaves the counts: an empty transaction still has the bytes of the rows a filter left
    // out, and a count that outlived its item once kept the stream paused forever.
    if (last && isEmpty(last) && isEmpty(item) && last.type === item.type) {
      count(last, -1);
      queue[queue.length - 1] = item;
    } else {
      queue.push(item);
    }
    count(item, 1);
    if (!pausedForBackpressure && (queuedChanges >= maxChanges || queuedBytes >= maxBytes)) {
      pausedForBackpressure = true;
      setPaused();
    }
    wake();
  };

  const closeGroup = (timestampMs: number) => {
    const g = group;
    if (!g) return;
    group = undefined;
    tracker.add(g.gtid);
    positionText = tracker.text;
    enqueue({
      type: 'transaction', gtid: g.gtid, position: positionText, timestamp: Math.floor(timestampMs / 1000), complete: true,
      changes: g.changes, ddl: g.ddl, bytes: g.bytes,
    });
  };

  const flushPart = (timestampMs: number) => {
    const g = group;
    if (!g || g.changes.length === 0) return;
    enqueue({
      type: 'transaction', gtid: g.gtid, position: g.positionBefore, timestamp: Math.floor(timestampMs / 1000), complete: false,
      changes: g.changes, bytes: g.bytes,
    });
    g.changes = [];
    g.bytes = 0;
  };

  const refreshSchema = async (table: string, tableId: number) => {
    try {
      // The idle watchdog is off while the dump waits for this (paused): bound it instead.
      const fresh = (await answerWithin(readTableSchemas(ctrl, db, [table]), idleTimeoutMs, `reading the schema of ${db}.${table} from ${where}`)).get(table);
      if (fresh) plans.set(table, planFor(fresh));
      staleTables.delete(table);
      const plan = plans.get(table);
      const why = plan ? source.prepareTable(tableId, plan) : 'no table map';
      if (why) {
        fail({ code: SHAPE_MISMATCH }, `binlog stream from ${where} at position '${positionText}': the binlog's row format for ${db}.${table} does not match ` +
          `its current schema (${why}); it was altered again later, so these rows cannot be decoded exactly`);
        return;
      }
      refreshing.delete(tableId);
      setPaused();
    } catch (err) {
      fail(err);
    }
  };

  // ---- what both decoders share: transactions, DDL, heartbeats ----
  const onGtid = (gtid: string, timestampMs: number) => {
    if (group) closeGroup(timestampMs);
    group = { gtid, positionBefore: positionText, changes: [], bytes: 0, touched: false };
  };
  const onTableMap = (tableId: number, schemaName: string, tableName: string): void => {
    if (schemaName !== db || !inScope.has(tableName)) return;
    const plan = plans.get(tableName);
    if (!plan) return;
    if (staleTables.has(tableName) || source.prepareTable(tableId, plan) !== '') {
      // Decode nothing more until our schema of the table is current again (mysql2 queues
      // the packets that arrive while the connection is paused).
      refreshing.add(tableId);
      setPaused();
      void refreshSchema(tableName, tableId);
    }
  };
  /** The open transaction rows of `table` go into, or undefined after failing the stream. */
  const rowsGroup = (tableId: number, table: string): OpenGroup | undefined => {
    if (refreshing.has(tableId)) {
      // Only possible when the connection was resumed behind our back (zongji's own
      // information_schema metadata path); decoding now could misread the rows, so stop instead.
      fail(undefined, `binlog stream from ${where} at position '${positionText}': rows of ${db}.${table} arrived before its schema was re-read`);
      return undefined;
    }
    if (!group) {
      fail(undefined, `binlog stream from ${where} at position '${positionText}': row event for ${db}.${table} outside any GTID transaction`);
      return undefined;
    }
    group.touched = true;
    return group;
  };
  const rowsAdded = (g: OpenGroup, size: number, timestampMs: number) => {
    g.bytes += size;
    if (g.changes.length >= partChanges || g.bytes >= maxBytes / 2) flushPart(timestampMs);
  };
  const onXaPrepare = (timestampMs: number) => {
    if (group && group.touched) {
      fail(undefined, `binlog stream from ${where} at position '${positionText}': XA transaction ${group.gtid} changes ${db} tables; XA transactions are not supported`);
      return;
    }
    closeGroup(timestampMs);
  };
  const onQuery = (sql: string, schema: string, timestampMs: number) => {
    if (/^\s*BEGIN\s*$/i.test(sql)) return;
    if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(sql)) {
      closeGroup(timestampMs);
      return;
    }
    if (CONTROL_STATEMENT.test(sql)) return;
    // DDL (or another statement logged as such): ours if it runs in our database or names it.
    const mentions = schema === db || sql.includes(`\`${db}\``) || dbNamePattern.test(sql);
    if (mentions && DML_STATEMENT.test(sql)) {
      // A session with binlog_format=STATEMENT: the rows it changed are not in the binlog.
      fail(undefined, `binlog stream from ${where} at position '${positionText}': statement-based DML in ${db} (${sql.slice(0, 80)}) ` +
        'cannot be replayed by rows; the source must log ROW events only');
      return;
    }
    // A statement-logged change to another database (a MIXED or STATEMENT session) is part of
    // its transaction, which goes on: only its COMMIT (or the next GTID) ends it.
    if (!mentions && DML_STATEMENT.test(sql)) return;
    if (group) {
      if (mentions) {
        group.ddl = { db: schema || db, sql };
        for (const t of inScope) staleTables.add(t);
      }
      closeGroup(timestampMs);
    }
  };
  const onHeartbeat = () => {
    if (!group) enqueue({ type: 'heartbeat', position: positionText, timestamp: Math.floor(Date.now() / 1000) });
  };
  const handlers: SourceHandlers = {
    live: () => !closed && !failure,
    touch: () => { eventsSeen++; },
    onGtid, onTableMap, rowsGroup, rowsAdded, onCommit: closeGroup, onXaPrepare, onQuery, onHeartbeat, fail,
  };
  const start: SourceStart = { opts, startText, heartbeatSeconds, db, inScope, plans, handlers, control: ctrl };
  const sourceKey = `${where}/${db}`;
  const decoder = flavor === 'MariaDB' && opts.decoder !== 'zongji' && !needsZongji.has(sourceKey) ? 'mariadb' : 'zongji';
  try {
    if (decoder === 'mariadb') {
      source = await startMariadbSource(start, (reason) => {
        // A type or event our decoder does not read: this source is read with zongji from now on.
        needsZongji.add(sourceKey);
        fail(undefined, `binlog stream from ${where} at position '${positionText}': ${reason}; reconnect to read it with zongji`);
      });
    } else {
      source = await startZongjiSource(start, () => failure);
    }
  } catch (err) {
    await closeWithin(ctrl);
    throw err;
  }
  if (failure) {
    await source.stop();
    await closeWithin(ctrl);
    throw failure;
  }

  const watchdog = setInterval(() => {
    if (eventsSeen !== eventsAtCheck) {
      eventsAtCheck = eventsSeen;
      lastEventAt = Date.now();
    }
    if (!closed && !pausedForBackpressure && refreshing.size === 0 && Date.now() - lastEventAt > idleTimeoutMs) {
      fail(undefined, `lost the binlog connection to ${where} at position '${positionText}': no events or heartbeats for ${Math.round((Date.now() - lastEventAt) / 1000)} s`);
    }
  }, Math.min(1_000, idleTimeoutMs));
  watchdog.unref();

  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(watchdog);
    await source.stop();
    await closeWithin(ctrl);
    wake();
  };

  const take = (): QueuedItem | undefined => {
    if (head >= queue.length) return undefined;
    const item = queue[head];
    queue[head] = undefined as unknown as QueuedItem;
    head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    count(item, -1);
    if (pausedForBackpressure && queuedChanges <= maxChanges / 2 && queuedBytes <= maxBytes / 2) {
      pausedForBackpressure = false;
      setPaused();
    }
    return item;
  };

  const stream: BinlogStream = {
    get flavor() { return flavor; },
    get position() { return positionText; },
    get paused() { return pausedForBackpressure; },
    get bufferedChanges() { return queuedChanges + (group ? group.changes.length : 0); },
    decoder,
    close,
    [Symbol.asyncIterator](): AsyncIterator<BinlogItem> {
      return {
        async next(): Promise<IteratorResult<BinlogItem>> {
          for (;;) {
            const item = take();
            if (item) {
              if (item.type === 'heartbeat') delete item.bytes;
              return { value: item, done: false };
            }
            if (failure) {
              const err = failure;
              await close();
              throw err;
            }
            if (closed) return { value: undefined, done: true };
            await new Promise<void>((resolve) => { waiter = resolve; });
          }
        },
        async return(): Promise<IteratorResult<BinlogItem>> {
          await close();
          return { value: undefined, done: true };
        },
      };
    },
  };
  return stream;
}

function isEmpty(item: BinlogItem): boolean {
  return item.type === 'heartbeat' || (item.complete && item.changes.length === 0 && !item.ddl);
}

/** Server errors for a start position the server's binlogs do not have (purged, or another history). */
const POSITION_UNAVAILABLE = [1236, 1945, 1955];

/** True for a binlog stream that failed because its start position is not available on the server. */
const SHAPE_MISMATCH = 'VTM_BINLOG_SHAPE_MISMATCH';

/**
 * Whether a stream failed on rows it cannot decode with the table's schema (a column dropped or
 * renamed since they were logged): every tablet's binlog has them, so retrying does not help.
 */
export function isShapeMismatch(err: unknown): boolean {
  return (err as { cause?: { code?: string } } | null)?.cause?.code === SHAPE_MISMATCH;
}

export function isPositionUnavailable(err: unknown): boolean {
  const cause = (err as { cause?: { errno?: number } } | null)?.cause;
  return POSITION_UNAVAILABLE.includes(cause?.errno ?? 0);
}
