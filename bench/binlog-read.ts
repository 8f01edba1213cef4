// Catch-up baseline: how fast openBinlogStream turns a binlog backlog into normalized row
// changes (decode only, nothing applied), beside zongji's bare decode of the same backlog.
// By default it runs on a private throwaway MariaDB (so the backlog disturbs nobody); pass an
// endpoint to measure against another server (a scratch database is created and dropped).
// Run: node dist/bench/binlog-read.js
import ZongJi from '@vlasky/zongji';
import { connectMysql, quoteId, type Connection, type MysqlEndpoint } from '../src/mysql/connect';
import { binlogReaderServerId, openBinlogStream } from '../src/mysql/binlog';
import { formatPosition } from '../src/mysql/gtid';
import { currentPosition } from '../src/mysql/positions';
import { startPrivateMariadb } from '../test/integration/mysql/private-mariadb';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

export interface BinlogBenchOptions {
  endpoint?: MysqlEndpoint;
  /** Row events in each backlog (default 100,000). */
  rows?: number;
}

const DB = `vtm_bench_binlog_${process.pid}`;

const TABLE = `CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY, customer_id BIGINT NOT NULL, price DECIMAL(10,2) NOT NULL, created DATETIME NOT NULL,
  name VARCHAR(64) NOT NULL, status INT NOT NULL, payload TEXT)`;

function rowValues(i: number): string {
  return `(${i}, ${i * 7}, ${i % 10000}.${String(i % 100).padStart(2, '0')}, '2024-05-01 12:34:56', 'customer-${i}', ${i % 5}, ` +
    `'The quick brown fox jumps over the lazy dog ${i}')`;
}

/** `rows` inserts, one row per transaction (the common OLTP shape), sent 1,000 statements at a time. */
async function singleRowBacklog(conn: Connection, first: number, rows: number): Promise<void> {
  for (let i = 0; i < rows; i += 1000) {
    const stmts: string[] = [];
    for (let j = i; j < Math.min(rows, i + 1000); j++) stmts.push(`INSERT INTO orders VALUES ${rowValues(first + j)}`);
    await conn.query(stmts.join(';'));
  }
}

/** `rows` row events in transactions of 1,000 rows. */
async function batchedBacklog(conn: Connection, first: number, rows: number): Promise<void> {
  for (let i = 0; i < rows; i += 1000) {
    const vals: string[] = [];
    for (let j = i; j < Math.min(rows, i + 1000); j++) vals.push(rowValues(first + j));
    await conn.query(`INSERT INTO orders VALUES ${vals.join(',')}`);
  }
}

async function measureStream(endpoint: MysqlEndpoint, start: string, end: string, rows: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const stream = await openBinlogStream({
    endpoint, serverId: binlogReaderServerId('bench', 'binlog-read'), startPosition: start, schemaTables: { db: DB, tables: ['orders'] },
  });
  let n = 0;
  try {
    for await (const item of stream) {
      if (item.type === 'transaction') n += item.changes.length;
      if (item.position === end) break;
    }
  } finally {
    await stream.close();
  }
  if (n !== rows) throw new Error(`binlog bench read ${n} row changes, expected ${rows}`);
  return rows / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** zongji alone (no normalization, no transaction assembly), from the same start to the same end. */
async function measureZongji(endpoint: MysqlEndpoint, start: string, rows: number): Promise<number> {
  const zj = new ZongJi({ host: endpoint.host, port: endpoint.port, user: endpoint.user, password: endpoint.password ?? '', dateStrings: true,
    supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, timezone: 'Z' });
  const t0 = process.hrtime.bigint();
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    zj.on('binlog', (ev) => {
      const e = ev as { rows?: unknown[] };
      if (e.rows) n += e.rows.length;
      if (n >= rows) resolve();
    });
    zj.on('error', reject);
    zj.start({ serverId: binlogReaderServerId('bench', 'zongji'), gtidSet: start, includeEvents: ['tablemap', 'writerows', 'xid', 'mariadbgtid', 'gtid'],
      includeSchema: { [DB]: ['orders'] } });
  });
  const rate = rows / (Number(process.hrtime.bigint() - t0) / 1e9);
  await new Promise<void>((r) => { zj.once('stopped', () => r()); zj.stop(); });
  return rate;
}

export async function benchBinlogRead(opts: BinlogBenchOptions = {}): Promise<BenchResult[]> {
  const rows = opts.rows ?? 100_000;
  const server = opts.endpoint ? undefined : await startPrivateMariadb();
  const endpoint = opts.endpoint ?? (server as NonNullable<typeof server>).endpoint;
  const conn = await connectMysql(endpoint, { multipleStatements: true });
  const results: BenchResult[] = [];
  try {
    await conn.query(`CREATE DATABASE ${quoteId(DB)}`);
    await conn.query(`USE ${quoteId(DB)}`);
    await conn.query(TABLE);
    const flavor = 'MariaDB';
    for (const [label, fill, offset] of [['1 row per transaction', singleRowBacklog, 0], ['1,000 rows per transaction', batchedBacklog, 10_000_000]] as const) {
      const start = formatPosition(await currentPosition(conn, flavor));
      await fill(conn, offset, rows);
      const end = formatPosition(await currentPosition(conn, flavor));
      const unit = 'row events/s';
      results.push({ name: `binlog catch-up decode, ${rows.toLocaleString('en-US')} row events, ${label}`, value: Math.round(await measureStream(endpoint, start, end, rows)), unit });
      results.push({ name: `binlog bare zongji decode, ${label} (reference)`, value: Math.round(await measureZongji(endpoint, start, rows)), unit });
    }
  } finally {
    await conn.query(`DROP DATABASE IF EXISTS ${quoteId(DB)}`).catch(() => undefined);
    await conn.end().catch(() => conn.destroy());
    await server?.stop();
  }
  return results;
}

if (require.main === module) {
  benchBinlogRead().then((rs) => {
    for (const r of rs) console.log(`${r.name}: ${r.value.toLocaleString('en-US')} ${r.unit}`);
  }, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
