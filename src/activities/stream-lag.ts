// A catch-up stream's lag, as status shows it (Vitess's "VStream Lag").

export interface LagInput {
  /** Connected and caught up: the source's last message was a heartbeat. */
  idle: boolean;
  /** Commit time (epoch seconds) of the last change applied, 0 if none yet. */
  lastTimestamp: number;
  /** Epoch ms of the last heartbeat, 0 if none yet. */
  syncedAt: number;
  /**
   * While no binlog reader is connected (no tablet, or the last one failed): since when, and the
   * lag then. Under steady writes the source never sends a heartbeat, so the moment it was last
   * caught up is unknown; the lag still grows by the time it has been out of reach.
   */
  disconnected?: { sinceMs: number; lagSeconds: number };
}

const secondsSince = (nowMs: number, ms: number) => (ms > 0 ? Math.max(0, Math.round((nowMs - ms) / 1000)) : 0);

/**
 * Seconds behind the source. With changes of this stream still queued: since the last applied
 * change's commit. With nothing queued: 0 while connected and caught up; otherwise since the
 * later of that commit and the last moment the stream was caught up, so a stream whose source
 * is unreachable shows its lag growing (it showed 0), and a quiet source's old last change does
 * not show as hours of lag.
 */
export function streamLagSeconds(s: LagInput, nowMs: number, nothingQueued: boolean): number {
  const out = s.disconnected ? s.disconnected.lagSeconds + secondsSince(nowMs, s.disconnected.sinceMs) : 0;
  if (!nothingQueued) return Math.max(out, secondsSince(nowMs, s.lastTimestamp * 1000));
  if (s.idle) return out;
  return Math.max(out, secondsSince(nowMs, Math.max(s.lastTimestamp * 1000, s.syncedAt)));
}
