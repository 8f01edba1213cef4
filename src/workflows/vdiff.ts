// The VDiff workflow (DESIGN.md §4.7, vitess-facts.md §5.3): schedule the diff on every target
// shard, then run one diff activity per shard in parallel, in slices, until each shard is
// completed, stopped or failed. Its state (lastpk, counts, report) lives on the target primaries,
// so a stopped, failed or killed diff resumes where it was: `resume` is a new run of the same
// workflow id, and a long diff continues as new. Standalone (`VDiff create`) or a child of Migrate
// at cutover; the history holds counts and bounded reports, never rows.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { TargetKeyspaceAttr } from './api';
import { admin, NON_RETRYABLE } from './activities';
import { failureMessage } from './failure-message';
import { migrationRef, type MigrationRef } from './tasks';
import {
  vdiffOptionsWithDefaults,
  vdiffResumeSignal,
  vdiffScheduledUpdate,
  vdiffStatusQuery,
  vdiffStopSignal,
  type VDiffRequest,
  type VDiffShardStatus,
  type VDiffStatus,
} from './vdiff-api';
import type { VDiffScheduled } from './vdiff-tasks';

/** Each shard activity returns after this long; the next call resumes from the checkpoint. */
const SLICE_MS = 10 * 60_000;
/** Continue as new well before the server's suggestion. */
const MAX_HISTORY_EVENTS = 2000;

export async function VDiff(req: VDiffRequest): Promise<VDiffStatus> {
  const status: VDiffStatus = {
    uuid: req.uuid,
    workflow: req.workflow,
    targetKeyspace: req.targetKeyspace,
    phase: 'scheduling',
    problem: '',
    options: vdiffOptionsWithDefaults(req.options),
    primaries: {},
    shards: [],
  };
  const stopRequested = new Set<string>();
  const resumeRequests: string[][] = [];
  const allShards = () => status.shards.map((s) => s.shard);
  setHandler(vdiffStatusQuery, () => status);
  setHandler(vdiffStopSignal, (arg) => {
    for (const s of arg?.shards?.length ? arg.shards : allShards()) stopRequested.add(s);
  });
  setHandler(vdiffResumeSignal, (arg) => { resumeRequests.push(arg?.shards ?? []); });
  setHandler(vdiffScheduledUpdate, async () => {
    await condition(() => status.phase !== 'scheduling');
    if (status.problem) throw ApplicationFailure.nonRetryable(status.problem, 'InvalidInput');
    return { uuid: status.uuid };
  });
  upsertSearchAttributes([{ key: TargetKeyspaceAttr, value: req.targetKeyspace }]);

  if (req.action === 'delete') {
    // The latest run of this id then says the VDiff is gone (show and list skip it).
    try {
      await admin.vdiffDelete({ targetKeyspace: req.targetKeyspace, workflow: req.workflow, arg: req.uuid });
    } catch (err) {
      // Already gone from the primaries is fine; anything else fails this run (and the command).
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'InvalidInput')) throw err;
    }
    status.deleted = true;
    status.phase = 'done';
    await condition(allHandlersFinished);
    return status;
  }

  let scheduled: VDiffScheduled;
  try {
    scheduled = await admin.vdiffSchedule({ request: req, options: status.options });
  } catch (err) {
    status.problem = failureMessage(err);
    if (req.action === 'resume') {
      // A refused resume still shows the diff as it was stored.
      const stored = await admin.vdiffSchedule({ request: { ...req, action: 'continue' }, options: status.options }).catch(() => undefined);
      if (stored) status.shards = stored.shards;
    }
    status.phase = 'done';
    await condition(allHandlersFinished);
    throw ApplicationFailure.nonRetryable(status.problem, 'InvalidInput');
  }
  const { plan } = scheduled;
  const options = scheduled.options;
  status.options = options;
  status.primaries = scheduled.primaries;
  status.shards = scheduled.shards;
  status.phase = 'scheduled';
  // Source tablets are picked with the VDiff's cells and types, not the migration's.
  const ref: MigrationRef = { ...migrationRef(plan), cells: options.sourceCells, tabletTypes: options.tabletTypes, inOrder: options.tabletTypesInPreferenceOrder };
  const diff = proxyActivities<Activities>({
    startToCloseTimeout: SLICE_MS + 20 * 60_000,
    heartbeatTimeout: '15s',
    // --auto-retry: keep retrying recoverable errors (the shard shows `error` meanwhile); without
    // it the first failure is the shard's final state.
    retry: options.autoRetry
      ? { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: options.maxAttempts > 0 ? options.maxAttempts : undefined, nonRetryableErrorTypes: NON_RETRYABLE }
      : { maximumAttempts: 1 },
  });

  const setShard = (s: VDiffShardStatus) => {
    const i = status.shards.findIndex((x) => x.shard === s.shard);
    if (i >= 0) status.shards[i] = s;
  };
  const shardStatus = (shard: string) => status.shards.find((s) => s.shard === shard)!;
  const finalState = async (shard: string, state: 'stopped' | 'error', error = '') => {
    await admin.vdiffSetState({ ref, uuid: req.uuid, shard, state, error });
    const s = shardStatus(shard);
    s.state = state;
    if (error) s.lastError = error;
    for (const t of s.tables) if (state === 'stopped' && t.state !== 'completed') t.state = 'stopped';
  };
  let rollover = false;

  async function runShard(shard: string): Promise<void> {
    const sp = plan.shards.find((s) => s.shard === shard)!;
    for (;;) {
      if (stopRequested.has(shard)) return finalState(shard, 'stopped');
      if (rollover) return;
      const scope = new CancellationScope();
      let finished = false;
      void condition(() => finished || stopRequested.has(shard)).then(() => { if (!finished) scope.cancel(); });
      try {
        const result = await scope.run(() => diff.vdiffShard({
          ref, uuid: req.uuid, shard, primaryAlias: sp.primaryAlias, streams: sp.streams, tables: scheduled.tables, options, sliceMs: SLICE_MS,
        }));
        setShard(result.status);
        if (result.done) return;
      } catch (err) {
        if (isCancellation(err) && stopRequested.has(shard)) return finalState(shard, 'stopped');
        if (isCancellation(err)) throw err;
        return finalState(shard, 'error', failureMessage(err));
      } finally {
        finished = true;
      }
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) rollover = true;
    }
  }

  const running = new Map<string, Promise<void>>();
  const launch = (shard: string) => {
    running.set(shard, runShard(shard)
      .catch((err: unknown) => {
        // Recording the final state itself failed: show it; a cancelled run just ends.
        if (isCancellation(err)) return;
        const s = shardStatus(shard);
        s.state = 'error';
        s.lastError = failureMessage(err);
      })
      .finally(() => { running.delete(shard); }));
  };
  for (const s of status.shards) if (s.state === 'pending' || s.state === 'started') launch(s.shard);
  for (;;) {
    await condition(() => running.size === 0 || resumeRequests.length > 0);
    for (const shards of resumeRequests.splice(0)) {
      for (const shard of shards.length > 0 ? shards : allShards()) {
        stopRequested.delete(shard);
        if (!running.has(shard) && shardStatus(shard)?.state === 'stopped') launch(shard);
      }
    }
    if (running.size === 0) break;
  }
  await condition(allHandlersFinished);
  // A stop that came while the shards were rolling over is recorded before the next run.
  for (const shard of stopRequested) {
    const s = shardStatus(shard);
    if (s && (s.state === 'pending' || s.state === 'started')) await finalState(shard, 'stopped');
  }
  if (rollover && status.shards.some((s) => s.state === 'pending' || s.state === 'started')) {
    await continueAsNew<typeof VDiff>({ ...req, action: 'continue', plan, options, shards: undefined });
  }
  status.phase = 'done';
  return status;
}

/** `VDiff delete <uuid|all>`: the stored diffs go from every target primary. */
export async function VDiffDelete(req: { targetKeyspace: string; workflow: string; arg: string }): Promise<number> {
  return admin.vdiffDelete(req);
}
