// How the copy reads a chunk of source rows and writes the ones a target shard owns. Two ways,
// chosen per table and giving the same stored values:
// - text: rows arrive as the bytes the text protocol sends and, as each arrives, the kept ones are
//   appended to LOAD DATA LOCAL input (text-values.ts, load-data.ts); only the primary key of the
//   chunk's last row and each row's vindex column are decoded. No row outlives its arrival, so
//   the worker's memory stays flat, and it never builds JS strings of the values. Measured on
//   the bench (2 -> 3 shards, 1.1M rows): worker CPU 14.4 s -> 11-12 s per copy, and peak RSS
//   from ~490 MB (rows held per chunk) to about 300 MB.
// - binary: rows decoded through the binary protocol into RowValues and written as multi-row
//   INSERTs; for MySQL sources, tables whose text form is not exact, and targets refusing LOAD
//   DATA LOCAL.
import type { Connection } from '../mysql/connect';
import { loadDataStatement, RowEncoder } from '../mysql/load-data';
import { selectChunkSql } from '../mysql/sql';
import { RawRow, streamRawRows } from '../mysql/raw-rows';
import { textCopyObstacle, textFieldDecoder, textSelectExpression } from '../mysql/text-values';
import { ValueKind } from '../mysql/values';
import { isDuplicateKeyError } from './errors';
import { insertStatements } from './sql-text';
import { fetchChunk, rowBytes } from './table-reader';
import { targetValueFilter, type RowValue, type TableTarget } from './table-target';
import type { TablePlan } from '../workflows/api';
import { LOAD_DATA_REFUSED, loadRows, writeRows } from './write-rows';

/** One chunk read from the source: what was scanned, and the rows this shard keeps. */
export interface Chunk {
  /** Key the chunk starts after (null: the table's start). */
  after: RowValue[] | null;
  scanned: number;
  /** Key of the last row scanned (null when none was). */
  lastpk: RowValue[] | null;
  keptCount: number;
  keptBytes: number;
  /** The kept rows, decoded (binary path), or encoded for LOAD DATA (text path). */
  kept: { rows: RowValue[][] } | { encoded: RowEncoder };
}

export interface RowSource {
  readonly mode: 'text' | 'binary';
  /** The next n rows after `after` (null: from the start), in primary-key order. */
  fetch(after: RowValue[] | null, n: number): Promise<Chunk>;
  /** Writes the chunk's kept rows with plain inserts inside the caller's transaction; 'duplicate' if one is there already. */
  insert(target: Connection, chunk: Chunk): Promise<'ok' | 'duplicate'>;
  /** The chunk's kept rows in their canonical values (for the ownership-aware upsert). */
  rows(chunk: Chunk): Promise<RowValue[][]>;
}

/** What both row sources are built from. */
export interface RowSourceSpec {
  source: Connection;
  /** The table as read on the source (its db) and as written on the target (same columns). */
  sourceTable: TableTarget;
  targetTable: TableTarget;
  table: TablePlan;
  /** The target shard, and whether rows are filtered by its key range. */
  shard: string;
  filterRows: boolean;
}

const MAX_STATEMENT_BYTES = 8 << 20;

/** Why a table cannot take the text path, or undefined when it can. */
export async function textPathObstacle(source: Connection, flavor: string, tt: TableTarget): Promise<string | undefined> {
  if (flavor !== 'MariaDB') return `the source is ${flavor}`;
  for (let i = 0; i < tt.columns.length; i++) {
    const why = textCopyObstacle(tt.columnSchemas[i], tt.kinds[i]);
    if (why) return why;
  }
  // The lastpk is bound client-side, in backslash-escaped literals.
  const [rows] = await source.query('SELECT @@session.sql_mode AS m');
  if (/NO_BACKSLASH_ESCAPES/i.test(String((rows as { m: string }[])[0]?.m ?? ''))) return 'the source session runs with NO_BACKSLASH_ESCAPES';
  return undefined;
}

async function insertDecoded(target: Connection, tt: TableTarget, rows: RowValue[][]): Promise<'ok' | 'duplicate'> {
  try {
    for (const sql of insertStatements(tt, rows, 'insert', MAX_STATEMENT_BYTES)) await writeRows(target, sql, tt);
    return 'ok';
  } catch (err) {
    if (isDuplicateKeyError(err)) return 'duplicate';
    throw err;
  }
}

async function valueFilter(spec: RowSourceSpec): Promise<{ column: number; keep: (v: RowValue) => boolean } | undefined> {
  return spec.filterRows ? targetValueFilter(spec.table, spec.targetTable, spec.shard) : undefined;
}

export async function binaryRowSource(spec: RowSourceSpec): Promise<RowSource> {
  const { source, sourceTable, targetTable } = spec;
  const f = await valueFilter(spec);
  return {
    mode: 'binary',
    async fetch(after, n) {
      const rows = await fetchChunk(source, sourceTable, after, n);
      const kept = f ? rows.filter((r) => f.keep(r[f.column])) : rows;
      let keptBytes = 0;
      for (const r of kept) keptBytes += rowBytes(r);
      const last = rows[rows.length - 1];
      return { after, scanned: rows.length, lastpk: last ? sourceTable.pkIndexes.map((i) => last[i]) : null, keptCount: kept.length, keptBytes, kept: { rows: kept } };
    },
    insert: (target, chunk) => insertDecoded(target, targetTable, (chunk.kept as { rows: RowValue[][] }).rows),
    rows: async (chunk) => (chunk.kept as { rows: RowValue[][] }).rows,
  };
}

export async function textRowSource(spec: RowSourceSpec): Promise<RowSource> {
  const { source, sourceTable: tt, targetTable } = spec;
  const fields = tt.columnSchemas.map((c, i) => textFieldDecoder(c, tt.kinds[i]));
  // Numbers and temporal values never hold a byte LOAD DATA needs escaped.
  const scan = tt.kinds.map((k) => !(k === ValueKind.Integer || k === ValueKind.Decimal || k === ValueKind.Float || k === ValueKind.Year || k === ValueKind.Temporal || k === ValueKind.Time));
  const load = loadDataStatement(targetTable.db, targetTable.name, targetTable.columns);
  const f = await valueFilter(spec);
  const binary = await binaryRowSource(spec);
  const width = tt.columns.length;
  const row = new RawRow();
  let loadRefused = false;
  const rowsOf = async (chunk: Chunk): Promise<RowValue[][]> => {
    if ('rows' in chunk.kept) return chunk.kept.rows;
    // The same rows again through the binary protocol: the same statement on the same snapshot.
    const again = await binary.fetch(chunk.after, chunk.scanned);
    if (again.scanned !== chunk.scanned || again.keptCount !== chunk.keptCount) {
      throw new Error(`table ${tt.name}: re-reading a chunk of ${chunk.scanned} rows gave ${again.scanned} (${again.keptCount} kept, not ${chunk.keptCount}): the snapshot changed`);
    }
    return (again.kept as { rows: RowValue[][] }).rows;
  };
  return {
    mode: 'text',
    async fetch(after, n) {
      // A target without LOAD DATA LOCAL: the binary path from then on.
      if (loadRefused) return binary.fetch(after, n);
      const encoded = new RowEncoder(scan);
      const q = selectChunkSql(tt.db, tt.name, tt.columnSchemas, tt.pkIndexes.map((i) => tt.columnSchemas[i]), after, n, textSelectExpression, tt.keyIndex);
      let keptBytes = 0;
      // The last row, for the chunk's lastpk (raw-rows.ts: its bytes stay as they are).
      let last: [Buffer, number, number] | undefined;
      const scanned = await streamRawRows(source, q.sql, q.params, width, (buf, start, end) => {
        last = [buf, start, end];
        if (f && !f.keep(row.reset(buf, start, end).seek(f.column).decode(fields[f.column]))) return;
        keptBytes += encoded.appendRaw(row.reset(buf, start, end));
      });
      const end = last;
      const lastpk = end ? tt.pkIndexes.map((i) => new RawRow().reset(...end).seek(i).decode(fields[i])) : null;
      return { after, scanned, lastpk, keptCount: encoded.rows, keptBytes, kept: { encoded } };
    },
    async insert(target, chunk) {
      if (chunk.keptCount === 0) return 'ok';
      if ('rows' in chunk.kept) return binary.insert(target, chunk);
      try {
        return await loadRows(target, load, chunk.kept.encoded.finish(), chunk.keptCount, targetTable);
      } catch (err) {
        if (!LOAD_DATA_REFUSED.has((err as { errno?: number }).errno ?? 0)) throw err;
        loadRefused = true;
        return insertDecoded(target, targetTable, await rowsOf(chunk));
      }
    },
    rows: rowsOf,
  };
}
