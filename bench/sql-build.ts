// How fast multiRowInsertSql turns copied rows into INSERT text (the copy's per-row CPU cost on
// the worker), for ~100-byte and ~2 KB rows, beside mysql2's own escaping of the same rows.
// Run: node dist/bench/sql-build.js. No assertions; the numbers are for comparison across changes.
import mysql from 'mysql2';
import type { ColumnSchema } from '../src/mysql/schema';
import { multiRowInsertSql } from '../src/mysql/sql';
import type { RowValue } from '../src/mysql/values';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

function column(name: string, dataType: string, columnType: string, charset: string | null = null): ColumnSchema {
  return {
    name, ordinal: 0, dataType, columnType, unsigned: columnType.includes('unsigned'), nullable: true, generated: false, invisible: false,
    charset, collation: charset ? `${charset}_general_ci` : null, numericPrecision: dataType === 'decimal' ? 10 : null,
    numericScale: dataType === 'decimal' ? 2 : null, datetimePrecision: dataType === 'datetime' ? 0 : null, enumValues: null,
  };
}

/** The shape of a typical OLTP row: ids, money, a timestamp, a short name, a status, and a payload. */
const COLUMNS: ColumnSchema[] = [
  column('id', 'bigint', 'bigint(20) unsigned'),
  column('customer_id', 'bigint', 'bigint(20)'),
  column('price', 'decimal', 'decimal(10,2)'),
  column('created', 'datetime', 'datetime'),
  column('name', 'varchar', 'varchar(64)', 'utf8mb4'),
  column('status', 'int', 'int(11)'),
  column('payload', 'text', 'text', 'utf8mb4'),
];

function makeRows(count: number, payloadBytes: number): RowValue[][] {
  const rows: RowValue[][] = [];
  const base = 'The quick brown fox jumps over the lazy dog; ünïcödé 😀 and a quote \' ';
  for (let i = 0; i < count; i++) {
    let payload = '';
    while (payload.length < payloadBytes) payload += base;
    rows.push([String(1_000_000 + i), String(i * 7), `${i % 10000}.${String(i % 100).padStart(2, '0')}`, '2024-05-01 12:34:56',
      `customer-${i}`, i % 5, payload.slice(0, payloadBytes)]);
  }
  return rows;
}

function rowBytes(rows: RowValue[][]): number {
  let n = 0;
  for (const v of rows[0]) n += v === null ? 0 : Buffer.byteLength(String(v));
  return n;
}

/** Rows/s of building INSERT text in batches of `batch` rows, after a warm-up. */
function rate(rows: RowValue[][], batch: number, build: (rows: RowValue[][]) => string): number {
  let sink = 0;
  for (let i = 0; i < Math.min(rows.length, 100_000); i += batch) sink += build(rows.slice(i, i + batch)).length;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batch) sink += build(rows.slice(i, i + batch)).length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink < 0) console.log(sink);
  return Math.round(rows.length / seconds);
}

/** mysql2's escaping (sqlstring) of the same rows, as the obvious alternative. */
function mysql2Insert(rows: RowValue[][]): string {
  return `INSERT INTO \`db\`.\`t\` (${COLUMNS.map((c) => mysql.escapeId(c.name)).join(',')}) VALUES ${mysql.escape(rows)}`;
}

export function benchSqlBuild(): Promise<BenchResult[]> {
  const unit = 'rows/s';
  const results: BenchResult[] = [];
  for (const [label, payload, count] of [['100-byte', 58, 400_000], ['2 KB', 1_950, 100_000]] as const) {
    const rows = makeRows(count, payload);
    const ours = (batch: RowValue[][]) => multiRowInsertSql('db', 't', COLUMNS, batch, { upsert: false });
    results.push({ name: `insert SQL build, ${label} rows (${rowBytes(rows)} B), batches of 1000`, value: rate(rows, 1000, ours), unit });
    results.push({ name: `insert SQL build, ${label} rows, mysql2 escape (reference)`, value: rate(rows, 1000, mysql2Insert), unit });
    const upsert = (batch: RowValue[][]) => multiRowInsertSql('db', 't', COLUMNS, batch, { upsert: true, primaryKey: ['id'] });
    results.push({ name: `upsert SQL build, ${label} rows, batches of 1000`, value: rate(rows, 1000, upsert), unit });
  }
  return Promise.resolve(results);
}

if (require.main === module) {
  void benchSqlBuild().then((rs) => {
    for (const r of rs) console.log(`${r.name}: ${r.value.toLocaleString('en-US')} ${r.unit}`);
  });
}
