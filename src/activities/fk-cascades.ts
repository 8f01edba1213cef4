// Foreign key actions the source's binlog does not carry. InnoDB runs ON DELETE CASCADE / SET
// NULL / SET DEFAULT itself and logs only the parent's row, so a replica gets the children's
// changes by running the same cascade (MySQL replication, and Vitess's vplayer once a stream is
// Running, apply with foreign_key_checks as the source had it). Our writes run with
// foreign_key_checks = 0 (rows arrive in any table order), so the catch-up turns the checks on
// for the deletes of exactly these parent tables.
import type { RowDataPacket } from 'mysql2/promise';
import type { Connection } from '../mysql/connect';

/** The tables of `db` whose deleted rows change other rows through a foreign key action. */
export async function tablesWithCascadingDeletes(conn: Connection, db: string): Promise<Set<string>> {
  // The parent's name from KEY_COLUMN_USAGE: REFERENTIAL_CONSTRAINTS.REFERENCED_TABLE_NAME reads
  // NULL on MariaDB 10.11 for a user whose rights are on the database only (the worker's).
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT DISTINCT k.REFERENCED_TABLE_NAME AS parent
       FROM information_schema.REFERENTIAL_CONSTRAINTS r
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
      WHERE r.CONSTRAINT_SCHEMA = ? AND k.REFERENCED_TABLE_SCHEMA = ? AND r.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')`,
    [db, db]);
  return new Set(rows.map((r) => String(r.parent)));
}

/** MySQL's foreign key errors: a row still referenced, or a parent missing. */
export function isForeignKeyError(err: unknown): boolean {
  const errno = (err as { errno?: number }).errno;
  return errno === 1451 || errno === 1452 || errno === 1216 || errno === 1217;
}
