// The two sides of a table diff as ordered row streams read from snapshot connections: the
// target shard's rows, and the source rows that belong to it merged from every stream's source
// shard. Text rows come from one streamed SELECT per side (streamedRows), binary-protocol rows a
// chunk per query (chunkedRows); either way memory is a bounded number of rows per connection,
// whatever the table's size.
import type { Connection } from '../mysql/connect';
import { coreConnection } from '../mysql/raw-command';
import { RawRow, streamRawRows } from '../mysql/raw-rows';
import { keyIndexHint, pkAfterClause, type BoundSql } from '../mysql/sql';
import type { ColumnSchema } from '../mysql/schema';
import { textSelectExpression, type TextValue } from '../mysql/text-values';
import { convertTzSql, TARGET_ZONE } from '../mysql/time-zone';
import { selectExpression, type RowValue } from '../mysql/values';
import type { KeyOrder } from './vdiff-keys';
import type { TableTarget } from './table-target';

/**
 * Rows read through the text protocol (the copy's text path, text-values.ts): values stay the
 * bytes the server sent, except the columns listed in `decode` (key and vindex columns), which
 * are decoded in place for ordering and filtering. Comparing bytes first is much cheaper than
 * decoding every value through the binary protocol; bytes that differ are decoded and compared
 * by type (vdiff-table.ts).
 *
 * Such a row arrives as its packet's bytes (raw-rows.ts), kept after its columns and key weights
 * (at textRowBytesIndex): two rows with the same bytes are equal without looking further. Only
 * the decoded columns and the weights are filled in as it arrives; completeTextRow fills in the
 * others (as their bytes) when a row's values are needed.
 */
export interface TextRows {
  decoders: ((b: TextValue) => RowValue)[];
  /** The same decoders for a field of a raw row (text-values.ts textFieldDecoder). */
  fieldDecoders: ((buf: Buffer, from: number, to: number) => RowValue)[];
  decode: number[];
}

/** Where a text row keeps its packet bytes: after the table's columns and the key weights. */
export function textRowBytesIndex(t: Pick<TableTarget, 'columns'>, order: Pick<KeyOrder, 'weightSelects'>): number {
  return t.columns.length + order.weightSelects.length;
}

/** Fills in a text row's columns that were left undecoded, as their bytes (or null). */
export function completeTextRow(row: readonly RowValue[], bytesIndex: number): void {
  const out = row as (RowValue | undefined)[];
  if (!out.includes(undefined)) return;
  const raw = row[bytesIndex] as Buffer;
  const fields = new RawRow().reset(raw, 0, raw.length);
  for (let i = 0; i < bytesIndex; i++) {
    fields.next();
    if (out[i] === undefined) out[i] = fields.value();
  }
}

/**
 * SELECT of one chunk: the columns in their canonical (or exact text) forms, then the key weight
 * strings. `zone` (the target side under --source-time-zone): DATETIMEs are read converted from
 * UTC back into the source's zone.
 */
export function diffChunkQuery(t: TableTarget, db: string, order: KeyOrder, after: readonly RowValue[] | null, limit: number | undefined, text = false, zone?: string): BoundSql {
  const q = (s: string) => '`' + s.replace(/`/g, '``') + '`';
  const column = (c: ColumnSchema, i: number) => {
    if (zone && t.zoned?.[i]) return `${convertTzSql(`${q(t.name)}.${q(c.name)}`, TARGET_ZONE, zone)} AS ${q(c.name)}`;
    return text ? textSelectExpression(c, t.name) : selectExpression(c, t.name);
  };
  const cols = [...t.columnSchemas.map(column), ...order.weightSelects].join(', ');
  const where = after ? pkAfterClause(t.pkIndexes.map((i) => t.columnSchemas[i]), after, t.name) : undefined;
  const orderBy = t.pkIndexes.map((i) => `${q(t.name)}.${q(t.columns[i])}`).join(', ');
  return {
    sql: `SELECT ${cols} FROM ${q(db)}.${q(t.name)}${keyIndexHint(t.keyIndex)}${where ? ` WHERE ${where.sql}` : ''} ORDER BY ${orderBy}${limit === undefined ? '' : ` LIMIT ${limit}`}`,
    params: where ? where.params : [],
  };
}

export interface RowStream {
  /** The next row without taking it; undefined when the stream is over. */
  peek(): Promise<readonly RowValue[] | undefined>;
  /**
   * True when peek() would answer without reading (the next row is in memory, or the stream is
   * over); head() then gives that answer synchronously. The diff walks millions of rows: an
   * await per row costs more than comparing it.
   */
  ready(): boolean;
  head(): readonly RowValue[] | undefined;
  /** Takes the row peek() returned. */
  take(): void;
  /** Where it reads from, for messages. */
  readonly name: string;
  /** False while the server may still be sending rows of it (its connection is busy). */
  finished(): boolean;
}

/**
 * A table's rows on one connection in key order, after `from`, keeping those `keep` accepts.
 * Every row is checked to come strictly after the previous one under the diff's key order: if the
 * server ever orders differently (a collation the weights do not describe), the diff stops with
 * that fact instead of reporting rows that are there as missing.
 */
export function chunkedRows(conn: Connection, t: TableTarget, db: string, order: KeyOrder, from: readonly RowValue[] | null,
  batchRows: number, name: string, keep: (row: readonly RowValue[]) => boolean = () => true, text?: TextRows, zone?: string): RowStream {
  let chunk: RowValue[][] = [];
  let pos = 0;
  let next: Promise<RowValue[][]> | undefined;
  let done = false;
  let after: readonly RowValue[] | null = from;

  const bytesIndex = textRowBytesIndex(t, order);
  const fetchText = (q: BoundSql, tr: TextRows): Promise<RowValue[][]> => {
    const rows: RowValue[][] = [];
    const build = textRowBuilder(t, order, tr);
    return streamRawRows(conn, q.sql, q.params, bytesIndex, (buf, start, end) => { rows.push(build(buf, start, end)); }).then(() => rows);
  };
  const fetch = (start: readonly RowValue[] | null) => {
    const q = diffChunkQuery(t, db, order, start, batchRows, text !== undefined, zone);
    const p = text
      ? fetchText(q, text)
      : conn.execute({ sql: q.sql, rowsAsArray: true }, q.params).then(([rows]) => rows as unknown as RowValue[][]);
    p.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
    return p;
  };

  const fill = async (): Promise<void> => {
    while (pos >= chunk.length && !done) {
      const rows = await (next ?? fetch(after));
      next = undefined;
      chunk = rows;
      pos = 0;
      if (rows.length < batchRows) done = true;
      if (rows.length > 0) {
        const last = rows[rows.length - 1];
        after = t.pkIndexes.map((i) => last[i]);
        if (!done) next = fetch(after);
      }
      // Skip the rows this side does not compare (source rows of other target shards).
      while (pos < chunk.length && !keep(chunk[pos])) checkOrder(chunk[pos++]);
    }
  };

  const checkOrder = orderCheck(t, order, name);

  return {
    name,
    async peek() {
      await fill();
      return pos < chunk.length ? chunk[pos] : undefined;
    },
    ready: () => pos < chunk.length || done,
    finished: () => next === undefined,
    head: () => (pos < chunk.length ? chunk[pos] : undefined),
    take() {
      checkOrder(chunk[pos]);
      pos++;
      while (pos < chunk.length && !keep(chunk[pos])) checkOrder(chunk[pos++]);
    },
  };
}

/** Builds a text row from its packet bytes: key and vindex columns decoded, the rest left for completeTextRow. */
function textRowBuilder(t: TableTarget, order: KeyOrder, text: TextRows): (buf: Buffer, start: number, end: number) => RowValue[] {
  const bytesIndex = textRowBytesIndex(t, order);
  const columns = t.columns.length;
  const decoded = t.columns.map((_, i) => text.decode.includes(i));
  const decoders = text.fieldDecoders;
  const fields = new RawRow();
  return (buf, start, end) => {
    const row = new Array<RowValue>(bytesIndex + 1);
    fields.reset(buf, start, end);
    for (let i = 0; i < bytesIndex; i++) {
      fields.next();
      if (i >= columns) row[i] = fields.value(); // a key weight
      else if (decoded[i]) row[i] = fields.decode(decoders[i]);
    }
    row[bytesIndex] = buf.subarray(start, end);
    return row;
  };
}

/** Throws unless each row given comes strictly after the one before under the diff's key order. */
function orderCheck(t: TableTarget, order: KeyOrder, name: string): (row: readonly RowValue[]) => void {
  let previous: readonly RowValue[] | undefined;
  return (row) => {
    if (previous && order.compare(previous, row) >= 0) {
      const key = (r: readonly RowValue[]) => t.pkIndexes.map((i) => String(r[i])).join(', ');
      throw new Error(`table ${t.name}: ${name} returned key (${key(row)}) after (${key(previous)}), which the diff orders the other way: the server's collation does not match its WEIGHT_STRING`);
    }
    previous = row;
  };
}

/**
 * Seconds a server may wait to send the next rows of a streamed SELECT. The diff reads both sides
 * in step, so one side waits while the walk goes through a long run of rows only the other has;
 * MariaDB's default (60 s) would drop the connection then.
 */
const STREAM_WRITE_TIMEOUT_S = 3600;

/**
 * The same rows as chunkedRows, as text rows from one SELECT the server streams: no query per
 * chunk, so the server never waits for the next one (with a query per chunk the diff spent more
 * than half its time waiting for the next chunk). At most about `bufferRows` rows wait in memory:
 * beyond, the connection stops reading its socket and TCP holds the server back. The server
 * keeps sending until the table's end, so a stream given up before its end (finished() false)
 * leaves its connection busy: close it.
 */
export function streamedRows(conn: Connection, t: TableTarget, db: string, order: KeyOrder, from: readonly RowValue[] | null,
  bufferRows: number, name: string, keep: (row: readonly RowValue[]) => boolean, text: TextRows, zone?: string): RowStream {
  const core = coreConnection(conn);
  const build = textRowBuilder(t, order, text);
  const checkOrder = orderCheck(t, order, name);
  let queue: RowValue[][] = [];
  let head = 0;
  let done = false;
  let failed: Error | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: unknown) => {
    failed ??= err instanceof Error ? err : new Error(String(err));
    notify();
  };

  conn.query(`SET SESSION net_write_timeout = ${STREAM_WRITE_TIMEOUT_S}`).catch(() => undefined);
  const q = diffChunkQuery(t, db, order, from, undefined, true, zone);
  streamRawRows(conn, q.sql, q.params, textRowBytesIndex(t, order), (buf, start, end) => {
    if (failed) return;
    try {
      const row = build(buf, start, end);
      checkOrder(row);
      if (!keep(row)) return;
      queue.push(row);
      if (!paused && queue.length - head >= bufferRows) {
        paused = true;
        core.pause();
      }
      if (wake) notify();
    } catch (err) {
      fail(err);
    }
  }).then(() => {
    done = true;
    notify();
  }, (err: unknown) => {
    done = true;
    fail(err);
  });

  return {
    name,
    async peek() {
      while (head >= queue.length && !done && !failed) await new Promise<void>((resolve) => { wake = resolve; });
      if (failed) throw failed;
      return head < queue.length ? queue[head] : undefined;
    },
    ready: () => head < queue.length || (done && !failed),
    finished: () => done,
    head: () => (head < queue.length ? queue[head] : undefined),
    take() {
      head++;
      if (head === queue.length) {
        queue = [];
        head = 0;
      } else if (head >= 4096 && head * 2 >= queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      if (paused && queue.length - head <= bufferRows / 2) {
        paused = false;
        core.resume();
      }
    },
  };
}

/** Several sources' streams merged in key order (source shards hold disjoint rows, but a duplicate is kept twice). */
export function mergedRows(streams: RowStream[], order: KeyOrder): RowStream {
  let current: RowStream | undefined;
  const best = (): readonly RowValue[] | undefined => {
    current = undefined;
    let min: readonly RowValue[] | undefined;
    for (const s of streams) {
      const row = s.head();
      if (row && (!min || order.compare(row, min) < 0)) {
        min = row;
        current = s;
      }
    }
    return min;
  };
  return {
    name: streams.map((s) => s.name).join(' + '),
    async peek() {
      for (const s of streams) if (!s.ready()) await s.peek();
      return best();
    },
    ready: () => streams.every((s) => s.ready()),
    finished: () => streams.every((s) => s.finished()),
    head: best,
    take() {
      current?.take();
    },
  };
}
