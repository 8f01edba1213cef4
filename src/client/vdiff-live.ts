// Reads VDiffs from Temporal for the VDiff commands: which VDiff workflows a Migrate workflow has
// (visibility, newest first), one VDiff's state (its status query, answered for closed runs too)
// with the running shard activities' heartbeats laid over it (their counts are fresher than the
// last checkpoint the workflow saw), and a failing attempt's error shown as the shard's error while
// --auto-retry waits to try again.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import {
  TargetKeyspaceAttr,
  vdiffOptionsWithDefaults,
  vdiffStatusQuery,
  vdiffWorkflowId,
  vdiffWorkflowIdPrefix,
  type VDiffHeartbeat,
  type VDiffStatus,
} from '../workflows/api';
import { retryingActivity, type PendingAttempt } from './live';
import { describeExecution, queryWithDeadline } from './temporal';

export interface VDiffRun {
  uuid: string;
  workflowId: string;
  /** When the VDiff was created (its first run started). */
  createdAt: Date;
}

/** The VDiffs of `<ks>.<wf>`, newest first. */
export async function listVDiffs(client: Client, keyspace: string, workflow: string): Promise<VDiffRun[]> {
  const prefix = vdiffWorkflowIdPrefix(keyspace, workflow);
  const escaped = keyspace.replace(/'/g, "\\'");
  const byId = new Map<string, VDiffRun>();
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'VDiff' AND ${TargetKeyspaceAttr.name} = '${escaped}'` })) {
    if (!wf.workflowId.startsWith(prefix)) continue;
    const seen = byId.get(wf.workflowId);
    if (!seen || wf.startTime < seen.createdAt) byId.set(wf.workflowId, { uuid: wf.workflowId.slice(prefix.length), workflowId: wf.workflowId, createdAt: wf.startTime });
  }
  return [...byId.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.uuid < b.uuid ? -1 : 1));
}

/**
 * Ends the VDiffs of `<ks>.<wf>` still running (a cancel drops the tables under them, and a diff
 * failing afterwards could write its state back for a workflow that no longer exists). The
 * complete, cancel and discard activities call it, with the worker's client.
 */
export async function endRunningVDiffs(client: Client, keyspace: string, workflow: string, reason: string): Promise<void> {
  for (const v of await listVDiffs(client, keyspace, workflow)) {
    const handle = client.workflow.getHandle(v.workflowId);
    if ((await describeExecution(handle))?.state === 'RUNNING') await handle.terminate(reason).catch(() => undefined);
  }
}

export interface LiveVDiff {
  handle: WorkflowHandle;
  running: boolean;
  status: VDiffStatus;
  /** Rows compared per second now, over the running shards; undefined when none reports. */
  rowsPerSecond?: number;
}

function isVDiffHeartbeat(v: unknown): v is VDiffHeartbeat {
  return (v as { kind?: unknown } | null)?.kind === 'vdiff';
}

/**
 * What a shard shows for its diff activity's earlier failed attempt. While Temporal retries it
 * (live.ts retryingActivity: waiting for the next attempt, or that attempt not heartbeating yet)
 * the shard is in `error` with the failure, as Vitess shows it. Once the next attempt runs the
 * shard is started again, but the failure still says why the diff takes longer (it may fail the
 * same way: streams that cannot reach the snapshot positions, say); a diff ends, so the note
 * does not outlive it.
 */
export function retriedAttempt(pa: PendingAttempt): { state?: 'error'; lastError: string } | undefined {
  const retrying = retryingActivity(pa);
  if (retrying) return { state: 'error', lastError: retrying.message };
  const attempt = pa.attempt ?? 1;
  const failure = pa.lastFailure?.message;
  if (attempt <= 1 || !failure) return undefined;
  return { lastError: `attempt ${attempt - 1} failed: ${failure}; attempt ${attempt} running` };
}

/** One VDiff's state, or undefined when no such VDiff workflow exists. */
export async function loadVDiff(client: Client, keyspace: string, workflow: string, uuid: string): Promise<LiveVDiff | undefined> {
  const handle = client.workflow.getHandle(vdiffWorkflowId(keyspace, workflow, uuid));
  const info = await describeExecution(handle);
  if (!info) return undefined;
  let status: VDiffStatus;
  if (info.state === 'COMPLETED') {
    // A finished diff's state is its result: read from history, with no replay of its code.
    status = await handle.result() as VDiffStatus;
  } else {
    try {
      status = await queryWithDeadline(client, handle, vdiffStatusQuery);
    } catch (err) {
      if (info.state === 'RUNNING') throw err;
      // A run that failed or was terminated and cannot be replayed has nothing to show.
      status = { uuid, workflow, targetKeyspace: keyspace, phase: 'done', problem: `its last run ended ${info.state}`, options: vdiffOptionsWithDefaults(), primaries: {}, shards: [] };
    }
  }
  const live: LiveVDiff = { handle, running: info.state === 'RUNNING', status };
  if (!live.running) return live;
  const described = await handle.describe();
  const converter = client.options.loadedDataConverter;
  let rate: number | undefined;
  for (const pa of described.raw.pendingActivities ?? []) {
    const payloads = pa.heartbeatDetails?.payloads;
    const details = payloads?.length ? await decodeFromPayloadsAtIndex<unknown>(converter, 0, payloads).catch(() => undefined) : undefined;
    if (!isVDiffHeartbeat(details)) continue;
    const shard = status.shards.find((s) => s.shard === details.shard);
    if (!shard) continue;
    // Heartbeats carry counts only; the samples stay those of the last checkpoint the workflow saw.
    for (const t of details.tables) {
      const known = shard.tables.find((x) => x.table === t.table);
      if (!known) continue;
      known.state = t.state;
      known.report = { ...known.report, ...t.report };
    }
    if (shard.state === 'pending' || shard.state === 'error') shard.state = 'started';
    rate = (rate ?? 0) + details.rowsPerSecond;
    const failed = retriedAttempt(pa);
    if (failed) {
      if (failed.state) shard.state = failed.state;
      shard.lastError = failed.lastError;
    }
  }
  live.rowsPerSecond = rate;
  return live;
}
