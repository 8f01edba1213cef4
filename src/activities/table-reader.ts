// Reading a table in primary-key order, a chunk at a time, after a given key: the copy, the
// cutover verification and VDiff all walk tables this way. Reads use the binary protocol
// (prepared statements), whose values are exact (no float rounding through text).
import type { Connection } from '../mysql/connect';
import { selectChunkSql } from '../mysql/sql';
import type { RowValue, TableTarget } from './table-target';

/** About how many bytes a row takes (chunk sizing). */
export function rowBytes(row: RowValue[]): number {
  let n = 0;
  for (const v of row) n += v === null ? 1 : typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 8;
  return n;
}

/** The next `limit` rows of t (in t.db) after lastpk, in primary-key order, as arrays in t.columns order. */
export async function fetchChunk(conn: Connection, t: TableTarget, lastpk: RowValue[] | null, limit: number): Promise<RowValue[][]> {
  const q = selectChunkSql(t.db, t.name, t.columnSchemas, t.pkIndexes.map((i) => t.columnSchemas[i]), lastpk, limit, undefined, t.keyIndex);
  const [rows] = await conn.execute({ sql: q.sql, rowsAsArray: true }, q.params);
  return rows as unknown as RowValue[][];
}

