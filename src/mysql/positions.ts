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
  /** Every transaction in this position that touched the locked tables is visible in the snapshot, and no other. */
  position: GtidPosition;
}

export interface SnapshotOptions {
  /** A second connection to the same server; it holds the brief read lock while the snapshot opens. */
  lockConn: Connection;
  /** The tables the snapshot will read (LOCK TABLES ... READ, as Vitess's rowstreamer does). */
  tables: { db: string; table: string }[];
  /**
   * How long LOCK TABLES may wait for a transaction or DDL that holds one of the tables, in
   * seconds (default 10). Writers of the tables queue behind a waiting lock, so the wait is
   * bounded: past it the snapshot fails, naming the tables, and the caller retries later.
   */
  lockWaitSeconds?: number;
}

/**
 * Opens a REPEATABLE READ consistent-snapshot, read-only transaction on `conn`, without a
 * position: for readers that only need a stable view. The session's time zone is UTC
 * (connectMysql), so TIMESTAMPs read from it are stable.
 */
export async function openSnapshot(conn: Connection): Promise<void> {
  // For the next transaction only: the session's own default stays as it was.
  await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

/**
 * Opens a snapshot on `conn` (openSnapshot) and returns the GTID position exactly consistent
 * with it for `opts.tables`: reads on `conn` until COMMIT/ROLLBACK see exactly the transactions of
 * that position that touched those tables.
 *
 * Both flavors, as Vitess's rowstreamer: `opts.lockConn` takes LOCK TABLES ... READ (no writer of
 * the tables can be mid-commit: a writer holds its metadata lock until its commit is visible),
 * reads the server's position, the snapshot opens on `conn`, and the lock is released. Writers of
 * those tables wait for a few milliseconds.
 *
 * MariaDB's lock-free binlog_snapshot_file/position status is not used: the server keeps those
 * values in process-wide variables that any concurrent SHOW STATUS overwrites, so a session can
 * read another session's position (measured: with a second session running SHOW SESSION STATUS,
 * 1 of 150 snapshots reported a position holding a transaction the snapshot did not see).
 */
export async function startConsistentSnapshot(conn: Connection, flavor: Flavor, opts: SnapshotOptions): Promise<ConsistentSnapshot> {
  const { lockConn, tables } = opts;
  if (tables.length === 0) throw new Error('a consistent snapshot needs the tables it will read (none given)');
  const names = tables.map((t) => `${t.db}.${t.table}`).join(', ');
  const waitSeconds = Math.max(1, Math.round(opts.lockWaitSeconds ?? 10));
  await lockConn.query(`SET SESSION lock_wait_timeout = ${waitSeconds}`);
  try {
    await lockConn.query(`LOCK TABLES ${tables.map((t) => `${quoteId(t.db)}.${quoteId(t.table)} READ`).join(', ')}`);
  } catch (err) {
    const e = err as { errno?: number; message?: string };
    if (e.errno === 1205) {
      throw new Error(`cannot lock ${names} on ${describe(lockConn)} for a consistent snapshot: a transaction or DDL held them for more than ${waitSeconds}s (see SHOW PROCESSLIST); the snapshot is retried later`);
    }
    throw new Error(`cannot lock ${names} on ${describe(lockConn)} for a consistent snapshot: ${e.message ?? String(err)}`);
  }
  try {
    const position = await currentPosition(lockConn, flavor);
    await openSnapshot(conn);
    return { position };
  } finally {
    await lockConn.query('UNLOCK TABLES');
  }
}
