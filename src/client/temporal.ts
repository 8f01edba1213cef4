// The Temporal side of a CLI command: one Client on --server (TEMPORAL_ADDRESS) and --namespace
// (TEMPORAL_NAMESPACE), opened once per command and closed when it ends, plus the few calls every
// workflow command makes (describe, a query with a deadline) with errors that say what to check.
import { Client, Connection, ServiceError, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { ApplicationFailure, type QueryDefinition } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { TASK_QUEUE } from '../workflows/api';
import { reportError } from './output';

/** How long a command waits for the Temporal frontend before saying it does not answer. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** How long one query may take: queries run on a worker, so a slow answer means no worker. */
export const QUERY_TIMEOUT_MS = 5_000;

export interface TemporalSession {
  readonly address: string;
  readonly namespace: string;
  client(): Promise<Client>;
  close(): Promise<void>;
}

export function temporalFlags(command: Command): { address: string; namespace: string } {
  const o = command.optsWithGlobals<Record<string, unknown>>();
  return {
    address: String(o.server || 'localhost:7233'),
    namespace: String(o.namespace || 'default'),
  };
}

export function createTemporalSession(address: string, namespace: string): TemporalSession {
  let connection: Connection | undefined;
  let client: Client | undefined;
  return {
    address,
    namespace,
    async client() {
      if (!client) {
        try {
          connection = await Connection.connect({ address, connectTimeout: CONNECT_TIMEOUT_MS });
        } catch (err) {
          const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
          throw new Error(`cannot reach the Temporal frontend at ${address} (--server / TEMPORAL_ADDRESS): ${cause}`);
        }
        client = new Client({ connection, namespace });
      }
      return client;
    },
    async close() {
      await connection?.close();
    },
  };
}

/**
 * Wraps a command's action like withSession does for topology commands: gives it a Temporal
 * session, closes it afterwards, and turns any error into one `Error: ...` line and exit code 1.
 */
export function withTemporal<A extends unknown[]>(
  fn: (temporal: TemporalSession, command: Command, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const { address, namespace } = temporalFlags(command);
    const temporal = createTemporalSession(address, namespace);
    try {
      await fn(temporal, command, ...(args.slice(0, -2) as A));
    } catch (err) {
      reportError(err);
      process.exitCode = 1;
    } finally {
      await temporal.close().catch(() => undefined);
    }
  };
}

export type ExecutionState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

export interface ExecutionInfo {
  state: ExecutionState;
  closeTime?: Date;
}

/** The execution's state, or undefined when no workflow with this id exists. */
export async function describeExecution(handle: WorkflowHandle): Promise<ExecutionInfo | undefined> {
  try {
    const d = await handle.describe();
    return { state: d.status.name as ExecutionState, closeTime: d.closeTime };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Whether a call failed because the Temporal frontend could not be reached (restarting, say): a
 * ServiceError whose gRPC cause is UNAVAILABLE (14). What the run does goes on meanwhile.
 */
export function frontendUnavailable(err: unknown): boolean {
  return err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === 14;
}

/**
 * Whether a failed query ran out of time: the SDK wraps the gRPC error in a ServiceError whose
 * cause is DEADLINE_EXCEEDED (4) or, when withDeadline cancelled the call, CANCELLED (1).
 */
function ranOutOfTime(err: unknown): boolean {
  const e = err as Error & { cause?: Error & { code?: number } };
  return /deadline|timed? ?out/i.test(`${e?.message ?? err} ${e?.cause?.message ?? ''}`) || e?.cause?.code === 4 || e?.cause?.code === 1;
}

/**
 * A query that gives up after QUERY_TIMEOUT_MS: Temporal answers queries through a worker, so a
 * query that hangs means no vtmigrate worker polls the task queue. Except just after a worker
 * died: Temporal sends the query to the dead worker's sticky queue until it stops waiting for
 * that worker (about 10 s), so a query that runs out of time is asked once more, for longer.
 */
export async function queryWithDeadline<T>(client: Client, handle: WorkflowHandle, query: QueryDefinition<T, []>, timeoutMs = QUERY_TIMEOUT_MS, retry = true): Promise<T> {
  const budgets = retry ? [timeoutMs, 2 * timeoutMs] : [timeoutMs];
  for (const [i, ms] of budgets.entries()) {
    try {
      return await client.withDeadline(Date.now() + ms, () => handle.query(query));
    } catch (err) {
      if (!ranOutOfTime(err)) throw await queryFailure(client, handle, query.name, err);
    }
    // No worker at all on the run's task queue: asking again cannot help.
    if (i === 0) {
      const queue = (await handle.describe().catch(() => undefined))?.taskQueue ?? TASK_QUEUE;
      if ((await workerPolling(client, queue)) === false) {
        throw new Error(`workflow ${handle.workflowId} did not answer the ${query.name} query within ${ms / 1000}s: ${noWorkerText(client, queue)}`);
      }
    }
  }
  const waited = budgets.reduce((sum, ms) => sum + ms, 0);
  throw new Error(
    `workflow ${handle.workflowId} did not answer the ${query.name} query within ${waited / 1000}s: ` +
      'is a vtmigrate worker running on task queue vtmigrate?',
  );
}

/**
 * A query Temporal could not deliver (`Failed to query Workflow`, as it answers once the worker
 * that had the run is gone) says why with the worker in mind; other failures pass unchanged.
 */
async function queryFailure(client: Client, handle: WorkflowHandle, name: string, err: unknown): Promise<unknown> {
  if (!(err instanceof ServiceError)) return err;
  const queue = (await handle.describe().catch(() => undefined))?.taskQueue ?? TASK_QUEUE;
  const cause = (err.cause as Error | undefined)?.message;
  const why = cause ? `${err.message}: ${cause}` : err.message;
  // Temporal's own "no poller seen for task queue recently, worker may be down": a worker killed
  // moments ago, which DescribeTaskQueue still lists.
  if (/no poller seen/i.test(why)) {
    return new Error(`workflow ${handle.workflowId} did not answer the ${name} query: Temporal sees no worker polling task queue ${queue} ` +
      `(namespace ${client.options.namespace}) any more (${why}): start one with \`vtmigrate worker --config FILE\` (the workflow waits for it)`);
  }
  if ((await workerPolling(client, queue)) === false) return new Error(`workflow ${handle.workflowId} did not answer the ${name} query (${why}): ${noWorkerText(client, queue)}`);
  return new Error(`workflow ${handle.workflowId} did not answer the ${name} query (${why}): is a vtmigrate worker running on task queue ${queue}?`);
}

/** A worker long-polls for at most about a minute; one not seen for longer is gone. */
const POLLER_SEEN_MS = 120_000;

/**
 * Whether any worker has polled the vtmigrate task queue for workflow tasks lately (undefined when
 * Temporal would not say). Without one, a Migrate run waits, and its queries hang.
 */
export async function workerPolling(client: Client, taskQueue = TASK_QUEUE): Promise<boolean | undefined> {
  try {
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const now = Date.now();
    return (res.pollers ?? []).some((p) => p.lastAccessTime && now - tsToMs(p.lastAccessTime) < POLLER_SEEN_MS);
  } catch {
    return undefined;
  }
}

/** What to tell an operator when no worker polls the task queue. */
export function noWorkerText(client: Client, taskQueue = TASK_QUEUE): string {
  return `no vtmigrate worker has polled task queue ${taskQueue} (namespace ${client.options.namespace}) in the last ${POLLER_SEEN_MS / 60_000} minutes: ` +
    'start one with `vtmigrate worker --config FILE` (the workflow waits for it)';
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Why a closed run ended: its failure's message, or `workflow <id> ended <state>`. */
/** The innermost cause's message (a WorkflowFailedError says only "Workflow execution failed"). */
export function causeMessage(err: unknown): string {
  let e = err as { cause?: unknown; message?: string } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

export async function closedRunFailure(handle: WorkflowHandle, state: string): Promise<string> {
  return (await closedRunOutcome(handle, state)).message;
}

/** Why a closed run ended, and its failure's type (an ApplicationFailure's, e.g. 'InvalidInput'). */
export async function closedRunOutcome(handle: WorkflowHandle, state: string): Promise<{ message: string; type?: string }> {
  try {
    await handle.result();
    return { message: `workflow ${handle.workflowId} ended ${state}` };
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause) {
      const type = err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;
      return { message: err.cause.message, ...(type ? { type } : {}) };
    }
    return { message: (err as Error).message ?? String(err) };
  }
}
