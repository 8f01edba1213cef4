// Runs a statement that writes migrated rows and refuses to let the server change them quietly.
// Writer sessions are not strict (WRITER_SQL_MODE keeps values the source accepted under a lax
// mode), so a value that does not fit its target column (a source column widened under
// --on-ddl IGNORE, say) would be truncated with only a warning. Any warning is an error here.
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

export async function writeRows(conn: Connection, sql: string, t: TableTarget): Promise<void> {
  const [result] = await conn.query<ResultSetHeader>(sql);
  if (!result.warningStatus) return;
  const table = t.name;
  const [warnings] = await conn.query('SHOW WARNINGS');
  const real = (warnings as { Level: string; Code: number; Message: string }[])
    .filter((w) => w.Level !== 'Note' && !HARMLESS.has(Number(w.Code)) && !isEnumErrorMember(t, w));
  if (real.length === 0) return;
  throw schemaError(`writing rows of table ${table} on the target would change them: ${real.slice(0, 3).map((w) => `${w.Message} (${w.Code})`).join('; ')}` +
    `${real.length > 3 ? ` and ${real.length - 3} more` : ''}; the target table's definition no longer fits the source (a source DDL under --on-ddl IGNORE?): alter the target, then start the workflow again`);
}
