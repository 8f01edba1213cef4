// The copy's source watchdog (src/activities/source-watchdog.ts) against a real MariaDB: a
// server that hangs (SIGSTOP keeps its sockets open, as a partition does) is given up and the
// query waiting on it fails at once; a server that answers but is slow is only reported.
import { strict as assert } from 'node:assert';
import { closeWithin, connectMysql, type Connection } from '../../../src/mysql/connect';
import { watchSource } from '../../../src/activities/source-watchdog';
import { startPrivateMariadb, type PrivateMariadb } from '../mysql/private-mariadb';

describe('source watchdog (private MariaDB)', function () {
  this.timeout(60_000);
  let srv: PrivateMariadb;
  let conn: Connection;

  before(async () => {
    srv = await startPrivateMariadb();
  });
  beforeEach(async () => {
    conn = await connectMysql(srv.endpoint);
  });
  afterEach(() => {
    srv.thaw();
    conn?.destroy();
  });
  after(async () => {
    await srv?.stop();
  });

  it('gives up a server that hangs: the pending query fails with the reason, naming the tablet', async () => {
    const watchdog = watchSource({
      endpoint: srv.endpoint, tablet: `zone1-101 (127.0.0.1:${srv.port})`, mark: () => 0,
      connections: () => [conn], quietMs: 1_000, probeMs: 1_000,
    });
    try {
      await srv.freeze();
      const pending = conn.query('SELECT 1');
      await assert.rejects(pending, /source tablet zone1-101 \(127\.0\.0\.1:\d+\) stopped answering: no progress for \d+ s, and it did not answer a new connection either \((SELECT 1: no answer within 1 s|connect ETIMEDOUT)\)/);
      assert.match(String(watchdog.failure()?.message), /stopped answering/);
    } finally {
      watchdog.stop();
    }
  });

  it('only reports a server that answers but whose query is slow, and never while the reader makes progress', async () => {
    let slow = 0;
    let progress = 0;
    const watchdog = watchSource({
      endpoint: srv.endpoint, tablet: 'zone1-101', mark: () => progress,
      connections: () => [conn], onSlow: () => { slow++; }, quietMs: 500, probeMs: 2_000,
    });
    try {
      await conn.query('SELECT SLEEP(3)');
      assert.ok(slow >= 1, 'onSlow was not called during a 3 s query');
      assert.equal(watchdog.failure(), undefined);
      // Progress every 100 ms: no check at all. (A probe still in flight from the slow query
      // finds the progress made meanwhile and does not report either.)
      slow = 0;
      progress++;
      const ticking = setInterval(() => { progress++; }, 100);
      await new Promise((r) => setTimeout(r, 2_000));
      clearInterval(ticking);
      assert.equal(slow, 0);
      assert.equal(watchdog.failure(), undefined);
    } finally {
      watchdog.stop();
    }
  });

  it('closes a connection to a hung server without waiting for its answer', async () => {
    await srv.freeze();
    await closeWithin(conn, 500);
    // Resolving at all is the point: end() alone would wait until the server is back.
  });
});
