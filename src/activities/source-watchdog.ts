// Notices a source tablet that stops answering in the middle of a query. A hung server
// (SIGSTOPped, or behind a network partition) keeps its TCP peer alive, so a pending query just
// waits, for ever, and the activity attempt waiting on it holds its locks: every retry would wait
// behind it. While the reader makes no progress, the watchdog asks the tablet on a fresh
// connection whether it still answers; if it does not, it drops the reader's connections (their
// queries fail at once) and remembers why, so the attempt fails with that and is retried on a
// tablet that answers.
import { abortConnection, answerWithin, closeWithin, connectMysql, type Connection, type MysqlEndpoint } from '../mysql/connect';
import { errorText } from './errors';

export interface SourceWatchdog {
  /** Why the tablet was given up, once it was. */
  failure(): Error | undefined;
  stop(): void;
}

export interface WatchOptions {
  endpoint: MysqlEndpoint;
  /** How the tablet is named in the error: `east-100 (127.0.0.1:17500)`. */
  tablet: string;
  /** Something that changes whenever the reader made progress (rows scanned, say). */
  mark: () => number;
  /** The reader's connections, dropped when the tablet is given up. */
  connections: () => (Connection | undefined)[];
  /** Called while the tablet answers but the reader's query is slow (a chance to heartbeat). */
  onSlow?: (quietSeconds: number) => void;
  /** No progress for this long starts a check. */
  quietMs?: number;
  /** A check that takes longer than this fails. */
  probeMs?: number;
}

export function watchSource(opts: WatchOptions): SourceWatchdog {
  const quietMs = opts.quietMs ?? 10_000;
  const probeMs = opts.probeMs ?? 5_000;
  let mark = opts.mark();
  let quietSince = Date.now();
  /** After a check the tablet passed, the next one waits another quietMs. */
  let nextCheckAt = 0;
  let probing = false;
  let failed: Error | undefined;
  let stopped = false;

  const probe = async (): Promise<void> => {
    let conn: Connection | undefined;
    try {
      await answerWithin((async () => {
        conn = await connectMysql(opts.endpoint, { connectTimeoutMs: probeMs });
        await conn.query('SELECT 1');
      })(), probeMs, 'SELECT 1');
    } finally {
      if (conn) void closeWithin(conn, 1_000);
    }
  };

  const check = async () => {
    if (stopped || probing || failed) return;
    const now = Date.now();
    const current = opts.mark();
    if (current !== mark) {
      mark = current;
      quietSince = now;
      return;
    }
    if (now - quietSince < quietMs || now < nextCheckAt) return;
    probing = true;
    let probeError: unknown;
    try {
      await probe();
    } catch (err) {
      probeError = err ?? new Error('no answer');
    } finally {
      probing = false;
    }
    if (stopped) return;
    if (probeError === undefined) {
      nextCheckAt = Date.now() + quietMs;
      // The reader moved on while the probe ran: it is not slow after all.
      if (opts.mark() !== mark) return;
      // The caller's own failure (a heartbeat, say) is not the tablet's.
      try { opts.onSlow?.(Math.round((Date.now() - quietSince) / 1000)); } catch { /* ignored */ }
      return;
    }
    if (opts.mark() !== mark) return;
    failed = new Error(`source tablet ${opts.tablet} stopped answering: no progress for ${Math.round((Date.now() - quietSince) / 1000)} s, ` +
      `and it did not answer a new connection either (${errorText(probeError)}); the work resumes from its last checkpoint on a tablet that answers`, { cause: probeError });
    for (const c of opts.connections()) if (c) abortConnection(c, failed);
  };

  const timer = setInterval(() => { void check(); }, Math.max(250, Math.min(2_500, quietMs / 4)));
  timer.unref();
  return {
    failure: () => failed,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
