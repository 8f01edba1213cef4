// What every Migrate subcommand shares: the persistent flags (--target-keyspace, --workflow,
// --format) checked as cobra and vtctldclient check them, and waiting on a run with a deadline.
import type { Command } from 'commander';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { statusQuery, type MigrateStatus } from '../workflows/api';
import { requireFlagsWithParents } from './flags';
import { describeExecution, frontendUnavailable, queryWithDeadline, sleep, type ExecutionInfo } from './temporal';

export type OutputFormat = 'text' | 'json';

export interface BaseFlags {
  targetKeyspace: string;
  workflow: string;
  format: OutputFormat;
}

/** vtctldclient's GetOutputFormat: trimmed, case-insensitive, and Vitess's error text. */
export function outputFormat(format: string): OutputFormat {
  const f = format.trim().toLowerCase();
  if (f !== 'text' && f !== 'json') throw new Error(`invalid output format, got ${format}`);
  return f;
}

/** Required flags first (cobra checks them before RunE), then --format (RunE's first step). */
export function baseFlags(command: Command, opts: { checkFormat: boolean } = { checkFormat: true }): BaseFlags {
  requireFlagsWithParents(command, ['target-keyspace', 'workflow']);
  const o = command.optsWithGlobals<{ targetKeyspace: string; workflow: string; format?: string }>();
  const format = opts.checkFormat ? outputFormat(o.format ?? 'text') : 'text';
  return { targetKeyspace: o.targetKeyspace, workflow: o.workflow, format };
}

export type PollResult<T> = { done: true; value: T } | { done: false };

/**
 * Polls a run about once a second until `check` returns a value, the run closes (then `closed`
 * decides), or the deadline passes. A status query that does not answer is retried: the run may
 * be between workflow tasks, or its worker restarting. So is a Temporal frontend that cannot be
 * reached (restarting): the run goes on meanwhile, and a wait that failed then reported a step
 * as failed that went on to succeed.
 */
export async function pollRun<T>(
  client: Client,
  handle: WorkflowHandle,
  timeoutMs: number,
  check: (status: MigrateStatus) => PollResult<T>,
  closed: (info: ExecutionInfo) => Promise<T>,
  onTimeout: (last: string) => Error,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let info: ExecutionInfo | undefined;
    try {
      info = await describeExecution(handle);
    } catch (err) {
      if (!frontendUnavailable(err)) throw err;
      last = `the Temporal frontend cannot be reached (${(err as Error).message}: ${((err as Error).cause as Error | undefined)?.message ?? ''}); waiting for it`;
      if (Date.now() >= deadline) throw onTimeout(last);
      await sleep(1000);
      continue;
    }
    if (!info) throw new Error(`workflow ${handle.workflowId} no longer exists`);
    if (info.state !== 'RUNNING') return closed(info);
    let status: MigrateStatus | undefined;
    try {
      status = await queryWithDeadline(client, handle, statusQuery);
    } catch (err) {
      last = (err as Error).message;
    }
    if (status) {
      // check() may throw (a refusal): that ends the wait, unlike a query that did not answer.
      const result = check(status);
      if (result.done) return result.value;
      last = status.details;
    }
    if (Date.now() >= deadline) throw onTimeout(last);
    await sleep(1000);
  }
}

/** Entries the workflow added to status.errors since `before` that concern `action`. */
export function newNotes(status: MigrateStatus, before: number, action: string): string[] {
  return status.errors.slice(before).filter((e) => e.startsWith(action));
}
