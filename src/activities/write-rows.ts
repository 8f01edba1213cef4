// Runs a statement that writes migrated rows and refuses to let the server change them quietly.
// Writer sessions are not strict (WRITER_SQL_MODE keeps values the source accepted under a lax
// mode), so a value that does not fit its target column (a source column widened under
// --on-ddl IGNORE, say) would be truncated with only a warning. Any warning is an error here.
import { Readable } from 'node:stream';
import type { ResultSetHeader } from 'mysql2/promise';
import type { Connection } from '../mysql/connect';
import { ValueKind } from '../mysql/values';
import { schemaError } from './errors';
import type { TableTarget } from './table-target';

/** Warnings that say nothing about the written values (MySQL 8 deprecates VALUES() in upserts). */
const HARMLESS = new Set([1287]);

/**
 * An ENUM's empty "error" member, which a lax source can hold, is written as '' and reported as
 * truncated (1265) although it is stored exactly as it was.
 */
function isEnumErrorMember(t: TableTarget, w: { Code: number; Message: string }): boolean {
  if (Number(w.Code) !== 1265) return false;
  const column = /column '((?:[^']|'')+)'/.exec(w.Message)?.[1];
  const i = t.columns.findIndex((c) => c === column);
  return i >= 0 && t.kinds[i] === ValueKind.Enum;
}

interface Warning { Level: string; Code: number; Message: string }

/** Returns the server's affected-rows count (REPLACE: rows deleted plus rows inserted). */
export async function writeRows(conn: Connection, sql: string, t: TableTarget): Promise<number> {
  const [result] = await conn.query<ResultSetHeader>(sql);
  if (result.warningStatus) refuseWarnings(t, await showWarnings(conn));
  return result.affectedRows ?? 0;
}

/** Duplicate-key errors, which LOAD DATA LOCAL turns into warnings and skipped rows. */
const DUPLICATE_KEY = 1062;

/** MySQL/MariaDB refusing LOAD DATA LOCAL (local_infile off, or the command disabled). */
export const LOAD_DATA_REFUSED = new Set([1148, 3948, 2068]);

/**
 * Loads rows with a LOAD DATA LOCAL statement (load-data.ts) and the same refusal of changed
 * values as writeRows. With LOCAL the server cannot stop the client's stream, so a duplicate key
 * skips the row with a warning instead of failing: that comes back as 'duplicate' (the caller
 * rolls back and writes the rows another way), and so does any shortfall in the rows written.
 */
export async function loadRows(conn: Connection, sql: string, data: Buffer, rows: number, t: TableTarget): Promise<'ok' | 'duplicate'> {
  const [result] = await conn.query<ResultSetHeader>({ sql, infileStreamFactory: () => Readable.from([data]) });
  const warnings = result.warningStatus ? await showWarnings(conn) : [];
  if (warnings.some((w) => Number(w.Code) === DUPLICATE_KEY)) return 'duplicate';
  refuseWarnings(t, warnings);
  if (result.affectedRows !== rows) {
    throw new Error(`LOAD DATA into table ${t.name} wrote ${result.affectedRows} of ${rows} rows (${result.info ?? ''}); nothing of the batch is kept`);
  }
  return 'ok';
}

async function showWarnings(conn: Connection): Promise<Warning[]> {
  const [warnings] = await conn.query('SHOW WARNINGS');
  return warnings as Warning[];
}

function refuseWarnings(t: TableTarget, warnings: Warning[]): void {
  const table = t.name;
  const real = warnings.filter((w) => w.Level !== 'Note' && !HARMLESS.has(Number(w.Code)) && !isEnumErrorMember(t, w));
  if (real.length === 0) return;
  throw schemaError(`writing rows of table ${table} on the target would change them: ${real.slice(0, 3).map((w) => `${w.Message} (${w.Code})`).join('; ')}` +
    `${real.length > 3 ? ` and ${real.length - 3} more` : ''}; the target table's definition no longer fits the source (a source DDL under --on-ddl IGNORE?): alter the target, then start the workflow again`);
}
