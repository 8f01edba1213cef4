// Reading GTID positions from a server: where it is now, waiting until it gets somewhere, and
// the position exactly consistent with a snapshot (the copy's starting point: every transaction
// at or before it is visible in the snapshot, none after it is).
import type { RowDataPacket } from 'mysql2/promise';
import { quoteId, type Connection } from './connect';
import { flavorOf, formatPosition, parsePosition, positionAtLeast, type Flavor, type GtidPosition } from './gtid';

async function selectOne(conn: Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await conn.query<RowDataPacket[]>({ sql, rowsAsArray: true }, params);
  return (rows[0] as unknown as unknown[] | undefined)?.[0];
}

function describe(conn: Connection): string {
  const c = (conn as unknown as { config?: { host?: string; port?: number } }).config;
  return c?.host ? `${c.host}:${c.port}` : 'the server';
}

export async function serverFlavor(conn: Connection): Promise<Flavor> {
  return flavorOf(String(await selectOne(conn, 'SELECT VERSION()')));
}

/**
 * The server's current position. MariaDB: @@gtid_binlog_pos, i.e. what its own binlog holds;
 * on a replica with log_slave_updates that includes the replicated transactions, and it is the
 * position a binlog reader of this server can start from. MySQL: @@gtid_executed.
 */
export async function currentPosition(conn: Connection, flavor: Flavor): Promise<GtidPosition> {
  const v = await selectOne(conn, flavor === 'MariaDB' ? 'SELECT @@GLOBAL.gtid_binlog_pos' : 'SELECT @@GLOBAL.gtid_executed');
  return parsePosition(String(v ?? ''), flavor);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the server's position contains `pos`; false if `timeoutMs` passes first.
 *
 * MariaDB: MASTER_GTID_WAIT only watches @@gtid_slave_pos, which on a primary never includes its
 * own transactions (it returns -1 even for a position the primary is past), so each round first
 * checks @@gtid_binlog_pos and then blocks in MASTER_GTID_WAIT for a short slice: a replica
 * returns the moment it applies the position, a primary is re-checked every slice.
 * MySQL: WAIT_FOR_EXECUTED_GTID_SET watches gtid_executed, which covers both roles.
 */
export async function waitForPosition(conn: Connection, pos: GtidPosition | string, timeoutMs: number): Promise<boolean> {
  const flavor = typeof pos === 'string' ? await serverFlavor(conn) : (pos.flavor ?? await serverFlavor(conn));
  const want = typeof pos === 'string' ? parsePosition(pos, flavor) : pos;
  const text = formatPosition(want);
  const deadline = Date.now() + Math.max(0, timeoutMs);
  if (flavor === 'MySQL56') {
    const seconds = Math.max(0, timeoutMs) / 1000;
    const r = Number(await selectOne(conn, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)', [text, seconds]));
    return r === 0;
  }
  for (;;) {
    if (positionAtLeast(await currentPosition(conn, flavor), want)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const slice = Math.min(left, 200) / 1000;
    const r = Number(await selectOne(conn, 'SELECT MASTER_GTID_WAIT(?, ?)', [text, slice]));
    if (r === 0) return true;
    if (r !== -1) await sleep(Math.min(left, 50));
  }
}

export interface ConsistentSnapshot {
  /** Every transaction in this position is visible in the snapshot, and no other. */
  position: GtidPosition;
}

export interface SnapshotOptions {
  /**
   * MySQL only: a second connection that holds the brief read lock while the position is read
   * and the snapshot opened.
   */
  lockConn?: Connection;
  /**
   * MySQL only: lock just these tables (LOCK TABLES ... READ, as Vitess's rowstreamer does);
   * the position is then consistent for them. Without it the lock is FLUSH TABLES WITH READ LOCK.
   */
  lockTables?: { db: string; table: string }[];
}

/**
 * Opens a REPEATABLE READ consistent-snapshot transaction on `conn` and returns the GTID position
 * it corresponds to. Reads on `conn` until COMMIT/ROLLBACK see exactly the transactions in that
 * position. The session's time zone is UTC (connectMysql), so TIMESTAMPs read from it are stable.
 *
 * MariaDB, without any lock: InnoDB and the binlog commit in the same order (group commit), and
 * START TRANSACTION WITH CONSISTENT SNAPSHOT records the binlog file/offset of the snapshot in
 * the session status binlog_snapshot_file/position; BINLOG_GTID_POS() turns that offset into the
 * GTID position. The integration test checks this against concurrent writers.
 *
 * MySQL 8 has no binlog_snapshot_* status, so the position is read under a brief lock held on
 * `opts.lockConn`: take the lock (no writer of the locked tables can commit), read
 * @@gtid_executed, open the snapshot on `conn`, release the lock. Untested here (no MySQL server
 * in the test environment).
 */
export async function startConsistentSnapshot(conn: Connection, flavor: Flavor, opts: SnapshotOptions = {}): Promise<ConsistentSnapshot> {
  if (flavor === 'MariaDB') {
    // For the next transaction only: the session's own default stays as it was.
    await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
      const status = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
      const file = status.get('binlog_snapshot_file') ?? '';
      const offset = status.get('binlog_snapshot_position') ?? '';
      if (file === '' || !/^\d+$/.test(offset)) {
        throw new Error(`cannot take a consistent snapshot on ${describe(conn)}: binlog_snapshot_file/position are empty (is log_bin on?)`);
      }
      const gtid = await selectOne(conn, 'SELECT BINLOG_GTID_POS(?, ?)', [file, Number(offset)]);
      if (gtid === null || gtid === undefined) {
        throw new Error(`cannot take a consistent snapshot on ${describe(conn)}: BINLOG_GTID_POS('${file}', ${offset}) returned NULL (binlog purged?)`);
      }
      return { position: parsePosition(String(gtid), 'MariaDB') };
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  const lockConn = opts.lockConn;
  if (!lockConn) throw new Error('a MySQL consistent snapshot needs a second connection (lockConn) to hold the read lock');
  const tables = opts.lockTables ?? [];
  await lockConn.query(tables.length > 0
    ? `LOCK TABLES ${tables.map((t) => `${quoteId(t.db)}.${quoteId(t.table)} READ`).join(', ')}`
    : 'FLUSH TABLES WITH READ LOCK');
  try {
    const executed = await selectOne(lockConn, 'SELECT @@GLOBAL.gtid_executed');
    await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    return { position: parsePosition(String(executed ?? ''), 'MySQL56') };
  } finally {
    await lockConn.query('UNLOCK TABLES');
  }
}
