import { strict as assert } from 'node:assert';
import type { RowDataPacket } from 'mysql2/promise';
import { connectMysql, quoteId, withMysql, type Connection, type MysqlEndpoint } from '../../../src/mysql/connect';
import { addGtid, formatPosition, parsePosition, positionAtLeast, type GtidPosition } from '../../../src/mysql/gtid';
import { currentPosition, serverFlavor, startConsistentSnapshot, waitForPosition } from '../../../src/mysql/positions';
import { createScratchDb, scratchName, startPrivatePair, type PrivatePair } from './scratch';

async function lastGtid(conn: Connection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@last_gtid AS g');
  return String(rows[0].g);
}

describe('mysql positions (MariaDB)', function () {
  this.timeout(120_000);
  let pair: PrivatePair;
  let primary: MysqlEndpoint;
  let replica: MysqlEndpoint;
  const db = scratchName('pos');

  before(async () => {
    pair = await startPrivatePair();
    ({ primary, replica } = pair);
    await createScratchDb(primary, db);
    await withMysql({ ...primary, database: db }, (c) => c.query('CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, gtid VARCHAR(64))'));
  });
  after(async () => {
    await pair?.stop();
  });

  it('reads the flavor and the current position, which advances by exactly our transaction', async () => {
    await withMysql({ ...primary, database: db }, async (c) => {
      assert.equal(await serverFlavor(c), 'MariaDB');
      const before = await currentPosition(c, 'MariaDB');
      assert.equal(before.flavor, 'MariaDB');
      await c.query('INSERT INTO t (w) VALUES (0)');
      const gtid = await lastGtid(c);
      const after = await currentPosition(c, 'MariaDB');
      // Others may write to the shared server, but never past our own commit without us seeing it.
      assert.ok(positionAtLeast(after, addGtid(before, gtid)));
      assert.ok(positionAtLeast(after, before));
      assert.ok(!positionAtLeast(before, parsePosition(gtid)));
    });
  });

  it('waits on the primary and on the replica, and times out on a position nobody reaches', async () => {
    const pc = await connectMysql({ ...primary, database: db });
    const rc = await connectMysql(replica);
    try {
      await pc.query('INSERT INTO t (w) VALUES (1)');
      const target = parsePosition(await lastGtid(pc), 'MariaDB');
      // On a primary MASTER_GTID_WAIT alone would never succeed (its own writes are not in
      // gtid_slave_pos); waitForPosition must still return true at once.
      const t0 = Date.now();
      assert.equal(await waitForPosition(pc, target, 5_000), true);
      assert.ok(Date.now() - t0 < 1_000);
      assert.equal(await waitForPosition(rc, target, 10_000), true);
      assert.ok(positionAtLeast(await currentPosition(rc, 'MariaDB'), target), 'replica gtid_binlog_pos includes replicated transactions (log_slave_updates)');
      const g = target.flavor === 'MariaDB' ? target.gtids[0] : undefined;
      assert.ok(g);
      const far: GtidPosition = { flavor: 'MariaDB', gtids: [{ ...g, sequence: g.sequence + 1_000_000n }] };
      const t1 = Date.now();
      assert.equal(await waitForPosition(pc, far, 700), false);
      const waited = Date.now() - t1;
      assert.ok(waited >= 650 && waited < 2_000, `waited ${waited}ms`);
      assert.equal(await waitForPosition(rc, formatPosition(far), 300), false);
    } finally {
      await pc.end();
      await rc.end();
    }
  });

  it('gives snapshot positions exactly consistent with the snapshot under concurrent writers and status readers', async () => {
    // Writers insert rows in autocommit and record each row's own GTID (@@last_gtid). For every
    // snapshot, the rows it sees must be exactly the rows whose GTIDs the position contains.
    // Another session runs SHOW SESSION STATUS all along: it overwrites MariaDB's process-wide
    // binlog_snapshot_* values, which broke the lock-free way of reading the position.
    const writers = await Promise.all([0, 1, 2, 3].map(() => connectMysql({ ...primary, database: db })));
    const readers = await Promise.all([0, 1].map(async () => ({ conn: await connectMysql({ ...primary, database: db }), lockConn: await connectMysql(primary) })));
    const statusReader = await connectMysql(primary);
    const rowGtid = new Map<number, string>();
    let stop = false;
    const writeLoop = async (c: Connection, w: number) => {
      while (!stop) {
        const [res] = await c.query<RowDataPacket[]>('INSERT INTO t (w) VALUES (?)', [w + 10]);
        const id = Number((res as unknown as { insertId: number }).insertId);
        rowGtid.set(id, await lastGtid(c));
      }
    };
    const statusLoop = async () => {
      while (!stop) await statusReader.query("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
    };
    const snaps: { pos: GtidPosition; ids: Set<number> }[] = [];
    const snapLoop = async ({ conn, lockConn }: { conn: Connection; lockConn: Connection }) => {
      for (let i = 0; i < 60; i++) {
        const { position } = await startConsistentSnapshot(conn, 'MariaDB', { lockConn, tables: [{ db, table: 't' }] });
        const [rows] = await conn.query<RowDataPacket[]>('SELECT id FROM t WHERE w >= 10');
        await conn.query('COMMIT');
        snaps.push({ pos: position, ids: new Set(rows.map((r) => Number(r.id))) });
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const writing = [...writers.map((c, i) => writeLoop(c, i)), statusLoop()];
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all(readers.map(snapLoop));
    stop = true;
    await Promise.all(writing);
    await Promise.all([...writers, statusReader, ...readers.flatMap((r) => [r.conn, r.lockConn])].map((c) => c.end()));

    assert.ok(rowGtid.size > 500, `only ${rowGtid.size} rows written`);
    let straddling = 0;
    for (const { pos, ids } of snaps) {
      let inPos = 0;
      for (const [id, gtid] of rowGtid) {
        const contained = positionAtLeast(pos, parsePosition(gtid, 'MariaDB'));
        assert.equal(ids.has(id), contained, `row ${id} (gtid ${gtid}) visible=${ids.has(id)} but position ${formatPosition(pos)} contains it=${contained}`);
        if (contained) inPos++;
      }
      assert.equal(ids.size, inPos);
      if (inPos > 0 && inPos < rowGtid.size) straddling++;
    }
    if (process.env.VTM_TEST_VERBOSE) console.log(`snapshot check: ${rowGtid.size} rows, ${snaps.length} snapshots, ${straddling} mid-write`);
    // The check only means something if snapshots landed in the middle of the writes.
    assert.ok(straddling >= 60, `only ${straddling} snapshots taken while writes were running`);
  });

  it('leaves the snapshot readable and the session usable after COMMIT, and never holds the lock afterwards', async () => {
    await withMysql({ ...primary, database: db }, async (c) => withMysql(primary, async (lockConn) => {
      const { position } = await startConsistentSnapshot(c, 'MariaDB', { lockConn, tables: [{ db, table: 't' }] });
      // The lock is gone once the snapshot is open: a writer commits at once.
      await withMysql({ ...primary, database: db }, async (w) => {
        await w.query('SET SESSION lock_wait_timeout = 2');
        await w.query('INSERT INTO t (w) VALUES (2)');
      });
      const [inSnap] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM t WHERE w = 2');
      assert.equal(Number(inSnap[0].n), 0);
      await c.query('COMMIT');
      const [after] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM t WHERE w = 2');
      assert.equal(Number(after[0].n), 1);
      assert.ok(positionAtLeast(await currentPosition(c, 'MariaDB'), position));
      // Outside the read-only snapshot transaction, the session writes again.
      await c.query(`INSERT INTO ${quoteId(db)}.t (w) VALUES (3)`);
      const [n] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM t WHERE w = 3');
      assert.equal(Number(n[0].n), 1);
    }));
  });

  it('gives up on a table an open transaction holds, naming it, after the lock wait', async () => {
    const holder = await connectMysql({ ...primary, database: db });
    const conn = await connectMysql({ ...primary, database: db });
    const lockConn = await connectMysql(primary);
    try {
      await holder.query('BEGIN');
      await holder.query('INSERT INTO t (w) VALUES (4)');
      const t0 = Date.now();
      await assert.rejects(startConsistentSnapshot(conn, 'MariaDB', { lockConn, tables: [{ db, table: 't' }], lockWaitSeconds: 1 }),
        (err: Error) => err.message.includes(`${db}.t`) && /more than 1s/.test(err.message));
      assert.ok(Date.now() - t0 < 5_000);
      await holder.query('COMMIT');
      // Nothing stays locked: the next snapshot works.
      const { position } = await startConsistentSnapshot(conn, 'MariaDB', { lockConn, tables: [{ db, table: 't' }] });
      assert.ok(positionAtLeast(position, parsePosition(await lastGtid(holder), 'MariaDB')));
      await conn.query('COMMIT');
    } finally {
      for (const c of [holder, conn, lockConn]) await c.end().catch(() => undefined);
    }
  });
});
