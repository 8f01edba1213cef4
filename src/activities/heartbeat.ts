// Heartbeats for long activities: progress for the CLI and the Web UI, and the channel through
// which cancellation arrives. Sent at most every second by us (the SDK throttles further).
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

export function makeHeartbeat<T>(): { beat: (details: T, force?: boolean) => void; throwIfCancelled: () => void; cancelled: () => boolean } {
  let last = 0;
  return {
    beat(details: T, force = false) {
      const now = Date.now();
      if (!force && now - last < 1000) return;
      last = now;
      heartbeat(details);
    },
    cancelled: () => cancellationSignal().aborted,
    throwIfCancelled() {
      const signal = cancellationSignal();
      if (signal.aborted) throw new CancelledFailure(String(signal.reason ?? 'CANCELLED'));
    },
  };
}

/** Sleeps up to ms, waking early on cancellation. */
export function pause(ms: number): Promise<void> {
  const signal = cancellationSignal();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
