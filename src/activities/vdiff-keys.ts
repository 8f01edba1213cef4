// How VDiff orders and matches rows: primary keys in exactly the order the servers' ORDER BY
// produces (so two streams can be merged and walked side by side), and non-key values compared by
// type.
//
// Collated string keys are the hard part: under utf8mb4_general_ci 'Apple', 'apple' and 'ÁPPLE'
// are the same key, and 'cherry\t' sorts before 'cherry' (PAD SPACE compares as if the shorter
// string were padded with spaces). Rather than re-implementing collations, the servers are asked
// for WEIGHT_STRING of each such key column alongside the row: comparing weight strings bytewise
// is, by the definition of strnxfrm, comparing under the collation. For PAD SPACE collations the
// weights are taken AS CHAR(<column length>), which pads them with the space weight, so trailing
// spaces and characters below the space order exactly as the server orders them. Integers,
// decimals, temporal values, ENUM/SET, INET, UUID (uuid-type.ts) and binary keys are compared in JS by their type.
import type { Connection } from '../mysql/connect';
import type { ColumnSchema } from '../mysql/schema';
import { inetWidth, parseInet } from '../mysql/inet';
import { uuidSortKey } from '../mysql/uuid-type';
import { ValueKind, valueKind, type RowValue } from '../mysql/values';
import { canonicalJson } from './vdiff-json';

export interface KeyColumn {
  column: ColumnSchema;
  kind: ValueKind;
  /** Index of the value in a fetched row. */
  index: number;
  /** Index of its weight string in a fetched row, for collated text keys; -1 otherwise. */
  weightIndex: number;
}

export interface KeyOrder {
  columns: KeyColumn[];
  /** Select-list items to append after the row's columns (the weight strings), in order. */
  weightSelects: string[];
  /** <0, 0, >0: a's key before, equal to, after b's (rows as fetched, weights included). */
  compare(a: readonly RowValue[], b: readonly RowValue[]): number;
}

const IDENT = /^[a-z0-9_]+$/;

function quote(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * Whether a collation pads with spaces when comparing ('a' = 'a '), asked of the server itself
 * so MySQL's NO PAD UCA collations and MariaDB's _nopad_ ones are told apart without a table.
 */
export async function collationPadsSpace(conn: Connection, charset: string, collation: string): Promise<boolean> {
  if (!IDENT.test(charset) || !IDENT.test(collation)) throw new Error(`unexpected charset/collation ${charset}/${collation}`);
  const [rows] = await conn.query({ sql: `SELECT CONVERT('a' USING ${charset}) = CONVERT('a ' USING ${charset}) COLLATE ${collation}`, rowsAsArray: true });
  return Number((rows as unknown[][])[0][0]) === 1;
}

function charLength(c: ColumnSchema): number | undefined {
  const m = /^(?:var)?char\((\d+)\)/i.exec(c.columnType);
  return m ? Number(m[1]) : undefined;
}

/** Kinds whose order is their collation's (weight strings decide). */
export function isCollated(kind: ValueKind): boolean {
  return kind === ValueKind.Utf8Text || kind === ValueKind.TextBytes;
}

/**
 * WEIGHT_STRING of `ref`, an expression in column c's charset and collation: equal weights are
 * equal keys under the collation, and their bytes order as the server orders the keys.
 */
export async function weightExpression(conn: Connection, c: ColumnSchema, ref: string): Promise<string> {
  if (!c.charset || !c.collation || !IDENT.test(c.charset) || !IDENT.test(c.collation)) throw new Error(`key column ${c.name} has no usable collation (${c.charset}/${c.collation})`);
  const n = charLength(c);
  const pad = n !== undefined && await collationPadsSpace(conn, c.charset, c.collation);
  return pad ? `WEIGHT_STRING(${ref} AS CHAR(${n}))` : `WEIGHT_STRING(${ref})`;
}

export async function buildKeyOrder(conn: Connection, table: string, pkColumns: ColumnSchema[], pkIndexes: number[], columnCount: number): Promise<KeyOrder> {
  const weightSelects: string[] = [];
  const columns: KeyColumn[] = [];
  for (let i = 0; i < pkColumns.length; i++) {
    const c = pkColumns[i];
    const kind = valueKind(c);
    let weightIndex = -1;
    if (isCollated(kind)) {
      if (!c.charset || !c.collation) throw new Error(`key column ${c.name} of ${table} has no collation`);
      weightIndex = columnCount + weightSelects.length;
      weightSelects.push(await weightExpression(conn, c, `${quote(table)}.${quote(c.name)}`));
    }
    columns.push({ column: c, kind, index: pkIndexes[i], weightIndex });
  }
  const comparers = columns.map(columnComparer);
  return {
    columns,
    weightSelects,
    compare(a, b) {
      for (const cmp of comparers) {
        const c = cmp(a, b);
        if (c !== 0) return c;
      }
      return 0;
    },
  };
}

type RowComparer = (a: readonly RowValue[], b: readonly RowValue[]) => number;

function columnComparer(k: KeyColumn): RowComparer {
  const i = k.index;
  if (k.weightIndex >= 0) {
    const w = k.weightIndex;
    return (a, b) => Buffer.compare(asBuffer(a[w]), asBuffer(b[w]));
  }
  switch (k.kind) {
    case ValueKind.Integer: return (a, b) => compareIntegers(a[i], b[i]);
    case ValueKind.Decimal: return (a, b) => compareDecimals(String(a[i]), String(b[i]));
    case ValueKind.Float:
    case ValueKind.Year: return (a, b) => Math.sign(Number(a[i]) - Number(b[i]));
    case ValueKind.Temporal: return (a, b) => compareTemporal(String(a[i]), String(b[i]));
    case ValueKind.Time: return (a, b) => compareBig(timeMicros(String(a[i])), timeMicros(String(b[i])));
    case ValueKind.Enum: {
      const rank = enumRank(k.column);
      return (a, b) => compareBig(rank(a[i]), rank(b[i]));
    }
    case ValueKind.FixedBinary: {
      // The server orders these by their stored bytes: an INET's address bytes, a UUID's
      // reordered groups (uuid-type.ts).
      const width = inetWidth(k.column.dataType);
      const key = recentKeys(k.column.dataType === 'uuid' ? uuidSortKey : (text) => parseInet(text, width));
      return (a, b) => (a[i] === b[i] ? 0 : Buffer.compare(key(String(a[i])), key(String(b[i]))));
    }
    default: return (a, b) => Buffer.compare(asBuffer(a[i]), asBuffer(b[i]));
  }
}

/**
 * keyOf, remembering the keys of recent values: a merge compares each head row's key with the
 * others' until it is taken, and computing one costs about a microsecond.
 */
function recentKeys(keyOf: (text: string) => Buffer): (text: string) => Buffer {
  const cache = new Map<string, Buffer>();
  return (text) => {
    let key = cache.get(text);
    if (key === undefined) {
      if (cache.size >= 64) cache.clear();
      key = keyOf(text);
      cache.set(text, key);
    }
    return key;
  };
}

function asBuffer(v: RowValue): Buffer {
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(v === null ? '' : String(v), 'utf8');
}

const compareBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareIntegers(a: RowValue, b: RowValue): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string' && CANONICAL_INTEGER.test(a) && CANONICAL_INTEGER.test(b)) return compareIntegerText(a, b);
  return compareBig(BigInt(a as string | number | bigint), BigInt(b as string | number | bigint));
}

/** Decimal integer text without leading zeros or '+' ('0', '-12', '18446744073709551615'). */
const CANONICAL_INTEGER = /^(0|-?[1-9]\d*)$/;

/**
 * Two canonical integer texts by value without BigInt (BIGINT keys arrive as text; converting
 * both per comparison dominated the diff's key walk): sign, then length, then digits.
 */
export function compareIntegerText(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  const magnitude = a.length !== b.length ? (a.length < b.length ? -1 : 1) : a < b ? -1 : 1;
  return an ? -magnitude : magnitude;
}

/** Decimal strings ('-12.50', '3') by value, exactly. */
export function compareDecimals(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  const [ai, af = ''] = (na ? a.slice(1) : a).split('.');
  const [bi, bf = ''] = (nb ? b.slice(1) : b).split('.');
  const scale = Math.max(af.length, bf.length);
  const av = BigInt((ai || '0') + af.padEnd(scale, '0')) * (na ? -1n : 1n);
  const bv = BigInt((bi || '0') + bf.padEnd(scale, '0')) * (nb ? -1n : 1n);
  return compareBig(av, bv);
}

/** DATE/DATETIME/TIMESTAMP text: equal-length prefixes compare as text; a missing fraction is zero. */
function compareTemporal(a: string, b: string): number {
  const x = normalizeTemporal(a);
  const y = normalizeTemporal(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Drops a fraction of zeros and trailing zeros of a fraction ('…:05.500000' → '…:05.5'). */
export function normalizeTemporal(s: string): string {
  const dot = s.indexOf('.');
  if (dot < 0) return s;
  let end = s.length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? s.slice(0, dot) : s.slice(0, end);
}

/** '[-]hhh:mm:ss[.ffffff]' → signed microseconds. */
export function timeMicros(s: string): bigint {
  const m = /^(-)?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) throw new Error(`not a TIME value: ${s}`);
  const us = ((BigInt(m[2]) * 60n + BigInt(m[3])) * 60n + BigInt(m[4])) * 1_000_000n + BigInt((m[5] ?? '').padEnd(6, '0'));
  return m[1] ? -us : us;
}

/** ENUM sorts by member index, SET by its bit mask. */
function enumRank(c: ColumnSchema): (v: RowValue) => bigint {
  const members = c.enumValues ?? [];
  const lower = members.map((m) => m.toLowerCase());
  const index = (label: string) => {
    const i = members.indexOf(label);
    return i >= 0 ? i : lower.indexOf(label.toLowerCase());
  };
  if (c.dataType === 'set') {
    return (v) => String(v ?? '').split(',').filter((p) => p !== '').reduce((mask, p) => mask | (1n << BigInt(Math.max(0, index(p)))), 0n);
  }
  return (v) => (v === '' ? 0n : BigInt(index(String(v)) + 1));
}

// ---- values ----

/** Decimal text without insignificant zeros, so '1.50' (DECIMAL(10,2)) equals '1.5' (DECIMAL(10,1)). */
export function normalizeDecimal(s: string): string {
  let neg = s.startsWith('-');
  let body = neg ? s.slice(1) : s;
  let [int, frac = ''] = body.split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  body = frac ? `${int}.${frac}` : int;
  if (/^0(\.0*)?$/.test(body)) neg = false;
  return neg ? `-${body}` : body;
}

/**
 * Whether two values of a column are the same, by its type: numbers by value, DECIMAL exactly by
 * value, temporal values by instant (fraction precision aside), JSON by document (key order and
 * spacing aside), text and bytes exactly (a case or accent change in a value is a difference,
 * even under a case-insensitive collation), NULL only equal to NULL.
 */
export function valuesEqual(a: RowValue, b: RowValue, kind: ValueKind, column: ColumnSchema): boolean {
  if (a === null || b === null) return a === b;
  switch (kind) {
    case ValueKind.Integer: return String(a) === String(b);
    case ValueKind.Decimal: return a === b || normalizeDecimal(String(a)) === normalizeDecimal(String(b));
    case ValueKind.Float:
    case ValueKind.Year: return Number(a) === Number(b);
    case ValueKind.Temporal:
    case ValueKind.Time: return a === b || normalizeTemporal(String(a)) === normalizeTemporal(String(b));
    case ValueKind.Utf8Text:
      if (a === b) return true;
      return column.dataType === 'json' && jsonTextEqual(String(a), String(b));
    default:
      if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
      return asBuffer(a).equals(asBuffer(b));
  }
}

/** Two JSON texts hold the same document (vdiff-json.ts: spacing and key order aside, numbers by exact value). */
export function jsonTextEqual(a: string, b: string): boolean {
  const x = canonicalJson(a);
  return x !== undefined && x === canonicalJson(b);
}
