// A VDiff's state on each target primary, in `_vt_migrate` beside the migration's own state
// (state.ts), shaped like Vitess's _vt.vdiff and _vt.vdiff_table: one row per VDiff and shard,
// one per table with its lastpk, report (counts and samples) and state. Progress commits here, so
// a stopped, failed or killed diff resumes where it was.
import type { Connection } from '../mysql/connect';
import type { DiffReport, VDiffOptions, VDiffState } from '../workflows/vdiff-api';
import { emptyReport } from '../workflows/vdiff-api';
import { STATE_DB } from './state';

const DDL = [
  `CREATE DATABASE IF NOT EXISTS ${STATE_DB}`,
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.vdiff (
    workflow_id VARBINARY(512) NOT NULL,
    vdiff_uuid VARCHAR(64) NOT NULL,
    shard VARCHAR(255) NOT NULL,
    state VARBINARY(64) NOT NULL,
    options LONGTEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Milliseconds, for the comparison rate; shown to the second as Vitess does.
    started_at TIMESTAMP(3) NULL DEFAULT NULL,
    completed_at TIMESTAMP(3) NULL DEFAULT NULL,
    last_error VARBINARY(1024) NOT NULL DEFAULT '',
    PRIMARY KEY (workflow_id, vdiff_uuid)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS ${STATE_DB}.vdiff_table (
    workflow_id VARBINARY(512) NOT NULL,
    vdiff_uuid VARCHAR(64) NOT NULL,
    table_name VARBINARY(192) NOT NULL,
    state VARBINARY(64) NOT NULL,
    lastpk MEDIUMBLOB NULL,
    table_rows BIGINT NOT NULL DEFAULT 0,
    report LONGBLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (workflow_id, vdiff_uuid, table_name)
  ) ENGINE=InnoDB`,
];

export async function ensureVDiffSchema(conn: Connection): Promise<void> {
  for (const sql of DDL) await conn.query(sql);
}

export interface VDiffTableRow {
  table: string;
  state: VDiffState;
  /** encodeRowForJson of the last compared key, or null before the first. */
  lastpk: string | null;
  tableRows: number;
  report: DiffReport;
  updatedAt: string;
}

export interface VDiffRow {
  uuid: string;
  shard: string;
  state: VDiffState;
  options: VDiffOptions;
  createdAt: string;
  startedAt: string;
  completedAt: string;
  lastError: string;
  tables: VDiffTableRow[];
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export async function readVDiff(conn: Connection, workflowId: string, uuid: string): Promise<VDiffRow | undefined> {
  const [rows] = await conn.query(
    `SELECT vdiff_uuid, shard, state, options, created_at, started_at, completed_at, last_error FROM ${STATE_DB}.vdiff WHERE workflow_id = ? AND vdiff_uuid = ?`,
    [workflowId, uuid],
  );
  const r = (rows as Record<string, unknown>[])[0];
  if (!r) return undefined;
  const [trows] = await conn.query(
    `SELECT table_name, state, lastpk, table_rows, report, updated_at FROM ${STATE_DB}.vdiff_table WHERE workflow_id = ? AND vdiff_uuid = ? ORDER BY table_name`,
    [workflowId, uuid],
  );
  return {
    uuid: text(r.vdiff_uuid),
    shard: text(r.shard),
    state: text(r.state) as VDiffState,
    options: JSON.parse(text(r.options)) as VDiffOptions,
    createdAt: text(r.created_at),
    startedAt: text(r.started_at),
    completedAt: text(r.completed_at),
    lastError: text(r.last_error),
    tables: (trows as Record<string, unknown>[]).map((t) => ({
      table: text(t.table_name),
      state: text(t.state) as VDiffState,
      lastpk: t.lastpk === null ? null : text(t.lastpk),
      tableRows: Number(t.table_rows),
      report: { ...emptyReport(text(t.table_name)), ...(JSON.parse(text(t.report)) as Partial<DiffReport>) },
      updatedAt: text(t.updated_at),
    })),
  };
}

/** The VDiff uuids stored for a workflow on this primary, newest first. */
export async function listVDiffUuids(conn: Connection, workflowId: string): Promise<string[]> {
  const [rows] = await conn.query(`SELECT vdiff_uuid FROM ${STATE_DB}.vdiff WHERE workflow_id = ? ORDER BY created_at DESC, vdiff_uuid`, [workflowId]);
  return (rows as { vdiff_uuid: string }[]).map((r) => text(r.vdiff_uuid));
}

export async function insertVDiff(conn: Connection, workflowId: string, row: { uuid: string; shard: string; state: VDiffState; options: VDiffOptions; tables: { table: string; tableRows: number }[] }): Promise<void> {
  await conn.query('BEGIN');
  try {
    await conn.query(`INSERT INTO ${STATE_DB}.vdiff (workflow_id, vdiff_uuid, shard, state, options) VALUES (?, ?, ?, ?, ?)`,
      [workflowId, row.uuid, row.shard, row.state, JSON.stringify(row.options)]);
    for (const t of row.tables) {
      await conn.query(`INSERT INTO ${STATE_DB}.vdiff_table (workflow_id, vdiff_uuid, table_name, state, table_rows, report) VALUES (?, ?, ?, 'pending', ?, ?)`,
        [workflowId, row.uuid, t.table, t.tableRows, JSON.stringify(emptyReport(t.table))]);
    }
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Sets the shard's state. `started` stamps started_at once and clears the last error (a retry
 * starts afresh); `completed` stamps completed_at; `error` records the message (Vitess keeps 1024
 * bytes). Tables follow a stop (every unfinished table is `stopped`, as Vitess marks them).
 */
export async function setVDiffState(conn: Connection, workflowId: string, uuid: string, state: VDiffState, error = ''): Promise<void> {
  const extra = state === 'started' ? ", started_at = COALESCE(started_at, UTC_TIMESTAMP(3)), completed_at = NULL, last_error = ''"
    : state === 'completed' ? ', completed_at = UTC_TIMESTAMP(3)'
      : state === 'error' ? ', last_error = LEFT(?, 1024)' : '';
  const params: unknown[] = [state];
  if (state === 'error') params.push(error);
  params.push(workflowId, uuid);
  await conn.query(`UPDATE ${STATE_DB}.vdiff SET state = ?${extra} WHERE workflow_id = ? AND vdiff_uuid = ?`, params);
  if (state === 'stopped') {
    await conn.query(`UPDATE ${STATE_DB}.vdiff_table SET state = 'stopped' WHERE workflow_id = ? AND vdiff_uuid = ? AND state <> 'completed'`, [workflowId, uuid]);
  }
}

/** Resume: every table goes back to pending with its lastpk and counts kept (Vitess's sqlResumeVDiff). */
export async function resetVDiffForResume(conn: Connection, workflowId: string, uuid: string): Promise<void> {
  await conn.query(`UPDATE ${STATE_DB}.vdiff SET state = 'pending', started_at = NULL, completed_at = NULL, last_error = '' WHERE workflow_id = ? AND vdiff_uuid = ?`, [workflowId, uuid]);
  await conn.query(`UPDATE ${STATE_DB}.vdiff_table SET state = 'pending' WHERE workflow_id = ? AND vdiff_uuid = ?`, [workflowId, uuid]);
}

/** A table's progress: its lastpk, report and state commit together. */
export async function writeTableProgress(conn: Connection, workflowId: string, uuid: string, table: string, p: { state: VDiffState; lastpk: string | null; report: DiffReport }): Promise<void> {
  await conn.query(`UPDATE ${STATE_DB}.vdiff_table SET state = ?, lastpk = ?, report = ? WHERE workflow_id = ? AND vdiff_uuid = ? AND table_name = ?`,
    [p.state, p.lastpk, JSON.stringify(p.report), workflowId, uuid, table]);
}

export async function setTableRows(conn: Connection, workflowId: string, uuid: string, table: string, tableRows: number): Promise<void> {
  await conn.query(`UPDATE ${STATE_DB}.vdiff_table SET table_rows = ? WHERE workflow_id = ? AND vdiff_uuid = ? AND table_name = ?`, [tableRows, workflowId, uuid, table]);
}

/** Deletes one VDiff (uuid) or all of the workflow's; returns how many VDiff rows went. */
export async function deleteVDiffs(conn: Connection, workflowId: string, uuid?: string): Promise<number> {
  const where = uuid ? 'workflow_id = ? AND vdiff_uuid = ?' : 'workflow_id = ?';
  const params = uuid ? [workflowId, uuid] : [workflowId];
  await conn.query(`DELETE FROM ${STATE_DB}.vdiff_table WHERE ${where}`, params);
  const [res] = await conn.query(`DELETE FROM ${STATE_DB}.vdiff WHERE ${where}`, params);
  return Number((res as { affectedRows?: number }).affectedRows ?? 0);
}

/**
 * One VDiff at a time per workflow and target shard: a named lock on the target primary, held
 * while a diff runs there. Holding it also proves that stream stop requests left behind
 * (stop_pos) belong to no running diff, so they can be cleared.
 */
export function vdiffLockName(workflowId: string, shard: string): string {
  const name = `vtmigrate-vdiff:${workflowId}:${shard}`;
  return name.length <= 64 ? name : `vtmigrate-vdiff:${fnv(name)}`;
}

function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16) + s.length.toString(16);
}

export { releaseLock, tryLock } from './state';

export async function lockIsFree(conn: Connection, name: string): Promise<boolean> {
  const [rows] = await conn.query('SELECT IS_FREE_LOCK(?) AS free', [name]);
  return Number((rows as { free: number | null }[])[0]?.free) === 1;
}
