// Complete and cancel (DESIGN.md §4.9). Complete removes this workflow's state from the target
// primaries and makes sure the target VSchema lists the tables (for an unsharded target an
// empty entry, as Vitess does; a sharded target already has them, validated at create — where
// Vitess's own complete fails). Cancel also drops the copied tables unless --keep-data. The
// source is never touched.
import { Context, log } from '@temporalio/activity';
import { endRunningVDiffs } from '../client/vdiff-live';
import { quoteId } from '../mysql/connect';
import { listCells, rebuildSrvVSchema, updateVSchema } from '../topo';
import type { FinishTask } from '../workflows/tasks';
import { openTargetTopo, withTopo, type ActivityDeps } from './deps';
import { deleteWorkflowState, STATE_DB } from './state';
import { deleteVDiffs } from './vdiff-state';
import { connectTargetPrimary } from './target-primary';
import { makeHeartbeat } from './heartbeat';
import { asShardWriter } from './shard-writer';
import { addPendingKeys } from './schema';

export interface FinishResult { summary: string; droppedTables: string[] }

/**
 * A VDiff of the workflow still running would fail on the state (and, for cancel, the tables)
 * removed under it, and could write its results back for a workflow that is gone. Ended here, so
 * that a complete or cancel signalled from the Temporal CLI or Web UI ends them as ours does.
 */
async function endVDiffs(task: FinishTask, step: string): Promise<void> {
  const { plan } = task;
  await endRunningVDiffs(Context.current().client, plan.targetKeyspace, plan.workflow, `Migrate ${step} of ${plan.workflowId}`);
}

export async function completeMigration(deps: ActivityDeps, task: FinishTask): Promise<FinishResult> {
  const { plan } = task;
  await endVDiffs(task, 'complete');
  const hb = makeHeartbeat<{ message: string }>();
  for (const shard of plan.shards) {
    const { conn, primary } = await connectTargetPrimary(deps, plan.targetKeyspace, shard.shard);
    try {
      // A catch-up a forced complete did not drain may still be applying rows.
      await asShardWriter({ conn, workflowId: plan.workflowId, keyspace: plan.targetKeyspace, shard: shard.shard, tablet: primary.alias }, 'complete', (message) => hb.beat({ message }), async () => {
        // A forced complete before the copy ended: the secondary keys held back for it are
        // added now (the state that records them goes next), except a unique one the rows break.
        for (;;) {
          const added = await addPendingKeys(conn, plan.workflowId, plan.targetKeyspace, (message) => hb.beat({ message }));
          if (typeof added === 'number') break;
          log.warn(`complete of ${plan.workflowId}: the deferred keys of ${added.table} were not added on ${plan.targetKeyspace}/${shard.shard}: ${added.duplicate}`);
          await conn.query(`UPDATE ${STATE_DB}.deferred_keys SET done = 1 WHERE workflow_id = ? AND table_name = ?`, [plan.workflowId, added.table]);
        }
        await deleteWorkflowState(conn, plan.workflowId);
        // Vitess deletes the workflow's VDiff data at complete too.
        await deleteVDiffs(conn, plan.workflowId).catch(() => 0);
      });
    } finally {
      conn.destroy();
    }
  }
  await withTopo(openTargetTopo(deps), async (topo) => {
    // Conditional on the version read: two completes into one keyspace at once each keep the other's tables.
    await updateVSchema(topo, plan.targetKeyspace, (vschema) => {
      const missing = plan.tables.filter((t) => !vschema.tables[t.name]);
      for (const t of missing) vschema.tables[t.name] = { type: '', columnVindexes: [], autoIncrement: undefined, columns: [], pinned: '', columnListAuthoritative: false, source: '' };
      return missing.length > 0;
    });
    await rebuildSrvVSchema(topo, await listCells(topo));
  });
  return { summary: `Successfully completed the ${plan.workflow} workflow in the ${plan.targetKeyspace} keyspace`, droppedTables: [] };
}

export async function cancelMigration(deps: ActivityDeps, task: FinishTask): Promise<FinishResult> {
  const { plan } = task;
  await endVDiffs(task, 'cancel');
  const hb = makeHeartbeat<{ message: string }>();
  const dropped = new Set<string>();
  for (const shard of plan.shards) {
    const { conn, primary } = await connectTargetPrimary(deps, plan.targetKeyspace, shard.shard);
    try {
      // The shard's catch-up may still be applying rows (it stops at its next heartbeat).
      await asShardWriter({ conn, workflowId: plan.workflowId, keyspace: plan.targetKeyspace, shard: shard.shard, tablet: primary.alias }, 'cancel', (message) => hb.beat({ message }), async () => {
        if (!task.keepData) {
          for (const t of plan.tables) {
            await conn.query(`DROP TABLE IF EXISTS ${quoteId(`vt_${plan.targetKeyspace}`)}.${quoteId(t.name)}`);
            dropped.add(t.name);
          }
        }
        await deleteWorkflowState(conn, plan.workflowId);
        await deleteVDiffs(conn, plan.workflowId).catch(() => 0);
      });
    } finally {
      conn.destroy();
    }
  }
  return { summary: `Successfully cancelled the ${plan.workflow} workflow in the ${plan.targetKeyspace} keyspace`, droppedTables: [...dropped].sort() };
}
