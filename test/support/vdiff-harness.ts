// A migration for the VDiff tests: the example commerce tables plus tables that stress the
// comparison (varchar and composite keys under utf8mb4_general_ci with mixed case, accents and
// trailing characters below the space; DECIMAL, floats, temporal types, JSON, binary, NULL) and a
// bulk table for long diffs. Rows go to the source shard their keyspace id belongs to, as vtgate
// would put them. The worker runs as its own process (vtmigrate-local start worker), so a test
// can SIGKILL it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { seedCommerce } from '../../src/local/commerce-load';
import { createVindex, findShardForKeyspaceId, parseShardName, type Vindex } from '../../src/vindex';
import { migrateWorkflowId, TASK_QUEUE } from '../../src/workflows/api';
import { CUSTOMER_VSCHEMA, localCli, mountAndApplyVSchema, primaries, resetClusters, sourceWriter, vtmigrate } from './migration';
import { testStack } from './stack';
import { testClient, waitForStatus } from './temporal';
import { waitUntil } from './wait';

export const EXTRA_TABLES: Record<string, { ddl: string; vindex: { column: string; name: string } }> = {
  vdiff_types: {
    ddl: `CREATE TABLE vdiff_types (
      name VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
      seq INT NOT NULL,
      amount DECIMAL(20,6) NULL,
      ratio DOUBLE NULL,
      f FLOAT NULL,
      born DATE NULL,
      at DATETIME(6) NULL,
      ts TIMESTAMP(3) NULL DEFAULT NULL,
      dur TIME(2) NULL,
      doc JSON NULL,
      bin VARBINARY(16) NULL,
      note TEXT CHARACTER SET utf8mb4 NULL,
      PRIMARY KEY (name, seq)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    vindex: { column: 'seq', name: 'hash' },
  },
  vdiff_names: {
    ddl: `CREATE TABLE vdiff_names (
      k VARCHAR(24) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
      v INT NOT NULL,
      PRIMARY KEY (k)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    vindex: { column: 'k', name: 'xxhash' },
  },
  vdiff_bulk: {
    ddl: `CREATE TABLE vdiff_bulk (
      id BIGINT NOT NULL,
      label VARCHAR(40) NOT NULL,
      qty INT NOT NULL,
      price DECIMAL(12,2) NOT NULL,
      PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    vindex: { column: 'id', name: 'hash' },
  },
};

export async function onServer(port: number, db: string | undefined, sql: string[], params: unknown[][] = []): Promise<unknown[]> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: db, charset: 'UTF8MB4_GENERAL_CI', timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  try {
    await conn.query("SET time_zone = '+00:00'");
    const out: unknown[] = [];
    for (let i = 0; i < sql.length; i++) out.push((await conn.query(sql[i], params[i] ?? []))[0]);
    return out;
  } finally {
    await conn.end();
  }
}

export async function primaryPort(cluster: 'source' | 'target', shard: string): Promise<number> {
  return primaries(await testStack(), cluster).find((p) => p.shard === shard)!.port;
}

/** Drops the extra tables everywhere (other suites migrate --all-tables of the same source). */
export async function dropExtraTables(): Promise<void> {
  const spec = await testStack();
  for (const p of [...primaries(spec, 'source'), ...primaries(spec, 'target')]) {
    await onServer(p.port, p.db, Object.keys(EXTRA_TABLES).map((t) => `DROP TABLE IF EXISTS ${t}`));
  }
}

/** Clean clusters, the extra tables on the source, the mount and the target VSchema with them. */
export async function prepareClusters(): Promise<void> {
  const spec = await testStack();
  await resetClusters();
  await dropExtraTables();
  for (const p of primaries(spec, 'source')) await onServer(p.port, p.db, Object.values(EXTRA_TABLES).map((t) => t.ddl));
  await mountAndApplyVSchema();
  const vschema = JSON.parse(fs.readFileSync(CUSTOMER_VSCHEMA, 'utf8'));
  vschema.vindexes.xxhash = { type: 'xxhash' };
  for (const [name, t] of Object.entries(EXTRA_TABLES)) vschema.tables[name] = { column_vindexes: [t.vindex] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vdiff-vschema-'));
  try {
    const file = path.join(dir, 'customer.json');
    fs.writeFileSync(file, JSON.stringify(vschema));
    const apply = await vtmigrate(['ApplyVSchema', '--vschema-file', file, 'customer']);
    if (apply.code !== 0) throw new Error(`ApplyVSchema failed: ${apply.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const routers = new Map<string, Promise<(value: string | number) => string>>();

/** value → the source shard it belongs to under a vindex (shard list and vindex built once). */
function sourceRouter(vindex: string): Promise<(value: string | number) => string> {
  if (!routers.has(vindex)) {
    routers.set(vindex, (async () => {
      const shards = primaries(await testStack(), 'source').map((p) => ({ name: p.shard, keyRange: parseShardName(p.shard) }));
      const v: Vindex = await createVindex(vindex, {});
      return (value) => findShardForKeyspaceId(shards, v.map(value)!).name;
    })());
  }
  return routers.get(vindex)!;
}

async function sourceShardOf(vindex: string, value: string | number): Promise<string> {
  return (await sourceRouter(vindex))(value);
}

/** Names that are equal or ordered specially under utf8mb4_general_ci. */
export const TRICKY_NAMES = ['apple', 'Banana', 'ÉCLAIR', 'éclairs', 'cherry\t', 'cherry', 'cherry!', 'Zoë', 'zoe1', 'a b', 'Ōtani', '李雷', 'Chloé 🎉', 'Nuño', 'søren'];

export async function seedExtraTables(): Promise<{ types: number; names: number }> {
  const inserts = new Map<string, { sql: string[]; params: unknown[][] }>();
  const add = (shard: string, sql: string, params: unknown[]) => {
    const e = inserts.get(shard) ?? { sql: [], params: [] };
    e.sql.push(sql);
    e.params.push(params);
    inserts.set(shard, e);
  };
  let types = 0;
  for (let seq = 1; seq <= 120; seq++) {
    const name = TRICKY_NAMES[seq % TRICKY_NAMES.length] + (seq % 3 === 0 ? ' ' : '');
    const nulls = seq % 7 === 0;
    add(await sourceShardOf('hash', seq),
      'INSERT INTO vdiff_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [name, seq, nulls ? null : `${seq * 1234}.${String(seq).padStart(6, '0')}`, nulls ? null : seq / 7, nulls ? null : seq / 3,
        nulls ? null : `20${String(seq % 30).padStart(2, '0')}-02-${String((seq % 27) + 1).padStart(2, '0')}`,
        nulls ? null : `2021-06-01 12:34:56.${String(seq).padStart(6, '0')}`, nulls ? null : `2022-01-01 00:00:${String(seq % 60).padStart(2, '0')}.125`,
        nulls ? null : `${seq % 2 ? '-' : ''}${seq}:05:06.5`, nulls ? null : JSON.stringify({ seq, tags: ['a', 'b'], nested: { ok: seq % 2 === 0 } }),
        nulls ? null : Buffer.from([seq, 0, 255, seq % 7]), nulls ? null : `note ${name} ${seq}`]);
    types++;
  }
  let names = 0;
  for (const [i, base] of TRICKY_NAMES.entries()) {
    for (const suffix of ['', 'x', 'Y', ' z']) {
      const k = `${base}${suffix}`;
      add(await sourceShardOf('xxhash', k), 'INSERT INTO vdiff_names VALUES (?, ?)', [k, i * 10 + suffix.length]);
      names++;
    }
  }
  for (const [shard, e] of inserts) await onServer(await primaryPort('source', shard), 'vt_commerce', e.sql, e.params);
  return { types, names };
}

/** `rows` bulk rows (ids 1..rows), each on the source shard its id hashes to. */
export async function seedBulk(rows: number): Promise<void> {
  const route = await sourceRouter('hash');
  const byShard = new Map<string, number[]>();
  for (let id = 1; id <= rows; id++) {
    const shard = route(id);
    let list = byShard.get(shard);
    if (!list) byShard.set(shard, (list = []));
    list.push(id);
  }
  for (const [shard, ids] of byShard) {
    const statements: string[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      statements.push(`INSERT INTO vdiff_bulk (id, label, qty, price) VALUES ${ids.slice(i, i + 5000).map((id) => `(${id}, 'item-${id}', ${id % 97}, ${(id % 10000) / 100})`).join(',')}`);
    }
    await onServer(await primaryPort('source', shard), 'vt_commerce', statements);
  }
}

/** Rows of `table` copied so far over every target shard. */
export async function rowsCopied(table: string): Promise<number> {
  let n = 0;
  for (const p of primaries(await testStack(), 'target')) {
    const [rows] = await onServer(p.port, undefined, ['SELECT COALESCE(SUM(rows_copied), 0) AS n FROM _vt_migrate.copy_state WHERE table_name = ?'], [[table]])
      .catch(() => [[{ n: 0 }]]) as { n: number }[][];
    n += Number(rows[0].n);
  }
  return n;
}

/**
 * Seeds, starts the worker process and a Migrate of every table; returns once it replicates, or
 * (until: 'Copying') as soon as the bulk table's copy is under way.
 */
export async function startMigration(workflow: string, opts: { customers: number; bulk: number; copyBatchRows?: number; until?: 'Running' | 'Copying' }): Promise<void> {
  await prepareClusters();
  const writer = await sourceWriter(5, 1);
  await seedCommerce(writer, { customers: opts.customers, products: Math.ceil(opts.customers / 4) });
  await writer.close();
  await seedExtraTables();
  if (opts.bulk > 0) await seedBulk(opts.bulk);
  if ((await localCli(['start', 'worker'])).code !== 0) throw new Error('cannot start the worker');
  const c = await testClient();
  const id = migrateWorkflowId('customer', workflow);
  await c.workflow.start('Migrate', {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [{ workflow, targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true, copyBatchRows: opts.copyBatchRows }],
  });
  if (opts.until === 'Copying') {
    await waitUntil('the bulk copy to start', async () => (await rowsCopied('vdiff_bulk')) > 0, 120_000, 50);
    return;
  }
  await waitForStatus(id, (s) => s.phase === 'Running' || s.phase === 'Error', 180_000);
}

/** `vtmigrate VDiff --workflow <wf> --target-keyspace customer <args>`. */
export function vdiffCli(workflow: string, args: string[]) {
  return vtmigrate(['VDiff', '--workflow', workflow, '--target-keyspace', 'customer', ...args], { timeoutMs: 240_000 });
}
