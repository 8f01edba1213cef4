// Foreign key actions the source's binlog does not carry. InnoDB runs ON DELETE / ON UPDATE
// CASCADE, SET NULL and SET DEFAULT itself and logs only the parent's row, so a replica gets the
// children's changes by running the same action (MySQL replication, and Vitess's vplayer once a
// stream is Running, apply with foreign_key_checks as the source had it). Our writes run with
// foreign_key_checks = 0 (rows arrive in any table order), so the catch-up turns the checks on
// for the parent rows' own deletes and key changes.
import type { RowDataPacket } from 'mysql2/promise';
import type { Connection } from '../mysql/connect';

/** What deleting or changing a row of a parent table does to other rows. */
export interface ParentActions {
  /** Some foreign key deletes or changes its children when a row is deleted. */
  onDelete: boolean;
  /** Referenced columns whose change some foreign key carries to its children. */
  onUpdateColumns: string[];
}

const ACTIONS = "('CASCADE', 'SET NULL', 'SET DEFAULT')";

/** The tables of `db` that are parents of a foreign key with an action, by name. */
export async function parentActions(conn: Connection, db: string): Promise<Map<string, ParentActions>> {
  // The parent's name from KEY_COLUMN_USAGE: REFERENTIAL_CONSTRAINTS.REFERENCED_TABLE_NAME reads
  // NULL on MariaDB 10.11 for a user whose rights are on the database only (the worker's).
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT k.REFERENCED_TABLE_NAME AS parent, k.REFERENCED_COLUMN_NAME AS col,
            r.DELETE_RULE IN ${ACTIONS} AS on_delete, r.UPDATE_RULE IN ${ACTIONS} AS on_update
       FROM information_schema.REFERENTIAL_CONSTRAINTS r
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
      WHERE r.CONSTRAINT_SCHEMA = ? AND k.REFERENCED_TABLE_SCHEMA = ? AND (r.DELETE_RULE IN ${ACTIONS} OR r.UPDATE_RULE IN ${ACTIONS})`,
    [db, db]);
  const out = new Map<string, ParentActions>();
  for (const r of rows) {
    const parent = String(r.parent);
    const a = out.get(parent) ?? { onDelete: false, onUpdateColumns: [] };
    out.set(parent, a);
    if (Number(r.on_delete) === 1) a.onDelete = true;
    if (Number(r.on_update) === 1 && !a.onUpdateColumns.includes(String(r.col))) a.onUpdateColumns.push(String(r.col));
  }
  return out;
}

/** The tables of `db` with a foreign key whose action changes their rows when its parent's change (child tables). */
export async function actionChildren(conn: Connection, db: string): Promise<Set<string>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT DISTINCT TABLE_NAME AS child FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ? AND (DELETE_RULE IN ${ACTIONS} OR UPDATE_RULE IN ${ACTIONS})`,
    [db]);
  return new Set(rows.map((r) => String(r.child)));
}

/** MySQL's foreign key errors: a row still referenced, or a parent missing. */
export function isForeignKeyError(err: unknown): boolean {
  const errno = (err as { errno?: number }).errno;
  return errno === 1451 || errno === 1452 || errno === 1216 || errno === 1217;
}
