// The binlog event source over zongji: MySQL sources, and MariaDB tables with column types
// our own decoder (binlog-mariadb.ts) does not read. The bench's decode baseline uses it too.
//
// zongji internals used (0.9.0): `tableMap[tableId].columns[i].charset` and
// `.columnSchemas[i].ENUM_VALUES/SET_VALUES` are patched on each TableMap event so zongji
// decodes text in our charset classes and ENUM/SET labels as the server shows them (see
// patchTableMap); `connection.pause()/resume()` for backpressure; and one query on
// `connection` right after start() to ask the server for heartbeats.
import ZongJi, { type AnyBinlogEvent, type TableMapEntry } from '@vlasky/zongji';
import type { RowChange } from './binlog';
import { shapeMismatch, type EventSource, type SourceStart, type TablePlan } from './binlog-source';
import { normalizeBinlogValue, ValueKind, type RowValue } from './values';

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

// zongji builds a fresh object per row image, keyed by exactly our column names (shapeMismatch
// checked that), so values are normalized in place rather than copied.
function image(plan: TablePlan, raw: Record<string, unknown>): Record<string, RowValue> {
  const idx = plan.normalize;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const name = plan.names[i];
    raw[name] = normalizeBinlogValue(raw[name], plan.cols[i], plan.kinds[i]);
  }
  return raw as Record<string, RowValue>;
}

/** Starts zongji at `startText`; resolves when it is streaming, or when `failed()` says it never will. */
export async function startZongjiSource(start: SourceStart, failed: () => Error | undefined): Promise<EventSource> {
  const { opts, db, plans, handlers: h } = start;
  const zj = new ZongJi({
    host: opts.endpoint.host, port: opts.endpoint.port, user: opts.endpoint.user, password: opts.endpoint.password ?? '',
    // The value options zongji honours, set as connectMysql sets them for the copy reader.
    dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, timezone: 'Z', charset: 'UTF8MB4_GENERAL_CI',
  });
  const internals = zj as unknown as ZongJiInternals;

  const onEvent = (ev: AnyBinlogEvent) => {
    if (!h.live()) return;
    h.touch();
    const name = eventName(ev);
    switch (name) {
      case 'mariadbgtid':
      case 'gtid':
        h.onGtid((ev as { gtid: string }).gtid, ev.timestamp);
        return;
      case 'tablemap': {
        const tm = ev as Extract<AnyBinlogEvent, { tableName: string; tableId: number }>;
        h.onTableMap(tm.tableId, tm.schemaName, tm.tableName);
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
        const group = h.rowsGroup(re.tableId, table);
        if (!group) return;
        const changes: RowChange[] = group.changes;
        if (name === 'updaterows') {
          for (const r of re.rows as { before: Record<string, unknown>; after: Record<string, unknown> }[]) {
            changes.push({ table, kind: 'update', before: image(plan, r.before), after: image(plan, r.after) });
          }
        } else if (name === 'writerows') {
          for (const r of re.rows as Record<string, unknown>[]) changes.push({ table, kind: 'insert', after: image(plan, r) });
        } else {
          for (const r of re.rows as Record<string, unknown>[]) changes.push({ table, kind: 'delete', before: image(plan, r) });
        }
        h.rowsAdded(group, re.size, ev.timestamp);
        return;
      }
      case 'xid':
        h.onCommit(ev.timestamp);
        return;
      case 'xaprepare':
        h.onXaPrepare(ev.timestamp);
        return;
      case 'query': {
        const q = ev as Extract<AnyBinlogEvent, { query: string; schema: string }>;
        h.onQuery(q.query, q.schema, ev.timestamp);
        return;
      }
      case 'heartbeat':
        h.onHeartbeat();
        return;
      default:
        return;
    }
  };

  zj.on('binlog', (ev: AnyBinlogEvent) => {
    try {
      onEvent(ev);
    } catch (err) {
      h.fail(err);
    }
  });
  zj.on('error', (err: Error) => h.fail(err));

  const ready = new Promise<void>((resolve) => zj.once('ready', () => resolve()));
  zj.start({
    serverId: opts.serverId,
    gtidSet: start.startText,
    includeEvents: ['mariadbgtid', 'gtid', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'xaprepare', 'query', 'heartbeat'],
    includeSchema: { [db]: [...start.inScope] },
  });
  // Ask for heartbeats while idle. zongji has created its binlog connection synchronously in
  // start() and queues its own setup (and the dump command) behind asynchronous steps, so this
  // query runs on that connection before the dump starts. The server reads the period in ns.
  internals.connection?.query('SET @master_heartbeat_period = ?', [Math.round(start.heartbeatSeconds * 1e9)], (err: Error | null) => {
    if (err) h.fail(err);
  });

  const source: EventSource = {
    pause: () => internals.connection?.pause(),
    resume: () => internals.connection?.resume(),
    stop: async () => {
      const stopped = new Promise<void>((resolve) => zj.once('stopped', () => resolve()));
      zj.stop();
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
    prepareTable(tableId: number, plan: TablePlan): string {
      const entry = internals.tableMap[tableId];
      if (!entry) return '';
      const why = shapeMismatch(plan, entry.columns.map((c) => c.type), entry.columns.map((c) => c.name));
      if (why) return why;
      patchTableMap(entry, plan);
      return '';
    },
  };
  await Promise.race([ready, new Promise<void>((resolve) => {
    const check = () => (failed() ? resolve() : setTimeout(check, 20).unref());
    check();
  })]);
  return source;
}
