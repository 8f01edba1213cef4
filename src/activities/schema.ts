// Preparing the target (DESIGN.md §4.3): the migration's state schema, and each table created
// from the source's SHOW CREATE TABLE, without its secondary keys while copying when
// --defer-secondary-keys is on (they are added back when the shard's copy ends).
import { connectMysql, quoteId, type Connection } from '../mysql/connect';
import { addSecondaryKeysSql, createTableWithoutSecondaryKeys, readTableSchemas } from '../mysql/schema';
import type { MigrationPlan, TablePlan } from '../workflows/api';
import type { ShardRef } from '../workflows/tasks';
import { migrationRef } from '../workflows/tasks';
import { openSourceTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { errorText, invalidInput, isDuplicateKeyError } from './errors';
import { makeHeartbeat } from './heartbeat';
import { claimedByOthersMessage, claimTablesAlone, ensureStateSchema, insertStreams, STATE_DB } from './state';
import { connectTargetPrimary, findPrimary } from './target-primary';

export async function prepareTarget(deps: ActivityDeps, plan: MigrationPlan): Promise<void> {
  const hb = makeHeartbeat<{ message: string }>();
  const ref = migrationRef(plan);
  const sourceDb = `vt_${plan.sourceKeyspace}`;
  // The definitions come from the source primary, as for the plan's checks and Vitess's DDL copy.
  // Through the tablet picker, a --tablet-types no tablet serves (RDONLY, none there) kept the
  // run in Validating; now the streams are created and say what they wait for.
  const primary = await withTopo(openSourceTopo(ref.sourceTopo), (topo) => findPrimary(topo, plan.sourceKeyspace, plan.sourceShards[0]));
  hb.beat({ message: `reading the table definitions from source primary ${primary.alias}` });
  const source = await connectMysql(tabletEndpoint(deps, ref.sourceTopo, 'source', primary.host, primary.port, sourceDb), { connectTimeoutMs: 5000 }).catch((err: unknown) => {
    throw new Error(`cannot connect to source primary ${primary.alias} (${primary.host}:${primary.port}) of ${plan.sourceKeyspace}/${plan.sourceShards[0]}: ${errorText(err)}`);
  });
  let schemas;
  try {
    schemas = await readTableSchemas(source, sourceDb, plan.tables.map((t) => t.name));
  } finally {
    source.destroy();
  }
  const targetDb = `vt_${plan.targetKeyspace}`;
  for (const shard of plan.shards) {
    const { conn } = await connectTargetPrimary(deps, plan.targetKeyspace, shard.shard);
    try {
      await ensureStateSchema(conn);
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(targetDb)}`);
      // Claimed before they are created: a run that fails part-way has named every table it may
      // have created, for Migrate cancel to drop (discard.ts).
      const others = await claimTablesAlone(conn, plan.workflowId, shard.streams.map((s) => s.id), plan.tables.map((t) => t.name));
      if (others.length > 0) throw invalidInput(claimedByOthersMessage(plan.targetKeyspace, others));
      await insertStreams(conn, plan.workflowId, shard.streams.map((s) => ({ id: s.id, sourceShard: s.sourceShard })));
      for (const table of plan.tables) {
        const schema = schemas.get(table.name)!;
        const [exists] = await conn.query('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [targetDb, table.name]);
        if (Number((exists as { n: number }[])[0].n) > 0) continue;
        const deferred = plan.request.deferSecondaryKeys ? addSecondaryKeysSql(table.name, schema, targetDb) : '';
        const ddl = deferred ? createTableWithoutSecondaryKeys(schema.createTable, schema) : schema.createTable;
        // Record the keys to add back before the table exists, so a crash in between loses nothing.
        if (deferred) {
          await conn.query(`INSERT IGNORE INTO ${STATE_DB}.deferred_keys (workflow_id, table_name, alter_sql) VALUES (?, ?, ?)`, [plan.workflowId, table.name, deferred]);
        }
        await conn.query(`USE ${quoteId(targetDb)}`);
        await conn.query(ddl);
      }
    } finally {
      conn.destroy();
    }
  }
}

/**
 * A deferred unique key that the copied rows break: rows copied from two source shards hold one
 * value. That happens when the value moved between them while they were copied (each shard's
 * snapshot has it); catching up moves it, and the keys can be added then.
 */
export interface DuplicateForKeys { duplicate: string; table?: string }

/** Re-adds the keys deferred for the copy; returns how many tables got them back, or the duplicate in the way. */
export async function addDeferredKeys(deps: ActivityDeps, task: ShardRef & { tables: TablePlan[] }): Promise<number | DuplicateForKeys> {
  const hb = makeHeartbeat<{ message: string }>();
  const { conn } = await connectTargetPrimary(deps, task.ref.targetKeyspace, task.shard);
  try {
    return await addPendingKeys(conn, task.ref.workflowId, task.ref.targetKeyspace, (message) => hb.beat({ message }, true));
  } finally {
    conn.destroy();
  }
}

/**
 * Adds the secondary keys held back for the copy that are still missing on this primary, table
 * by table (each marked done as it is added); stops at a unique key the rows break, naming it.
 */
export async function addPendingKeys(conn: Connection, workflowId: string, keyspace: string, beat: (message: string) => void): Promise<number | DuplicateForKeys> {
  const [rows] = await conn.query(`SELECT table_name, alter_sql FROM ${STATE_DB}.deferred_keys WHERE workflow_id = ? AND done = 0 ORDER BY table_name`, [workflowId]);
  let n = 0;
  for (const r of rows as { table_name: Buffer | string; alter_sql: Buffer | string }[]) {
    const table = String(r.table_name);
    beat(`adding the deferred secondary keys of ${table}`);
    // A previous attempt may have added them already (the ALTER committed, the flag did not).
    const done = await keysPresent(conn, `vt_${keyspace}`, table, String(r.alter_sql));
    if (!done) {
      try {
        await runAlter(conn, String(r.alter_sql), () => beat(`adding the deferred secondary keys of ${table}`));
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        return { duplicate: `table ${table}: ${(err as { sqlMessage?: string }).sqlMessage ?? String(err)}`, table };
      }
    }
    await conn.query(`UPDATE ${STATE_DB}.deferred_keys SET done = 1 WHERE workflow_id = ? AND table_name = ?`, [workflowId, table]);
    n++;
  }
  return n;
}

async function keysPresent(conn: Connection, db: string, table: string, alter: string): Promise<boolean> {
  const names = [...alter.matchAll(/ADD (?:UNIQUE KEY|KEY|FULLTEXT KEY|SPATIAL KEY) `((?:[^`]|``)+)`/g)].map((m) => m[1].replace(/``/g, '`'));
  if (names.length === 0) return false;
  const [rows] = await conn.query('SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = ? AND table_name = ?', [db, table]);
  const have = new Set((rows as { name: string }[]).map((r) => r.name));
  return names.every((n) => have.has(n));
}

/** Long ALTERs: heartbeat while they run. */
async function runAlter(conn: Connection, sql: string, beat: () => void): Promise<void> {
  const timer = setInterval(beat, 5000);
  try {
    await conn.query(sql);
  } finally {
    clearInterval(timer);
  }
}
