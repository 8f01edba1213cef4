// What the VDiff subcommands do, over the VDiff workflow `<ks>.<wf>.vdiff.<uuid>`: create starts
// it and waits until it is scheduled on every target shard (so bad input fails the command, as
// Vitess's synchronous create does); show reads its state; stop and resume signal it (resume of a
// closed VDiff is a new run of the same id); delete removes its stored state and its executions.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  migrateWorkflowId,
  statusQuery,
  TargetKeyspaceAttr,
  TASK_QUEUE,
  vdiffResumeSignal,
  vdiffScheduledUpdate,
  vdiffStopSignal,
  vdiffWorkflowId,
  type MigrateStatus,
  type VDiffDeleteRequest,
  type VDiffOptions,
  type VDiffRequest,
  type VDiffSummary,
} from '../workflows/api';
import { buildVDiffSummary } from '../workflows/vdiff-summary';
import { printLine } from './output';
import { causeMessage, describeExecution, queryWithDeadline, sleep, type TemporalSession } from './temporal';
import { listVDiffs, loadVDiff, type LiveVDiff } from './vdiff-live';
import { listingGrid, listingJSON, simpleResponse, summaryJSON, summaryText, type Listing } from './vdiff-format';
import { newUuid } from './uuid';

export interface VDiffBase { targetKeyspace: string; workflow: string; format: 'text' | 'json' }

/** How long create waits for the diff to be scheduled on every shard. */
const SCHEDULE_TIMEOUT_MS = 120_000;
/** How long stop and delete wait for a running diff to stop. */
const STOP_TIMEOUT_MS = 60_000;

/** The running Migrate workflow's status; Vitess's text when there is none. */
async function migration(client: Client, b: VDiffBase): Promise<MigrateStatus> {
  const handle = client.workflow.getHandle(migrateWorkflowId(b.targetKeyspace, b.workflow));
  const info = await describeExecution(handle);
  if (!info || info.state !== 'RUNNING') throw new Error(`no streams found in keyspace ${b.targetKeyspace} for ${b.workflow}`);
  return queryWithDeadline(client, handle, statusQuery);
}

/** The first target primary, named in Vitess's per-tablet messages. */
function firstTablet(m: MigrateStatus): string {
  return [...m.shards].sort((a, b) => (a.shard < b.shard ? -1 : 1))[0]?.primaryAlias ?? 'unknown';
}

function summaryOf(live: LiveVDiff, verbose: boolean): VDiffSummary {
  return buildVDiffSummary(live.status, { verbose, now: Date.now(), rowsPerSecond: live.rowsPerSecond });
}

function render(s: VDiffSummary, format: 'text' | 'json'): string {
  return format === 'json' ? summaryJSON(s) : summaryText(s);
}

/** Waits until the VDiff workflow says it is scheduled everywhere, or fails with its reason. */
async function scheduled(client: Client, handle: WorkflowHandle): Promise<void> {
  try {
    await client.withDeadline(Date.now() + SCHEDULE_TIMEOUT_MS, () => handle.executeUpdate(vdiffScheduledUpdate));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause) throw new Error(err.cause.message);
    const message = (err as Error).message ?? String(err);
    if (/deadline|timed? ?out/i.test(message)) throw new Error(`VDiff ${handle.workflowId} was started but is not scheduled after ${SCHEDULE_TIMEOUT_MS / 1000}s: is a vtmigrate worker running on task queue ${TASK_QUEUE}?`);
    throw err;
  }
}

export async function createVDiff(temporal: TemporalSession, b: VDiffBase, uuidArg: string | undefined, options: Partial<VDiffOptions>, wait: { wait: boolean; intervalMs: number }): Promise<void> {
  const client = await temporal.client();
  const m = await migration(client, b);
  const uuid = uuidArg ?? newUuid();
  const request: VDiffRequest = { targetKeyspace: b.targetKeyspace, workflow: b.workflow, uuid, action: 'create', options };
  // A uuid names one VDiff until it is deleted (its last run then says so).
  const existing = await loadVDiff(client, b.targetKeyspace, b.workflow, uuid);
  if (existing && !existing.status.deleted) throw new Error(`vdiff with UUID ${uuid} already exists on tablet ${firstTablet(m)}`);
  let handle: WorkflowHandle;
  try {
    handle = await client.workflow.start('VDiff', {
      taskQueue: TASK_QUEUE,
      workflowId: vdiffWorkflowId(b.targetKeyspace, b.workflow, uuid),
      args: [request],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: b.targetKeyspace }],
      staticSummary: `VDiff ${uuid} of ${b.targetKeyspace}.${b.workflow}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new Error(`vdiff with UUID ${uuid} already exists on tablet ${firstTablet(m)}`);
    throw err;
  }
  try {
    await scheduled(client, handle);
  } catch (err) {
    // Refused: its run failed with no state, which show and list skip (and a create may reuse the uuid).
    throw err;
  }
  if (!wait.wait) {
    printLine(b.format === 'json' ? `{\n  "UUID": "${uuid}"\n}` : `VDiff ${uuid} scheduled on target shards, use show to view progress`);
    return;
  }
  // --wait: show the summary every --wait-update-interval until the diff ends, then once more.
  let lastPrint = Date.now();
  // The run ending wakes the loop at once: a diff that ends between two looks is not reported
  // up to a second late (the connection's close at the command's end drops a pending wait).
  let closed = false;
  let wake: (() => void) | undefined;
  // Only a run that ended stops the waiting; a failed long poll (a dropped connection) leaves the loop as it was.
  void handle.result().then(() => true, (err: unknown) => err instanceof WorkflowFailedError).then((ended) => {
    if (!ended) return;
    closed = true;
    wake?.();
  });
  for (;;) {
    if (!closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => wake?.(), Math.min(1000, wait.intervalMs));
        wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
      });
    }
    const live = await loadVDiff(client, b.targetKeyspace, b.workflow, uuid);
    if (!live) throw new Error(`VDiff ${uuid} disappeared while waiting for it`);
    const s = summaryOf(live, false);
    // An error while --auto-retry tries again is not the end; a closed run is.
    const over = s.State === 'completed' || s.State === 'stopped' || !live.running;
    if (over || Date.now() - lastPrint >= wait.intervalMs) {
      printLine(render(s, b.format));
      lastPrint = Date.now();
    }
    if (over) {
      if (s.State === 'error') process.exitCode = 1;
      return;
    }
  }
}

export async function showVDiff(temporal: TemporalSession, b: VDiffBase, arg: string, verbose: boolean): Promise<void> {
  const client = await temporal.client();
  const m = await migration(client, b);
  if (arg === 'all') {
    const rows: Listing[] = [];
    for (const v of await listVDiffs(client, b.targetKeyspace, b.workflow)) {
      const live = await loadVDiff(client, b.targetKeyspace, b.workflow, v.uuid);
      for (const s of [...(live?.status.shards ?? [])].sort((x, y) => (x.shard < y.shard ? -1 : 1))) {
        rows.push({ UUID: v.uuid, Workflow: b.workflow, Keyspace: b.targetKeyspace, Shard: s.shard, State: s.state });
      }
    }
    if (b.format === 'json') printLine(listingJSON(rows));
    else printLine(rows.length > 0 ? listingGrid(rows) : `No vdiffs found for ${b.targetKeyspace}.${b.workflow}`);
    return;
  }
  let live: LiveVDiff | undefined;
  if (arg === 'last') {
    // The newest VDiff that was scheduled (a refused one has no state).
    for (const v of await listVDiffs(client, b.targetKeyspace, b.workflow)) {
      live = await loadVDiff(client, b.targetKeyspace, b.workflow, v.uuid);
      if (live && live.status.shards.length > 0) break;
      live = undefined;
    }
    if (!live) {
      printLine(b.format === 'json' ? '{}' : `No previous vdiff found for ${b.targetKeyspace}.${b.workflow}`);
      return;
    }
  } else {
    live = await loadVDiff(client, b.targetKeyspace, b.workflow, arg);
  }
  const uuid = arg;
  if (!live || live.status.shards.length === 0) {
    throw new Error(`no vdiff found for UUID ${uuid} keyspace ${b.targetKeyspace} and workflow ${b.workflow} on tablet ${firstTablet(m)}`);
  }
  printLine(render(summaryOf(live, verbose), b.format));
}

export async function stopVDiff(temporal: TemporalSession, b: VDiffBase, uuid: string, shards: string[]): Promise<void> {
  const client = await temporal.client();
  const m = await migration(client, b);
  const live = await loadVDiff(client, b.targetKeyspace, b.workflow, uuid);
  if (!live || live.status.shards.length === 0) throw new Error(`no vdiff found for UUID ${uuid} on tablet ${firstTablet(m)}`);
  if (live.running) {
    await live.handle.signal(vdiffStopSignal, { shards });
    await untilStopped(client, b, uuid, shards);
  }
  printLine(simpleResponse('stop', b.format));
}

/** Waits until the diff no longer runs on the given shards (all when empty). */
async function untilStopped(client: Client, b: VDiffBase, uuid: string, shards: string[]): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  for (;;) {
    const live = await loadVDiff(client, b.targetKeyspace, b.workflow, uuid);
    const running = (live?.status.shards ?? []).filter((s) => (shards.length === 0 || shards.includes(s.shard)) && (s.state === 'started' || s.state === 'pending'));
    if (!live?.running || running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`VDiff ${uuid} did not stop within ${STOP_TIMEOUT_MS / 1000}s on shard(s) ${running.map((s) => s.shard).join(', ')}`);
    await sleep(250);
  }
}

export async function resumeVDiff(temporal: TemporalSession, b: VDiffBase, uuid: string, shards: string[]): Promise<void> {
  const client = await temporal.client();
  const m = await migration(client, b);
  const handle = client.workflow.getHandle(vdiffWorkflowId(b.targetKeyspace, b.workflow, uuid));
  const info = await describeExecution(handle);
  if (!info) throw new Error(`vdiff with UUID ${uuid} not found on tablet ${firstTablet(m)}`);
  if (info.state === 'RUNNING') {
    await handle.signal(vdiffResumeSignal, { shards });
  } else {
    const request: VDiffRequest = { targetKeyspace: b.targetKeyspace, workflow: b.workflow, uuid, action: 'resume', shards };
    const run = await client.workflow.start('VDiff', {
      taskQueue: TASK_QUEUE,
      workflowId: handle.workflowId,
      args: [request],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: b.targetKeyspace }],
      staticSummary: `VDiff ${uuid} of ${b.targetKeyspace}.${b.workflow} (resumed)`,
    });
    await scheduled(client, run);
  }
  printLine(simpleResponse('resume', b.format));
}

export async function deleteVDiff(temporal: TemporalSession, b: VDiffBase, arg: string): Promise<void> {
  const client = await temporal.client();
  const m = await migration(client, b);
  const uuids = arg === 'all' ? (await listVDiffs(client, b.targetKeyspace, b.workflow)).map((v) => v.uuid) : [arg];
  for (const uuid of uuids) {
    const live = await loadVDiff(client, b.targetKeyspace, b.workflow, uuid);
    if (!live || live.status.deleted) {
      if (arg !== 'all') throw new Error(`no vdiff found for UUID ${uuid} on tablet ${firstTablet(m)}`);
      continue;
    }
    // A running diff stops first (Vitess stops its controllers before deleting their rows).
    if (live.running) {
      await live.handle.signal(vdiffStopSignal, {});
      await untilStopped(client, b, uuid, []).catch(async () => { await live.handle.terminate('VDiff delete'); });
      await untilClosed(live.handle);
    }
    // The deleting run removes the rows from every target primary and is the VDiff's last word.
    const request: VDiffRequest = { targetKeyspace: b.targetKeyspace, workflow: b.workflow, uuid, action: 'delete' };
    try {
      await client.workflow.execute('VDiff', {
        taskQueue: TASK_QUEUE,
        workflowId: live.handle.workflowId,
        args: [request],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: b.targetKeyspace }],
        staticSummary: `VDiff ${uuid} of ${b.targetKeyspace}.${b.workflow} (deleted)`,
      });
    } catch (err) {
      throw new Error(`deleting VDiff ${uuid}: ${causeMessage(err)}`);
    }
  }
  if (arg === 'all') {
    // Rows whose runs Temporal no longer keeps (retention) go too.
    const req: VDiffDeleteRequest = { targetKeyspace: b.targetKeyspace, workflow: b.workflow, arg: 'all' };
    await client.workflow.execute('VDiffDelete', { taskQueue: TASK_QUEUE, workflowId: `${vdiffWorkflowId(b.targetKeyspace, b.workflow, 'all')}.delete`, args: [req], workflowIdReusePolicy: 'ALLOW_DUPLICATE' })
      .catch((err: unknown) => { throw new Error(`deleting the VDiffs of ${b.targetKeyspace}.${b.workflow}: ${causeMessage(err)}`); });
  }
  printLine(simpleResponse('delete', b.format));
}


async function untilClosed(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while ((await describeExecution(handle))?.state === 'RUNNING' && Date.now() < deadline) await sleep(250);
}
