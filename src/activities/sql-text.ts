// SQL text for writing rows: identifiers quoted, values as exact literals for their column's
// type (values.ts), statements split to stay under a byte budget.
import { quoteId } from '../mysql/connect';
import { convertTzSql, isCalendarDatetime, TARGET_ZONE } from '../mysql/time-zone';
import { escapeForKind, hexLiteral, quoteString, ValueKind } from '../mysql/values';
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

/** A value whose literal is longer than this is sent in pieces (pieceStatements). */
const PIECE_CHARS = 4 << 20;

/**
 * A value in literals of at most ~PIECE_CHARS each, or undefined when its kind is not split
 * (only BLOB-like bytes and utf8 text grow that large). Text is cut between UTF-16 code units
 * that do not split a surrogate pair, so every piece is valid text on its own.
 */
function valuePieces(t: TableTarget, i: number, v: RowValue): string[] | undefined {
  if (t.zoned?.[i]) return undefined;
  if (Buffer.isBuffer(v) && t.kinds[i] === ValueKind.Bytes) {
    const out: string[] = [];
    for (let at = 0; at < v.length; at += PIECE_CHARS / 2) out.push(hexLiteral(v.subarray(at, at + PIECE_CHARS / 2)));
    return out;
  }
  if (typeof v === 'string' && t.kinds[i] === ValueKind.Utf8Text) {
    const out: string[] = [];
    // Escaping at most doubles a piece.
    for (let at = 0; at < v.length;) {
      let end = Math.min(v.length, at + PIECE_CHARS / 2);
      const last = v.charCodeAt(end - 1);
      if (end < v.length && last >= 0xd800 && last <= 0xdbff) end--;
      out.push(quoteString(v.slice(at, end)));
      at = end;
    }
    return out;
  }
  return undefined;
}

/**
 * One row too large for a statement of its own (a row of tens of megabytes would exceed the
 * target's max_allowed_packet once its BLOBs are written as hex): each large value is built in a
 * session variable piece by piece, the row is written with the variables in their place, and
 * the variables are released. The statements run in order in the caller's transaction.
 */
function pieceStatements(t: TableTarget, row: RowValue[], head: string, tail: string): string[] {
  const sets: string[] = [];
  const items: string[] = [];
  const vars: string[] = [];
  for (let i = 0; i < row.length; i++) {
    const lit = literal(t, i, row[i]);
    const pieces = lit.length > PIECE_CHARS ? valuePieces(t, i, row[i]) : undefined;
    if (!pieces) {
      items.push(lit);
      continue;
    }
    const v = `@vtm_piece${vars.length}`;
    vars.push(v);
    sets.push(`SET ${v} = ${pieces[0]}`);
    for (let k = 1; k < pieces.length; k++) sets.push(`SET ${v} = CONCAT(${v}, ${pieces[k]})`);
    items.push(v);
  }
  if (vars.length === 0) return [head + '(' + items.join(',') + ')' + tail];
  return [...sets, head + '(' + items.join(',') + ')' + tail, `SET ${vars.map((v) => `${v} = NULL`).join(', ')}`];
}

/**
 * Multi-row INSERT statements of at most maxBytes each (a row larger than that alone, its large
 * values in pieces: pieceStatements). `mode`: plain insert (copy), or an
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
    if (head.length + tuple.length + tail.length > maxBytes && tuple.length > PIECE_CHARS) {
      if (n > 0) out.push(sql + tail);
      out.push(...pieceStatements(t, row, head, tail));
      sql = head;
      n = 0;
      continue;
    }
    if (n > 0 && sql.length + tuple.length + tail.length > maxBytes) {
      out.push(sql + tail);
      sql = head;
      n = 0;
    }
    sql += (n > 0 ? ',' : '') + tuple;
    n++;
  }
  if (n > 0) out.push(sql + tail);
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
