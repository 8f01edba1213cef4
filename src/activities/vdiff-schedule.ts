// Scheduling a VDiff (Vitess's VDiffCreate / VDiffResume on every target primary): find the
// migration, check that the diff can run (options, tables, copy finished everywhere), then write
// or reset its rows on each target primary. Every check runs before any row is written, so a
// refused diff leaves nothing behind.
import { activityInfo, getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { quoteId, type Connection } from '../mysql/connect';
import { migrateWorkflowId, planQuery, type MigrationPlan, type ShardPlan, type TablePlan } from '../workflows/api';
import { vdiffOptionsProblem, type VDiffOptions } from '../workflows/vdiff-api';
import type { VDiffScheduled, VDiffScheduleTask } from '../workflows/vdiff-tasks';
import { resolveCells, UnknownCell, type TopoServer } from '../topo';
import { openSourceTopo, openTargetTopo, withTopo, type ActivityDeps } from './deps';
import { invalidInput } from './errors';
import { readStreams, STATE_DB } from './state';
import { connectTargetPrimary } from './target-primary';
import { shardStatusOf } from './vdiff-shard';
import { ensureVDiffSchema, insertVDiff, readVDiff, resetVDiffForResume } from './vdiff-state';

/** Vitess's text when a workflow has no streams (vtctl/workflow/utils.go). */
export function noStreamsMessage(keyspace: string, workflow: string): string {
  return `no streams found in keyspace ${keyspace} for ${workflow}`;
}

/** The running Migrate workflow's plan, asked of the workflow itself. */
export async function runningMigrationPlan(keyspace: string, workflow: string): Promise<MigrationPlan> {
  const handle = getClient().workflow.getHandle(migrateWorkflowId(keyspace, workflow));
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') throw invalidInput(noStreamsMessage(keyspace, workflow));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw invalidInput(noStreamsMessage(keyspace, workflow));
    throw err;
  }
  const plan = await handle.query(planQuery);
  if (!plan) throw invalidInput(`workflow ${keyspace}.${workflow} is still being validated; run VDiff once its copy has started`);
  return plan;
}

/** The streams of a shard that have not finished copying every table, as `<shard> stream <id> (from <source shard>): ...`. */
export async function copyingStreams(conn: Connection, workflowId: string, shard: ShardPlan, tables: TablePlan[]): Promise<string[]> {
  const rows = await readStreams(conn, workflowId);
  const [copy] = await conn.query(`SELECT stream_id, table_name, done FROM ${STATE_DB}.copy_state WHERE workflow_id = ?`, [workflowId]);
  const done = new Set((copy as { stream_id: number; table_name: Buffer | string; done: number }[])
    .filter((c) => Number(c.done) === 1).map((c) => `${c.stream_id}/${String(c.table_name)}`));
  const out: string[] = [];
  for (const s of shard.streams) {
    const row = rows.find((r) => r.id === s.id);
    const left = tables.filter((t) => !done.has(`${s.id}/${t.name}`)).map((t) => t.name);
    if (!row || row.pos === '') out.push(`${shard.shard} stream ${s.id} (from ${s.sourceShard}): not started`);
    else if (left.length > 0) out.push(`${shard.shard} stream ${s.id} (from ${s.sourceShard}): copying ${left.join(', ')}`);
  }
  return out;
}

async function tableRows(conn: Connection, db: string, tables: TablePlan[], analyze: boolean): Promise<Map<string, number>> {
  if (analyze) for (const t of tables) await conn.query(`ANALYZE TABLE ${quoteId(db)}.${quoteId(t.name)}`);
  const [rows] = await conn.query('SELECT table_name AS name, table_rows AS n FROM information_schema.tables WHERE table_schema = ?', [db]);
  return new Map((rows as { name: string; n: number | null }[]).map((r) => [String(r.name), Number(r.n ?? 0)]));
}

/** --source-cells name cells of the source cluster, --target-cells of the target's. */
async function checkCells(deps: ActivityDeps, plan: MigrationPlan, options: VDiffOptions): Promise<void> {
  const check = async (topo: TopoServer, cells: string[], flag: string) => {
    if (cells.length === 0) return;
    await resolveCells(topo, cells).catch((err: unknown) => { throw err instanceof UnknownCell ? invalidInput(`${flag}: ${err.message}`) : err; });
  };
  await withTopo(openSourceTopo(plan.sourceTopo), (topo) => check(topo, options.sourceCells, '--source-cells'));
  await withTopo(openTargetTopo(deps), (topo) => check(topo, options.targetCells, '--target-cells'));
}

function selectTables(plan: MigrationPlan, options: VDiffOptions): TablePlan[] {
  if (options.tables.length === 0) return plan.tables;
  const unknown = options.tables.filter((t) => !plan.tables.some((p) => p.name === t));
  if (unknown.length > 0) throw invalidInput(`table(s) ${unknown.join(', ')} not found in workflow ${plan.targetKeyspace}.${plan.workflow} (its tables: ${plan.tables.map((t) => t.name).join(', ')})`);
  return plan.tables.filter((t) => options.tables.includes(t.name));
}

export async function vdiffSchedule(deps: ActivityDeps, task: VDiffScheduleTask): Promise<VDiffScheduled> {
  const { request: req } = task;
  if (req.action === 'create') {
    const problem = vdiffOptionsProblem(task.options);
    if (problem) throw invalidInput(problem);
  }
  const plan = req.plan ?? await runningMigrationPlan(req.targetKeyspace, req.workflow);
  if (req.action === 'create') await checkCells(deps, plan, task.options);
  const wanted = req.action === 'resume' && req.shards && req.shards.length > 0 ? req.shards : plan.shards.map((s) => s.shard);
  const unknownShards = wanted.filter((s) => !plan.shards.some((p) => p.shard === s));
  if (unknownShards.length > 0) throw invalidInput(`shard(s) ${unknownShards.join(', ')} are not target shards of workflow ${plan.targetKeyspace}.${plan.workflow}`);
  const primaries = Object.fromEntries(plan.shards.map((s) => [s.shard, s.primaryAlias]));
  const retry = activityInfo().attempt > 1;

  const conns = new Map<string, Connection>();
  try {
    for (const s of plan.shards) conns.set(s.shard, (await connectTargetPrimary(deps, plan.targetKeyspace, s.shard)).conn);
    // ---- checks, on every shard, before anything is written ----
    let options = task.options;
    let tables = req.action === 'create' ? selectTables(plan, options) : plan.tables;
    const copying: string[] = [];
    for (const s of plan.shards) {
      const conn = conns.get(s.shard)!;
      await ensureVDiffSchema(conn);
      const existing = await readVDiff(conn, plan.workflowId, req.uuid);
      if (req.action === 'create' && existing && !(retry && JSON.stringify(existing.options) === JSON.stringify(options))) {
        throw invalidInput(`vdiff with UUID ${req.uuid} already exists on tablet ${s.primaryAlias}`);
      }
      if (req.action !== 'create') {
        if (!existing) throw invalidInput(`vdiff with UUID ${req.uuid} not found on tablet ${s.primaryAlias}`);
        // A resumed diff runs with the options it was created with, on its own tables.
        options = existing.options;
        tables = plan.tables.filter((t) => existing.tables.some((x) => x.table === t.name));
      }
      if (req.action !== 'continue') copying.push(...await copyingStreams(conn, plan.workflowId, s, tables));
    }
    if (copying.length > 0) {
      throw invalidInput(`not all streams are running in workflow ${plan.targetKeyspace}.${plan.workflow}: still copying: ${copying.join('; ')}`);
    }
    // ---- rows ----
    const shards = [];
    for (const s of plan.shards) {
      const conn = conns.get(s.shard)!;
      if (req.action === 'create' && !(await readVDiff(conn, plan.workflowId, req.uuid))) {
        const counts = await tableRows(conn, `vt_${plan.targetKeyspace}`, tables, options.updateTableStats);
        await insertVDiff(conn, plan.workflowId, {
          uuid: req.uuid, shard: s.shard, state: options.autoStart ? 'pending' : 'stopped', options,
          tables: tables.map((t) => ({ table: t.name, tableRows: counts.get(t.name) ?? 0 })),
        });
      }
      if (req.action === 'resume' && wanted.includes(s.shard)) await resetVDiffForResume(conn, plan.workflowId, req.uuid);
      shards.push(shardStatusOf((await readVDiff(conn, plan.workflowId, req.uuid))!));
    }
    return { plan, options, tables, primaries, shards };
  } finally {
    for (const c of conns.values()) c.destroy();
  }
}
