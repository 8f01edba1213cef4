// The Migrate workflow (DESIGN.md §4): plan and validate, prepare the target, one child per
// target shard for copy and catch-up, then cutover (drain + verify), complete or cancel on
// the operator's signal. Progress that changes often (rows, lag) lives in the children's
// activity heartbeats; this workflow keeps what changes rarely, so its history stays small.
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  cancelSignal,
  completeSignal,
  cutoverSignal,
  MigrationPhaseAttr,
  shardDrainSignal,
  shardFinishSignal,
  shardStartSignal,
  shardStopSignal,
  shardUpdateSignal,
  shardWorkflowId,
  applyShardUpdate,
  planQuery,
  showQuery,
  startSignal,
  statusQuery,
  stopSignal,
  TargetKeyspaceAttr,
  withDefaults,
  type CutoverResult,
  type MigrateRequest,
  type MigrateStatus,
  type MigrationPhase,
  type MigrationPlan,
} from './api';
import { adminActivities } from './activities';
import { workflowNow } from './clock';
import { MigrateShard } from './shard';
import { migrationRef } from './tasks';
import { describePhase } from './details';
import { completeRefusal, cutoverResult, runCutoverVDiff } from './cutover-vdiff';
import { failureMessage } from './failure-message';
import { requestProblems } from './request-check';

type Action = { kind: 'cutover' } | { kind: 'complete'; force: boolean } | { kind: 'cancel'; keepData: boolean } | { kind: 'stop' } | { kind: 'start' };

export async function Migrate(req: MigrateRequest): Promise<MigrateStatus> {
  // Before anything uses the request (search attributes, activity options, the plan).
  const problems = requestProblems(req);
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(`invalid Migrate request: ${problems.join('; ')}`, 'InvalidInput');
  const request = withDefaults(req);
  const admin = adminActivities(request.stepAttempts);
  const info = workflowInfo();
  const status: MigrateStatus = {
    workflowId: info.workflowId,
    workflow: request.workflow,
    targetKeyspace: request.targetKeyspace,
    sourceKeyspace: request.sourceKeyspace,
    mountName: request.mountName,
    phase: 'Validating',
    details: '',
    startedAt: workflowNow(),
    phaseTimes: { Validating: workflowNow() },
    tables: [],
    tableRowsEstimate: {},
    tableBytesEstimate: {},
    shards: [],
    errors: [],
    errorTimes: [],
    request,
  };
  const noteError = (message: string) => {
    status.errors.push(message);
    status.errorTimes?.push(workflowNow());
  };
  const actions: Action[] = [];

  let currentPlan: MigrationPlan | undefined;
  setHandler(statusQuery, () => status);
  setHandler(showQuery, () => status);
  setHandler(planQuery, () => currentPlan);
  setHandler(cutoverSignal, () => { actions.push({ kind: 'cutover' }); });
  setHandler(completeSignal, (opts) => { actions.push({ kind: 'complete', force: opts?.force ?? false }); });
  setHandler(cancelSignal, (opts) => { actions.push({ kind: 'cancel', keepData: opts?.keepData ?? false }); });
  setHandler(stopSignal, () => { actions.push({ kind: 'stop' }); });
  setHandler(startSignal, () => { actions.push({ kind: 'start' }); });
  setHandler(shardUpdateSignal, (update) => {
    const i = status.shards.findIndex((s) => s.shard === update.shard);
    const shard = applyShardUpdate(update, i >= 0 ? status.shards[i] : undefined);
    if (i >= 0) status.shards[i] = shard;
    else status.shards.push(shard);
    if (!busy) refreshPhase();
  });

  let busy = false;
  const setPhase = (phase: MigrationPhase) => {
    if (status.phase !== phase) {
      status.phase = phase;
      status.phaseTimes[phase] = workflowNow();
      upsertSearchAttributes([{ key: MigrationPhaseAttr, value: phase }]);
    }
    status.details = describePhase(status);
    setCurrentDetails(status.details);
  };
  // Runs from before this patch called the migration Running ("copy done on all shards") when a
  // shard whose copy had not finished was in Error beside Running shards.
  const copyAwarePhase = patched('migrate-phase-knows-unfinished-copies');
  // Runs from before this patch lost CutoverReady for good when a shard failed for a moment
  // after the cutover (Error beside Running fell through to Running): now a cutover's verdict,
  // while it stands, is what makes the phase CutoverReady.
  const cutoverStands = patched('cutover-ready-stands');
  const afterCutover = () => (cutoverStands ? status.cutover !== undefined : status.phase === 'CutoverReady');
  /** Shards whose copy is not finished: copying, not started, or (patched) in Error or Stopped before it finished. */
  const unfinishedCopies = () => status.shards
    .filter((s) => s.phase === 'Copying' || s.phase === 'Pending' || (copyAwarePhase && s.copyFinishedAt === undefined))
    .map((s) => s.shard);
  /** Between operator actions the phase follows the shards. */
  const refreshPhase = () => {
    const phases = status.shards.map((s) => s.phase);
    if (phases.length === 0) return;
    if (phases.some((p) => p === 'Copying' || p === 'Pending')) setPhase('Copying');
    else if (phases.every((p) => p === 'Stopped' || p === 'Drained' || p === 'Error') && !phases.every((p) => p === 'Error')) setPhase(afterCutover() ? 'CutoverReady' : 'Stopped');
    // After a cutover the streams keep running until complete: still CutoverReady.
    else if (afterCutover() && phases.every((p) => p === 'Running' || p === 'Drained')) setPhase('CutoverReady');
    else if (copyAwarePhase && status.shards.some((s) => s.phase === 'Error' && s.copyFinishedAt === undefined)) setPhase('Copying');
    else setPhase('Running');
  };

  upsertSearchAttributes([
    { key: TargetKeyspaceAttr, value: request.targetKeyspace },
    { key: MigrationPhaseAttr, value: 'Validating' },
  ]);
  setPhase('Validating');

  let planned: MigrationPlan;
  try {
    planned = await admin.planMigration({ ...request, workflowId: info.workflowId });
  } catch (err) {
    const message = failureMessage(err);
    noteError(message);
    setPhase('Error');
    throw ApplicationFailure.nonRetryable(message, 'InvalidInput');
  }
  const plan = planned;
  currentPlan = plan;
  status.tables = plan.tables.map((t) => t.name);
  for (const t of plan.tables) {
    status.tableRowsEstimate[t.name] = t.rowsEstimate;
    status.tableBytesEstimate[t.name] = t.bytesEstimate;
  }
  // Streams are listed from the plan until each child reports its own status.
  status.shards = plan.shards.map((s) => ({
    shard: s.shard,
    primaryAlias: s.primaryAlias,
    phase: 'Pending',
    lastError: '',
    streams: s.streams.map((st) => ({ id: st.id, sourceShard: st.sourceShard, state: 'Pending', tables: {}, position: '', tablet: '', message: '' })),
  }));
  try {
    await admin.prepareTarget(plan);
  } catch (err) {
    const message = failureMessage(err);
    noteError(message);
    setPhase('Error');
    throw ApplicationFailure.nonRetryable(`preparing the target keyspace ${request.targetKeyspace}: ${message}`, 'PrepareFailed');
  }

  const ref = migrationRef(plan);
  const children: ChildWorkflowHandle<typeof MigrateShard>[] = [];
  /**
   * Shards whose workflow ended while the run went on (terminated from the Temporal CLI or Web UI,
   * say): nothing replicates into them, signals to them fail, and `start` starts them again. A
   * new shard workflow resumes from what the target holds (start positions, copy checkpoints,
   * stream positions), as a retried activity does. Before, `start` failed ("Unable to signal
   * external workflow") and only a cancel and a new copy got the migration going again.
   */
  const ended = new Set<string>();
  let finishing = false;
  const signalChildren = async (send: (h: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>) => {
    await Promise.all(plan.shards.filter((s) => !ended.has(s.shard)).map((s) => send(getExternalWorkflowHandle(shardWorkflowId(info.workflowId, s.shard)))));
  };
  const shardEnded = (shard: string, how: string) => {
    if (finishing || !patched('restart-ended-shards')) return;
    ended.add(shard);
    const s = status.shards.find((x) => x.shard === shard);
    if (s) {
      s.phase = 'Error';
      s.lastError = `the workflow of shard ${shard} ended (${how}) while the migration goes on: Workflow start starts it again, resuming from the target's checkpoints`;
    }
    if (!busy) refreshPhase();
  };

  const startShard = async (s: (typeof plan.shards)[number], stopAfterCopy = request.stopAfterCopy) => {
    const child = await startChild(MigrateShard, {
      workflowId: shardWorkflowId(info.workflowId, s.shard),
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: request.targetKeyspace }],
      args: [{
        ref,
        parentId: info.workflowId,
        shard: s.shard,
        primaryAlias: s.primaryAlias,
        streams: s.streams,
        tables: plan.tables,
        onDdl: request.onDdl,
        stopAfterCopy,
        batchRows: request.copyBatchRows,
        batchBytes: request.copyBatchBytes,
        historyLimit: request.shardHistoryLimit,
      }],
    });
    // Shards end when the run finishes them; otherwise someone ended one.
    child.result().then(() => shardEnded(s.shard, 'it completed'), (err: unknown) => shardEnded(s.shard, failureMessage(err)));
    return child;
  };
  const startShards = async () => {
    for (const s of plan.shards) children.push(await startShard(s));
    setPhase('Copying');
  };
  const restartEndedShards = async () => {
    for (const [i, s] of plan.shards.entries()) {
      if (!ended.has(s.shard)) continue;
      ended.delete(s.shard);
      // `start` asked for streams that run: a shard whose copy had finished must not stop again
      // after its (instant) copy phase because the run was created with --stop-after-copy.
      const copied = status.shards.find((x) => x.shard === s.shard)?.copyFinishedAt !== undefined;
      children[i] = await startShard(s, request.stopAfterCopy && !copied);
    }
  };

  if (request.autoStart) await startShards();
  else setPhase('Stopped');

  const finishChildren = async () => {
    finishing = true;
    // A shard that already ended (terminated from the Temporal CLI, say) cannot be signalled and
    // needs no finishing; its state is cleaned up with the rest.
    await signalChildren((h) => h.signal(shardFinishSignal).catch(() => undefined));
    await Promise.all(children.map((c) => c.result().catch(() => undefined)));
  };
  /**
   * Drains every stream to `positions` (shards still Drained from an earlier drain report again).
   * Returns '' once every shard is Drained, else how the wait ended: a shard failing, or `stopWhen`.
   */
  const drainShards = async (positions: Record<string, string>, stopWhen: () => boolean): Promise<string> => {
    // A shard whose workflow ended stays in Error: the drain stops at once, naming it.
    for (const s of status.shards) if (!ended.has(s.shard)) s.phase = 'Draining';
    await signalChildren((h) => h.signal(shardDrainSignal, { positions }));
    await condition(() => status.shards.every((s) => s.phase === 'Drained') || status.shards.some((s) => s.phase === 'Error') || stopWhen());
    if (status.shards.every((s) => s.phase === 'Drained')) return '';
    const failed = status.shards.filter((s) => s.phase === 'Error').map((s) => `${s.shard}: ${s.lastError}`);
    return failed.length > 0 ? `: ${failed.join('; ')}` : ' by an operator action';
  };
  const forcedComplete = () => actions.some((a) => a.kind === 'complete' && a.force);
  /**
   * Complete ends the streams. Before, it ended them where they were: a change the source took
   * after the cutover and not yet applied (or never, on a stream that had failed since) was lost
   * without a word. Now every stream drains to the source's current positions first, and when
   * the migrated tables took writes since the cutover's VDiff, complete refuses: the application
   * still writes to the source, and what it writes next would be left behind. Returns why
   * complete must not go on ('' when it may).
   */
  const drainBeforeComplete = async (): Promise<string> => {
    const positions = await admin.sourcePositions(ref);
    status.details = `complete: draining every stream to the source positions ${positionsText(positions)}`;
    setCurrentDetails(status.details);
    const stopWhen = () => forcedComplete() || actions.some((a) => a.kind === 'stop' || a.kind === 'cancel');
    const interrupted = await drainShards(positions, stopWhen);
    if (interrupted) return `the streams could not be drained to the source positions${interrupted}`;
    const shards = plan.shards.map((s) => s.shard);
    const since = status.cutover?.appliedChanges;
    if (since !== undefined) {
      const applied = await admin.appliedChanges({ ref, shards });
      if (applied > since) {
        return `the source took ${applied - since} row change(s) to the migrated tables after the cutover (the application still writes to it); ` +
          'they are on the target but not verified: stop the writes and run cutover again, or use complete --force';
      }
    }
    // Runs from before this patch went on here, and a complete with no cutover before it checked
    // nothing: neither writes still coming nor rows the target could not take.
    if (!patched('complete-checks-writes')) return '';
    if (status.cutover === undefined) {
      const why = await writesWhileCompleting(positions, shards, stopWhen);
      if (why !== '') return why;
    }
    return parkedRefusal(await admin.parkedRows({ ref, shards }));
  };
  /**
   * A complete with no cutover before it has no verdict to compare against, and used to end the
   * streams however the application was writing: everything it wrote after was left on the
   * source. So the streams drain once more, to the positions the source reached meanwhile, and
   * a row change to the migrated tables in between (made after complete was asked for) means the
   * application still writes: complete refuses. Writes elsewhere (heartbeats) do not count.
   */
  const writesWhileCompleting = async (drained: Record<string, string>, shards: string[], stopWhen: () => boolean): Promise<string> => {
    const before = await admin.appliedChanges({ ref, shards });
    const next = await admin.sourcePositions(ref);
    if (Object.keys(next).every((s) => next[s] === drained[s])) return '';
    status.details = `complete: checking for writes, draining every stream to the source positions ${positionsText(next)}`;
    setCurrentDetails(status.details);
    const interrupted = await drainShards(next, stopWhen);
    if (interrupted) return `the streams could not be drained to the source positions${interrupted}`;
    const applied = await admin.appliedChanges({ ref, shards });
    if (applied <= before) return '';
    return `the source took ${applied - before} row change(s) to the migrated tables while complete drained the streams (the application still writes to it); ` +
      'they are on the target, but what it writes after complete would be left behind: stop the writes, then run complete again (or cutover, to verify first), or use complete --force';
  };
  const note = (message: string) => {
    noteError(message);
    status.details = message;
    setCurrentDetails(message);
  };
  /**
   * Complete and cancel run once the streams have finished: there is nothing to go back to, so
   * a failure (a target primary down longer than the activity's retries) is recorded and the
   * step tried again every minute, or at once on the same signal, until it succeeds. Both steps
   * are idempotent. Before, the failure failed the whole run.
   */
  const untilDone = async (kind: 'complete' | 'cancel', step: () => Promise<unknown>) => {
    for (;;) {
      try {
        await step();
        return;
      } catch (err) {
        if (isCancellation(err)) throw err;
        note(`${kind} failed: ${failureMessage(err)}; retrying in a minute (or on ${kind} again)`);
        await condition(() => actions.some((a) => a.kind === kind), '1 minute');
        for (let i = actions.length - 1; i >= 0; i--) if (actions[i].kind === kind) actions.splice(i, 1);
      }
    }
  };

  /** The verdict of the last finished cutover, while a new one runs: an interrupted or failed one changes nothing. */
  let previousCutover: CutoverResult | undefined;
  for (;;) {
    await condition(() => actions.length > 0);
    const action = actions.shift()!;
    busy = true;
    try {
      if (action.kind === 'start') {
        if (children.length === 0) await startShards();
        else {
          await restartEndedShards();
          await signalChildren((h) => h.signal(shardStartSignal));
        }
      } else if (action.kind === 'stop') {
        await signalChildren((h) => h.signal(shardStopSignal));
      } else if (action.kind === 'cutover') {
        const copying = unfinishedCopies();
        if (children.length === 0 || copying.length > 0) {
          note(`cutover refused: the copy is not finished on shards ${copying.join(', ') || 'all (streams not started)'}`);
          continue;
        }
        setPhase('CuttingOver');
        previousCutover = status.cutover;
        status.cutover = undefined;
        const positions = await admin.sourcePositions(ref);
        status.details = `draining every stream to the source positions ${positionsText(positions)}`;
        setCurrentDetails(status.details);
        const interrupted = await drainShards(positions, () => actions.some((a) => a.kind === 'stop' || a.kind === 'cancel'));
        if (interrupted) {
          note(`cutover interrupted${interrupted}`);
          // The last verdict stands (before, it was lost, and a complete after a cutover that
          // found differences then needed no --force).
          if (patched('cutover-keeps-verdict')) status.cutover = previousCutover;
          // Back to following the shards (below); before, the phase stayed CuttingOver until a
          // shard happened to report again.
          if (patched('interrupted-cutover-phase')) setPhase('Running');
          continue;
        }
        const after = await admin.sourcePositions(ref);
        const sourceMoved = Object.keys(positions).some((s) => positions[s] !== after[s]);
        if (patched('cutover-vdiff')) {
          // Every stream reached the source positions. The streams run again for the VDiff, which
          // holds them at its own consistent point (a source whose positions keep moving, e.g.
          // with heartbeat writes, needs them to) and keeps applying whatever still arrives.
          // Whether the application still wrote to the migrated tables: their row changes
          // applied before and after the VDiff (GTID positions also move with writes elsewhere).
          const countWrites = patched('cutover-source-writes');
          const shards = plan.shards.map((s) => s.shard);
          const appliedBefore = countWrites ? await admin.appliedChanges({ ref, shards }) : 0;
          if (patched('cutover-resume-streams')) {
            for (const s of status.shards) s.phase = 'Running';
            await signalChildren((h) => h.signal(shardStartSignal));
          }
          status.details = 'running VDiff on every target shard';
          setCurrentDetails(status.details);
          const vdiff = await runCutoverVDiff(plan);
          const appliedAfter = countWrites ? await admin.appliedChanges({ ref, shards }) : 0;
          const wrote = countWrites ? appliedAfter > appliedBefore : sourceMoved;
          status.cutover = cutoverResult(positions, wrote, vdiff);
          if (countWrites) status.cutover.appliedChanges = appliedAfter;
        } else {
          // Runs that reached cutover before VDiff existed replay their count+checksum verification.
          const verification = (await Promise.all(plan.shards.map((s) =>
            admin.verifyShard({ ref, shard: s.shard, streams: s.streams, tables: plan.tables })))).flat();
          status.cutover = { positions, sourceMoved, verification, mismatches: verification.filter((v) => !v.match).length, finishedAt: workflowNow() };
        }
        setPhase('CutoverReady');
      } else if (action.kind === 'complete') {
        const copying = unfinishedCopies();
        if (!action.force && (children.length === 0 || copying.length > 0)) {
          note(`complete refused: the copy is not finished on shards ${copying.join(', ') || 'all (streams not started)'}; use cancel, or complete --force`);
          continue;
        }
        // A failing shard may not have all its rows, or may still owe its deferred secondary keys
        // (complete removes the state that records them).
        const failing = status.shards.filter((s) => s.phase === 'Error');
        if (!action.force && failing.length > 0 && patched('complete-refuses-failing-shards')) {
          note(`complete refused: shard(s) ${failing.map((s) => `${s.shard} (${s.lastError})`).join(', ')} failing; fix the cause and let them recover, or use complete --force`);
          continue;
        }
        // The application wrote to the migrated tables while the cutover verified them (its
        // verdict says to run cutover again): those changes are not verified.
        if (!action.force && status.cutover?.sourceMoved && patched('complete-refuses-moved-cutover')) {
          note('complete refused: the source took writes to the migrated tables during the cutover, so they are not verified; ' +
            "stop the application's writes and run cutover again, or use complete --force");
          continue;
        }
        const refusal = completeRefusal(status.cutover);
        if (!action.force && refusal) {
          note(`complete refused: ${refusal}; fix the target and run cutover again, or use complete --force`);
          continue;
        }
        if (!action.force && children.length > 0 && patched('complete-drains-first')) {
          let why: string;
          try {
            why = await drainBeforeComplete();
          } catch (err) {
            // A source or target primary down, say: the streams must not stay stopped at a drain.
            if (isCancellation(err)) throw err;
            // (No --force hint: it would skip the drain, and what the streams have not applied yet
            // would be left behind, for an outage that passes.)
            why = `${failureMessage(err)}; the streams go on: run complete again once the cause is fixed`;
          }
          if (why !== '') {
            // The streams go on catching up, as after a cutover.
            for (const s of status.shards) s.phase = 'Running';
            await signalChildren((h) => h.signal(shardStartSignal));
            // A forced complete that ended the wait goes on next, without a note its CLI would read as a refusal.
            if (!forcedComplete()) note(`complete refused: ${why}`);
            continue;
          }
        }
        setPhase('Completing');
        await finishChildren();
        await untilDone('complete', () => admin.completeMigration({ plan }));
        setPhase('Completed');
        return status;
      } else if (action.kind === 'cancel') {
        setPhase('Cancelling');
        await finishChildren();
        await untilDone('cancel', () => admin.cancelMigration({ plan, keepData: action.keepData }));
        setPhase('Cancelled');
        return status;
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      // A cutover (or stop, start) whose activity failed after its retries, e.g. a source
      // primary down for minutes: recorded (the CLI's cutover ends with it), and the run goes
      // on. Before, the failure failed the whole run and terminated its shards.
      const drained = status.shards.some((s) => s.phase === 'Drained');
      const next = action.kind !== 'cutover' ? ''
        : drained ? '; the streams wait at the drain positions: run cutover again (or Workflow start) once the cause is fixed'
          : '; the streams go on: run cutover again once the cause is fixed';
      note(`${action.kind} failed: ${failureMessage(err)}${next}`);
      if (action.kind === 'cutover' && status.cutover === undefined && previousCutover && patched('cutover-keeps-verdict')) status.cutover = previousCutover;
      if (status.phase === 'CuttingOver') setPhase('Running');
    } finally {
      busy = false;
      // A finished run keeps its final phase: in its result and its MigrationPhase search attribute
      // (runs recorded before this patch upserted 'Running' here after 'Completed').
      const finished = (status.phase === 'Completed' || status.phase === 'Cancelled') && patched('keep-final-phase');
      if (!finished && status.phase !== 'CuttingOver' && status.phase !== 'Completing' && status.phase !== 'Cancelling') refreshPhase();
    }
  }
}

/**
 * Why complete must not end the streams with rows parked ('' when none are): after a drain no
 * parked row is a move in transit, and complete would leave it behind (README, "Parked rows").
 */
function parkedRefusal(parked: Record<string, number>): string {
  const tables = Object.keys(parked).filter((t) => parked[t] > 0).sort();
  if (tables.length === 0) return '';
  const total = tables.reduce((n, t) => n + parked[t], 0);
  return `${total} source row(s) are parked on the target (${tables.map((t) => `table ${t}: ${parked[t]}`).join(', ')}): ` +
    'another source shard has a row with the same primary key, and the target holds one row per key (README, "Parked rows"); ' +
    'make the keys unique on the source, then cancel and create the migration again, or use complete --force to leave them behind';
}

const positionsText = (positions: Record<string, string>) => Object.entries(positions).map(([s, p]) => `${s}@${p}`).join(', ');
