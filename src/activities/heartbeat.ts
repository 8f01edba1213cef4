// Heartbeats for long activities: progress for the CLI and the Web UI, and the channel through
// which cancellation arrives. Sent at most every second by us (the SDK throttles further).
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

export interface Heartbeat<T> {
  beat: (details: T, force?: boolean) => void;
  throwIfCancelled: () => void;
  cancelled: () => boolean;
}

export function makeHeartbeat<T>(): Heartbeat<T> {
  return heartbeatVia<T>(heartbeat, cancellationSignal());
}

/**
 * The same throttled heartbeat over any channel: `send` gets the details, `signal` says when the
 * work is cancelled (a diff running in a worker thread, which has no activity context, sends its
 * heartbeats to the activity's thread and hears of cancellation from it).
 */
export function heartbeatVia<T>(send: (details: T) => void, signal: AbortSignal): Heartbeat<T> {
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

/**
 * In a worker thread that runs one activity's work (vdiff-thread-entry.ts), the cancellation it
 * hears from the activity's thread: there is no activity context there to ask.
 */
let threadCancellation: AbortSignal | undefined;

export function setThreadCancellation(signal: AbortSignal): void {
  threadCancellation = signal;
}

/** Sleeps up to ms, waking early on cancellation. */
export function pause(ms: number): Promise<void> {
  const signal = threadCancellation ?? cancellationSignal();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
