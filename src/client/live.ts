// Reads a migration's state from Temporal for status and show: the Migrate workflow's status
// query, then per target shard the child's status query and DescribeWorkflowExecution, whose
// pending activities carry the copy / catch-up heartbeats (decoded with the client's data
// converter, so an encrypting codec works too) and, when an attempt failed, the failure that
// Temporal is retrying.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import {
  migrateWorkflowId,
  shardStatusQuery,
  shardWorkflowId,
  statusQuery,
  type CatchUpHeartbeat,
  type CopyHeartbeat,
  type MigrateStatus,
  type ShardHeartbeat,
} from '../workflows/api';
import type { MigrateView, RetryingActivity, ShardLive } from './status-model';
import { closedRunOutcome, describeExecution, queryWithDeadline, type ExecutionInfo } from './temporal';

/**
 * Vitess's text when a workflow has no streams in the keyspace (vtctl/workflow/utils.go), with
 * how its last run ended when there was one.
 */
export class NoStreamsError extends Error {
  readonly lastRun?: ExecutionInfo;

  readonly why?: string;

  /**
   * `left`: what the last run left on the target, when it ended without cleaning up: 'unknown'
   * (cancel would remove it), 'nothing' (cancel looked), 'none possible' (refused before anything).
   */
  constructor(readonly targetKeyspace: string, readonly workflow: string, lastRun?: ExecutionInfo, why?: string, left: 'unknown' | 'nothing' | 'none possible' = 'unknown') {
    const when = lastRun?.closeTime ? ` at ${lastRun.closeTime.toISOString()}` : '';
    // Such a run may have left its streams and tables on the target (activities/discard.ts).
    const cleanup = !lastRun || !runLeavesState(lastRun.state) || left === 'none possible' ? ''
      : left === 'nothing' ? '; it left nothing on the target'
        : `; if it left streams or tables on the target, Migrate --workflow ${workflow} --target-keyspace ${targetKeyspace} cancel removes them`;
    const hint = lastRun ? ` (its last run ended ${lastRun.state}${when}${why ? `: ${why}` : ''}${cleanup})` : '';
    super(`no streams found in keyspace ${targetKeyspace} for ${workflow}${hint}`);
    this.name = 'NoStreamsError';
    this.lastRun = lastRun;
    this.why = why;
  }
}

/** How a run that ended COMPLETED ended for the operator: it completed the migration, or cancelled it. */
async function completedAs(handle: WorkflowHandle): Promise<{ message: string; type?: string } | undefined> {
  const final = await handle.result().catch(() => undefined) as MigrateStatus | undefined;
  if (final?.phase === 'Cancelled') return { message: 'the migration was cancelled' };
  if (final?.phase === 'Completed') return { message: 'the migration was completed' };
  return undefined;
}

/** Whether a run that ended this way may have left its state on the target (its own cancel or complete removes it). */
export function runLeavesState(state: string): boolean {
  return state === 'FAILED' || state === 'TERMINATED' || state === 'CANCELLED' || state === 'TIMED_OUT';
}

export interface RunningMigration {
  handle: WorkflowHandle;
  status: MigrateStatus;
}

/**
 * The running Migrate workflow `<ks>.<wf>` and its status. A missing or closed workflow is an
 * error with Vitess's text, prefixed as the calling command wraps it.
 */
export async function runningMigration(client: Client, targetKeyspace: string, workflow: string): Promise<RunningMigration> {
  const handle = client.workflow.getHandle(migrateWorkflowId(targetKeyspace, workflow));
  const info = await describeExecution(handle);
  if (!info || info.state !== 'RUNNING') {
    // A run that failed (bad input from the Temporal CLI, say) says why; refused input left nothing.
    const outcome = info?.state === 'FAILED' ? await closedRunOutcome(handle, info.state)
      : info?.state === 'COMPLETED' ? await completedAs(handle) : undefined;
    throw new NoStreamsError(targetKeyspace, workflow, info, outcome?.message, outcome?.type === 'InvalidInput' ? 'none possible' : 'unknown');
  }
  return { handle, status: await queryWithDeadline(client, handle, statusQuery) };
}

/** The heartbeat of an activity with nothing but a message (initStreams, prepareTarget). */
function isWaitingNote(value: unknown): value is { message: string } {
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '';
}

function isHeartbeat(value: unknown): value is ShardHeartbeat {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'copy' || kind === 'catchup';
}

async function shardLive(client: Client, parentId: string, shard: string): Promise<ShardLive> {
  const handle = client.workflow.getHandle(shardWorkflowId(parentId, shard));
  const live: ShardLive = { shard };
  const [described, status] = await Promise.all([
    handle.describe().catch(() => undefined),
    queryWithDeadline(client, handle, shardStatusQuery).catch(() => undefined),
  ]);
  // A shard workflow that ended while the run goes on (terminated, say) still answers queries with
  // its last state ("Running"): the run's own record says what happened to it.
  if (status && described?.status.name !== 'TERMINATED' && described?.status.name !== 'FAILED' && described?.status.name !== 'TIMED_OUT') live.status = status;
  const converter = client.options.loadedDataConverter;
  for (const pa of described?.raw.pendingActivities ?? []) {
    // A copy's heartbeat names its stream: a failure of that copy is that stream's.
    let copyStream: number | undefined;
    const payloads = pa.heartbeatDetails?.payloads;
    if (payloads?.length) {
      const details = await decodeFromPayloadsAtIndex<unknown>(converter, 0, payloads).catch(() => undefined);
      const at = optionalTsToMs(pa.lastHeartbeatTime) ?? Date.now();
      if (isHeartbeat(details) && details.kind === 'copy') {
        (live.copies ??= []).push({ details: details as CopyHeartbeat, at });
        copyStream = (details as CopyHeartbeat).streamId;
      }
      if (isHeartbeat(details) && details.kind === 'catchup') live.catchUp = { details: details as CatchUpHeartbeat, at };
      if (!isHeartbeat(details) && isWaitingNote(details)) {
        live.waiting = details.message;
        // initStreams names the stream whose start position it waits for (older workers did not).
        const streamId = (details as { streamId?: unknown }).streamId;
        if (typeof streamId === 'number') live.waitingStream = streamId;
      }
    }
    const retry = retryingActivity(pa);
    if (retry) (live.retries ??= []).push(copyStream === undefined ? retry : { ...retry, streamId: copyStream });
  }
  return live;
}

/** The fields of a pending activity (DescribeWorkflowExecution) that say whether it is retrying. */
export interface PendingAttempt {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  state?: number | null;
  lastFailure?: { message?: string | null } | null;
  lastStartedTime?: Parameters<typeof optionalTsToMs>[0];
  lastHeartbeatTime?: Parameters<typeof optionalTsToMs>[0];
}

/** PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED: waiting for its next attempt. */
const SCHEDULED = 1;

/**
 * The failure Temporal is retrying, while it still stands: the activity waits for its next
 * attempt, or the new attempt has not heartbeated yet (still connecting). Once the new attempt
 * heartbeats it is running again: a catch-up that failed once an hour ago must not show as Error
 * for the rest of its life.
 */
export function retryingActivity(pa: PendingAttempt): RetryingActivity | undefined {
  const attempt = pa.attempt ?? 1;
  const message = pa.lastFailure?.message;
  if (attempt <= 1 || !message) return undefined;
  const started = optionalTsToMs(pa.lastStartedTime);
  const beat = optionalTsToMs(pa.lastHeartbeatTime);
  const runningAgain = Number(pa.state) !== SCHEDULED && started !== undefined && beat !== undefined && beat >= started;
  return runningAgain ? undefined : { activity: pa.activityType?.name ?? '', attempt, message: operatorText(message) };
}

/**
 * Temporal's words for an attempt whose worker went silent, in an operator's: the worker was
 * killed or cut off, and the activity waits for a live one.
 */
function operatorText(message: string): string {
  if (/^activity (heartbeat|start ?to ?close) timeout$/i.test(message.trim())) {
    return `${message.trim()}: the worker running it stopped answering (killed, or cut off); a live worker takes it over`;
  }
  return message;
}

/** Everything status and show print, read at one moment. */
export async function loadView(client: Client, migration: RunningMigration): Promise<MigrateView> {
  const { status } = migration;
  const live = await Promise.all(status.shards.map((s) => shardLive(client, migration.handle.workflowId, s.shard)));
  return { status, live, now: Date.now() };
}
