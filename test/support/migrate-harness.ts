// Shared by the migrate-*.test.ts e2e suites: Migrate workflows driven with the Temporal client
// and an in-process worker (as scripts/dev/run-migration.ts does) on the test stack, plain SQL
// on every tablet, VSchema edits on both clusters, and the shard children's live state (pending
// activity heartbeats and failures) as `temporal workflow describe` shows it.
//
// Nothing here uses the project's own row reading or verification code: the suites check
// results with their own SQL.
import { Client, Connection as ClientConnection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import mysql from 'mysql2/promise';
import { describeStack, type StackDescription } from '../../src/local/describe';
import type { LocalSpec } from '../../src/local/spec';
import { createWorker } from '../../src/worker';
import { loadWorkerConfig } from '../../src/worker-config';
import {
  migrateWorkflowId,
  MigrationPhaseAttr,
  shardWorkflowId,
  statusQuery,
  TASK_QUEUE,
  type MigrateRequest,
  type MigrateStatus,
} from '../../src/workflows/api';
import { runCli, type CliResult } from './cli';
import { hashKsid, shardOf } from './routing';
import { TEST_SPEC_FILE, testStack } from './stack';

export const SOURCE_KEYSPACE = 'commerce';
export const TARGET_KEYSPACE = 'customer';
export const SOURCE_SHARDS = ['-80', '80-'];
export const TARGET_SHARDS = ['-40', '40-c0', 'c0-'];

export interface TabletInfo { alias: string; cluster: string; keyspace: string; shard: string; type: string; port: number; db: string }

export interface Harness {
  spec: LocalSpec;
  desc: StackDescription;
  client: Client;
  temporal: string;
  sourceTopo: string;
  targetTopo: string;
  tablets: TabletInfo[];
}

let shared: Promise<{ h: Harness; stop: () => Promise<void> }> | undefined;
let users = 0;

/** The stack, a Temporal client and one in-process worker for this mocha process (ref-counted). */
export async function acquireHarness(): Promise<Harness> {
  users++;
  shared ??= (async () => {
    const spec = await testStack();
    const desc = describeStack(spec, false);
    const config = loadWorkerConfig(desc.workerConfig);
    const nc = await NativeConnection.connect({ address: config.temporal.address });
    const worker: Worker = await createWorker(config, nc);
    const running = worker.run();
    const cc = await ClientConnection.connect({ address: config.temporal.address });
    const client = new Client({ connection: cc, namespace: config.temporal.namespace });
    const tablets = desc.clusters.flatMap((c) => c.tablets.map((t) => ({ alias: t.alias, cluster: c.name, keyspace: t.keyspace, shard: t.shard, type: t.type, port: t.mysql.port, db: t.db })));
    const h: Harness = {
      spec, desc, client, temporal: config.temporal.address, tablets,
      sourceTopo: desc.clusters.find((c) => c.name === 'source')!.topo.server,
      targetTopo: desc.clusters.find((c) => c.name === 'target')!.topo.server,
    };
    return {
      h,
      stop: async () => {
        worker.shutdown();
        await running.catch(() => undefined);
        await nc.close();
        await cc.close();
      },
    };
  })();
  return (await shared).h;
}

export async function releaseHarness(): Promise<void> {
  users--;
  if (users > 0 || !shared) return;
  const s = await shared;
  shared = undefined;
  await s.stop();
}

// ---- SQL on tablets ----

/** A tablet of commerce (source) or customer (target), or of another keyspace of that cluster. */
export function tablet(h: Harness, cluster: 'source' | 'target', shard: string, type: 'PRIMARY' | 'REPLICA' = 'PRIMARY',
  keyspace = cluster === 'source' ? SOURCE_KEYSPACE : TARGET_KEYSPACE): TabletInfo {
  const t = h.tablets.find((x) => x.cluster === cluster && x.keyspace === keyspace && x.shard === shard && x.type === type);
  if (!t) throw new Error(`no ${type} tablet for ${cluster} ${keyspace}/${shard}`);
  return t;
}

/** A root session on a tablet's mysqld: UTC, values as the server prints them (no JS rounding). */
export async function openDb(port: number, db?: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({
    host: '127.0.0.1', port, user: 'root', database: db, multipleStatements: true, charset: 'UTF8MB4_GENERAL_CI',
    timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, decimalNumbers: false,
  });
  await conn.query("SET SESSION time_zone = '+00:00'");
  return conn;
}

export async function withDb<T>(port: number, fn: (c: mysql.Connection) => Promise<T>, db?: string): Promise<T> {
  const c = await openDb(port, db);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

export async function execOn(port: number, sql: string | string[], db?: string): Promise<void> {
  await withDb(port, async (c) => {
    for (const s of Array.isArray(sql) ? sql : [sql]) await c.query(s);
  }, db);
}

export async function rowsOn<T = Record<string, unknown>>(port: number, sql: string, params: unknown[] = [], db?: string): Promise<T[]> {
  return withDb(port, async (c) => (await c.query(sql, params))[0] as T[], db);
}

/** The primary's binlog position (MariaDB gtid_binlog_pos), e.g. `0-100-57`. */
export async function binlogPos(port: number): Promise<string> {
  const [r] = await rowsOn<{ p: string }>(port, 'SELECT @@gtid_binlog_pos AS p');
  return r.p;
}

/** Whether MariaDB GTID position `a` includes `b` (every domain of b at or past b's sequence). */
export function gtidAtLeast(a: string, b: string): boolean {
  const parse = (p: string) => new Map(p.split(',').filter(Boolean).map((g) => {
    const [d, , s] = g.trim().split('-');
    return [d, BigInt(s)] as const;
  }));
  const pa = parse(a);
  for (const [d, s] of parse(b)) if ((pa.get(d) ?? -1n) < s) return false;
  return true;
}

/** Waits until every replica of the source has applied what its primary has (test writes are visible there). */
export async function waitReplicasCaughtUp(h: Harness, cluster: 'source' | 'target' = 'source', timeoutMs = 20_000): Promise<void> {
  for (const p of h.tablets.filter((t) => t.cluster === cluster && t.type === 'PRIMARY')) {
    const pos = await binlogPos(p.port);
    for (const r of h.tablets.filter((t) => t.cluster === cluster && t.shard === p.shard && t.type !== 'PRIMARY')) {
      await waitFor(`replica ${r.alias} reaches ${pos}`, async () => {
        const [row] = await rowsOn<{ p: string }>(r.port, 'SELECT @@gtid_slave_pos AS p');
        return gtidAtLeast(row.p, pos);
      }, timeoutMs);
    }
  }
}

// ---- waiting ----

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---- the CLIs ----

/** `vtmigrate <args>` against the target (default) or the source cluster's topology. */
export function vtmigrateOn(h: Harness, cluster: 'source' | 'target', args: string[]): Promise<CliResult> {
  return runCli('vtmigrate', ['--server', h.temporal, '--topo-global-server-address', cluster === 'source' ? h.sourceTopo : h.targetTopo, ...args]);
}

export function localCli(args: string[]): Promise<CliResult> {
  return runCli('vtmigrate-local', [...args, '--spec', TEST_SPEC_FILE], { timeoutMs: 120_000 });
}

export async function ensureMount(h: Harness, name: string): Promise<void> {
  // A suite may start right after one that SIGKILLed and restarted the target's etcd, which can
  // take some seconds more to answer on this loaded 2-core machine: a topology timeout is tried
  // again (any other failure is the test's).
  for (let attempt = 1; ; attempt++) {
    const r = await vtmigrateOn(h, 'target', ['Mount', 'register', '--name', name, '--topo-type', 'etcd2', '--topo-server', h.sourceTopo, '--topo-root', '/vitess/global']);
    if (r.code === 0 || r.stderr.includes('already')) return;
    if (attempt >= 4 || !/deadline exceeded|did not answer within/.test(r.stderr)) throw new Error(`Mount register ${name} failed: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export interface VindexSpec { column: string; name: 'hash' | 'binary_md5' }

export interface VSchemaJson { sharded?: boolean; vindexes?: Record<string, unknown>; tables?: Record<string, unknown> }

export async function editVSchema(h: Harness, cluster: 'source' | 'target', keyspace: string, edit: (v: VSchemaJson) => void): Promise<void> {
  const got = await vtmigrateOn(h, cluster, ['GetVSchema', keyspace]);
  if (got.code !== 0) throw new Error(`GetVSchema ${keyspace} (${cluster}) failed: ${got.stderr}`);
  const v = JSON.parse(got.stdout) as VSchemaJson;
  v.vindexes ??= {};
  v.tables ??= {};
  edit(v);
  const put = await vtmigrateOn(h, cluster, ['ApplyVSchema', '--vschema', JSON.stringify(v), keyspace]);
  if (put.code !== 0) throw new Error(`ApplyVSchema ${keyspace} (${cluster}) failed: ${put.stderr}`);
}

/** Lists the tables, each with its primary vindex, in the source (commerce) and target (customer) VSchemas. */
export async function addTablesToVSchemas(h: Harness, tables: Record<string, VindexSpec>): Promise<void> {
  for (const [cluster, ks] of [['source', SOURCE_KEYSPACE], ['target', TARGET_KEYSPACE]] as const) {
    await editVSchema(h, cluster, ks, (v) => {
      v.vindexes!.hash ??= { type: 'hash' };
      v.vindexes!.binary_md5 ??= { type: 'binary_md5' };
      for (const [t, vx] of Object.entries(tables)) v.tables![t] = { column_vindexes: [{ column: vx.column, name: vx.name }] };
    });
  }
}

export async function removeTablesFromVSchemas(h: Harness, tables: string[]): Promise<void> {
  for (const [cluster, ks] of [['source', SOURCE_KEYSPACE], ['target', TARGET_KEYSPACE]] as const) {
    await editVSchema(h, cluster, ks, (v) => {
      for (const t of tables) delete v.tables![t];
    });
  }
}

const qid = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/**
 * Creates the tables on every source shard (through the primaries: replicas follow) and makes
 * sure no copy of them is left on the target (drops them there, and any earlier source copy).
 */
export async function createSourceTables(h: Harness, tables: Record<string, string>): Promise<void> {
  await dropTables(h, Object.keys(tables));
  for (const shard of SOURCE_SHARDS) {
    const p = tablet(h, 'source', shard);
    await execOn(p.port, Object.values(tables), p.db);
  }
  await waitReplicasCaughtUp(h);
}

export async function dropTables(h: Harness, names: string[]): Promise<void> {
  for (const t of h.tablets.filter((x) => x.type === 'PRIMARY')) {
    await execOn(t.port, names.map((n) => `DROP TABLE IF EXISTS ${qid(t.db)}.${qid(n)}`));
  }
}

// ---- workflows ----

/**
 * Terminates a left-over run of this workflow id (an earlier, aborted test run), if any, and
 * deletes its state from _vt_migrate on the target primaries (a terminated run leaves it there,
 * and Migrate refuses to create a workflow whose state exists).
 */
export async function terminateIfRunning(h: Harness, workflowId: string): Promise<void> {
  try {
    const d = await h.client.workflow.getHandle(workflowId).describe();
    if (d.status.name === 'RUNNING') await h.client.workflow.getHandle(workflowId).terminate('left over from an earlier test run');
  } catch {
    // not found
  }
  for (const t of h.tablets.filter((x) => x.cluster === 'target' && x.type === 'PRIMARY')) {
    const [has] = await rowsOn<{ n: number }>(t.port, "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = '_vt_migrate' AND table_name = 'streams'");
    if (Number(has.n) === 0) continue;
    await execOn(t.port, ['streams', 'copy_state', 'shadow_rows', 'deferred_keys'].map((x) => `DELETE FROM _vt_migrate.${x} WHERE workflow_id = '${workflowId.replace(/'/g, "''")}'`));
  }
}

export async function startMigrate(h: Harness, req: Partial<MigrateRequest> & { workflow: string; mountName: string }): Promise<WorkflowHandle> {
  const id = migrateWorkflowId(TARGET_KEYSPACE, req.workflow);
  await terminateIfRunning(h, id);
  return h.client.workflow.start('Migrate', {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [{ targetKeyspace: TARGET_KEYSPACE, sourceKeyspace: SOURCE_KEYSPACE, ...req } as MigrateRequest],
  });
}

export async function status(handle: WorkflowHandle): Promise<MigrateStatus> {
  return handle.query(statusQuery);
}

/** Waits until the status satisfies `ok`; fails early (with the status) when the run reports an error it should not. */
export async function waitStatus(handle: WorkflowHandle, what: string, ok: (s: MigrateStatus) => boolean, timeoutMs = 60_000,
  opts: { allowErrors?: boolean } = {}): Promise<MigrateStatus> {
  let last: MigrateStatus | undefined;
  try {
    return await waitFor(what, async () => {
      last = await status(handle);
      if (!opts.allowErrors) {
        const failing = last.shards.filter((s) => s.lastError !== '');
        if (last.phase === 'Error' || failing.length > 0) {
          throw new StopWaiting(`the migration reports an error while waiting until ${what}: phase ${last.phase}, ` +
            `${failing.map((s) => `${s.shard}: ${s.lastError}`).join('; ')} ${last.errors.join('; ')}`);
        }
      }
      return ok(last) ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    if (err instanceof StopWaiting) throw err;
    throw new Error(`${(err as Error).message}; last status: phase ${last?.phase} — ${last?.details}`);
  }
}

class StopWaiting extends Error {}

/** Signals cutover, waits for CutoverReady, checks the run's own verification, signals complete, waits for the result. */
export async function cutoverAndComplete(handle: WorkflowHandle, timeoutMs = 60_000): Promise<MigrateStatus> {
  await handle.signal('cutover');
  const ready = await waitStatus(handle, 'cutover is done', (s) => s.phase === 'CutoverReady', timeoutMs);
  // The run's own verdict (the cutover VDiff): complete refuses to go on without a clean one.
  const c = ready.cutover;
  if (!c) throw new Error('CutoverReady without a cutover result');
  if (c.vdiffError) throw new Error(`the cutover VDiff did not complete: ${c.vdiffError}`);
  if (c.vdiff?.HasMismatch || c.mismatches > 0) {
    throw new Error(`the cutover verification found differences: ${JSON.stringify(c.vdiff?.TableSummary ?? c.verification.filter((v) => !v.match))}`);
  }
  await handle.signal('complete', {});
  const final = (await handle.result()) as MigrateStatus;
  if (final.phase !== 'Completed') throw new Error(`complete ended in phase ${final.phase}`);
  const attr = (await handle.describe()).typedSearchAttributes.get(MigrationPhaseAttr);
  if (attr !== 'Completed') throw new Error(`the completed run's MigrationPhase search attribute is ${attr}`);
  return ready;
}

export interface PendingActivity { type: string; attempt: number; state: string; heartbeat: unknown; lastFailure: string }

/** What `temporal workflow describe` shows for a shard child: its pending activities with heartbeats and last failures. */
export async function describeShard(h: Harness, migrateId: string, shard: string): Promise<PendingActivity[]> {
  const d = await h.client.workflow.getHandle(shardWorkflowId(migrateId, shard)).describe();
  return (d.raw.pendingActivities ?? []).map((p) => ({
    type: p.activityType?.name ?? '',
    attempt: p.attempt ?? 0,
    state: String(p.state ?? ''),
    heartbeat: p.heartbeatDetails?.payloads?.[0] ? defaultPayloadConverter.fromPayload(p.heartbeatDetails.payloads[0]) : undefined,
    lastFailure: p.lastFailure?.message ?? '',
  }));
}

export interface StreamRow { workflow_id: string; id: number; source_shard: string; pos: string; state: string; message: string; tablet: string }

/** The run's stream rows in `_vt_migrate.streams` on one target shard's primary. */
export async function streamRows(h: Harness, migrateId: string, shard: string): Promise<StreamRow[]> {
  const p = tablet(h, 'target', shard);
  const rows = await rowsOn<Record<string, unknown>>(p.port,
    'SELECT workflow_id, id, source_shard, pos, state, message, tablet FROM _vt_migrate.streams WHERE workflow_id = ? ORDER BY id', [migrateId]);
  return rows.map((r) => ({
    workflow_id: String(r.workflow_id), id: Number(r.id), source_shard: String(r.source_shard), pos: String(r.pos),
    state: String(r.state), message: String(r.message), tablet: String(r.tablet),
  }));
}

export { qid };

// ---- an independent comparison for tables keyed by a BIGINT id with a hash vindex ----

/**
 * Source vs target for a table whose primary key is `id` (hash vindex): the same column names,
 * every source row on the target shard its keyspace id belongs to with every column byte-equal
 * (HEX of the value's text; not for FLOAT/DOUBLE columns, whose text can round), no other rows.
 * Returns the problems (empty when identical) and the row count.
 */
export async function compareById(h: Harness, table: string, opts: { shardBy?: string } = {}): Promise<{ problems: string[]; rows: number; target: Map<string, Record<string, string | null>> }> {
  // The integer column the table is hash-sharded by (default id).
  const shardBy = opts.shardBy ?? 'id';
  const problems: string[] = [];
  const read = async (cluster: 'source' | 'target', shards: string[]) => {
    const out = new Map<string, { shard: string; row: Record<string, string | null> }>();
    let columns: string | undefined;
    for (const shard of shards) {
      const p = tablet(h, cluster, shard);
      const cols = (await rowsOn<{ c: string }>(p.port, 'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [p.db, table])).map((r) => r.c);
      if (columns !== undefined && columns !== cols.join(',')) problems.push(`${cluster} shard ${shard}: columns ${cols.join(',')} differ from the other shards' ${columns}`);
      columns = cols.join(',');
      const rows = await rowsOn<Record<string, string | null>>(p.port, `SELECT ${cols.map((c) => `HEX(${qid(c)}) AS ${qid(c)}`).join(', ')}, CAST(id AS CHAR) AS _id, CAST(${qid(shardBy)} AS CHAR) AS _by FROM ${qid(table)}`, [], p.db);
      for (const r of rows) {
        const id = r._id!;
        const want = shardOf(shards, hashKsid(BigInt(r._by!)));
        delete r._id;
        delete r._by;
        if (want !== shard) problems.push(`${cluster} ${table} id ${id} is on shard ${shard}, belongs on ${want}`);
        if (out.has(id)) problems.push(`${cluster} ${table} id ${id} on two shards`);
        out.set(id, { shard, row: r });
      }
    }
    return { rows: out, columns: columns ?? '' };
  };
  const src = await read('source', SOURCE_SHARDS);
  const dst = await read('target', TARGET_SHARDS);
  if (src.columns !== dst.columns) problems.push(`${table}: source columns (${src.columns}) differ from the target's (${dst.columns})`);
  for (const [id, s] of src.rows) {
    const t = dst.rows.get(id);
    if (!t) problems.push(`${table} id ${id}: missing on the target`);
    else if (JSON.stringify(s.row) !== JSON.stringify(t.row)) problems.push(`${table} id ${id}: source ${JSON.stringify(s.row)} target ${JSON.stringify(t.row)}`);
  }
  for (const id of dst.rows.keys()) if (!src.rows.has(id)) problems.push(`${table} id ${id}: extra row on the target`);
  return { problems, rows: src.rows.size, target: new Map([...dst.rows].map(([k, v]) => [k, v.row])) };
}

/** Runs statements on the source primary of the shard where a row with this id lives (as vtgate routes it). */
export async function onSourceShardOf(h: Harness, id: bigint, sql: string[]): Promise<void> {
  const p = tablet(h, 'source', shardOf(SOURCE_SHARDS, hashKsid(id)));
  await execOn(p.port, sql, p.db);
}

/** The source shard holding id. */
export async function sourceShardOf(id: bigint): Promise<string> {
  return shardOf(SOURCE_SHARDS, hashKsid(id));
}

/** The target shard holding id. */
export async function targetShardOf(id: bigint): Promise<string> {
  return shardOf(TARGET_SHARDS, hashKsid(id));
}

/** The sources' current positions, by source shard. */
export async function sourcePositions(h: Harness): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of SOURCE_SHARDS) out.set(s, await binlogPos(tablet(h, 'source', s).port));
  return out;
}

/** Waits until every stream of the run, on every target shard, has committed the given source positions. */
export async function waitStreamsAt(h: Harness, migrateId: string, positions: Map<string, string>, timeoutMs = 30_000, shards = TARGET_SHARDS): Promise<void> {
  await waitFor(`the streams of ${migrateId} on ${shards.join(', ')} have applied ${[...positions].map(([s, p]) => `${s}@${p}`).join(' ')}`, async () => {
    for (const t of shards) {
      for (const s of await streamRows(h, migrateId, t)) if (!gtidAtLeast(s.pos, positions.get(s.source_shard)!)) return false;
    }
    return true;
  }, timeoutMs);
}
