// Reading a table the way the copy does, and comparing two tables exactly.
import type { RowDataPacket } from 'mysql2/promise';
import { quoteId, type Connection } from '../../../src/mysql/connect';
import type { ColumnSchema, TableSchema } from '../../../src/mysql/schema';
import { selectChunkSql } from '../../../src/mysql/sql';
import type { RowValue } from '../../../src/mysql/values';

/** Reads a whole table through selectChunkSql, `limit` rows at a time. */
export async function copyRead(conn: Connection, db: string, s: TableSchema, limit: number): Promise<RowValue[][]> {
  const pk = s.primaryKey.map((n) => s.columns.find((c) => c.name === n) as ColumnSchema);
  const pkIdx = s.primaryKey.map((n) => s.columns.findIndex((c) => c.name === n));
  const out: RowValue[][] = [];
  let lastpk: RowValue[] | null = null;
  for (;;) {
    const q = selectChunkSql(db, s.name, s.columns, pk, lastpk, limit);
    const [rows] = await conn.execute<RowDataPacket[]>({ sql: q.sql, rowsAsArray: true }, q.params);
    const batch = rows as unknown as RowValue[][];
    out.push(...batch);
    if (batch.length < limit) return out;
    const last = batch[batch.length - 1];
    lastpk = pkIdx.map((i) => last[i]);
  }
}

/** Columns whose stored values differ between two tables with the same key, compared exactly. */
export async function diffTables(conn: Connection, a: string, b: string, s: TableSchema): Promise<string[]> {
  const on = s.primaryKey.map((k) => `x.${quoteId(k)} = y.${quoteId(k)}`).join(' AND ');
  const problems: string[] = [];
  const [[ca], [cb]] = await Promise.all([a, b].map(async (t) => (await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${t}`))[0]));
  if (String(ca.n) !== String(cb.n)) problems.push(`row counts ${ca.n} vs ${cb.n}`);
  for (const c of s.columns) {
    const x = `x.${quoteId(c.name)}`;
    const y = `y.${quoteId(c.name)}`;
    // Floats compare as numbers (their text form is rounded); everything else as its exact bytes.
    const same = c.dataType === 'float' || c.dataType === 'double' ? `${x} <=> ${y}` : `CAST(${x} AS BINARY) <=> CAST(${y} AS BINARY)`;
    const [r] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${a} x JOIN ${b} y ON ${on} WHERE NOT (${same})`);
    if (String(r[0].n) !== '0') problems.push(`${c.name}: ${r[0].n} rows differ`);
  }
  return problems;
}

