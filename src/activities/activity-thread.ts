// An activity whose work runs in a worker thread of its own (which ones: threaded.ts). A VDiff is
// CPU work on the worker's side (reading row packets, computing keyspace ids, comparing rows);
// on the worker's one JavaScript thread the diffs of every shard took turns on one core while
// the machine had others idle. The thread runs the same function; its heartbeats cross to this
// (the activity's) thread, which sends them to Temporal and passes cancellation back.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { threadedActivities, type ThreadedActivity } from './threaded';

/** What the thread starts with. Secrets stay in the worker's own process memory. */
export interface ThreadInput { name: ThreadedActivity; deps: ActivityDeps; task: unknown; attempt: number }

/** Thread → activity. */
export type FromThread =
  | { kind: 'beat'; details: unknown }
  | { kind: 'done'; result: unknown }
  | { kind: 'failed'; error: ThreadError };

/** Activity → thread. */
export interface ToThread { kind: 'cancel'; reason: string }

/** An error as it crosses threads: enough to rebuild what the workflow tells apart. */
export interface ThreadError {
  message: string;
  stack?: string;
  cancelled?: boolean;
  /** ApplicationFailure's type and whether it is retryable (invalid input, schema errors). */
  application?: { type?: string; nonRetryable: boolean };
  code?: string;
  errno?: number;
}

export function encodeThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; errno?: unknown };
  return {
    message: e.message,
    stack: e.stack,
    cancelled: err instanceof CancelledFailure || undefined,
    ...(err instanceof ApplicationFailure ? { application: { type: err.type ?? undefined, nonRetryable: err.nonRetryable === true } } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.errno === 'number' ? { errno: e.errno } : {}),
  };
}

export function decodeThreadError(e: ThreadError): Error {
  if (e.cancelled) return new CancelledFailure(e.message);
  const err: Error & { code?: string; errno?: number } = e.application
    ? ApplicationFailure.create({ message: e.message, ...e.application })
    : new Error(e.message);
  if (e.stack) err.stack = e.stack;
  if (e.code !== undefined) err.code = e.code;
  if (e.errno !== undefined) err.errno = e.errno;
  return err;
}

/**
 * Work runs in threads while fewer than this many run; beyond, on the activity's thread (a
 * thread per core is all the CPU there is, and each costs a JavaScript heap).
 */
const MAX_THREADS = Math.max(2, os.availableParallelism());
let running = 0;

type Task<N extends ThreadedActivity> = Parameters<(typeof threadedActivities)[N]>[1];
type Result<N extends ThreadedActivity> = Awaited<ReturnType<(typeof threadedActivities)[N]>>;

export async function inThread<N extends ThreadedActivity>(name: N, deps: ActivityDeps, task: Task<N>): Promise<Result<N>> {
  if (running >= MAX_THREADS) return (threadedActivities[name] as (d: ActivityDeps, t: Task<N>) => Promise<Result<N>>)(deps, task);
  running++;
  try {
    return await runThread(name, deps, task) as Result<N>;
  } finally {
    running--;
  }
}

function runThread(name: ThreadedActivity, deps: ActivityDeps, task: unknown): Promise<unknown> {
  // Captured here: the thread's messages arrive outside the activity's async context.
  const context = Context.current();
  const signal = context.cancellationSignal;
  const input: ThreadInput = { name, deps, task, attempt: context.info.attempt };
  const thread = new Worker(path.join(__dirname, 'activity-thread-entry.js'), { workerData: input });
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
      // The thread ends by itself once its work is over; anything it still runs after its
      // connections closed is cut short.
      setTimeout(() => void thread.terminate(), 5_000).unref();
    };
    const onAbort = () => thread.postMessage({ kind: 'cancel', reason: String(signal.reason ?? 'CANCELLED') } satisfies ToThread);
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    thread.on('message', (m: FromThread) => {
      if (m.kind === 'beat') context.heartbeat(m.details);
      else if (m.kind === 'done') settle(() => resolve(m.result));
      else settle(() => reject(decodeThreadError(m.error)));
    });
    thread.on('error', (err) => settle(() => reject(err)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the worker thread of ${name} exited (code ${code}) before it finished`))));
  });
}
