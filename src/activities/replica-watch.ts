// Watches the replica a catch-up stream reads the binlog of. A replica whose replication stopped
// (STOP SLAVE, an SQL thread error, its primary gone) still serves its binlog, heartbeats
// included, so a stream on it looked caught up, at lag 0, while the source moved on without it,
// and a VDiff waiting for the stream to reach the source's positions waited in vain. The tablet
// picker already passes over such a replica (tablet-picker.ts tabletUsable, as Vitess's health
// check takes it out of serving); this asks the one being read, on a connection of its own, and
// gives it up when its replication threads no longer both run.
import { answerWithin, closeWithin, connectMysql, type Connection, type MysqlEndpoint } from '../mysql/connect';
import { replicaStatus } from '../mysql/replication';

export interface ReplicaWatch { stop(): void }

const CHECK_EVERY_MS = 5_000;
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Checks `endpoint` every few seconds and calls `onStopped` once, with the reason, when its
 * replication threads are not both running. A replica that does not answer is left to the
 * binlog connection's own failure detection; one that is no replica any more (promoted) is fine.
 */
export function watchReplica(opts: { endpoint: MysqlEndpoint; tablet: string; onStopped: (why: Error) => void; everyMs?: number }): ReplicaWatch {
  let stopped = false;
  let checking = false;
  const check = async () => {
    if (stopped || checking) return;
    checking = true;
    let conn: Connection | undefined;
    try {
      const rs = await answerWithin((async () => {
        conn = await connectMysql(opts.endpoint, { connectTimeoutMs: CHECK_TIMEOUT_MS });
        return replicaStatus(conn);
      })(), CHECK_TIMEOUT_MS, 'SHOW SLAVE STATUS');
      if (stopped || rs === undefined || (rs.ioRunning && rs.sqlRunning)) return;
      stopped = true;
      clearInterval(timer);
      const threads = `IO thread ${rs.ioRunning ? 'running' : 'not running'}, SQL thread ${rs.sqlRunning ? 'running' : 'not running'}`;
      opts.onStopped(new Error(`source replica ${opts.tablet} stopped replicating (${threads}${rs.lastError ? `: ${rs.lastError}` : ''}), ` +
        'so its binlog no longer follows the source; reading from another tablet'));
    } catch {
      // No answer: the binlog connection notices a dead tablet by itself.
    } finally {
      checking = false;
      if (conn) void closeWithin(conn, 1_000);
    }
  };
  const timer = setInterval(() => { void check(); }, opts.everyMs ?? CHECK_EVERY_MS);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
