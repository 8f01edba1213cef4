// The migration's own state on each target primary, in the `_vt_migrate` schema: stream
// positions, per-table copy checkpoints and rows parked while another stream owns their key.
// Every checkpoint commits in the same transaction as the rows it describes (DESIGN.md §5).
import type { Connection } from '../mysql/connect';
import type { ResultSetHeader } from 'mysql2/promise';

export const STATE_DB = '_vt_migrate';

const DDL = [
  `CREATE DATABASE IF NOT EXISTS ${STATE_DB}`,
  // One row per stream (source shard → this target shard), like Vitess's _vt.vreplication.
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.streams (
    workflow_id VARBINARY(512) NOT NULL,
    id INT NOT NULL,
    source_shard VARBINARY(64) NOT NULL,
    start_pos VARBINARY(10000) NOT NULL DEFAULT '',
    pos VARBINARY(10000) NOT NULL DEFAULT '',
    -- Set by VDiff: 'hold' pauses the applier; a position lets it run exactly that far. The
    -- applier acknowledges by setting state 'Held' once it stands still.
    stop_pos VARBINARY(10000) NOT NULL DEFAULT '',
    state VARBINARY(100) NOT NULL DEFAULT 'Copying',
    message VARBINARY(1000) NOT NULL DEFAULT '',
    tablet VARBINARY(64) NOT NULL DEFAULT '',
    time_updated BIGINT NOT NULL DEFAULT 0,
    transaction_timestamp BIGINT NOT NULL DEFAULT 0,
    rows_copied BIGINT NOT NULL DEFAULT 0,
    -- Row changes to the migrated tables applied from this stream's binlog (all time).
    rows_applied BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, id)
  ) ENGINE=InnoDB`,
  // The copy checkpoint of one table in one stream: lastpk commits with each batch.
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.copy_state (
    workflow_id VARBINARY(512) NOT NULL,
    stream_id INT NOT NULL,
    table_name VARBINARY(192) NOT NULL,
    lastpk MEDIUMBLOB NULL,
    rows_copied BIGINT NOT NULL DEFAULT 0,
    rows_scanned BIGINT NOT NULL DEFAULT 0,
    bytes_copied BIGINT NOT NULL DEFAULT 0,
    done TINYINT NOT NULL DEFAULT 0,
    -- The source position of the snapshot the first committed batch was read from: every later
    -- batch reads a snapshot at or past it, so catch-up skips the table's changes it includes.
    snapshot_pos VARBINARY(10000) NOT NULL DEFAULT '',
    PRIMARY KEY (workflow_id, stream_id, table_name)
  ) ENGINE=InnoDB`,
  // A stream's version of a row whose key another stream currently owns on this shard (the row
  // moved between source shards and the streams are not in step); promoted when the owner deletes.
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.shadow_rows (
    workflow_id VARBINARY(512) NOT NULL,
    table_name VARBINARY(192) NOT NULL,
    pk_hash BINARY(32) NOT NULL,
    stream_id INT NOT NULL,
    pk_key MEDIUMBLOB NOT NULL,
    row_data LONGBLOB NOT NULL,
    PRIMARY KEY (workflow_id, table_name, pk_hash, stream_id)
  ) ENGINE=InnoDB`,
  // Secondary keys left out for the copy (--defer-secondary-keys), added back when it ends.
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.deferred_keys (
    workflow_id VARBINARY(512) NOT NULL,
    table_name VARBINARY(192) NOT NULL,
    alter_sql MEDIUMBLOB NOT NULL,
    done TINYINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, table_name)
  ) ENGINE=InnoDB`,
];

/** Columns added after the first release, for state schemas an earlier version created. */
const ADDED_COLUMNS: { table: string; column: string; definition: string }[] = [
  { table: 'streams', column: 'stop_pos', definition: "VARBINARY(10000) NOT NULL DEFAULT '' AFTER pos" },
  { table: 'streams', column: 'rows_applied', definition: 'BIGINT NOT NULL DEFAULT 0' },
  { table: 'copy_state', column: 'snapshot_pos', definition: "VARBINARY(10000) NOT NULL DEFAULT ''" },
];

export async function ensureStateSchema(conn: Connection): Promise<void> {
  for (const sql of DDL) await conn.query(sql);
  await ensureAddedColumns(conn);
}

/** The columns added since the first release, for a run a worker of an earlier version prepared. */
export async function ensureAddedColumns(conn: Connection): Promise<void> {
  for (const c of ADDED_COLUMNS) {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?', [STATE_DB, c.table, c.column]);
    if (Number((rows as { n: number }[])[0].n) === 0) await conn.query(`ALTER TABLE ${STATE_DB}.${c.table} ADD COLUMN ${c.column} ${c.definition}`);
  }
}

/** Row changes applied from the binlog by every stream of a workflow on this target primary. */
export async function rowsApplied(conn: Connection, workflowId: string): Promise<number> {
  const [rows] = await conn.query(`SELECT COALESCE(SUM(rows_applied), 0) AS n FROM ${STATE_DB}.streams WHERE workflow_id = ?`, [workflowId]);
  return Number((rows as { n: number | string }[])[0].n);
}

export interface StreamRow {
  id: number;
  sourceShard: string;
  startPos: string;
  pos: string;
  state: string;
  message: string;
  tablet: string;
  timeUpdated: number;
  transactionTimestamp: number;
}

export async function readStreams(conn: Connection, workflowId: string): Promise<StreamRow[]> {
  const [rows] = await conn.query(
    `SELECT id, source_shard, start_pos, pos, state, message, tablet, time_updated, transaction_timestamp FROM ${STATE_DB}.streams WHERE workflow_id = ? ORDER BY id`,
    [workflowId],
  );
  return (rows as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    sourceShard: String(r.source_shard),
    startPos: String(r.start_pos),
    pos: String(r.pos),
    state: String(r.state),
    message: String(r.message),
    tablet: String(r.tablet),
    timeUpdated: Number(r.time_updated),
    transactionTimestamp: Number(r.transaction_timestamp),
  }));
}

export async function insertStreams(conn: Connection, workflowId: string, streams: { id: number; sourceShard: string }[]): Promise<void> {
  for (const s of streams) {
    await conn.query(`INSERT IGNORE INTO ${STATE_DB}.streams (workflow_id, id, source_shard, time_updated) VALUES (?, ?, ?, UNIX_TIMESTAMP())`, [workflowId, s.id, s.sourceShard]);
  }
}

/** Records the stream's start position once (the first call wins; later calls return it). */
export async function setStartPosition(conn: Connection, workflowId: string, streamId: number, pos: string, tablet: string): Promise<string> {
  await conn.query(
    `UPDATE ${STATE_DB}.streams SET start_pos = ?, pos = ?, tablet = ?, time_updated = UNIX_TIMESTAMP() WHERE workflow_id = ? AND id = ? AND start_pos = ''`,
    [pos, pos, tablet, workflowId, streamId],
  );
  const [rows] = await conn.query(`SELECT start_pos FROM ${STATE_DB}.streams WHERE workflow_id = ? AND id = ?`, [workflowId, streamId]);
  const row = (rows as { start_pos: Buffer | string }[])[0];
  if (!row) throw new Error(`stream ${streamId} of ${workflowId} has no state row in ${STATE_DB}.streams`);
  return String(row.start_pos);
}

export interface CopyStateRow {
  lastpk: string | null;
  rowsCopied: number;
  rowsScanned: number;
  bytesCopied: number;
  done: boolean;
}

export async function readCopyState(conn: Connection, workflowId: string, streamId: number, table: string): Promise<CopyStateRow> {
  const [rows] = await conn.query(
    `SELECT lastpk, rows_copied, rows_scanned, bytes_copied, done FROM ${STATE_DB}.copy_state WHERE workflow_id = ? AND stream_id = ? AND table_name = ?`,
    [workflowId, streamId, table],
  );
  const r = (rows as Record<string, unknown>[])[0];
  if (!r) return { lastpk: null, rowsCopied: 0, rowsScanned: 0, bytesCopied: 0, done: false };
  return {
    lastpk: r.lastpk === null ? null : String(r.lastpk),
    rowsCopied: Number(r.rows_copied),
    rowsScanned: Number(r.rows_scanned),
    bytesCopied: Number(r.bytes_copied),
    done: Number(r.done) === 1,
  };
}

/**
 * Creates the copy checkpoint row of a stream's table if it is missing (lastpk NULL, not done:
 * what readCopyState returns for no row), outside any batch transaction. A batch then locks an
 * existing row: on a missing one its SELECT ... FOR UPDATE takes a gap lock, and two copies
 * (other workflows on the same target shard) whose first batches lock the same gap deadlock on
 * their INSERTs.
 */
export async function ensureCopyState(conn: Connection, workflowId: string, streamId: number, table: string): Promise<void> {
  await claimTables(conn, workflowId, [streamId], [table]);
}

/**
 * Missing copy checkpoint rows of these streams and tables (lastpk NULL, not done). Made for
 * every stream and table when the target is prepared, so that from the start they tell another
 * workflow's create that these tables are taken (plan.ts).
 */
export async function claimTables(conn: Connection, workflowId: string, streamIds: number[], tables: string[]): Promise<void> {
  const rows = streamIds.flatMap((id) => tables.map((t) => [workflowId, id, t]));
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await conn.query(
      `INSERT IGNORE INTO ${STATE_DB}.copy_state (workflow_id, stream_id, table_name, lastpk, rows_copied, rows_scanned, bytes_copied, done)
       VALUES ${chunk.map(() => '(?, ?, ?, NULL, 0, 0, 0, 0)').join(', ')}`,
      chunk.flat(),
    );
  }
}

/**
 * Claims the tables (claimTables) unless another workflow has claimed one of them on this target
 * primary; returns those claims (and claims nothing) if so. The plan refuses such tables, but two
 * creates at the same moment both plan before either claims: a named lock makes claiming one at a
 * time, and as every run claims its shards in the same order, the first to claim the first shard wins.
 */
export async function claimTablesAlone(conn: Connection, workflowId: string, streamIds: number[], tables: string[]): Promise<{ workflowId: string; table: string }[]> {
  // One lock per target primary: the claims of every keyspace on it live in the one STATE_DB.
  const name = 'vtmigrate:claims';
  while (!(await tryLock(conn, name, 10))) { /* another create claims on this primary now */ }
  try {
    const others = await tablesClaimedByOthers(conn, workflowId, tables);
    if (others.length === 0) await claimTables(conn, workflowId, streamIds, tables);
    return others;
  } finally {
    await releaseLock(conn, name).catch(() => undefined);
  }
}

/** A named lock of the connection's session (GET_LOCK): true once held, false when waitSeconds passed first. */
export async function tryLock(conn: Connection, name: string, waitSeconds = 0): Promise<boolean> {
  const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, waitSeconds]);
  return Number((rows as { got: number | null }[])[0]?.got) === 1;
}

export async function releaseLock(conn: Connection, name: string): Promise<void> {
  await conn.query('SELECT RELEASE_LOCK(?)', [name]);
}

/** The refusal of a create whose tables another workflow of the target keyspace claims. */
export function claimedByOthersMessage(targetKeyspace: string, claims: { workflowId: string; table: string }[]): string {
  const byWorkflow = claims.map(({ table, workflowId: id }) => `${table} (workflow ${id.startsWith(`${targetKeyspace}.`) ? id.slice(targetKeyspace.length + 1) : id})`).sort();
  return `table(s) already being migrated into keyspace ${targetKeyspace} by another workflow: ${[...new Set(byWorkflow)].join(', ')}; complete or cancel that workflow first ` +
    '(Migrate cancel also removes what a run that failed or was terminated left behind)';
}

/** Of `tables`, those another workflow's state claims on this target primary, with the workflow ids. */
export async function tablesClaimedByOthers(conn: Connection, workflowId: string, tables: string[]): Promise<{ workflowId: string; table: string }[]> {
  if (tables.length === 0) return [];
  const [rows] = await conn.query(
    `SELECT DISTINCT workflow_id, table_name FROM ${STATE_DB}.copy_state WHERE workflow_id <> ? AND table_name IN (${tables.map(() => '?').join(', ')})`,
    [workflowId, ...tables],
  );
  return (rows as { workflow_id: Buffer | string; table_name: Buffer | string }[]).map((r) => ({ workflowId: String(r.workflow_id), table: String(r.table_name) }));
}

/**
 * Checkpoints a copy batch inside the batch's transaction, only over the checkpoint it started
 * from (`from`): false if the stored one moved or finished (another attempt advanced it), and
 * the caller must roll back. The UPDATE locks the row until the transaction ends, so a zombie
 * attempt waits for this one and then finds the checkpoint moved: it cannot write stale rows,
 * even after catch-up has begun. (One statement: it used to be a SELECT ... FOR UPDATE and an
 * upsert, a round trip more per batch.)
 */
export async function advanceCopyState(conn: Connection, workflowId: string, streamId: number, table: string, from: string | null, s: CopyStateRow,
  snapshotPos = ''): Promise<boolean> {
  const [result] = await conn.query<ResultSetHeader>(
    `UPDATE ${STATE_DB}.copy_state SET lastpk = ?, rows_copied = ?, rows_scanned = ?, bytes_copied = ?, done = ?,
       snapshot_pos = IF(snapshot_pos = '', ?, snapshot_pos)
     WHERE workflow_id = ? AND stream_id = ? AND table_name = ? AND lastpk <=> ? AND done = 0`,
    [s.lastpk, s.rowsCopied, s.rowsScanned, s.bytesCopied, s.done ? 1 : 0, snapshotPos, workflowId, streamId, table, from],
  );
  // Matched rows (mysql2 connects with CLIENT_FOUND_ROWS), so an unchanged row still counts.
  return result.affectedRows === 1;
}

/**
 * Per table, the source position of its copy's first snapshot from this stream (where recorded):
 * the copied rows include every change up to it.
 */
export async function readCopySnapshots(conn: Connection, workflowId: string, streamId: number): Promise<Map<string, string>> {
  const [rows] = await conn.query(
    `SELECT table_name, snapshot_pos FROM ${STATE_DB}.copy_state WHERE workflow_id = ? AND stream_id = ? AND snapshot_pos <> ''`, [workflowId, streamId]);
  return new Map((rows as { table_name: Buffer | string; snapshot_pos: Buffer | string }[]).map((r) => [String(r.table_name), String(r.snapshot_pos)]));
}

/** Stream positions advance with the rows they cover: run inside the apply transaction. */
export async function writeStreamPosition(conn: Connection, workflowId: string, streamId: number, pos: string, transactionTimestamp: number, tablet: string, changes = 0): Promise<void> {
  await conn.query(
    `UPDATE ${STATE_DB}.streams SET pos = ?, transaction_timestamp = IF(? > 0, ?, transaction_timestamp), tablet = ?, time_updated = UNIX_TIMESTAMP(), state = 'Running', message = '',
       rows_applied = rows_applied + ?
     WHERE workflow_id = ? AND id = ?`,
    [pos, transactionTimestamp, transactionTimestamp, tablet, changes, workflowId, streamId],
  );
}

/** A stream's stop request (VDiff): '' none, 'hold', or a position to run exactly to. */
export const HOLD = 'hold';

export async function readStopPositions(conn: Connection, workflowId: string): Promise<Map<number, string>> {
  const [rows] = await conn.query(`SELECT id, stop_pos FROM ${STATE_DB}.streams WHERE workflow_id = ?`, [workflowId]);
  return new Map((rows as { id: number; stop_pos: Buffer | string }[]).map((r) => [Number(r.id), String(r.stop_pos)]));
}

export async function setStopPosition(conn: Connection, workflowId: string, streamId: number, stopPos: string): Promise<void> {
  await conn.query(`UPDATE ${STATE_DB}.streams SET stop_pos = ?, time_updated = UNIX_TIMESTAMP() WHERE workflow_id = ? AND id = ?`, [stopPos, workflowId, streamId]);
}

/**
 * Per source shard (its index in the workflow's source shards, which shadow_rows keeps as
 * stream_id), how many of its rows wait in shadow_rows because another source shard's row holds
 * their key on this target shard. Brief while streams are out of step after a row moved between
 * source shards; lasting once they are caught up: the key exists on several source shards.
 */
export async function parkedRowsBySource(conn: Connection, workflowId: string): Promise<Map<number, number>> {
  const [rows] = await conn.query(`SELECT stream_id, COUNT(*) AS n FROM ${STATE_DB}.shadow_rows WHERE workflow_id = ? GROUP BY stream_id`, [workflowId]);
  return new Map((rows as { stream_id: number; n: number }[]).map((r) => [Number(r.stream_id), Number(r.n)]));
}

/** Parked rows (shadow_rows) of the workflow on this shard, per table. */
export async function parkedRowsByTable(conn: Connection, workflowId: string): Promise<Map<string, number>> {
  const [rows] = await conn.query(`SELECT table_name, COUNT(*) AS n FROM ${STATE_DB}.shadow_rows WHERE workflow_id = ? GROUP BY table_name`, [workflowId]);
  return new Map((rows as { table_name: Buffer | string; n: number }[]).map((r) => [String(r.table_name), Number(r.n)]));
}

export async function setStreamMessage(conn: Connection, workflowId: string, streamId: number, state: string, message: string): Promise<void> {
  await conn.query(`UPDATE ${STATE_DB}.streams SET state = ?, message = ?, time_updated = UNIX_TIMESTAMP() WHERE workflow_id = ? AND id = ?`,
    [state, message.slice(0, 1000), workflowId, streamId]);
}

export async function deleteWorkflowState(conn: Connection, workflowId: string): Promise<void> {
  for (const table of ['streams', 'copy_state', 'shadow_rows', 'deferred_keys']) {
    await conn.query(`DELETE FROM ${STATE_DB}.${table} WHERE workflow_id = ?`, [workflowId]);
  }
}

/**
 * One writer per target shard: a named lock on the target primary, held for the duration of a
 * copy or catch-up run, so a zombie activity (its worker partitioned, not dead) can never write
 * at the same time as its replacement. Waits up to waitSeconds.
 */
export async function acquireShardLock(conn: Connection, workflowId: string, shard: string, waitSeconds: number): Promise<boolean> {
  return tryLock(conn, shardLockName(workflowId, shard), waitSeconds);
}

/**
 * One attempt per (stream, table) copy: held for the attempt's life, so a retry waits for a
 * zombie of the same copy to end. Streams of one shard copy side by side; their batches take the
 * shard lock one at a time (copy.ts).
 */
export async function acquireCopyLock(conn: Connection, workflowId: string, shard: string, streamId: number, table: string, waitSeconds: number): Promise<boolean> {
  return tryLock(conn, lockName(`vtmigrate:${workflowId}:${shard}:${streamId}:${table}`), waitSeconds);
}

export async function releaseShardLock(conn: Connection, workflowId: string, shard: string): Promise<void> {
  await releaseLock(conn, shardLockName(workflowId, shard));
}

export function shardLockName(workflowId: string, shard: string): string {
  return lockName(`vtmigrate:${workflowId}:${shard}`);
}

function lockName(name: string): string {
  // GET_LOCK names are limited to 64 characters.
  return name.length <= 64 ? name : `vtmigrate:${simpleHash(name)}`;
}


function simpleHash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x1b873593;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619);
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 2246822519);
  }
  return (h1 >>> 0).toString(16) + (h2 >>> 0).toString(16);
}
