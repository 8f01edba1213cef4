// Copy ETA: rows still to copy over the current copy rate. The rate is the live one the copy
// heartbeats report when there is one (it follows throttling and slow tables at once), else the
// average since the copy started. Totals are information_schema estimates, so when the copy has
// already passed the estimate there is no honest ETA and none is given.
export interface EtaInput {
  /** Rows copied to the target, over every table still copying. */
  rowsCopied: number;
  /** The source's estimate for the same tables. */
  rowsTotal: number;
  /** Target rows per second right now, from heartbeats; undefined when no copy heartbeat is fresh. */
  liveRate?: number;
  /** Epoch ms the copy started, for the average rate. */
  copyStartedAt?: number;
  /** Rows copied since copyStartedAt (all tables), for the average rate. */
  rowsCopiedSinceStart?: number;
  now: number;
}

export interface Eta {
  /** Rows per second the estimate uses (0 when unknown). */
  rate: number;
  /** Seconds left; undefined when it cannot be estimated. */
  seconds?: number;
}

export function estimateCopy(input: EtaInput): Eta {
  const remaining = Math.max(input.rowsTotal - input.rowsCopied, 0);
  let rate = input.liveRate ?? 0;
  if (!(rate > 0) && input.copyStartedAt !== undefined && input.now > input.copyStartedAt) {
    rate = (input.rowsCopiedSinceStart ?? input.rowsCopied) / ((input.now - input.copyStartedAt) / 1000);
  }
  if (!(rate > 0) || remaining === 0) return { rate: rate > 0 ? rate : 0 };
  return { rate, seconds: Math.ceil(remaining / rate) };
}

/** Go's time.Duration text rounded to seconds: `0s`, `45s`, `12m5s`, `3h0m7s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${m}m${rest}s`;
  if (m > 0) return `${m}m${rest}s`;
  return `${rest}s`;
}
