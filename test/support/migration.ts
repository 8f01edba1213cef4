// Helpers for tests that run migrations on the shared test stack: clean slates, the CLI with the
// stack's addresses, the source writer and the endpoints the independent check reads.
import mysql from 'mysql2/promise';
import path from 'node:path';
import { CommerceWriter, type ShardEndpoint } from '../../src/local/commerce-load';
import { describeStack } from '../../src/local/describe';
import type { LocalSpec } from '../../src/local/spec';
import { runCli, type CliResult } from './cli';
import type { PrimaryEndpoint } from './compare';
import { REPO_ROOT, TEST_SPEC_FILE, testStack } from './stack';

export const CUSTOMER_VSCHEMA = path.join(REPO_ROOT, 'examples', 'local', 'customer-vschema.json');

export interface StackAddresses { temporal: string; targetTopo: string; sourceTopo: string }

export async function stackAddresses(): Promise<StackAddresses> {
  const d = describeStack(await testStack(), false);
  return {
    temporal: d.temporal.address,
    targetTopo: d.clusters.find((c) => c.name === 'target')!.topo.server,
    sourceTopo: d.clusters.find((c) => c.name === 'source')!.topo.server,
  };
}

/** `vtmigrate <args>` against the test stack (Temporal and the target topology). */
export async function vtmigrate(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  const a = await stackAddresses();
  return runCli('vtmigrate', ['--server', a.temporal, '--topo-global-server-address', a.targetTopo, ...args], opts);
}

export function localCli(args: string[]): Promise<CliResult> {
  return runCli('vtmigrate-local', [...args, '--spec', TEST_SPEC_FILE]);
}

/**
 * The primaries of one keyspace of a cluster: by default its first (commerce on the source,
 * customer on the target); the test stack has unsharded keyspaces after them.
 */
export function primaries(spec: LocalSpec, cluster: string, keyspace?: string): PrimaryEndpoint[] {
  const ks = keyspace ?? spec.clusters.find((c) => c.name === cluster)!.keyspaces[0].name;
  const d = describeStack(spec, false);
  return d.clusters.find((c) => c.name === cluster)!.tablets
    .filter((t) => t.type === 'PRIMARY' && t.keyspace === ks)
    .map((t) => ({ shard: t.shard, port: t.mysql.port, db: t.db }));
}

async function onPrimary(port: number, sql: string[]): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true });
  try {
    for (const s of sql) await conn.query(s);
  } finally {
    await conn.end();
  }
}

const COMMERCE_TABLES = ['customer', 'corder', 'order_line', 'product'];

/** Empties the source tables (replicas follow) and removes every target table and all migration state. */
export async function resetClusters(): Promise<void> {
  const spec = await testStack();
  for (const p of primaries(spec, 'source')) await onPrimary(p.port, COMMERCE_TABLES.map((t) => `TRUNCATE TABLE \`${p.db}\`.\`${t}\``));
  for (const p of primaries(spec, 'target')) {
    await onPrimary(p.port, [
      ...COMMERCE_TABLES.map((t) => `DROP TABLE IF EXISTS \`${p.db}\`.\`${t}\``),
      'DROP DATABASE IF EXISTS _vt_migrate',
    ]);
  }
  await vtmigrate(['Mount', 'unregister', '--name', 'ext1']);
}

export async function applyCustomerVSchema(): Promise<void> {
  const apply = await vtmigrate(['ApplyVSchema', '--vschema-file', CUSTOMER_VSCHEMA, 'customer']);
  if (apply.code !== 0) throw new Error(`ApplyVSchema failed: ${apply.stderr}`);
}

export async function mountAndApplyVSchema(): Promise<void> {
  const a = await stackAddresses();
  const mount = await vtmigrate(['Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', a.sourceTopo, '--topo-root', '/vitess/global']);
  if (mount.code !== 0) throw new Error(`Mount register failed: ${mount.stderr}`);
  await applyCustomerVSchema();
}

export async function sourceWriter(seed: number, idBase: number): Promise<CommerceWriter> {
  const spec = await testStack();
  const endpoints: ShardEndpoint[] = primaries(spec, 'source').map((p) => ({ shard: p.shard, host: '127.0.0.1', port: p.port, user: 'root', database: p.db }));
  return new CommerceWriter(endpoints, seed, idBase);
}
