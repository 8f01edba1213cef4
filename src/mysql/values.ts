// The row value model shared by the copy reader (mysql2 binary protocol: conn.execute) and the
// binlog readers (our MariaDB decoder, binlog-rows.ts, and zongji), and how values become SQL
// literals and JSON.
//
// The canonical form of a value is what the copy reader gets from mysql2 with the connection
// options of connectMysql (dateStrings, supportBigNumbers, bigNumberStrings) plus jsonStrings,
// selecting columns with selectExpression() below:
//
//   TINYINT..INT, MEDIUMINT, YEAR   number
//   BIGINT (signed and unsigned)    decimal string, always (exact to 2^64-1)
//   DECIMAL                         decimal string, as the server prints it ('-1.50')
//   FLOAT, DOUBLE                   number (the exact value the column holds; a FLOAT is the
//                                   double of its float32, e.g. 0.10000000149011612)
//   DATE, DATETIME, TIMESTAMP       'YYYY-MM-DD[ hh:mm:ss[.ffffff]]' in UTC; the fraction is
//                                   printed to the column's precision, and left out when zero
//   TIME                            '[-]hh:mm:ss[.f]' (hours may exceed 24; trailing fraction
//                                   zeros trimmed)
//   CHAR/VARCHAR/TEXT in utf8mb3/4  string
//   JSON (MariaDB LONGTEXT)         string, exactly as stored
//   ENUM, SET                       string (the member labels; '' for the invalid-value member)
//   BINARY/VARBINARY/BLOB, BIT      Buffer
//   INET4, INET6, UUID (MariaDB)    string, the text form the server prints ('::ffff:1.2.3.4')
//   GEOMETRY, POINT, ... (spatial)  Buffer of the stored form (4-byte SRID + WKB), selected as
//                                   CAST(col AS BINARY) (mysql2 would parse it into objects) and
//                                   written back as X'..', which the server takes as that form
//   text in any other charset       Buffer of the column's own bytes: selected as
//                                   CAST(col AS BINARY) and written back as _cs X'..', so a
//                                   latin1/cp1251/sjis/ascii value never passes through a
//                                   charset conversion (which is lossy for bytes the charset
//                                   does not map, and zongji's decoders differ from the server's)
//   NULL                            null
//
// binlog-rows.ts decodes MariaDB row images straight into these forms, and
// normalizeBinlogValue() turns zongji's values into them, so every path produces the
// same SQL for the same stored value. JS bigints are accepted everywhere a value goes (e.g. a
// lastpk decoded from JSON) and written exactly.
import { FIXED_BINARY_TYPES, fixedBinaryText } from './fixed-binary';
import type { ColumnSchema } from './schema';

export type RowValue = string | number | bigint | Buffer | null;

/** connectMysql options every row reader (copy, VDiff) must use. */
export const ROW_READER_CONNECT_OPTIONS = { jsonStrings: true } as const;

const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8']);
const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);
const SPATIAL_TYPES = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const DATETIME_TYPES = new Set(['date', 'datetime', 'timestamp']);

/** How a column's values are represented and written; computed once per column on hot paths. */
export const enum ValueKind {
  Integer, // number (or a decimal string for BIGINT)
  Decimal, // decimal string
  Float, // number (FLOAT/DOUBLE)
  Year, // number
  Temporal, // date/datetime/timestamp string
  Time, // time string
  Utf8Text, // string
  Bytes, // Buffer, written as X'..'
  TextBytes, // Buffer of non-utf8 text, written as _cs X'..' COLLATE coll
  Enum, // string label
  Bit, // Buffer
  FixedBinary, // MariaDB INET4/INET6/UUID: the text form (string), e.g. '2001:db8::1' (fixed-binary.ts)
  Unsupported, // types the value model does not carry
}

export function valueKind(c: ColumnSchema): ValueKind {
  const t = c.dataType;
  if (INTEGER_TYPES.has(t)) return ValueKind.Integer;
  if (t === 'decimal' || t === 'numeric') return ValueKind.Decimal;
  if (t === 'float' || t === 'double' || t === 'real') return ValueKind.Float;
  if (t === 'year') return ValueKind.Year;
  if (DATETIME_TYPES.has(t)) return ValueKind.Temporal;
  if (t === 'time') return ValueKind.Time;
  if (t === 'enum' || t === 'set') return ValueKind.Enum;
  if (t === 'bit') return ValueKind.Bit;
  if (FIXED_BINARY_TYPES.has(t)) return ValueKind.FixedBinary;
  if (BINARY_TYPES.has(t) || SPATIAL_TYPES.has(t)) return ValueKind.Bytes;
  if (TEXT_TYPES.has(t)) {
    if (c.charset === null || c.charset === 'binary') return ValueKind.Bytes;
    return UTF8_CHARSETS.has(c.charset) ? ValueKind.Utf8Text : ValueKind.TextBytes;
  }
  return ValueKind.Unsupported;
}

/** The select-list item that reads a column in its canonical form (aliased to its name). */
export function selectExpression(c: ColumnSchema, qualifier?: string): string {
  const ref = (qualifier ? quoteIdent(qualifier) + '.' : '') + quoteIdent(c.name);
  switch (valueKind(c)) {
    case ValueKind.TextBytes: return `CAST(${ref} AS BINARY) AS ${quoteIdent(c.name)}`;
    case ValueKind.Bytes: return SPATIAL_TYPES.has(c.dataType) ? `CAST(${ref} AS BINARY) AS ${quoteIdent(c.name)}` : ref;
    case ValueKind.Unsupported: throw new Error(`column ${c.name} has type ${c.columnType}, which vtmigrate cannot copy exactly`);
    default: return ref;
  }
}

function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

// --- SQL literals -------------------------------------------------------------------------

const NEEDS_ESCAPE = /[\0\n\r\x1a'\\]/;
const ESCAPES: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' };

/**
 * A quoted string literal. Assumes the session does not run with NO_BACKSLASH_ESCAPES (writer
 * sessions set their sql_mode; see WRITER_SQL_MODE in sql.ts). The string goes to the server in
 * the connection charset (utf8mb4), so any utf8 column receives it unchanged.
 */
export function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return "'" + s + "'";
  return "'" + s.replace(/[\0\n\r\x1a'\\]/g, (ch) => ESCAPES[ch]) + "'";
}

const NUMERIC_LITERAL = /^-?\d+(\.\d+)?$/;
const FLOAT_LITERAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A JS number as an SQL literal that parses back to exactly the same double. */
export function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`cannot write ${n} to MySQL: not a finite number`);
  if (Object.is(n, -0)) return '-0e0';
  // String(n) is the shortest text that round-trips to the same double (ECMAScript Number::toString);
  // a non-integer or exponent form is parsed by the server as a double, with correct rounding.
  // An integer stays an exact integer literal; other values get an exponent so the server reads
  // them as a double literal (not through DECIMAL).
  const s = String(n);
  return Number.isInteger(n) || s.includes('e') ? s : s + 'e0';
}

function numericString(s: string, c: ColumnSchema | undefined, pattern: RegExp): string {
  if (!pattern.test(s)) throw new Error(`value '${s.slice(0, 40)}' for column ${c?.name ?? '?'} (${c?.columnType ?? 'numeric'}) is not a number`);
  return s;
}

export function hexLiteral(b: Buffer): string {
  return "X'" + b.toString('hex') + "'";
}

const CHARSET_NAME = /^[a-z0-9_]+$/;

function textBytesLiteral(b: Buffer, c: ColumnSchema): string {
  if (!c.charset || !CHARSET_NAME.test(c.charset) || (c.collation && !CHARSET_NAME.test(c.collation))) {
    throw new Error(`column ${c.name} has an unexpected charset/collation ${c.charset}/${c.collation}`);
  }
  // The introducer makes the bytes a string in the column's own charset: no conversion happens,
  // and COLLATE keeps comparisons (DELETE ... WHERE pk = ...) on the column's collation.
  return `_${c.charset} ${hexLiteral(b)}` + (c.collation ? ` COLLATE ${c.collation}` : '');
}

/**
 * A value as an SQL literal. With the column, the literal is exact for its type: integers and
 * decimals go unquoted (a quoted '18446744073709551615' compared with a BIGINT column is
 * compared as a double), Buffers of non-utf8 text keep their charset, and unsupported or
 * malformed values are errors rather than guesses.
 */
export function escapeValue(v: RowValue, column?: ColumnSchema): string {
  if (v === null) return 'NULL';
  if (column === undefined) {
    if (typeof v === 'string') return quoteString(v);
    if (typeof v === 'number') return numberLiteral(v);
    if (typeof v === 'bigint') return v.toString();
    return hexLiteral(v);
  }
  return escapeForKind(v, valueKind(column), column);
}

/** escapeValue with the column's kind precomputed (the SQL builders' hot loop). */
export function escapeForKind(v: RowValue, kind: ValueKind, column: ColumnSchema): string {
  if (v === null) return 'NULL';
  switch (kind) {
    case ValueKind.Integer:
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v)) throw new Error(`value ${v} for integer column ${column.name} is not an exact integer`);
        return String(v);
      }
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'string') return numericString(v, column, /^-?\d+$/);
      break;
    case ValueKind.Decimal:
      if (typeof v === 'string') return numericString(v, column, NUMERIC_LITERAL);
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number') return numberLiteral(v);
      break;
    case ValueKind.Float:
      if (typeof v === 'number') return numberLiteral(v);
      if (typeof v === 'string') return numericString(v, column, FLOAT_LITERAL);
      break;
    case ValueKind.Year:
      if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
      if (typeof v === 'string') return numericString(v, column, /^\d+$/);
      break;
    case ValueKind.Temporal:
    case ValueKind.Time:
    case ValueKind.Utf8Text:
    case ValueKind.Enum:
      if (typeof v === 'string') return quoteString(v);
      break;
    case ValueKind.Bytes:
    case ValueKind.Bit:
      if (Buffer.isBuffer(v)) return hexLiteral(v);
      break;
    case ValueKind.FixedBinary:
      if (typeof v === 'string') return quoteString(v);
      break;
    case ValueKind.TextBytes:
      if (Buffer.isBuffer(v)) return textBytesLiteral(v, column);
      if (typeof v === 'string') return quoteString(v);
      break;
    case ValueKind.Unsupported:
      throw new Error(`column ${column.name} has type ${column.columnType}, which vtmigrate cannot copy exactly`);
  }
  throw new Error(`value of JS type ${Buffer.isBuffer(v) ? 'Buffer' : typeof v} does not fit column ${column.name} (${column.columnType})`);
}

// --- binlog values ------------------------------------------------------------------------

/** Trims a fraction of all zeros ('.000000'), as mysql2 leaves the fraction out when it is zero. */
function stripZeroFraction(s: string): string {
  const dot = s.indexOf('.', 10);
  if (dot < 0) return s;
  for (let i = dot + 1; i < s.length; i++) if (s.charCodeAt(i) !== 48) return s;
  return s.slice(0, dot);
}

/**
 * zongji's TIME text in mysql2's form. Two differences:
 * - mysql2 trims trailing zeros of the fraction ('.5'), zongji prints the precision ('.500000');
 * - zongji 0.9.0 decodes a negative TIME whose packed value has zero fractional part with a
 *   one's-complement off-by-one that it then patches by adding 1 to the seconds, which fails
 *   when that carries: '-01:00:00' comes out as '-00:63:64'. The fields it prints are exactly
 *   those of (value - 1) with seconds + 1, so the value is recovered by undoing that.
 */
function normalizeTime(s: string): string {
  let out = s;
  if (out.charCodeAt(0) === 45 /* - */) {
    const m = /^-(\d+):(\d\d):(\d\d)(\.\d+)?$/.exec(out);
    if (m && Number(m[3]) >= 60) {
      const packedMinus1 = (Number(m[1]) << 12) | (Number(m[2]) << 6) | (Number(m[3]) - 1);
      const packed = packedMinus1 + 1;
      const h = (packed >> 12) & 0x3ff;
      const mi = (packed >> 6) & 0x3f;
      const se = packed & 0x3f;
      out = `-${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(se).padStart(2, '0')}${m[4] ?? ''}`;
    }
  }
  const dot = out.indexOf('.');
  if (dot < 0) return out;
  let end = out.length;
  while (end > dot + 1 && out.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? out.slice(0, dot) : out.slice(0, end);
}

/**
 * A zongji row value in the copy reader's form (see the table at the top). The binlog reader
 * has zongji decode non-utf8 text as 'binary' (see binlog.ts), which yields a latin1-decoded
 * JS string: its code units are the column's bytes.
 */
export function normalizeBinlogValue(v: unknown, column: ColumnSchema, kind: ValueKind = valueKind(column)): RowValue {
  if (v === null) return null;
  switch (kind) {
    case ValueKind.Integer:
      // mysql2 (bigNumberStrings) gives every BIGINT as a string; zongji gives a number when safe.
      if (column.dataType === 'bigint') return typeof v === 'string' ? v : String(v);
      return typeof v === 'number' ? v : Number(v);
    case ValueKind.Decimal:
      return String(v);
    case ValueKind.Float:
      return typeof v === 'number' ? v : Number(v);
    case ValueKind.Year:
      // zongji adds 1900 to the stored byte, so YEAR 0000 (stored 0) comes out as 1900,
      // which is not a valid YEAR value.
      return v === 1900 ? 0 : Number(v);
    case ValueKind.Temporal:
      return stripZeroFraction(String(v));
    case ValueKind.Time:
      return normalizeTime(String(v));
    case ValueKind.Utf8Text:
      return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    case ValueKind.Enum:
      // zongji gives undefined for ENUM's invalid-value member (index 0), which reads as ''.
      return v === undefined ? '' : String(v);
    case ValueKind.TextBytes:
      if (Buffer.isBuffer(v)) return v;
      if (typeof v === 'string') return Buffer.from(v, 'latin1');
      break;
    case ValueKind.Bytes:
    case ValueKind.Bit:
      if (Buffer.isBuffer(v)) return v;
      if (typeof v === 'string') return Buffer.from(v, 'latin1');
      break;
    case ValueKind.FixedBinary:
      if (Buffer.isBuffer(v) || typeof v === 'string') return fixedBinaryText(Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1'), column.dataType);
      break;
    case ValueKind.Unsupported:
      break;
  }
  throw new Error(`cannot represent binlog value for column ${column.name} (${column.columnType}) exactly` +
    (SPATIAL_TYPES.has(column.dataType) ? ': zongji decodes spatial values into objects without their SRID' : ''));
}

/**
 * Whether zongji's value for this column can differ from the copy reader's form, i.e. whether
 * normalizeBinlogValue must run on it. The binlog reader skips the call for the rest (most
 * columns), which keeps per-row work to the values that need it.
 */
export function binlogValueNeedsNormalizing(column: ColumnSchema, kind: ValueKind = valueKind(column)): boolean {
  switch (kind) {
    case ValueKind.Integer: return column.dataType === 'bigint';
    case ValueKind.Temporal: return (column.datetimePrecision ?? 0) > 0;
    case ValueKind.Decimal:
    case ValueKind.Float:
    case ValueKind.Utf8Text:
    case ValueKind.Bit:
      return false;
    // zongji parses spatial values into objects, which normalizing refuses: they lost the SRID.
    case ValueKind.Bytes:
      return SPATIAL_TYPES.has(column.dataType);
    default:
      return true;
  }
}

// --- JSON ---------------------------------------------------------------------------------

/** A RowValue as JSON, keeping its type: Buffers as {"b64"}, bigints as {"i"}, -0 as {"f"}. */
export type JsonRowValue = string | number | null | { b64: string } | { i: string } | { f: string };

export function encodeValueForJson(v: RowValue): JsonRowValue {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot store ${v} as a row value`);
    // JSON.stringify writes -0 as 0; keep the sign.
    return Object.is(v, -0) ? { f: '-0' } : v;
  }
  if (typeof v === 'bigint') return { i: v.toString() };
  return { b64: v.toString('base64') };
}

export function decodeValueFromJson(j: unknown): RowValue {
  if (j === null || typeof j === 'string' || typeof j === 'number') return j;
  if (typeof j === 'object') {
    const o = j as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o.b64 === 'string') return Buffer.from(o.b64, 'base64');
      if (typeof o.i === 'string' && /^-?\d+$/.test(o.i)) return BigInt(o.i);
      if (o.f === '-0') return -0;
    }
  }
  throw new Error(`not an encoded row value: ${JSON.stringify(j)?.slice(0, 80)}`);
}

/** A row (or lastpk) as a JSON string, e.g. for a _vt_migrate checkpoint column. */
export function encodeRowForJson(values: readonly RowValue[]): string {
  return JSON.stringify(values.map(encodeValueForJson));
}

export function decodeRowFromJson(text: string): RowValue[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('an encoded row must be a JSON array');
  return parsed.map(decodeValueFromJson);
}
