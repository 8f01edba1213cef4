// The operator's actions on a running migration: cutover (ours), complete and cancel. Each sends
// its signal, then waits for the outcome the workflow records: a cutover result, the run
// closing, or a refusal note in status.errors (the workflow keeps running after a refusal).
import type { Command } from 'commander';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { cancelSignal, completeSignal, cutoverSignal, discardWorkflowId, migrateWorkflowId, TargetKeyspaceAttr, TASK_QUEUE, type CutoverResult, type DiscardRequest, type MigrateStatus } from '../workflows/api';
import type { MigrateDiscard } from '../workflows/discard';
import { printJSON, printLine } from './output';
import { cutoverOk, cutoverToJSON, formatCutoverText } from './cutover-format';
import { baseFlags, newNotes, pollRun } from './migrate-common';
import { NoStreamsError, runLeavesState, runningMigration } from './live';
import { formatDuration } from './eta';
import { parseAlias } from './status-model';
import { causeMessage, closedRunFailure, type TemporalSession } from './temporal';

interface WaitFlags {
  wait: boolean;
  waitTimeout: number;
  verbose: boolean;
}

function progress(verbose: boolean): (line: string) => void {
  let previous = '';
  return (line) => {
    if (verbose && line && line !== previous) process.stderr.write(`${line}\n`);
    previous = line;
  };
}

/** --no-wait: the signal is sent; say so, since the outcome is not known yet. */
function requested(action: string, workflowId: string): void {
  printLine(`${action} of workflow ${workflowId} requested; follow it with Migrate status`);
}

export async function cutoverCommand(temporal: TemporalSession, command: Command): Promise<void> {
  const base = baseFlags(command);
  const flags = command.opts<WaitFlags>();
  const client = await temporal.client();
  const { handle, status } = await runningMigration(client, base.targetKeyspace, base.workflow);
  const errorsBefore = status.errors.length;
  const previous = status.cutover?.finishedAt;
  await handle.signal(cutoverSignal);
  if (!flags.wait) return requested('Cutover', handle.workflowId);
  const say = progress(flags.verbose);
  const result = await pollRun<CutoverResult>(
    client, handle, flags.waitTimeout,
    (s) => {
      say(s.details);
      const refused = newNotes(s, errorsBefore, 'cutover');
      if (refused.length > 0) throw new Error(refused[refused.length - 1]);
      // The workflow sets status.cutover only when a cutover has finished (the phase may already
      // have moved on, e.g. after a stop).
      if (s.cutover && s.cutover.finishedAt !== previous) return { done: true, value: s.cutover };
      return { done: false };
    },
    async (info) => { throw new Error(`workflow ${handle.workflowId} closed (${info.state}) during the cutover: ${await closedRunFailure(handle, info.state)}`); },
    (last) => new Error(`the cutover of ${handle.workflowId} did not finish within ${formatDuration(flags.waitTimeout / 1000)} (${last}); it continues in the background: see Migrate status`),
  );
  if (base.format === 'json') printJSON(cutoverToJSON(result));
  else process.stdout.write(formatCutoverText(result, base.targetKeyspace, base.workflow));
  if (!cutoverOk(result)) process.exitCode = 1;
}

/** Waits for the run to close after complete or cancel; a refusal note or a failure is an error. */
async function waitForClose(client: Client, handle: WorkflowHandle, flags: WaitFlags, action: 'complete' | 'cancel', errorsBefore: number): Promise<void> {
  const say = progress(flags.verbose);
  await pollRun<void>(
    client, handle, flags.waitTimeout,
    (s: MigrateStatus) => {
      say(s.details);
      const refused = newNotes(s, errorsBefore, action);
      if (refused.length > 0) throw new Error(refused[refused.length - 1]);
      return { done: false };
    },
    async (info) => {
      if (info.state !== 'COMPLETED') throw new Error(await closedRunFailure(handle, info.state));
      // The run may have ended the other way: a cancel sent before this complete (or the
      // reverse) was already under way, and the signal that came after it was not taken.
      const final = (await handle.result()) as MigrateStatus;
      const wanted = action === 'complete' ? 'Completed' : 'Cancelled';
      if (final.phase !== wanted) throw new Error(`workflow ${handle.workflowId} ended ${final.phase}, not ${wanted}: ${final.details}`);
    },
    (last) => new Error(`timed out after ${formatDuration(flags.waitTimeout / 1000)} waiting for workflow ${handle.workflowId} to ${action} (${last}); it continues in the background: see Migrate status`),
  );
}

export async function completeCommand(temporal: TemporalSession, command: Command): Promise<void> {
  const base = baseFlags(command);
  const flags = command.opts<WaitFlags & { force: boolean }>();
  const client = await temporal.client();
  const { handle, status } = await runningMigration(client, base.targetKeyspace, base.workflow);
  try {
    await handle.signal(completeSignal, ...(flags.force ? [{ force: true }] as const : []));
    if (!flags.wait) return requested('Complete', handle.workflowId);
    await waitForClose(client, handle, flags, 'complete', status.errors.length);
  } catch (err) {
    throw new Error(`failed to finalize the ${base.workflow} workflow in the ${base.targetKeyspace} keyspace: ${(err as Error).message}`);
  }
  const summary = `Successfully completed the ${base.workflow} workflow in the ${base.targetKeyspace} keyspace`;
  // vtctldclient prints the summary plus "\n" with Println, hence the blank line.
  if (base.format === 'json') printJSON({ summary, dry_run_results: [] });
  else printLine(`${summary}\n`);
}

export async function cancelCommand(temporal: TemporalSession, command: Command): Promise<void> {
  const base = baseFlags(command);
  const flags = command.opts<WaitFlags & { keepData: boolean }>();
  const client = await temporal.client();
  let running;
  try {
    running = await runningMigration(client, base.targetKeyspace, base.workflow);
  } catch (err) {
    const primaries = await discardEndedRun(client, err, { targetKeyspace: base.targetKeyspace, workflow: base.workflow, keepData: flags.keepData });
    return printCancelled(base, primaries);
  }
  const { handle, status } = running;
  await handle.signal(cancelSignal, ...(flags.keepData ? [{ keepData: true }] as const : []));
  if (!flags.wait) return requested('Cancel', handle.workflowId);
  await waitForClose(client, handle, flags, 'cancel', status.errors.length);
  printCancelled(base, status.shards.map((s) => s.primaryAlias));
}

/**
 * The workflow has no running run: if its last run ended without cleaning up, remove what it
 * left on the target (MigrateDiscard) and return the target primaries it was on; otherwise, or
 * when it left nothing, `noRun` (Vitess's "no streams found") is the answer.
 */
async function discardEndedRun(client: Client, noRun: unknown, req: DiscardRequest): Promise<string[]> {
  // A completed run (Completed or Cancelled) removed its own state.
  if (!(noRun instanceof NoStreamsError) || !noRun.lastRun || !runLeavesState(noRun.lastRun.state)) throw noRun;
  const result = await client.workflow.execute<typeof MigrateDiscard>('MigrateDiscard', {
    taskQueue: TASK_QUEUE,
    workflowId: discardWorkflowId(migrateWorkflowId(req.targetKeyspace, req.workflow)),
    args: [req],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: req.targetKeyspace }],
    staticSummary: `Migrate cancel of ${req.targetKeyspace}.${req.workflow} after its run ended ${noRun.lastRun.state}`,
  }).catch((err: unknown) => {
    throw new Error(`removing what workflow ${req.workflow} left in keyspace ${req.targetKeyspace} (its last run ended ${noRun.lastRun!.state}): ${causeMessage(err)}`);
  });
  if (result.shards.length === 0) throw new NoStreamsError(req.targetKeyspace, req.workflow, noRun.lastRun, noRun.why, 'nothing');
  return result.shards.map((s) => s.primaryAlias);
}

function printCancelled(base: { workflow: string; targetKeyspace: string; format: string }, primaryAliases: string[]): void {
  // MoveTables' text: what Vitess prints for Migrate is unverified (vitess-facts.md §8).
  const summary = `Successfully cancelled the ${base.workflow} workflow in the ${base.targetKeyspace} keyspace`;
  if (base.format === 'json') {
    // One entry per target primary whose streams were deleted (always, --keep-data keeps only tables).
    const tablets = primaryAliases
      .map((a) => parseAlias(a))
      .sort((a, b) => (a.cell === b.cell ? a.uid - b.uid : a.cell < b.cell ? -1 : 1));
    printJSON({ summary, details: tablets.map((t) => ({ tablet: { cell: t.cell, uid: t.uid }, deleted: true })) });
  } else {
    printLine(`${summary}\n`);
  }
}
