// The binlog event source for MariaDB: our own dump connection (binlog-dump.ts) and row
// decoder (binlog-rows.ts). Per source transaction it parses four small events (GTID, table
// map, rows, XID); a table map identical to the last one of its table id is not parsed again.
//
// A column type the decoder does not read, or a compressed event (log_bin_compress), ends the
// stream through `unsupported`: the caller then reads this source with zongji instead.
import type { RowChange } from './binlog';
import { startMariadbDump, EventType, type EventHeader } from './binlog-dump';
import { compileRowDecoder, compileRowFilter, parseTableMap, readLenenc, UnsupportedBinlogColumn, type Cursor, type RowDecoder, type RowFilter, type TableMap } from './binlog-rows';
import { KEPT_AFTER, KEPT_BEFORE, planForNames, shapeMismatch, type EventSource, type SourceStart, type TablePlan } from './binlog-source';

const EMPTY = Buffer.alloc(0);

/** `plan`: today's schema of the table, as asked for; `decoded`: the columns its rows carry (planForNames). */
interface Prepared { map: TableMap; plan: TablePlan; decoded: TablePlan; decoder: RowDecoder; filter?: RowFilter }

/** The first column (of `n`) a columns-present bitmap at `pos` leaves out, or -1 if none. */
function firstAbsent(buf: Buffer, pos: number, n: number): number {
  for (let i = 0; i < n; i++) if ((buf[pos + (i >>> 3)] & (1 << (i & 7))) === 0) return i;
  return -1;
}

function gtidText(buf: Buffer, header: EventHeader): string {
  const lo = buf.readUInt32LE(header.body);
  const hi = buf.readUInt32LE(header.body + 4);
  const seq = hi < 0x200000 ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  const domain = buf.readUInt32LE(header.body + 8);
  return `${domain}-${header.serverId}-${seq}`;
}

export async function startMariadbSource(start: SourceStart, unsupported: (reason: string) => void): Promise<EventSource> {
  const { opts, db, inScope, handlers: h } = start;
  /** The latest table map of each table id, and its bytes (to skip re-parsing an identical one). */
  const maps = new Map<number, { bytes: Buffer; map: TableMap }>();
  const prepared = new Map<number, Prepared>();
  const cursor: Cursor = { buf: EMPTY, pos: 0 };

  const onTableMap = (buf: Buffer, header: EventHeader) => {
    const tableId = buf.readUIntLE(header.body, 6);
    const known = maps.get(tableId);
    const len = header.end - header.body;
    if (known && known.bytes.length === len && buf.compare(known.bytes, 0, len, header.body, header.end) === 0) {
      h.onTableMap(tableId, known.map.db, known.map.table);
      return;
    }
    const map = parseTableMap(buf, header.body, header.end);
    maps.set(tableId, { bytes: Buffer.from(buf.subarray(header.body, header.end)), map });
    h.onTableMap(tableId, map.db, map.table);
  };

  const onRows = (buf: Buffer, header: EventHeader, kind: RowChange['kind'], v2: boolean) => {
    const tableId = buf.readUIntLE(header.body, 6);
    const ready = prepared.get(tableId);
    const known = maps.get(tableId);
    if (!known || known.map.db !== db || !inScope.has(known.map.table)) return;
    const table = known.map.table;
    if (!ready || ready.map !== known.map) {
      // Its table map did not prepare: rowsGroup fails the stream if a schema re-read is pending.
      if (h.rowsGroup(tableId, table)) h.fail(undefined, `rows of ${db}.${table} arrived without a usable table map`);
      return;
    }
    let p = header.body + 8;
    if (v2) p += buf.readUInt16LE(p); // extra data, its length counting itself
    let n: number;
    [n, p] = readLenenc(buf, p);
    const bitmapBytes = (n + 7) >>> 3;
    const absent = Math.max(firstAbsent(buf, p, n), kind === 'update' ? firstAbsent(buf, p + bitmapBytes, n) : -1);
    if (absent >= 0 || n !== ready.decoded.names.length) {
      h.fail(undefined, `rows of ${db}.${table} do not carry every column (binlog_row_image must be FULL)`);
      return;
    }
    p += kind === 'update' ? 2 * bitmapBytes : bitmapBytes;
    const group = h.rowsGroup(tableId, table);
    if (!group) return;
    const changes = group.changes;
    const decoder = ready.decoder;
    const filter = ready.filter;
    const c = cursor;
    c.buf = buf;
    c.pos = p;
    const end = header.end;
    while (c.pos < end) {
      let kept: number | undefined;
      if (filter) {
        // Rows the consumer would drop are passed over: only their filter column is read.
        const start = c.pos;
        if (kind === 'insert') kept = filter.test(c) ? KEPT_AFTER : 0;
        else if (kind === 'delete') kept = filter.test(c) ? KEPT_BEFORE : 0;
        else kept = (filter.test(c) ? KEPT_BEFORE : 0) | (filter.test(c) ? KEPT_AFTER : 0);
        if (kept === 0) continue;
        c.pos = start;
      }
      let change: RowChange;
      if (kind === 'insert') change = { table, kind, after: decoder.row(c) };
      else if (kind === 'delete') change = { table, kind, before: decoder.row(c) };
      else change = { table, kind, before: decoder.row(c), after: decoder.row(c) };
      if (kept !== undefined) change.kept = kept;
      changes.push(change);
    }
    c.buf = EMPTY; // do not keep the packet alive
    if (c.pos !== end) throw new Error(`a row event of ${db}.${table} decoded past its end (${c.pos - header.body} of ${end - header.body} bytes)`);
    h.rowsAdded(group, end - header.body, header.timestamp * 1000);
  };

  const onQuery = (buf: Buffer, header: EventHeader) => {
    const b = header.body;
    const schemaLength = buf[b + 8];
    const statusLength = buf.readUInt16LE(b + 11);
    const schemaAt = b + 13 + statusLength;
    const schema = buf.toString('utf8', schemaAt, schemaAt + schemaLength);
    const sql = buf.toString('utf8', schemaAt + schemaLength + 1, header.end);
    h.onQuery(sql, schema, header.timestamp * 1000);
  };

  const onEvent = (buf: Buffer, header: EventHeader) => {
    if (!h.live()) return;
    h.touch();
    const ms = header.timestamp * 1000;
    switch (header.type) {
      case EventType.MariadbGtid: h.onGtid(gtidText(buf, header), ms); return;
      case EventType.TableMap: onTableMap(buf, header); return;
      case EventType.WriteRowsV1: onRows(buf, header, 'insert', false); return;
      case EventType.UpdateRowsV1: onRows(buf, header, 'update', false); return;
      case EventType.DeleteRowsV1: onRows(buf, header, 'delete', false); return;
      case EventType.WriteRowsV2: onRows(buf, header, 'insert', true); return;
      case EventType.UpdateRowsV2: onRows(buf, header, 'update', true); return;
      case EventType.DeleteRowsV2: onRows(buf, header, 'delete', true); return;
      case EventType.Xid: h.onCommit(ms); return;
      case EventType.XaPrepare: h.onXaPrepare(ms); return;
      case EventType.Query: onQuery(buf, header); return;
      case EventType.Heartbeat: h.onHeartbeat(); return;
      default:
        if (header.type === EventType.MariadbQueryCompressed || (header.type >= EventType.MariadbWriteRowsCompressedV1 && header.type <= EventType.MariadbDeleteRowsCompressed)) {
          unsupported(`compressed binlog event (type ${header.type}, log_bin_compress)`);
        }
    }
  };

  const dump = await startMariadbDump(opts.endpoint, { serverId: opts.serverId, gtidPosition: start.startText, heartbeatSeconds: start.heartbeatSeconds }, {
    event: onEvent,
    error: (err) => h.fail(err),
  });

  return {
    pause: () => dump.pause(),
    resume: () => dump.resume(),
    stop: async () => {
      dump.close();
      // The server would notice the closed socket only at its next write (a heartbeat away).
      // A server that does not answer (hung, or why we stop) gets no more of our time: the
      // control connection is closed right after, within a bound (closeWithin).
      await start.control.query({ sql: 'KILL CONNECTION ?', values: [dump.threadId], timeout: 2_000 }).catch(() => undefined);
    },
    prepareTable(tableId: number, plan: TablePlan): string {
      const known = maps.get(tableId);
      if (!known) return 'no table map';
      const have = prepared.get(tableId);
      if (have && have.map === known.map && have.plan === plan) return '';
      // Rows logged before a later ALTER have the columns of then; with their names in the
      // binlog (binlog_row_metadata=FULL) they decode exactly. Without names, only rows of
      // today's shape can, and a same-shape change cannot be told apart.
      const names = known.map.names;
      const types = known.map.columns.map((c) => c.type);
      const older = names !== undefined && (names.length !== plan.names.length || names.some((n, i) => n !== plan.names[i]));
      const decoded = older ? planForNames(plan, names) : plan;
      const why = decoded ? shapeMismatch(decoded, types) : shapeMismatch(plan, types, names);
      if (why || !decoded) return why;
      try {
        const spec = opts.rowFilters?.get(known.map.table);
        const column = spec ? decoded.names.indexOf(spec.column) : -1;
        prepared.set(tableId, {
          map: known.map, plan, decoded, decoder: compileRowDecoder(known.map, decoded.cols, decoded.kinds),
          // A filter column the rows lack: every row goes to the consumer, which says what is wrong.
          filter: spec && column >= 0 ? compileRowFilter(known.map, decoded.cols, decoded.kinds, column, spec.keep) : undefined,
        });
      } catch (err) {
        if (!(err instanceof UnsupportedBinlogColumn)) throw err;
        prepared.delete(tableId);
        unsupported(`table ${db}.${known.map.table}: ${err.message}`);
      }
      return '';
    },
  };
}
