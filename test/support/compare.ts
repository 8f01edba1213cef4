// The independent check of a migration's result: plain SQL over every source and target primary
// (not the project's verification code), and where each row must live computed with OpenSSL/MD5
// (test/support/routing.ts). Every source row must be on the target shard its keyspace id
// belongs to, identical; no other rows may exist.
import mysql from 'mysql2/promise';
import { hashKsid, md5Ksid, shardOf } from './routing';

export interface PrimaryEndpoint { shard: string; port: number; db: string }

/** Routing of the example commerce tables (examples/local/customer-vschema.json). */
export const COMMERCE_ROUTING: Record<string, { pk: string[]; ksid: (row: Record<string, unknown>) => Buffer }> = {
  customer: { pk: ['customer_id'], ksid: (r) => hashKsid(String(r.customer_id)) },
  corder: { pk: ['order_id'], ksid: (r) => hashKsid(String(r.customer_id)) },
  order_line: { pk: ['order_id', 'line_no'], ksid: (r) => hashKsid(String(r.order_id)) },
  product: { pk: ['sku'], ksid: (r) => md5Ksid(Buffer.from(String(r.sku), 'utf8')) },
};

async function readAll(port: number, db: string, table: string, pk: string[]): Promise<Record<string, unknown>[]> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: db, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z', charset: 'UTF8MB4_GENERAL_CI' });
  try {
    await conn.query("SET time_zone = '+00:00'");
    const [rows] = await conn.query(`SELECT * FROM \`${table}\` ORDER BY ${pk.map((c) => `\`${c}\``).join(', ')}`);
    return rows as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}

const canon = (row: Record<string, unknown>) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : v]));

export interface Difference { table: string; problem: string; row: string }

export async function compareMigration(sources: PrimaryEndpoint[], targets: PrimaryEndpoint[], tables = Object.keys(COMMERCE_ROUTING)): Promise<{ differences: Difference[]; rows: Record<string, number> }> {
  const differences: Difference[] = [];
  const counts: Record<string, number> = {};
  const targetShards = targets.map((t) => t.shard);
  for (const table of tables) {
    const { pk, ksid } = COMMERCE_ROUTING[table];
    const keyOf = (r: Record<string, unknown>) => pk.map((c) => String(r[c])).join('|');
    const expected = new Map<string, { shard: string; row: string }>();
    for (const s of sources) {
      for (const r of await readAll(s.port, s.db, table, pk)) {
        const key = keyOf(r);
        if (expected.has(key)) differences.push({ table, problem: `key on two source shards (${s.shard})`, row: canon(r) });
        expected.set(key, { shard: shardOf(targetShards, ksid(r)), row: canon(r) });
      }
    }
    counts[table] = expected.size;
    const seen = new Set<string>();
    for (const t of targets) {
      for (const r of await readAll(t.port, t.db, table, pk)) {
        const key = keyOf(r);
        const want = expected.get(key);
        if (!want) differences.push({ table, problem: `extra row on target shard ${t.shard}`, row: canon(r) });
        else if (want.shard !== t.shard) differences.push({ table, problem: `row on target shard ${t.shard}, belongs on ${want.shard}`, row: canon(r) });
        else if (want.row !== canon(r)) differences.push({ table, problem: `row differs on target shard ${t.shard}: source ${want.row}`, row: canon(r) });
        if (seen.has(key)) differences.push({ table, problem: 'row twice on the target', row: canon(r) });
        seen.add(key);
      }
    }
    for (const [key, want] of expected) if (!seen.has(key)) differences.push({ table, problem: `missing on target shard ${want.shard}`, row: want.row });
  }
  return { differences, rows: counts };
}
