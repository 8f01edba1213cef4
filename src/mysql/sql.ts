// SQL the copy and the applier run, built from column schemas: identifiers always quoted,
// values either bound (reads, so one prepared statement serves every chunk) or written as exact
// literals by values.ts (writes, so a batch is one statement and one round trip).
import { quoteId } from './connect';
import type { ColumnSchema } from './schema';
import { escapeForKind, selectExpression, valueKind, ValueKind, type RowValue } from './values';

/** A bound parameter as mysql2's execute() sends it (numbers as DOUBLE, Buffers as BLOB). */
export type SqlParam = string | number | Buffer | null;

export interface BoundSql {
  sql: string;
  params: SqlParam[];
}

/**
 * sql_mode for sessions that write copied rows. Not strict, so values the source accepted under
 * its own (possibly lax) mode are stored as they are ('' ENUM members, zero dates); since every
 * value is an exact copy into an identical column nothing is truncated. ALLOW_INVALID_DATES
 * keeps a stored '2020-02-30' (which strict-less mode would zero), NO_AUTO_VALUE_ON_ZERO keeps
 * an id of 0 (which would otherwise take the next AUTO_INCREMENT value), and
 * NO_BACKSLASH_ESCAPES must stay off because literals escape with backslashes.
 */
export const WRITER_SQL_MODE = 'ALLOW_INVALID_DATES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

function tableRef(db: string, table: string): string {
  return `${quoteId(db)}.${quoteId(table)}`;
}

const CHARSET_NAME = /^[a-z0-9_]+$/;

/**
 * The placeholder comparing a column with a bound lastpk value on the column's own terms (and
 * still a constant, so the PK index range is used):
 * - integers and decimals are cast from a string param: mysql2 binds strings as VAR_STRING and
 *   numbers as DOUBLE, and either compared with a BIGINT/DECIMAL column is compared as a double,
 *   which is inexact past 2^53 and would skip or repeat rows;
 * - non-utf8 text is bound as its bytes and converted (a byte copy) to the column's charset
 *   with its collation, so the comparison follows the same order as ORDER BY;
 * - ENUM/SET sort by member index, so they are compared with the index;
 * - BIT is compared as the unsigned number it sorts as.
 */
function pkPlaceholder(c: ColumnSchema, kind: ValueKind): string {
  switch (kind) {
    case ValueKind.Integer: return c.unsigned ? 'CAST(? AS UNSIGNED)' : 'CAST(? AS SIGNED)';
    case ValueKind.Decimal: return `CAST(? AS DECIMAL(${c.numericPrecision ?? 65},${c.numericScale ?? 30}))`;
    case ValueKind.Bit: return 'CAST(? AS UNSIGNED)';
    case ValueKind.Utf8Text:
    case ValueKind.TextBytes:
      if (c.charset === 'utf8mb4') return '?';
      if (!c.charset || !c.collation || !CHARSET_NAME.test(c.charset) || !CHARSET_NAME.test(c.collation)) {
        throw new Error(`column ${c.name} has an unexpected charset/collation ${c.charset}/${c.collation}`);
      }
      return `CONVERT(? USING ${c.charset}) COLLATE ${c.collation}`;
    case ValueKind.Unsupported: throw new Error(`column ${c.name} has type ${c.columnType}, which cannot be a copied primary key`);
    default: return '?';
  }
}

function enumIndex(v: RowValue, c: ColumnSchema): number {
  const members = c.enumValues ?? [];
  if (typeof v !== 'string') throw new Error(`ENUM/SET value for ${c.name} must be a string`);
  if (c.dataType === 'enum') {
    if (v === '') return 0;
    // ENUM labels compare case-insensitively under the usual collations; exact match first.
    let i = members.indexOf(v);
    if (i < 0) i = members.findIndex((m) => m.toLowerCase() === v.toLowerCase());
    if (i < 0) throw new Error(`'${v}' is not a member of ${c.name} ${c.columnType}`);
    return i + 1;
  }
  let mask = 0;
  for (const part of v === '' ? [] : v.split(',')) {
    const i = members.indexOf(part);
    if (i < 0) throw new Error(`'${part}' is not a member of ${c.name} ${c.columnType}`);
    mask += 2 ** i;
  }
  return mask;
}

function pkParam(v: RowValue, c: ColumnSchema, kind: ValueKind): SqlParam {
  if (v === null) throw new Error(`primary key column ${c.name} has a NULL lastpk value`);
  switch (kind) {
    case ValueKind.Integer:
    case ValueKind.Decimal:
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return String(v);
      break;
    case ValueKind.Bit:
      if (Buffer.isBuffer(v)) return v.length === 0 ? '0' : BigInt('0x' + v.toString('hex')).toString();
      break;
    case ValueKind.Enum:
      return enumIndex(v, c);
    default:
      if (typeof v === 'bigint') return v.toString();
      return v;
  }
  throw new Error(`lastpk value for ${c.name} (${c.columnType}) has the wrong type`);
}

/**
 * Rows strictly after `lastpk` in primary key order: the lexicographic expansion
 * `(a > ?) OR (a = ? AND b > ?) OR ...`, led by `a >= ?` for composite keys.
 *
 * Measured on MariaDB 10.11 (300k rows, PK (BIGINT, VARCHAR utf8mb3, VARCHAR latin1), chunks of
 * 1000 through the whole table): the row-constructor form `(a,b,c) > (?,?,?)` is not range
 * optimised and walks the index from its start each chunk (type=index, 7.7-8.5 s for the table);
 * the expansion is a range scan (type=range, 0.34-0.66 s); with the leading `a >= ?` bound it
 * was 0.29-0.37 s. Column references are qualified with `qualifier` so that select-list aliases
 * (CAST(c AS BINARY) AS c) never shadow them.
 */
export function pkAfterClause(pkCols: readonly ColumnSchema[], lastpk: readonly RowValue[], qualifier?: string): BoundSql {
  if (pkCols.length === 0) throw new Error('a table without a primary key cannot be copied in key order');
  if (lastpk.length !== pkCols.length) throw new Error(`lastpk has ${lastpk.length} values for a ${pkCols.length}-column primary key`);
  const q = qualifier ? quoteId(qualifier) + '.' : '';
  const kinds = pkCols.map(valueKind);
  const ref = pkCols.map((c) => q + quoteId(c.name));
  const ph = pkCols.map((c, i) => pkPlaceholder(c, kinds[i]));
  const val = pkCols.map((c, i) => pkParam(lastpk[i], c, kinds[i]));
  if (pkCols.length === 1) return { sql: `${ref[0]} > ${ph[0]}`, params: [val[0]] };
  const params: SqlParam[] = [val[0]];
  const terms: string[] = [];
  for (let i = 0; i < pkCols.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${ref[j]} = ${ph[j]}`);
      params.push(val[j]);
    }
    parts.push(`${ref[i]} > ${ph[i]}`);
    params.push(val[i]);
    terms.push(`(${parts.join(' AND ')})`);
  }
  return { sql: `${ref[0]} >= ${ph[0]} AND (${terms.join(' OR ')})`, params };
}

/**
 * One chunk of the copy: `cols` in their canonical form (see values.ts), in PK order after
 * `lastpk` (null: from the start), at most `limit` rows. Run it with conn.execute (binary
 * protocol; the same text every chunk, so one prepared statement). FORCE INDEX (PRIMARY) as
 * Vitess's rowstreamer does, so the optimizer never picks another index plus a filesort; a table
 * keyed by a unique key instead (`keyIndex`, pk-equivalent.ts) gets no hint, as its name may
 * differ between source and target, and InnoDB clusters such a table by that key anyway.
 */
export function selectChunkSql(db: string, table: string, cols: readonly ColumnSchema[], pkCols: readonly ColumnSchema[],
  lastpk: readonly RowValue[] | null, limit: number, select: (c: ColumnSchema, qualifier: string) => string = selectExpression,
  keyIndex = 'PRIMARY'): BoundSql {
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`chunk limit must be a positive integer, got ${limit}`);
  if (pkCols.length === 0) throw new Error(`table ${db}.${table} has no primary key`);
  const selectList = cols.map((c) => select(c, table)).join(', ');
  const where = lastpk ? pkAfterClause(pkCols, lastpk, table) : undefined;
  const order = pkCols.map((c) => `${quoteId(table)}.${quoteId(c.name)}`).join(', ');
  const sql = `SELECT ${selectList} FROM ${tableRef(db, table)}${keyIndexHint(keyIndex)}${where ? ` WHERE ${where.sql}` : ''} ORDER BY ${order} LIMIT ${limit}`;
  return { sql, params: where ? where.params : [] };
}

/** ` FORCE INDEX (PRIMARY)` for a table with a primary key; nothing for one keyed by a unique key. */
export function keyIndexHint(keyIndex: string): string {
  return keyIndex === 'PRIMARY' ? ' FORCE INDEX (PRIMARY)' : '';
}

export interface InsertOptions {
  /** ON DUPLICATE KEY UPDATE every non-PK column, so replaying a row is idempotent. */
  upsert: boolean;
  /** Required with upsert: the PK columns are not in the update list. */
  primaryKey?: readonly string[];
}

/**
 * One INSERT for a batch of rows (`rows[i][j]` is the value of `cols[j]`). Generated columns are
 * skipped (the server computes them; writing them is an error). The hot copy path: one string
 * built in a single pass, column kinds computed once.
 */
export function multiRowInsertSql(db: string, table: string, cols: readonly ColumnSchema[], rows: readonly (readonly RowValue[])[],
  opts: InsertOptions): string {
  if (rows.length === 0) throw new Error('multiRowInsertSql needs at least one row');
  const idx: number[] = [];
  for (let j = 0; j < cols.length; j++) if (!cols[j].generated) idx.push(j);
  if (idx.length === 0) throw new Error(`table ${db}.${table} has no writable columns`);
  const kinds = idx.map((j) => valueKind(cols[j]));
  const wcols = idx.map((j) => cols[j]);
  let sql = `INSERT INTO ${tableRef(db, table)} (${wcols.map((c) => quoteId(c.name)).join(',')}) VALUES `;
  const n = idx.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== cols.length) throw new Error(`row ${r} has ${row.length} values for ${cols.length} columns`);
    sql += r === 0 ? '(' : ',(';
    for (let k = 0; k < n; k++) {
      if (k > 0) sql += ',';
      sql += escapeForKind(row[idx[k]], kinds[k], wcols[k]);
    }
    sql += ')';
  }
  if (opts.upsert) sql += onDuplicateKeyUpdate(wcols, opts.primaryKey, db, table);
  return sql;
}

function onDuplicateKeyUpdate(wcols: readonly ColumnSchema[], primaryKey: readonly string[] | undefined, db: string, table: string): string {
  if (!primaryKey || primaryKey.length === 0) throw new Error(`upsert into ${db}.${table} needs its primary key`);
  const pk = new Set(primaryKey);
  const rest = wcols.filter((c) => !pk.has(c.name));
  // A table of only PK columns still needs an update clause to make a replayed insert a no-op.
  const set = (rest.length > 0 ? rest : wcols.slice(0, 1)).map((c) => `${quoteId(c.name)}=VALUES(${quoteId(c.name)})`);
  return ` ON DUPLICATE KEY UPDATE ${set.join(',')}`;
}

function valuesInColumnOrder(cols: readonly ColumnSchema[], row: readonly RowValue[] | Readonly<Record<string, RowValue>>): readonly RowValue[] {
  if (Array.isArray(row)) return row as readonly RowValue[];
  const rec = row as Readonly<Record<string, RowValue>>;
  return cols.map((c) => {
    const v = rec[c.name];
    if (v === undefined && !c.generated) throw new Error(`row has no value for column ${c.name}`);
    return v === undefined ? null : v;
  });
}

/** One row, inserted or (if its primary key exists) overwritten: how catch-up applies an insert or an update's after image. */
export function upsertRowSql(db: string, table: string, cols: readonly ColumnSchema[],
  row: readonly RowValue[] | Readonly<Record<string, RowValue>>, primaryKey: readonly string[]): string {
  return multiRowInsertSql(db, table, cols, [valuesInColumnOrder(cols, row)], { upsert: true, primaryKey });
}

/**
 * DELETE of one row by primary key (`pkValues` in PK order, or a row keyed by column name).
 * Values are exact literals; non-utf8 text keys carry the column's collation, so the match is
 * the one the primary key index enforces.
 */
export function deleteByPkSql(db: string, table: string, pkCols: readonly ColumnSchema[],
  pkValues: readonly RowValue[] | Readonly<Record<string, RowValue>>): string {
  if (pkCols.length === 0) throw new Error(`table ${db}.${table} has no primary key`);
  const vals = valuesInColumnOrder(pkCols, pkValues);
  if (vals.length !== pkCols.length) throw new Error(`${vals.length} key values for a ${pkCols.length}-column primary key`);
  const cond = pkCols.map((c, i) => {
    const v = vals[i];
    if (v === null) throw new Error(`primary key column ${c.name} is NULL`);
    return `${quoteId(c.name)}=${escapeForKind(v, valueKind(c), c)}`;
  });
  return `DELETE FROM ${tableRef(db, table)} WHERE ${cond.join(' AND ')}`;
}
