// Short VDiff steps: recording a shard's final state (stopped by the operator, or failed for
// good), and `VDiff delete`. Both also clear stream stop requests a killed diff left behind, when
// no diff of the workflow runs on the shard (its VDiff lock is free).
import { listShards } from '../topo';
import { migrateWorkflowId } from '../workflows/api';
import type { VDiffDeleteRequest } from '../workflows/vdiff-api';
import type { VDiffSetStateTask } from '../workflows/vdiff-tasks';
import { openTargetTopo, withTopo, type ActivityDeps } from './deps';
import { invalidInput } from './errors';
import type { Connection } from '../mysql/connect';
import { connectTargetPrimary } from './target-primary';
import { clearStaleStops } from './vdiff-shard';
import { deleteVDiffs, ensureVDiffSchema, releaseLock, setVDiffState, tryLock, vdiffLockName } from './vdiff-state';

async function clearStopsIfIdle(conn: Connection, workflowId: string, shard: string): Promise<void> {
  const name = vdiffLockName(workflowId, shard);
  if (!(await tryLock(conn, name, 0))) return;
  try {
    await clearStaleStops(conn, workflowId);
  } finally {
    await releaseLock(conn, name);
  }
}

export async function vdiffSetState(deps: ActivityDeps, task: VDiffSetStateTask): Promise<void> {
  const { conn } = await connectTargetPrimary(deps, task.ref.targetKeyspace, task.shard);
  try {
    await setVDiffState(conn, task.ref.workflowId, task.uuid, task.state, task.error ?? '');
    await clearStopsIfIdle(conn, task.ref.workflowId, task.shard);
  } finally {
    conn.destroy();
  }
}

/** Deletes one VDiff or all of a workflow's from every target primary; returns how many shard rows went. */
export async function vdiffDelete(deps: ActivityDeps, req: VDiffDeleteRequest): Promise<number> {
  const workflowId = migrateWorkflowId(req.targetKeyspace, req.workflow);
  const shards = await withTopo(openTargetTopo(deps), (topo) => listShards(topo, req.targetKeyspace));
  const uuid = req.arg === 'all' ? undefined : req.arg;
  let deleted = 0;
  let firstPrimary = '';
  for (const shard of shards) {
    const { conn, primary } = await connectTargetPrimary(deps, req.targetKeyspace, shard);
    firstPrimary ||= primary.alias;
    try {
      await ensureVDiffSchema(conn);
      deleted += await deleteVDiffs(conn, workflowId, uuid);
      await clearStopsIfIdle(conn, workflowId, shard);
    } finally {
      conn.destroy();
    }
  }
  if (uuid && deleted === 0) throw invalidInput(`no vdiff found for UUID ${uuid} on tablet ${firstPrimary}`);
  return deleted;
}
