// SQL text for writing rows: identifiers quoted, values as exact literals for their column's
// type (values.ts), statements split to stay under a byte budget.
import { quoteId } from '../mysql/connect';
import { convertTzSql, isCalendarDatetime, TARGET_ZONE } from '../mysql/time-zone';
import { escapeForKind } from '../mysql/values';
import type { RowValue, TableTarget } from './table-target';

/** A value as written to column i: under --source-time-zone a DATETIME is converted to UTC. */
export function literal(t: TableTarget, i: number, v: RowValue): string {
  const text = escapeForKind(v, t.kinds[i], t.columnSchemas[i]);
  return t.zoned?.[i] && typeof v === 'string' && isCalendarDatetime(v) ? convertTzSql(text, t.sourceTimeZone ?? '', TARGET_ZONE) : text;
}

export function qualified(t: Pick<TableTarget, 'db' | 'name'>): string {
  return `${quoteId(t.db)}.${quoteId(t.name)}`;
}

export function rowTuple(t: TableTarget, row: RowValue[]): string {
  let s = '(';
  if (t.zoned) {
    for (let i = 0; i < row.length; i++) s += (i > 0 ? ',' : '') + literal(t, i, row[i]);
    return s + ')';
  }
  for (let i = 0; i < row.length; i++) s += (i > 0 ? ',' : '') + escapeForKind(row[i], t.kinds[i], t.columnSchemas[i]);
  return s + ')';
}

/**
 * Multi-row INSERT statements of at most maxBytes each. `mode`: plain insert (copy), or an
 * idempotent upsert by primary key (replay): ON DUPLICATE KEY UPDATE, or REPLACE when the
 * table has unique secondary keys.
 */
export function insertStatements(t: TableTarget, rows: RowValue[][], mode: 'insert' | 'upsert', maxBytes: number): string[] {
  if (rows.length === 0) return [];
  const cols = t.columns.map(quoteId).join(',');
  const verb = mode === 'upsert' && t.upsertVerb === 'REPLACE' ? 'REPLACE' : 'INSERT';
  const head = `${verb} INTO ${qualified(t)} (${cols}) VALUES `;
  let tail = '';
  if (mode === 'upsert' && verb === 'INSERT') {
    const pk = new Set(t.pkIndexes);
    const updates = t.columns.filter((_, i) => !pk.has(i)).map((c) => `${quoteId(c)}=VALUES(${quoteId(c)})`);
    // A table that is all primary key still needs a no-op update clause.
    tail = ` ON DUPLICATE KEY UPDATE ${updates.length > 0 ? updates.join(',') : `${quoteId(t.columns[t.pkIndexes[0]])}=${quoteId(t.columns[t.pkIndexes[0]])}`}`;
  }
  const out: string[] = [];
  let sql = head;
  let n = 0;
  for (const row of rows) {
    const tuple = rowTuple(t, row);
    if (n > 0 && sql.length + tuple.length + tail.length > maxBytes) {
      out.push(sql + tail);
      sql = head;
      n = 0;
    }
    sql += (n > 0 ? ',' : '') + tuple;
    n++;
  }
  out.push(sql + tail);
  return out;
}

/** `(pk1, pk2) = (v1, v2)` style condition for one row, evaluated with the server's collations. */
export function pkEquals(t: TableTarget, row: RowValue[]): string {
  return t.pkIndexes.map((i) => `${quoteId(t.columns[i])}=${literal(t, i, row[i])}`).join(' AND ');
}

/** DELETE statements for many rows by primary key, at most maxBytes each. */
export function deleteStatements(t: TableTarget, rows: RowValue[][], maxBytes: number): string[] {
  if (rows.length === 0) return [];
  const out: string[] = [];
  if (t.pkIndexes.length === 1) {
    const pk = t.pkIndexes[0];
    const head = `DELETE FROM ${qualified(t)} WHERE ${quoteId(t.columns[pk])} IN (`;
    let sql = head;
    let n = 0;
    for (const row of rows) {
      const v = literal(t, pk, row[pk]);
      if (n > 0 && sql.length + v.length > maxBytes) {
        out.push(sql + ')');
        sql = head;
        n = 0;
      }
      sql += (n > 0 ? ',' : '') + v;
      n++;
    }
    out.push(sql + ')');
    return out;
  }
  const head = `DELETE FROM ${qualified(t)} WHERE `;
  let sql = head;
  let n = 0;
  for (const row of rows) {
    const cond = `(${pkEquals(t, row)})`;
    if (n > 0 && sql.length + cond.length > maxBytes) {
      out.push(sql);
      sql = head;
      n = 0;
    }
    sql += (n > 0 ? ' OR ' : '') + cond;
    n++;
  }
  out.push(sql);
  return out;
}
