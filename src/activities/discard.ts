// `Migrate cancel` of a run that ended without cleaning up after itself: failed (a target primary
// down through prepareTarget's retries, say), or terminated or cancelled from the Temporal CLI or
// Web UI. Its streams, copy checkpoints and target tables stay on the target primaries, where they
// block a new create of the workflow (and, for any other workflow, of the same tables). This
// removes them as the run's own cancel would have: the workflow's state rows and VDiffs and,
// unless keepData, the tables it claimed. The source is never touched.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { endRunningVDiffs } from '../client/vdiff-live';
import { quoteId, type Connection } from '../mysql/connect';
import { listShards } from '../topo';
import { migrateWorkflowId, type DiscardRequest, type DiscardResult } from '../workflows/api';
import { openTargetTopo, withTopo, type ActivityDeps } from './deps';
import { invalidInput } from './errors';
import { makeHeartbeat } from './heartbeat';
import { deleteWorkflowState, STATE_DB } from './state';
import { asShardWriter } from './shard-writer';
import { connectTargetPrimary } from './target-primary';
import { deleteVDiffs } from './vdiff-state';

export async function discardMigration(deps: ActivityDeps, req: DiscardRequest): Promise<DiscardResult> {
  const hb = makeHeartbeat<{ message: string }>();
  const workflowId = migrateWorkflowId(req.targetKeyspace, req.workflow);
  // Started from the Temporal CLI while the run goes on, this would drop tables under it.
  const run = await Context.current().client.workflow.getHandle(workflowId).describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (run?.status.name === 'RUNNING') {
    throw invalidInput(`workflow ${req.workflow} in keyspace ${req.targetKeyspace} is running: cancel it with Migrate cancel (or its cancel signal), which stops its streams first`);
  }
  // Its VDiffs still running would fail on what this removes, and could write their results back.
  await endRunningVDiffs(Context.current().client, req.targetKeyspace, req.workflow, `Migrate cancel of ${workflowId}`);
  const shards = await withTopo(openTargetTopo(deps), (topo) => listShards(topo, req.targetKeyspace));
  const result: DiscardResult = { shards: [], droppedTables: [] };
  const dropped = new Set<string>();
  for (const shard of shards) {
    const { conn, primary } = await connectTargetPrimary(deps, req.targetKeyspace, shard);
    try {
      const tables = await stateTables(conn, workflowId);
      if (tables === undefined) continue;
      // A copy or catch-up of the ended run may still be writing (a terminated run's activities
      // learn of it at their next heartbeat).
      await asShardWriter({ conn, workflowId, keyspace: req.targetKeyspace, shard, tablet: primary.alias }, 'cancel', (message) => hb.beat({ message }), async () => {
        if (!req.keepData) {
          for (const t of tables) {
            hb.beat({ message: `dropping ${t} on ${req.targetKeyspace}/${shard}` });
            await conn.query(`DROP TABLE IF EXISTS ${quoteId(`vt_${req.targetKeyspace}`)}.${quoteId(t)}`);
            dropped.add(t);
          }
        }
        await deleteWorkflowState(conn, workflowId);
        await deleteVDiffs(conn, workflowId).catch(() => 0);
      });
      result.shards.push({ shard, primaryAlias: primary.alias });
    } finally {
      conn.destroy();
    }
  }
  result.droppedTables = [...dropped].sort();
  return result;
}

/**
 * The tables the workflow's state on this primary names (claimed for its copy, or with keys held
 * back for it), or undefined when it has no state here.
 */
async function stateTables(conn: Connection, workflowId: string): Promise<string[] | undefined> {
  const [schema] = await conn.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'streams'", [STATE_DB]);
  if (Number((schema as { n: number }[])[0].n) === 0) return undefined;
  const [rows] = await conn.query(
    `SELECT table_name AS t FROM ${STATE_DB}.copy_state WHERE workflow_id = ? UNION SELECT table_name FROM ${STATE_DB}.deferred_keys WHERE workflow_id = ?`,
    [workflowId, workflowId],
  );
  const tables = (rows as { t: Buffer | string }[]).map((r) => String(r.t)).sort();
  const [streams] = await conn.query(`SELECT COUNT(*) AS n FROM ${STATE_DB}.streams WHERE workflow_id = ?`, [workflowId]);
  return tables.length === 0 && Number((streams as { n: number }[])[0].n) === 0 ? undefined : tables;
}
