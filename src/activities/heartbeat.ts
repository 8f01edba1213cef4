// Heartbeats for long activities: progress for the CLI and the Web UI, and the channel through
// which cancellation arrives. Sent at most every second by us (the SDK throttles further).
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

export interface Heartbeat<T> {
  beat: (details: T, force?: boolean) => void;
  throwIfCancelled: () => void;
  cancelled: () => boolean;
}

/**
 * What an activity's work asks of its activity when it runs in a worker thread
 * (activity-thread.ts), where there is no activity context: heartbeats go to the activity's
 * thread, cancellation comes from it, the attempt number comes with the work.
 */
export interface ThreadActivity {
  heartbeat: (details: unknown) => void;
  signal: AbortSignal;
  attempt: number;
}

let threadActivity: ThreadActivity | undefined;

/** Called once by a worker thread, before its work starts. */
export function setThreadActivity(a: ThreadActivity): void {
  threadActivity = a;
}

export function makeHeartbeat<T>(): Heartbeat<T> {
  return threadActivity ? heartbeatVia<T>(threadActivity.heartbeat, threadActivity.signal) : heartbeatVia<T>(heartbeat, cancellationSignal());
}

/** The activity's attempt, 1 for the first. */
export function activityAttempt(): number {
  return threadActivity?.attempt ?? activityInfo().attempt;
}

/** The same throttled heartbeat over any channel: `send` gets the details, `signal` says when the work is cancelled. */
function heartbeatVia<T>(send: (details: T) => void, signal: AbortSignal): Heartbeat<T> {
  let last = 0;
  return {
    beat(details: T, force = false) {
      const now = Date.now();
      if (!force && now - last < 1000) return;
      last = now;
      send(details);
    },
    cancelled: () => signal.aborted,
    throwIfCancelled() {
      if (signal.aborted) throw new CancelledFailure(String(signal.reason ?? 'CANCELLED'));
    },
  };
}

/** Sleeps up to ms, waking early on cancellation. */
export function pause(ms: number): Promise<void> {
  const signal = threadActivity?.signal ?? cancellationSignal();
  return new Promise((resolve) => {
    // The listener goes with the timer: a loop that pauses every second (a reader waiting for a
    // tablet) otherwise piles one up per pause for the activity's life (MaxListenersExceededWarning).
    const onAbort = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
