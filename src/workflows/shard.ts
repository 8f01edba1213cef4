// One child per target shard: copy every table from each of the shard's streams, then apply the
// source binlogs until told to drain, stop or finish. One writer per shard at a time: activities
// never overlap, so rows from different source shards are applied in one order.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  shardDrainSignal,
  shardFinishSignal,
  shardStartSignal,
  shardStatusQuery,
  shardStopSignal,
  shardUpdateSignal,
  type ShardPhase,
  type ShardStatus,
  type ShardUpdate,
  type StreamPlan,
  type TablePlan,
  type OnDdl,
} from './api';
import { admin, streaming } from './activities';
import { workflowNow } from './clock';
import { failureMessage } from './failure-message';
import type { MigrationRef } from './tasks';

export interface ShardInput {
  ref: MigrationRef;
  parentId: string;
  shard: string;
  primaryAlias: string;
  streams: StreamPlan[];
  tables: TablePlan[];
  onDdl: OnDdl;
  stopAfterCopy: boolean;
  batchRows: number;
  batchBytes: number;
  /** Continue as new past this many history events (default MAX_HISTORY_EVENTS). */
  historyLimit?: number;
  /** Carried over by continue-as-new. */
  state?: ShardState;
}

export interface ShardState {
  status: ShardStatus;
  initialized: boolean;
  copyDone: boolean;
  stopRequested: boolean;
  drainTo?: Record<string, string>;
  finishing: boolean;
  /** Set by `start` (and `drain`): retry a failed step now. */
  retryRequested: boolean;
}

const COPY_SLICE_MS = 20 * 60_000;
const WAITING_FOR_KEYS = 'waiting to add the deferred secondary keys';
const CATCHUP_SLICE_MS = 30 * 60_000;
/** Continue-as-new well before the server's suggestion, so a run's history stays small. */
const MAX_HISTORY_EVENTS = 1500;

function initialState(input: ShardInput): ShardState {
  return {
    status: {
      shard: input.shard,
      primaryAlias: input.primaryAlias,
      phase: 'Pending',
      lastError: '',
      streams: input.streams.map((s) => ({
        id: s.id,
        sourceShard: s.sourceShard,
        state: 'Copying',
        tables: Object.fromEntries(input.tables.map((t) => [t.name, { rowsCopied: 0, rowsScanned: 0, bytesCopied: 0, done: false }])),
        position: '',
        tablet: '',
        message: '',
      })),
    },
    initialized: false,
    copyDone: false,
    stopRequested: false,
    finishing: false,
    retryRequested: false,
  };
}

function isNonRetryable(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true;
}

export async function MigrateShard(input: ShardInput): Promise<ShardStatus> {
  const st = input.state ?? initialState(input);
  const { status } = st;
  setHandler(shardStatusQuery, () => status);
  setHandler(shardStopSignal, () => { st.stopRequested = true; });
  // Runs from before this patch kept draining after a start: a drain the run gave up on (a
  // complete refused, a cutover interrupted by another shard's error) still ended in Drained,
  // the streams standing still while the run said they go on.
  const startWithdrawsDrain = patched('start-withdraws-drain');
  setHandler(shardStartSignal, () => {
    st.stopRequested = false;
    st.retryRequested = true;
    if (startWithdrawsDrain) st.drainTo = undefined;
    // Why the streams stood still is no longer true once they run again.
    for (const s of status.streams) if (s.message.startsWith('Stopped at DDL ') || s.message === 'Stopped after copy.') s.message = '';
  });
  setHandler(shardDrainSignal, ({ positions }) => { st.drainTo = positions; st.retryRequested = true; });
  setHandler(shardFinishSignal, () => { st.finishing = true; });

  const parent = getExternalWorkflowHandle(input.parentId);
  const slimUpdates = patched('slim-shard-updates');
  /** Each stream's tables as last sent (JSON), to leave them out of updates while unchanged. */
  const sentTables = new Map<number, string>();
  const update = (): ShardUpdate => {
    if (!slimUpdates) return status;
    return {
      ...status,
      streams: status.streams.map((s) => {
        const tables = JSON.stringify(s.tables);
        if (sentTables.get(s.id) === tables) {
          const { tables: _unchanged, ...rest } = s;
          return rest;
        }
        sentTables.set(s.id, tables);
        return s;
      }),
    };
  };
  const notify = async () => {
    try {
      await parent.signal(shardUpdateSignal, update());
    } catch {
      // The parent is gone (terminated or finished): nothing to tell.
    }
  };
  const stateOf = (phase: ShardPhase) => (phase === 'Copying' ? 'Copying' : phase === 'Running' || phase === 'Draining' ? 'Running' : phase === 'Error' ? 'Error' : 'Stopped');
  const showPhase = (phase: ShardPhase) => {
    status.phase = phase;
    // While only some streams' own calls (their copies) have failed, the others show what they
    // do (as Vitess shows each stream's own state); a failure of the whole shard (its catch-up,
    // its set-up) shows every stream in Error.
    const onlyStreamsFailed = phase === 'Error' && waitingErrors.size > 0 && [...waitingErrors.values()].every((e) => e.streamId !== undefined);
    for (const s of status.streams) s.state = onlyStreamsFailed && !s.error ? stateOf(intended) : stateOf(phase);
  };
  // Streams copy side by side, so one call can fail and wait while another goes on. Runs from
  // before this patch let the other stream's next step overwrite the Error (and clear its
  // message): the shard then showed Copying with no activity and no error, waiting for a start
  // nobody knew to send.
  const errorsStayVisible = patched('shard-errors-stay-visible');
  /** Errors that failed calls are waiting on (for start or their retry), by call, with the stream whose call it was. */
  const waitingErrors = new Map<number, { message: string; streamId?: number }>();
  let failedCalls = 0;
  /** What the shard does once no failed call waits: the last phase asked for other than Error. */
  let intended: ShardPhase = status.phase;
  const setPhase = async (phase: ShardPhase) => {
    if (errorsStayVisible && phase !== 'Error') {
      intended = phase;
      if (waitingErrors.size > 0) {
        // Still in Error; the streams that did not fail show the new phase.
        showPhase('Error');
        return;
      }
    }
    if (status.phase === phase) return;
    showPhase(phase);
    await notify();
  };

  /** After a failure: Error (with its message) until `start`, or a minute for a retryable one; then the phase asked for. */
  const waitAfterFailure = async (err: unknown, streamId?: number) => {
    const call = failedCalls++;
    const stream = status.streams.find((s) => s.id === streamId);
    waitingErrors.set(call, { message: failureMessage(err), streamId: stream?.id });
    status.lastError = failureMessage(err);
    if (stream) stream.error = failureMessage(err);
    showPhase('Error');
    await notify();
    st.retryRequested = false;
    const retryNow = () => st.retryRequested || st.finishing;
    if (isNonRetryable(err)) await condition(retryNow);
    else await condition(retryNow, '1 minute');
    st.retryRequested = false;
    waitingErrors.delete(call);
    if (stream) delete stream.error;
    if (waitingErrors.size === 0) {
      status.lastError = '';
      showPhase(intended);
    } else {
      status.lastError = [...waitingErrors.values()].pop()!.message;
      showPhase('Error');
    }
    await notify();
  };

  /**
   * Runs one activity call, cancelling it (and waiting until it has stopped, so two writers never
   * overlap) when interruptWhen() turns true. Returns undefined when interrupted or failed; a
   * failure is recorded in the status (also on the stream's, for a call of one stream) and
   * waits for `start` (or, if retryable, a minute).
   */
  async function interruptible<T>(run: () => Promise<T>, interruptWhen: () => boolean, streamId?: number): Promise<T | undefined> {
    const scope = new CancellationScope();
    let finished = false;
    void condition(() => finished || interruptWhen()).then(() => { if (!finished) scope.cancel(); });
    try {
      const result = await scope.run(run);
      if (status.lastError && !(errorsStayVisible && waitingErrors.size > 0)) {
        status.lastError = '';
        await notify();
      }
      return result;
    } catch (err) {
      if (isCancellation(err)) return undefined;
      if (errorsStayVisible) {
        await waitAfterFailure(err, streamId);
        return undefined;
      }
      status.lastError = failureMessage(err);
      const resumeTo = status.phase;
      await setPhase('Error');
      st.retryRequested = false;
      const retryNow = () => st.retryRequested || st.finishing;
      if (isNonRetryable(err)) await condition(retryNow);
      else await condition(retryNow, '1 minute');
      st.retryRequested = false;
      status.phase = resumeTo;
      if (patched('retry-clears-error')) {
        // Retrying: the error is no longer current (a failing retry sets it again). Otherwise it
        // stayed in status, beside phase Running, until the retried activity's slice ended.
        status.lastError = '';
        await notify();
      }
      return undefined;
    } finally {
      finished = true;
    }
  }

  const historyIsLong = () => workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS) || workflowInfo().continueAsNewSuggested;
  const continueIfLong = async () => {
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof MigrateShard>({ ...input, state: st });
    }
  };

  // ---- copy ----
  if (!st.copyDone) {
    await setPhase('Copying');
    // Runs from before this patch went on waiting for a source tablet through a stop (which said
    // it had stopped them); now a stop ends the wait, as it does a copy.
    const initHonoursStop = !st.initialized && patched('init-honours-stop');
    while (!st.initialized) {
      if (st.finishing) return status;
      if (initHonoursStop && st.stopRequested) {
        await setPhase('Stopped');
        await condition(() => !st.stopRequested || st.finishing);
        await setPhase('Copying');
        continue;
      }
      const started = await interruptible(() => streaming.initStreams({ ref: input.ref, shard: input.shard, streams: input.streams }),
        () => st.finishing || (initHonoursStop && st.stopRequested));
      if (started) {
        recordPositions(st, started);
        st.initialized = true;
      }
    }
    // A stream's copy: its tables in name order, a table a foreign key references before the
    // tables that reference it (copy-order.ts; plans from before it carry no rank, so running
    // workflows replay in name order), each in slices until done. Ends early when the
    // shard is finishing, or when the history is long (to continue as new once no stream has an
    // activity in flight).
    const copyStream = async (stream: StreamPlan): Promise<'done' | 'finishing' | 'long'> => {
      const streamStatus = status.streams.find((s) => s.id === stream.id)!;
      for (const table of [...input.tables].sort((a, b) => (a.copyRank ?? 0) - (b.copyRank ?? 0) || (a.name < b.name ? -1 : 1))) {
        const progress = streamStatus.tables[table.name];
        while (!progress.done) {
          if (st.finishing) return 'finishing';
          if (st.stopRequested) {
            await setPhase('Stopped');
            await condition(() => !st.stopRequested || st.finishing);
            continue;
          }
          await setPhase('Copying');
          const result = await interruptible(
            () => streaming.copyTable({
              ref: input.ref, shard: input.shard, stream, table,
              sharedShard: input.streams.length > 1,
              batchRows: input.batchRows, batchBytes: input.batchBytes, sliceMs: COPY_SLICE_MS,
            }),
            () => st.stopRequested || st.finishing,
            stream.id,
          );
          if (result) {
            progress.rowsCopied = result.rowsCopied;
            progress.rowsScanned = result.rowsScanned;
            progress.bytesCopied = result.bytesCopied;
            progress.done = result.done;
            // The parent otherwise hears of progress with phase changes, which an error that
            // another stream waits on holds back.
            if (errorsStayVisible && waitingErrors.size > 0) await notify();
          }
          if (historyIsLong()) return 'long';
        }
      }
      return 'done';
    };
    if (patched('copy-streams-side-by-side')) {
      // Streams read different source shards: copying them at once keeps a shard fed by several
      // source shards from taking twice as long as the others (its batches still write one at a time).
      for (;;) {
        const ends = await Promise.all(input.streams.map(copyStream));
        if (ends.includes('finishing')) return status;
        if (!ends.includes('long')) break;
        await continueIfLong();
      }
    } else {
      // Histories from before: one stream after the other (the same commands as then).
      for (const stream of input.streams) {
        for (;;) {
          const end = await copyStream(stream);
          if (end === 'finishing') return status;
          if (end === 'done') break;
          await continueIfLong();
        }
      }
    }
    let keysAdded: number | undefined;
    // Runs recorded before this patch kept catching up here through a `Workflow stop`.
    const keysWaitHonoursStop = patched('deferred-keys-wait-honours-stop');
    while (keysAdded === undefined) {
      if (st.finishing) return status;
      if (st.stopRequested && keysWaitHonoursStop) {
        await setPhase('Stopped');
        await condition(() => !st.stopRequested || st.finishing);
        await setPhase('Copying');
        continue;
      }
      const added = await interruptible(() => streaming.addDeferredKeys({ ref: input.ref, shard: input.shard, tables: input.tables }), () => st.finishing);
      if (added === undefined || typeof added === 'number') {
        keysAdded = added;
        continue;
      }
      // A unique value that moved between source shards while they were copied is in both
      // copies: catch up to the sources' current positions (which moves it), then try again.
      // If it stays, the source shards really share the value; the message says which.
      for (const s of status.streams) s.message = `${WAITING_FOR_KEYS}: ${added.duplicate}; catching up first`;
      await notify();
      const until = await interruptible(() => admin.sourcePositions(input.ref), () => st.finishing);
      if (until) {
        const caught = await interruptible(
          () => streaming.catchUp({ ref: input.ref, shard: input.shard, streams: input.streams, tables: input.tables, onDdl: input.onDdl, until, sliceMs: CATCHUP_SLICE_MS }),
          () => st.finishing || (st.stopRequested && keysWaitHonoursStop),
        );
        if (caught) recordPositions(st, caught.positions);
      }
      if (keysWaitHonoursStop) await condition(() => st.stopRequested || st.finishing, '5 seconds');
      else await sleep('5 seconds');
      await continueIfLong();
    }
    for (const s of status.streams) if (s.message.startsWith(WAITING_FOR_KEYS)) s.message = '';
    st.copyDone = true;
    status.copyFinishedAt = workflowNow();
    if (input.stopAfterCopy) {
      st.stopRequested = true;
      for (const s of status.streams) s.message = 'Stopped after copy.';
    }
  }

  // ---- catch-up ----
  for (;;) {
    if (st.finishing) break;
    if (st.drainTo) {
      const until = st.drainTo;
      await setPhase('Draining');
      const result = await interruptible(
        () => streaming.catchUp({ ref: input.ref, shard: input.shard, streams: input.streams, tables: input.tables, onDdl: input.onDdl, until, sliceMs: CATCHUP_SLICE_MS }),
        () => st.finishing || st.drainTo !== until,
      );
      if (result) recordPositions(st, result.positions);
      if (result?.stoppedAtDdl && patched('drain-stops-at-ddl')) {
        // --on-ddl STOP holds during a drain too. Runs from before this patch drained on past the
        // DDL, and the cutover could verify (and complete finish) a target that never got it.
        // Error, not Stopped, so that the cutover or complete waiting for this drain ends, naming it.
        for (const s of status.streams) s.message = `Stopped at DDL ${result.stoppedAtDdl}`;
        await waitAfterFailure(ApplicationFailure.nonRetryable(`stopped at DDL ${result.stoppedAtDdl} (--on-ddl STOP) while draining the streams: ` +
          'apply it on the target if it should be there, then Workflow start', 'StoppedAtDdl'));
        continue;
      }
      if (result?.reachedUntil && st.drainTo === until) {
        st.drainTo = undefined;
        st.stopRequested = true;
        await setPhase('Drained');
      }
    } else if (st.stopRequested) {
      if (status.phase !== 'Drained') await setPhase('Stopped');
      await condition(() => !st.stopRequested || st.finishing || st.drainTo !== undefined);
    } else {
      await setPhase('Running');
      const result = await interruptible(
        () => streaming.catchUp({ ref: input.ref, shard: input.shard, streams: input.streams, tables: input.tables, onDdl: input.onDdl, sliceMs: CATCHUP_SLICE_MS }),
        () => st.stopRequested || st.finishing || st.drainTo !== undefined,
      );
      if (result) {
        recordPositions(st, result.positions);
        if (result.stoppedAtDdl) {
          st.stopRequested = true;
          for (const s of status.streams) s.message = `Stopped at DDL ${result.stoppedAtDdl}`;
          await notify();
        }
      } else if (st.stopRequested && !st.finishing && st.drainTo === undefined && patched('positions-after-stop')) {
        // Stopped mid-call: the positions it committed (status showed the last finished call's,
        // after a first stop the copy's start positions).
        const positions = await interruptible(() => admin.streamPositions({ ref: input.ref, shard: input.shard }), () => st.finishing);
        if (positions) recordPositions(st, positions);
      }
    }
    await continueIfLong();
  }
  await setPhase('Finished');
  return status;
}

function recordPositions(st: ShardState, positions: Record<number, string>): void {
  for (const s of st.status.streams) {
    const pos = positions[s.id];
    if (pos !== undefined) s.position = pos;
  }
}

