// A source tablet's binlog as an async stream of transactions, over zongji.
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
// zongji internals used (0.9.0): `tableMap[tableId].columns[i].charset` and
// `.columnSchemas[i].ENUM_VALUES/SET_VALUES` are patched on each TableMap event so zongji
// decodes text in our charset classes and ENUM/SET labels as the server shows them (see
// patchTableMap); `connection.pause()/resume()` for backpressure; and one query on
// `connection` right after start() to ask the server for heartbeats.
import crypto from 'node:crypto';
import ZongJi, { type AnyBinlogEvent, type TableMapEntry } from '@vlasky/zongji';
import type { RowDataPacket } from 'mysql2/promise';
import { connectMysql, describeEndpoint, type MysqlEndpoint } from './connect';
import { addGtid, flavorOf, formatPosition, parsePosition, positionAtLeast, type Flavor, type GtidPosition } from './gtid';
import { currentPosition } from './positions';
import { readTableSchemas, type ColumnSchema, type TableSchema } from './schema';
import { binlogValueNeedsNormalizing, normalizeBinlogValue, valueKind, ValueKind, type RowValue } from './values';

export interface RowChange {
  table: string;
  kind: 'insert' | 'update' | 'delete';
  before?: Record<string, RowValue>;
  after?: Record<string, RowValue>;
}

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
}

export interface BinlogStream extends AsyncIterable<BinlogItem> {
  readonly flavor: Flavor;
  /** The position after the last transaction seen (bare text). */
  readonly position: string;
  /** True while the connection is paused because the consumer is behind. */
  readonly paused: boolean;
  /** Row changes buffered and not yet taken by the consumer. */
  readonly bufferedChanges: number;
  close(): Promise<void>;
}

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

interface ZongJiColumn { name: string; charset: string | null; type: number }
type ZongJiTable = Omit<TableMapEntry, 'columns'> & { columns: ZongJiColumn[] };
/** The mysql2 (callback API) connection zongji streams the binlog on. */
interface BinlogConnection {
  pause(): void;
  resume(): void;
  query(sql: string, values: unknown[], cb: (err: Error | null) => void): void;
}
interface ZongJiInternals {
  tableMap: Record<number, ZongJiTable>;
  connection: BinlogConnection | null;
}

// zongji type codes (lib/common.js MysqlTypes) and the value kinds each may carry.
const TYPE_KINDS: Record<number, ValueKind[]> = {
  1: [ValueKind.Integer], 2: [ValueKind.Integer], 3: [ValueKind.Integer], 8: [ValueKind.Integer], 9: [ValueKind.Integer],
  246: [ValueKind.Decimal], 4: [ValueKind.Float], 5: [ValueKind.Float], 13: [ValueKind.Year],
  10: [ValueKind.Temporal], 7: [ValueKind.Temporal], 12: [ValueKind.Temporal], 17: [ValueKind.Temporal], 18: [ValueKind.Temporal],
  11: [ValueKind.Time], 19: [ValueKind.Time], 16: [ValueKind.Bit], 247: [ValueKind.Enum], 248: [ValueKind.Enum],
  15: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes], 253: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes],
  254: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes], 141: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes],
  249: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes], 250: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes],
  251: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes], 252: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes],
  140: [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes], 245: [ValueKind.Utf8Text],
};

/** A table's columns in binlog order, with what normalizing each value needs. */
interface TablePlan {
  schema: TableSchema;
  names: string[];
  cols: ColumnSchema[];
  kinds: ValueKind[];
  /** Indexes of the columns whose zongji values need normalizing. */
  normalize: number[];
}

function planFor(schema: TableSchema): TablePlan {
  const kinds = schema.columns.map(valueKind);
  const normalize = schema.columns.flatMap((c, i) => (binlogValueNeedsNormalizing(c, kinds[i]) ? [i] : []));
  return { schema, names: schema.columns.map((c) => c.name), cols: schema.columns, kinds, normalize };
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

/** Event names by event class: getEventName() derives the name from the class on every call. */
const eventNames = new Map<unknown, string>();
function eventName(ev: AnyBinlogEvent): string {
  let name = eventNames.get(ev.constructor);
  if (name === undefined) {
    name = ev.getEventName();
    eventNames.set(ev.constructor, name);
  }
  return name;
}

/** Why the binlog's columns for a table do not match our schema of it, or '' if they do. */
function planMismatch(plan: TablePlan, zcols: readonly ZongJiColumn[]): string {
  if (zcols.length !== plan.names.length || zcols.some((c, i) => c.name !== plan.names[i])) {
    return `columns (${zcols.map((c) => c.name).join(', ')}) vs (${plan.names.join(', ')})`;
  }
  for (let i = 0; i < zcols.length; i++) {
    const allowed = TYPE_KINDS[zcols[i].type];
    if (allowed && !allowed.includes(plan.kinds[i])) return `column ${plan.names[i]} binlog type ${zcols[i].type} vs ${plan.cols[i].columnType}`;
  }
  return '';
}

/**
 * Makes zongji decode this table's rows in our value classes: utf8 text as utf8 (zongji maps
 * collation ids with MySQL's table, and unknown ids, such as MariaDB's own, default to utf8mb4),
 * any other text as 'binary' so its code units are the column's bytes (zongji's iconv decoders
 * differ from the server's for bytes a charset leaves unmapped, e.g. latin1 0x81), and ENUM/SET
 * labels from information_schema (the same text the copy reader gets).
 */
function patchTableMap(entry: ZongJiTable, plan: TablePlan): void {
  const schemas = entry.columnSchemas as unknown as Record<string, unknown>[];
  for (let i = 0; i < entry.columns.length; i++) {
    const kind = plan.kinds[i];
    if (kind === ValueKind.Utf8Text) entry.columns[i].charset = 'utf8mb4';
    else if (kind === ValueKind.TextBytes) entry.columns[i].charset = 'binary';
    else if (kind === ValueKind.Enum && plan.cols[i].enumValues) {
      if (plan.cols[i].dataType === 'enum') schemas[i].ENUM_VALUES = plan.cols[i].enumValues;
      else schemas[i].SET_VALUES = plan.cols[i].enumValues;
    }
  }
}

const CONTROL_STATEMENT = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i;
const DML_STATEMENT = /^\s*(INSERT|UPDATE|DELETE|REPLACE|LOAD\s+DATA)\b/i;

interface OpenGroup {
  gtid: string;
  positionBefore: string;
  changes: RowChange[];
  bytes: number;
  ddl?: { db: string; sql: string };
  touched: boolean;
}

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
    await ctrl.end().catch(() => ctrl.destroy());
    throw err;
  }
  const tracker = new PositionTracker(position);
  let positionText = tracker.text;
  const startText = positionText;

  const zj = new ZongJi({
    host: opts.endpoint.host, port: opts.endpoint.port, user: opts.endpoint.user, password: opts.endpoint.password ?? '',
    // The value options zongji honours, set as connectMysql sets them for the copy reader.
    dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, timezone: 'Z', charset: 'UTF8MB4_GENERAL_CI',
  });
  const internals = zj as unknown as ZongJiInternals;

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

  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const conn = () => internals.connection;
  const setPaused = () => {
    const c = conn();
    if (!c) return;
    if (pausedForBackpressure || refreshing.size > 0) {
      c.pause();
    } else {
      // The idle watchdog must not count the time we held the connection still.
      lastEventAt = Date.now();
      c.resume();
    }
  };
  const fail = (err: unknown, what?: string) => {
    if (failure || closed) return;
    const e = err as { errno?: number; code?: string };
    let text: string;
    if (what) text = what;
    else if (e.errno === 1236 || e.errno === 1945 || e.errno === 1955) {
      text = `binlog position '${positionText}' is not available on ${where} (binlogs purged, or the position is not in this server's history): ${errorText(err)}`;
    } else if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.errno === 1053) {
      text = `lost the binlog connection to ${where} at position '${positionText}': ${errorText(err)}`;
    } else {
      text = `binlog stream from ${where} at position '${positionText}' failed: ${errorText(err)}`;
    }
    failure = new Error(text, { cause: err });
    wake();
  };

  const enqueue = (item: QueuedItem) => {
    const last = queue.length > head ? queue[queue.length - 1] : undefined;
    // Coalesce runs of empty transactions and heartbeats the consumer has not taken yet: the
    // latest one carries the furthest position, and nothing else is lost.
    if (last && isEmpty(last) && isEmpty(item) && last.type === item.type) {
      queue[queue.length - 1] = item;
    } else {
      queue.push(item);
      if (item.type === 'transaction') {
        queuedChanges += item.changes.length;
        queuedBytes += item.bytes ?? 0;
      }
    }
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

  // zongji builds a fresh object per row image, keyed by exactly our column names (planMismatch
  // checked that), so values are normalized in place rather than copied.
  const image = (plan: TablePlan, raw: Record<string, unknown>): Record<string, RowValue> => {
    const idx = plan.normalize;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const name = plan.names[i];
      raw[name] = normalizeBinlogValue(raw[name], plan.cols[i], plan.kinds[i]);
    }
    return raw as Record<string, RowValue>;
  };

  const refreshSchema = async (table: string, tableId: number) => {
    try {
      const fresh = (await readTableSchemas(ctrl, db, [table])).get(table);
      if (fresh) plans.set(table, planFor(fresh));
      staleTables.delete(table);
      const entry = internals.tableMap[tableId];
      const plan = plans.get(table);
      const why = entry && plan ? planMismatch(plan, entry.columns) : 'no table map';
      if (why) {
        fail(undefined, `binlog stream from ${where} at position '${positionText}': the binlog's row format for ${db}.${table} does not match ` +
          `its current schema (${why}); it was altered again later, so these rows cannot be decoded exactly`);
        return;
      }
      if (entry && plan) patchTableMap(entry, plan);
      refreshing.delete(tableId);
      setPaused();
    } catch (err) {
      fail(err);
    }
  };

  const onEvent = (ev: AnyBinlogEvent) => {
    if (closed || failure) return;
    lastEventAt = Date.now();
    const name = eventName(ev);
    switch (name) {
      case 'mariadbgtid':
      case 'gtid': {
        if (group) closeGroup(ev.timestamp);
        const gtid = (ev as { gtid: string }).gtid;
        group = { gtid, positionBefore: positionText, changes: [], bytes: 0, touched: false };
        return;
      }
      case 'tablemap': {
        const tm = ev as Extract<AnyBinlogEvent, { tableName: string; tableId: number }>;
        if (tm.schemaName !== db || !inScope.has(tm.tableName)) return;
        const entry = internals.tableMap[tm.tableId];
        const plan = plans.get(tm.tableName);
        if (!entry || !plan) return;
        if (staleTables.has(tm.tableName) || planMismatch(plan, entry.columns) !== '') {
          // Decode nothing more until our schema of the table is current again (mysql2 queues
          // the packets that arrive while the connection is paused).
          refreshing.add(tm.tableId);
          setPaused();
          void refreshSchema(tm.tableName, tm.tableId);
          return;
        }
        patchTableMap(entry, plan);
        return;
      }
      case 'writerows':
      case 'updaterows':
      case 'deleterows': {
        const re = ev as Extract<AnyBinlogEvent, { rows: unknown[]; tableId: number }>;
        const entry = re.tableMap[re.tableId];
        const plan = entry && entry.parentSchema === db ? plans.get(entry.tableName) : undefined;
        if (!plan) return;
        const table = entry.tableName;
        if (refreshing.has(re.tableId)) {
          // Only possible when zongji itself resumed the connection (its information_schema
          // metadata path); decoding now could misread the rows, so stop instead.
          fail(undefined, `binlog stream from ${where} at position '${positionText}': rows of ${db}.${table} arrived before its schema was re-read`);
          return;
        }
        if (!group) {
          fail(undefined, `binlog stream from ${where} at position '${positionText}': row event for ${db}.${table} outside any GTID transaction`);
          return;
        }
        group.touched = true;
        if (name === 'updaterows') {
          for (const r of re.rows as { before: Record<string, unknown>; after: Record<string, unknown> }[]) {
            group.changes.push({ table, kind: 'update', before: image(plan, r.before), after: image(plan, r.after) });
          }
        } else if (name === 'writerows') {
          for (const r of re.rows as Record<string, unknown>[]) group.changes.push({ table, kind: 'insert', after: image(plan, r) });
        } else {
          for (const r of re.rows as Record<string, unknown>[]) group.changes.push({ table, kind: 'delete', before: image(plan, r) });
        }
        group.bytes += re.size;
        if (group.changes.length >= partChanges || group.bytes >= maxBytes / 2) flushPart(ev.timestamp);
        return;
      }
      case 'xid':
        closeGroup(ev.timestamp);
        return;
      case 'xaprepare':
        if (group && group.touched) {
          fail(undefined, `binlog stream from ${where} at position '${positionText}': XA transaction ${group.gtid} changes ${db} tables; XA transactions are not supported`);
          return;
        }
        closeGroup(ev.timestamp);
        return;
      case 'query': {
        const q = ev as Extract<AnyBinlogEvent, { query: string; schema: string }>;
        const sql = q.query;
        if (/^\s*BEGIN\s*$/i.test(sql)) return;
        if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(sql)) {
          closeGroup(ev.timestamp);
          return;
        }
        if (CONTROL_STATEMENT.test(sql)) return;
        // DDL (or another statement logged as such): ours if it runs in our database or names it.
        const mentions = q.schema === db || sql.includes(`\`${db}\``) || dbNamePattern.test(sql);
        if (mentions && DML_STATEMENT.test(sql)) {
          // A session with binlog_format=STATEMENT: the rows it changed are not in the binlog.
          fail(undefined, `binlog stream from ${where} at position '${positionText}': statement-based DML in ${db} (${sql.slice(0, 80)}) ` +
            'cannot be replayed by rows; the source must log ROW events only');
          return;
        }
        if (group) {
          if (mentions) {
            group.ddl = { db: q.schema || db, sql };
            for (const t of inScope) staleTables.add(t);
          }
          closeGroup(ev.timestamp);
        }
        return;
      }
      case 'heartbeat':
        if (!group) enqueue({ type: 'heartbeat', position: positionText, timestamp: Math.floor(Date.now() / 1000) });
        return;
      default:
        return;
    }
  };

  zj.on('binlog', (ev: AnyBinlogEvent) => {
    try {
      onEvent(ev);
    } catch (err) {
      fail(err);
    }
  });
  zj.on('error', (err: Error) => fail(err));

  const ready = new Promise<void>((resolve) => zj.once('ready', () => resolve()));
  zj.start({
    serverId: opts.serverId,
    gtidSet: startText,
    includeEvents: ['mariadbgtid', 'gtid', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'xaprepare', 'query', 'heartbeat'],
    includeSchema: { [db]: [...inScope] },
  });
  // Ask for heartbeats while idle. zongji has created its binlog connection synchronously in
  // start() and queues its own setup (and the dump command) behind asynchronous steps, so this
  // query runs on that connection before the dump starts. The server reads the period in ns.
  internals.connection?.query('SET @master_heartbeat_period = ?', [Math.round(heartbeatSeconds * 1e9)], (err: Error | null) => {
    if (err) fail(err);
  });
  await Promise.race([ready, new Promise<void>((resolve) => {
    const check = () => (failure ? resolve() : setTimeout(check, 20).unref());
    check();
  })]);
  if (failure) {
    zj.stop();
    await ctrl.end().catch(() => ctrl.destroy());
    throw failure;
  }

  const watchdog = setInterval(() => {
    if (!closed && !pausedForBackpressure && refreshing.size === 0 && Date.now() - lastEventAt > idleTimeoutMs) {
      fail(undefined, `lost the binlog connection to ${where} at position '${positionText}': no events or heartbeats for ${Math.round((Date.now() - lastEventAt) / 1000)} s`);
    }
  }, Math.min(1_000, idleTimeoutMs));
  watchdog.unref();

  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(watchdog);
    const stopped = new Promise<void>((resolve) => zj.once('stopped', () => resolve()));
    zj.stop();
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2_000).unref())]);
    await ctrl.end().catch(() => ctrl.destroy());
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
    if (item.type === 'transaction') {
      queuedChanges -= item.changes.length;
      queuedBytes -= item.bytes ?? 0;
    }
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
    close,
    [Symbol.asyncIterator](): AsyncIterator<BinlogItem> {
      return {
        async next(): Promise<IteratorResult<BinlogItem>> {
          for (;;) {
            const item = take();
            if (item) {
              delete item.bytes;
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
