// How the copy reads a chunk of source rows and writes the ones a target shard owns. Two ways,
// chosen per table and giving the same stored values:
// - text: rows stay the bytes the text protocol sent and go to the target with LOAD DATA LOCAL
//   (text-values.ts, load-data.ts); only the primary key and the vindex column are decoded.
//   Measured on the bench (2 -> 3 shards, 1.1M rows) it is the faster path by far: the worker
//   spent most of its time decoding values into JS and encoding them back into INSERT text.
// - binary: rows decoded through the binary protocol into RowValues and written as multi-row
//   INSERTs; for MySQL sources, tables whose text form is not exact, and targets refusing LOAD
//   DATA LOCAL.
import type { Connection } from '../mysql/connect';
import { encodeRows, loadDataStatement } from '../mysql/load-data';
import { textCopyObstacle, textValueDecoder, type TextValue } from '../mysql/text-values';
import { ValueKind } from '../mysql/values';
import { insertStatements } from './sql-text';
import { fetchChunk, fetchTextChunk } from './table-reader';
import { targetValueFilter, type RowValue, type TableTarget } from './table-target';
import type { TablePlan } from '../workflows/api';
import { LOAD_DATA_REFUSED, loadRows, writeRows } from './write-rows';

export interface RowSource<R> {
  /** The next n rows after lastpk (null: from the start), in primary-key order. */
  fetch(lastpk: RowValue[] | null, n: number): Promise<R[]>;
  pk(row: R): RowValue[];
  /** Whether the target shard owns the row. */
  keep(row: R): boolean;
  /** The row's canonical values (values.ts), for the upsert fallback and INSERTs. */
  decode(row: R): RowValue[];
  /** Writes rows with plain inserts inside the caller's transaction; 'duplicate' if one already exists. */
  insert(target: Connection, rows: R[]): Promise<'ok' | 'duplicate'>;
  /** 'text' or 'binary', for the activity's progress message and tests. */
  readonly mode: 'text' | 'binary';
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
    if ((err as { errno?: number }).errno === 1062) return 'duplicate';
    throw err;
  }
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

async function keepFunction<R>(spec: RowSourceSpec, value: (row: R, column: number) => RowValue): Promise<(row: R) => boolean> {
  const f = spec.filterRows ? await targetValueFilter(spec.table, spec.targetTable.columns, spec.shard) : undefined;
  if (!f) return () => true;
  return (row) => f.keep(value(row, f.column));
}

export async function binaryRowSource(spec: RowSourceSpec): Promise<RowSource<RowValue[]>> {
  const { source, sourceTable, targetTable } = spec;
  return {
    mode: 'binary',
    fetch: (lastpk, n) => fetchChunk(source, sourceTable, lastpk, n),
    pk: (row) => sourceTable.pkIndexes.map((i) => row[i]),
    keep: await keepFunction<RowValue[]>(spec, (row, i) => row[i]),
    decode: (row) => row,
    insert: (target, rows) => insertDecoded(target, targetTable, rows),
  };
}

export async function textRowSource(spec: RowSourceSpec): Promise<RowSource<TextValue[]>> {
  const { source, sourceTable: tt, targetTable } = spec;
  const decoders = tt.columnSchemas.map((c, i) => textValueDecoder(c, tt.kinds[i]));
  // Numbers and temporal values never hold a byte LOAD DATA needs escaped.
  const scan = tt.kinds.map((k) => !(k === ValueKind.Integer || k === ValueKind.Decimal || k === ValueKind.Float || k === ValueKind.Year || k === ValueKind.Temporal || k === ValueKind.Time));
  const load = loadDataStatement(targetTable.db, targetTable.name, targetTable.columns);
  const decode = (row: TextValue[]) => row.map((v, i) => decoders[i](v));
  let loadRefused = false;
  return {
    mode: 'text',
    fetch: (lastpk, n) => fetchTextChunk(source, tt, lastpk, n),
    pk: (row) => tt.pkIndexes.map((i) => decoders[i](row[i])),
    keep: await keepFunction<TextValue[]>(spec, (row, i) => decoders[i](row[i])),
    decode,
    insert: async (target, rows) => {
      if (rows.length === 0) return 'ok';
      if (!loadRefused) {
        try {
          return await loadRows(target, load, encodeRows(rows, scan), rows.length, targetTable);
        } catch (err) {
          // A target with local_infile off: INSERTs from here on (nothing was written).
          if (!LOAD_DATA_REFUSED.has((err as { errno?: number }).errno ?? 0)) throw err;
          loadRefused = true;
        }
      }
      return insertDecoded(target, targetTable, rows.map(decode));
    },
  };
}
