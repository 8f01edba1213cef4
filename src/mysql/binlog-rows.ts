// Row images of MariaDB binlog row events, decoded straight into the copy reader's value forms
// (values.ts), one compiled decoder per column. This replaces zongji's row decoding on MariaDB
// sources: zongji builds its values through generic parsers and then needs normalizing, which
// made binlog decoding (and the garbage it leaves) most of catch-up's CPU.
//
// Layouts follow the server's own (sql/log_event.cc, sql/field.cc, the binlog metadata of
// each type): integers little-endian; DECIMAL, DATETIME2, TIME2 and TIMESTAMP2 big-endian.
// Types this decoder does not know (MariaDB's pre-10.1 hires temporals, compressed columns)
// throw UnsupportedBinlogColumn when the table map is compiled, before any row.
import type { ColumnSchema } from './schema';
import { fixedBinaryText } from './fixed-binary';
import { ValueKind, type RowValue } from './values';

/** Binlog column type codes (include/mysql_com.h enum_field_types). */
export const enum BinlogType {
  Decimal = 0, Tiny = 1, Short = 2, Long = 3, Float = 4, Double = 5, Null = 6, Timestamp = 7, LongLong = 8, Int24 = 9,
  Date = 10, Time = 11, DateTime = 12, Year = 13, NewDate = 14, VarChar = 15, Bit = 16, Timestamp2 = 17, DateTime2 = 18,
  Time2 = 19, VarCharCompressed = 140, BlobCompressed = 141, Json = 245, NewDecimal = 246, Enum = 247, Set = 248,
  TinyBlob = 249, MediumBlob = 250, LongBlob = 251, Blob = 252, VarString = 253, String = 254, Geometry = 255,
}

export class UnsupportedBinlogColumn extends Error {}

/**
 * One column of a TABLE_MAP event: its binlog type (ENUM and SET as such, although logged as
 * STRING) and metadata: the byte length of CHAR/BINARY/VARCHAR, the storage size of ENUM/SET,
 * precision and scale (meta2) of DECIMAL, bits % 8 and bytes (meta2) of BIT, the length-prefix
 * size of BLOB/TEXT, the fractional digits of the *2 temporals.
 */
export interface MapColumn { type: number; meta: number; meta2: number }

export interface TableMap {
  tableId: number;
  db: string;
  table: string;
  columns: MapColumn[];
  /**
   * The columns' names as the table had them when the rows were logged (the optional metadata
   * binlog_row_metadata=FULL adds), or undefined when the server did not log them.
   */
  names?: string[];
}

/** Optional metadata field type of the column names (MySQL 8 / MariaDB 10.5 TABLE_MAP format). */
const OPTIONAL_COLUMN_NAME = 4;

/** Bytes of metadata each binlog type carries in a TABLE_MAP event. */
function metaLength(type: number): number {
  switch (type) {
    case BinlogType.Float: case BinlogType.Double: case BinlogType.Blob: case BinlogType.TinyBlob: case BinlogType.MediumBlob:
    case BinlogType.LongBlob: case BinlogType.Geometry: case BinlogType.Json: case BinlogType.Timestamp2: case BinlogType.DateTime2:
    case BinlogType.Time2: case BinlogType.BlobCompressed:
      return 1;
    case BinlogType.VarChar: case BinlogType.VarString: case BinlogType.String: case BinlogType.NewDecimal: case BinlogType.Bit:
    case BinlogType.Enum: case BinlogType.Set: case BinlogType.VarCharCompressed: case BinlogType.Decimal:
      return 2;
    default:
      return 0;
  }
}

/** A length-encoded integer at `pos`: [value, next position]. */
export function readLenenc(buf: Buffer, pos: number): [number, number] {
  const first = buf[pos];
  if (first < 251) return [first, pos + 1];
  if (first === 252) return [buf.readUInt16LE(pos + 1), pos + 3];
  if (first === 253) return [buf.readUIntLE(pos + 1, 3), pos + 4];
  if (first === 254) return [buf.readUInt32LE(pos + 1) + buf.readUInt32LE(pos + 5) * 2 ** 32, pos + 9];
  throw new Error(`bad length-encoded integer 0x${first.toString(16)} in a binlog event`);
}

/** The body of a TABLE_MAP event (from the post-header to `end`, checksum excluded). */
export function parseTableMap(buf: Buffer, pos: number, end: number): TableMap {
  const tableId = buf.readUIntLE(pos, 6);
  let p = pos + 8; // table id, flags
  const dbLen = buf[p];
  const db = buf.toString('utf8', p + 1, p + 1 + dbLen);
  p += 1 + dbLen + 1;
  const tableLen = buf[p];
  const table = buf.toString('utf8', p + 1, p + 1 + tableLen);
  p += 1 + tableLen + 1;
  let n: number;
  [n, p] = readLenenc(buf, p);
  const types = buf.subarray(p, p + n);
  p += n;
  let metaEnd: number;
  [metaEnd, p] = readLenenc(buf, p);
  metaEnd += p;
  if (metaEnd > end) throw new Error(`table map of ${db}.${table} is truncated`);
  const columns: MapColumn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let type = types[i];
    const len = metaLength(type);
    let meta = len === 0 ? 0 : len === 1 ? buf[p] : type === BinlogType.VarChar || type === BinlogType.VarCharCompressed ? buf.readUInt16LE(p) : buf[p];
    let meta2 = len === 2 ? buf[p + 1] : 0;
    if (type === BinlogType.String || type === BinlogType.VarString) {
      // CHAR/BINARY/ENUM/SET: the real type and the byte length packed in two bytes.
      const real = (meta & 0x30) !== 0x30 ? meta | 0x30 : meta;
      const length = (meta & 0x30) !== 0x30 ? meta2 | (((meta & 0x30) ^ 0x30) << 4) : meta2;
      if (real === BinlogType.Enum || real === BinlogType.Set) type = real;
      meta = length;
      meta2 = 0;
    }
    columns[i] = { type, meta, meta2 };
    p += len;
  }
  return { tableId, db, table, columns, names: optionalNames(buf, metaEnd + ((n + 7) >>> 3), end, n) };
}

/** The column names in a TABLE_MAP's optional metadata (type, length, value fields after the null bitmap), if there. */
function optionalNames(buf: Buffer, pos: number, end: number, n: number): string[] | undefined {
  let p = pos;
  while (p < end) {
    const type = buf[p];
    let len: number;
    [len, p] = readLenenc(buf, p + 1);
    if (p + len > end) return undefined;
    if (type === OPTIONAL_COLUMN_NAME) {
      const names: string[] = [];
      let q = p;
      while (q < p + len) {
        let nameLen: number;
        [nameLen, q] = readLenenc(buf, q);
        names.push(buf.toString('utf8', q, q + nameLen));
        q += nameLen;
      }
      return names.length === n ? names : undefined;
    }
    p += len;
  }
  return undefined;
}

/** Where in a row event the decoder is. */
export interface Cursor { buf: Buffer; pos: number }
/** Reads one present, non-null value at `c.pos` and moves `c.pos` past it. */
type ValueReader = (c: Cursor) => RowValue;

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));
const pad4 = (n: number): string => (n < 10 ? '000' + n : n < 100 ? '00' + n : n < 1000 ? '0' + n : String(n));

/** Microseconds as the fraction of a DATETIME/TIMESTAMP of `fsp` digits; '' when zero. */
function fixedFraction(us: number, fsp: number): string {
  if (us === 0 || fsp === 0) return '';
  return '.' + String(us).padStart(6, '0').slice(0, fsp);
}

/** Microseconds as a TIME fraction, trailing zeros trimmed (mysql2's TIME text); '' when zero. */
function trimmedFraction(us: number): string {
  if (us === 0) return '';
  let s = String(us).padStart(6, '0');
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  s = s.slice(0, end);
  return '.' + s;
}

/** The fraction bytes of a *2 temporal of precision fsp, in microseconds (non-negative types). */
function readFraction(c: Cursor, fsp: number): number {
  switch (fsp) {
    case 1: case 2: return c.buf[c.pos++] * 10_000;
    case 3: case 4: { const v = c.buf.readUInt16BE(c.pos); c.pos += 2; return v * 100; }
    case 5: case 6: { const v = c.buf.readUIntBE(c.pos, 3); c.pos += 3; return v; }
    default: return 0;
  }
}

function bigintText(lo: number, hi: number, unsigned: boolean): string {
  // hi*2^32+lo is exact while |hi| < 2^21.
  if (unsigned ? hi < 0x200000 : hi >= -0x200000 && hi < 0x200000) return String(hi * 4294967296 + lo);
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  return v.toString();
}

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/**
 * One big-endian group of a binary DECIMAL at `p`, with the sign bit (the top bit of the
 * value's first byte, at `first`) cleared and, for a negative value, every bit flipped back.
 */
function decimalGroup(b: Buffer, p: number, bytes: number, mask: number, first: number): number {
  let v = 0;
  for (let k = 0; k < bytes; k++) {
    let byte = b[p + k] ^ mask;
    if (p + k === first) byte ^= 0x80;
    v = v * 256 + byte;
  }
  return v;
}

/** DECIMAL(precision, scale) in the server's binary form, as the text the server prints. */
function decimalReader(precision: number, scale: number): ValueReader {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const intg0x = intg - intg0 * 9;
  const frac0 = Math.floor(scale / 9);
  const frac0x = scale - frac0 * 9;
  const size = decimalSize(precision, scale);
  return (c) => {
    const b = c.buf;
    const start = c.pos;
    c.pos += size;
    // The first bit is the sign (1 = positive); a negative value has every bit flipped.
    const negative = (b[start] & 0x80) === 0;
    const mask = negative ? 0xff : 0;
    let p = start;
    let int = '';
    if (DIG2BYTES[intg0x] > 0) {
      const v = decimalGroup(b, p, DIG2BYTES[intg0x], mask, start);
      p += DIG2BYTES[intg0x];
      if (v !== 0) int = String(v);
    }
    for (let k = 0; k < intg0; k++, p += 4) {
      const v = decimalGroup(b, p, 4, mask, start);
      int = int === '' ? (v === 0 ? '' : String(v)) : int + String(v).padStart(9, '0');
    }
    if (int === '') int = '0';
    let frac = '';
    for (let k = 0; k < frac0; k++, p += 4) frac += String(decimalGroup(b, p, 4, mask, start)).padStart(9, '0');
    if (DIG2BYTES[frac0x] > 0) frac += String(decimalGroup(b, p, DIG2BYTES[frac0x], mask, start)).padStart(frac0x, '0');
    const text = scale > 0 ? int + '.' + frac : int;
    return negative ? '-' + text : text;
  };
}

/** Text bytes in the value form of the column's kind. */
function bytesValue(kind: ValueKind, b: Buffer, start: number, end: number): RowValue {
  if (kind === ValueKind.Utf8Text) return b.toString('utf8', start, end);
  // A copy: the packet buffer must not be kept alive by a value.
  return Buffer.from(b.subarray(start, end));
}

function columnError(col: ColumnSchema, what: string): UnsupportedBinlogColumn {
  return new UnsupportedBinlogColumn(`column ${col.name} (${col.columnType}): ${what}`);
}

/**
 * The reader of one column's values, for its binlog type and metadata and our schema of it.
 * Throws UnsupportedBinlogColumn for types decoded elsewhere (zongji) and for a binlog type
 * that does not fit the column's value kind (the caller re-reads the schema first).
 */
export function columnReader(m: MapColumn, col: ColumnSchema, kind: ValueKind): ValueReader {
  const mismatch = () => columnError(col, `binlog type ${m.type} does not fit value kind ${kind}`);
  switch (m.type) {
    case BinlogType.Tiny: case BinlogType.Short: case BinlogType.Int24: case BinlogType.Long: {
      if (kind !== ValueKind.Integer) throw mismatch();
      const width = m.type === BinlogType.Tiny ? 1 : m.type === BinlogType.Short ? 2 : m.type === BinlogType.Int24 ? 3 : 4;
      const asText = col.dataType === 'bigint';
      if (col.unsigned) return (c) => { const v = c.buf.readUIntLE(c.pos, width); c.pos += width; return asText ? String(v) : v; };
      return (c) => { const v = c.buf.readIntLE(c.pos, width); c.pos += width; return asText ? String(v) : v; };
    }
    case BinlogType.LongLong: {
      if (kind !== ValueKind.Integer) throw mismatch();
      const unsigned = col.unsigned;
      const asText = col.dataType === 'bigint';
      return (c) => {
        const lo = c.buf.readUInt32LE(c.pos);
        const hi = unsigned ? c.buf.readUInt32LE(c.pos + 4) : c.buf.readInt32LE(c.pos + 4);
        c.pos += 8;
        const text = bigintText(lo, hi, unsigned);
        return asText ? text : Number(text);
      };
    }
    case BinlogType.Float:
      if (kind !== ValueKind.Float) throw mismatch();
      return (c) => { const v = c.buf.readFloatLE(c.pos); c.pos += 4; return v; };
    case BinlogType.Double:
      if (kind !== ValueKind.Float) throw mismatch();
      return (c) => { const v = c.buf.readDoubleLE(c.pos); c.pos += 8; return v; };
    case BinlogType.NewDecimal:
      if (kind !== ValueKind.Decimal) throw mismatch();
      return decimalReader(m.meta, m.meta2);
    case BinlogType.Year:
      if (kind !== ValueKind.Year) throw mismatch();
      return (c) => { const v = c.buf[c.pos++]; return v === 0 ? 0 : 1900 + v; };
    case BinlogType.Date:
    case BinlogType.NewDate:
      if (kind !== ValueKind.Temporal) throw mismatch();
      return (c) => {
        const v = c.buf.readUIntLE(c.pos, 3);
        c.pos += 3;
        return `${pad4(v >>> 9)}-${pad2((v >>> 5) & 15)}-${pad2(v & 31)}`;
      };
    // Rows written close together share their timestamps (and an update's two images their
    // unchanged ones): the last value's text is kept and reused while the stored value repeats.
    case BinlogType.DateTime2: {
      if (kind !== ValueKind.Temporal) throw mismatch();
      const fsp = m.meta;
      let lastPacked = -1;
      let lastUs = -1;
      let lastText = '';
      return (c) => {
        // 40 bits: sign, 17 bits year*13+month, 5 day, 5 hour, 6 minute, 6 second.
        const packed = c.buf.readUIntBE(c.pos, 5) - 0x8000000000;
        c.pos += 5;
        const us = readFraction(c, fsp);
        if (packed === lastPacked && us === lastUs) return lastText;
        const ymd = Math.floor(packed / 0x20000);
        const hms = packed % 0x20000;
        const ym = ymd >>> 5;
        lastPacked = packed;
        lastUs = us;
        lastText = `${pad4(Math.floor(ym / 13))}-${pad2(ym % 13)}-${pad2(ymd & 31)} ${pad2(hms >>> 12)}:${pad2((hms >>> 6) & 63)}:${pad2(hms & 63)}${fixedFraction(us, fsp)}`;
        return lastText;
      };
    }
    case BinlogType.Timestamp2: {
      if (kind !== ValueKind.Temporal) throw mismatch();
      const fsp = m.meta;
      let lastSeconds = -1;
      let lastUs = -1;
      let lastText = '';
      return (c) => {
        const seconds = c.buf.readUInt32BE(c.pos);
        c.pos += 4;
        const us = readFraction(c, fsp);
        if (seconds === lastSeconds && us === lastUs) return lastText;
        lastSeconds = seconds;
        lastUs = us;
        if (seconds === 0 && us === 0) {
          lastText = '0000-00-00 00:00:00';
        } else {
          const d = new Date(seconds * 1000);
          lastText = `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${fixedFraction(us, fsp)}`;
        }
        return lastText;
      };
    }
    case BinlogType.Time2: {
      if (kind !== ValueKind.Time) throw mismatch();
      const fsp = m.meta;
      return (c) => {
        const b = c.buf;
        // The value packed as hms << 24 | microseconds, offset to sort as unsigned.
        let packed: number;
        if (fsp >= 5) {
          packed = b.readUIntBE(c.pos, 6) - 0x800000000000;
          c.pos += 6;
        } else {
          let int = b.readUIntBE(c.pos, 3) - 0x800000;
          c.pos += 3;
          let frac = 0;
          // The fraction bytes are unsigned; a negative value borrows one second (my_time_packed_from_binary).
          if (fsp >= 3) { frac = b.readUInt16BE(c.pos); c.pos += 2; if (int < 0 && frac !== 0) { int++; frac -= 0x10000; } frac *= 100; }
          else if (fsp >= 1) { frac = b[c.pos]; c.pos += 1; if (int < 0 && frac !== 0) { int++; frac -= 0x100; } frac *= 10_000; }
          packed = int * 0x1000000 + frac;
        }
        const negative = packed < 0;
        const abs = Math.abs(packed);
        const hms = Math.floor(abs / 0x1000000);
        const us = abs % 0x1000000;
        const hours = (hms >>> 12) & 0x3ff;
        return `${negative ? '-' : ''}${pad2(hours)}:${pad2((hms >>> 6) & 63)}:${pad2(hms & 63)}${trimmedFraction(us)}`;
      };
    }
    case BinlogType.Bit: {
      if (kind !== ValueKind.Bit) throw mismatch();
      const bytes = m.meta2 + (m.meta > 0 ? 1 : 0);
      return (c) => { const v = Buffer.from(c.buf.subarray(c.pos, c.pos + bytes)); c.pos += bytes; return v; };
    }
    case BinlogType.VarChar: {
      if (kind !== ValueKind.Utf8Text && kind !== ValueKind.TextBytes && kind !== ValueKind.Bytes) throw mismatch();
      const prefix = m.meta > 255 ? 2 : 1;
      return (c) => {
        const len = prefix === 1 ? c.buf[c.pos] : c.buf.readUInt16LE(c.pos);
        const start = c.pos + prefix;
        c.pos = start + len;
        return bytesValue(kind, c.buf, start, c.pos);
      };
    }
    case BinlogType.Enum: {
      if (kind !== ValueKind.Enum || col.dataType !== 'enum' || !col.enumValues) throw mismatch();
      const labels = col.enumValues;
      const size = m.meta;
      return (c) => {
        const i = size === 1 ? c.buf[c.pos] : c.buf.readUInt16LE(c.pos);
        c.pos += size;
        // Index 0 is the invalid-value member a lax source can store: it reads as ''.
        return i === 0 ? '' : labels[i - 1] ?? '';
      };
    }
    case BinlogType.Set: {
      if (kind !== ValueKind.Enum || col.dataType !== 'set' || !col.enumValues) throw mismatch();
      const labels = col.enumValues;
      const size = m.meta;
      return (c) => {
        let out = '';
        for (let k = 0; k < size; k++) {
          const byte = c.buf[c.pos + k];
          if (byte === 0) continue;
          for (let bit = 0; bit < 8; bit++) {
            if (byte & (1 << bit)) {
              const label = labels[k * 8 + bit];
              if (label !== undefined) out = out === '' ? label : out + ',' + label;
            }
          }
        }
        c.pos += size;
        return out;
      };
    }
    case BinlogType.String:
    case BinlogType.VarString: {
      if (kind !== ValueKind.Utf8Text && kind !== ValueKind.TextBytes && kind !== ValueKind.Bytes && kind !== ValueKind.FixedBinary) throw mismatch();
      const maxLength = m.meta;
      const prefix = maxLength > 255 ? 2 : 1;
      // INET4/INET6/UUID: their stored bytes, formatted as the server prints them.
      const fixed = kind === ValueKind.FixedBinary;
      // BINARY(n) is logged without its trailing zero bytes; the column holds (and the copy reads) all n.
      const padTo = kind === ValueKind.Bytes && col.dataType === 'binary' ? maxLength : 0;
      return (c) => {
        const len = prefix === 1 ? c.buf[c.pos] : c.buf.readUInt16LE(c.pos);
        const start = c.pos + prefix;
        c.pos = start + len;
        if (fixed) return fixedBinaryText(c.buf.subarray(start, c.pos), col.dataType);
        if (padTo > len) {
          const out = Buffer.alloc(padTo);
          c.buf.copy(out, 0, start, c.pos);
          return out;
        }
        return bytesValue(kind, c.buf, start, c.pos);
      };
    }
    // A spatial value is logged as a BLOB of its stored form, which is what the copy reads.
    case BinlogType.Blob: case BinlogType.TinyBlob: case BinlogType.MediumBlob: case BinlogType.LongBlob: case BinlogType.Geometry: {
      if (kind !== ValueKind.Utf8Text && kind !== ValueKind.TextBytes && kind !== ValueKind.Bytes) throw mismatch();
      const lengthBytes = m.meta;
      if (lengthBytes < 1 || lengthBytes > 4) throw columnError(col, `BLOB length size ${lengthBytes}`);
      return (c) => {
        const len = c.buf.readUIntLE(c.pos, lengthBytes);
        const start = c.pos + lengthBytes;
        c.pos = start + len;
        return bytesValue(kind, c.buf, start, c.pos);
      };
    }
    default:
      throw columnError(col, `binlog type ${m.type} is not decoded here`);
  }
}

/** Bytes of the fraction of a *2 temporal with `fsp` digits. */
const fractionBytes = (fsp: number): number => (fsp + 1) >>> 1;

/** Bytes of a DECIMAL(precision, scale) in the server's binary form. */
function decimalSize(precision: number, scale: number): number {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const frac0 = Math.floor(scale / 9);
  return intg0 * 4 + DIG2BYTES[intg - intg0 * 9] + frac0 * 4 + DIG2BYTES[scale - frac0 * 9];
}

/**
 * Moves `c.pos` past one present, non-null value of a column without decoding it (the same
 * layouts columnReader reads). Used to look at one column of a row and skip the others.
 */
export function columnSkipper(m: MapColumn): (c: Cursor) => void {
  const fixed = (n: number) => (c: Cursor) => { c.pos += n; };
  switch (m.type) {
    case BinlogType.Tiny: case BinlogType.Year: return fixed(1);
    case BinlogType.Short: return fixed(2);
    case BinlogType.Int24: case BinlogType.Date: case BinlogType.NewDate: return fixed(3);
    case BinlogType.Long: case BinlogType.Float: return fixed(4);
    case BinlogType.LongLong: case BinlogType.Double: return fixed(8);
    case BinlogType.NewDecimal: return fixed(decimalSize(m.meta, m.meta2));
    case BinlogType.DateTime2: return fixed(5 + fractionBytes(m.meta));
    case BinlogType.Timestamp2: return fixed(4 + fractionBytes(m.meta));
    case BinlogType.Time2: return fixed(3 + fractionBytes(m.meta));
    case BinlogType.Bit: return fixed(m.meta2 + (m.meta > 0 ? 1 : 0));
    case BinlogType.Enum: case BinlogType.Set: return fixed(m.meta);
    // A length prefix of 2 bytes when the column may hold more than 255 bytes.
    case BinlogType.VarChar: case BinlogType.String: case BinlogType.VarString:
      return m.meta > 255 ? (c) => { c.pos += 2 + c.buf.readUInt16LE(c.pos); } : (c) => { c.pos += 1 + c.buf[c.pos]; };
    case BinlogType.Blob: case BinlogType.TinyBlob: case BinlogType.MediumBlob: case BinlogType.LongBlob: case BinlogType.Geometry: {
      const lengthBytes = m.meta;
      return (c) => { c.pos += lengthBytes + c.buf.readUIntLE(c.pos, lengthBytes); };
    }
    default:
      throw new UnsupportedBinlogColumn(`binlog type ${m.type} cannot be skipped`);
  }
}

/** Decodes the row images of one table's row events. */
export interface RowDecoder {
  /**
   * One full row image at `c.pos` (its null bitmap first), as an object keyed by column name.
   * The caller checked that the event's columns-present bitmap names every column.
   */
  row(c: Cursor): Record<string, RowValue>;
}

/**
 * The decoder of a table's rows: `map` from the binlog, `cols`/`kinds` our schema of the table
 * in the same order (the caller checked the column count).
 */
export function compileRowDecoder(map: TableMap, cols: readonly ColumnSchema[], kinds: readonly ValueKind[]): RowDecoder {
  if (map.columns.length !== cols.length) throw new UnsupportedBinlogColumn(`${map.columns.length} binlog columns vs ${cols.length} in the schema`);
  const readers = map.columns.map((m, i) => columnReader(m, cols[i], kinds[i]));
  const names = cols.map((c) => c.name);
  const n = names.length;
  const nullBytes = (n + 7) >>> 3;
  // Row objects of one shape: V8 keeps them on one hidden class when built in the same order.
  return {
    row(c: Cursor): Record<string, RowValue> {
      const b = c.buf;
      const nulls = c.pos;
      c.pos += nullBytes;
      const out: Record<string, RowValue> = {};
      for (let i = 0; i < n; i++) {
        out[names[i]] = (b[nulls + (i >>> 3)] & (1 << (i & 7))) !== 0 ? null : readers[i](c);
      }
      return out;
    },
  };
}

/**
 * Whether a row image belongs to a target shard, read from one column without decoding the
 * others: `test` reads the row at `c.pos` (null bitmap first), moves `c.pos` past it, and says
 * whether `keep` takes the column's value (null when the column is NULL).
 */
export interface RowFilter { test(c: Cursor): boolean }

export function compileRowFilter(map: TableMap, cols: readonly ColumnSchema[], kinds: readonly ValueKind[], column: number, keep: (v: RowValue) => boolean): RowFilter {
  if (map.columns.length !== cols.length) throw new UnsupportedBinlogColumn(`${map.columns.length} binlog columns vs ${cols.length} in the schema`);
  const skips = map.columns.map(columnSkipper);
  const read = columnReader(map.columns[column], cols[column], kinds[column]);
  const n = cols.length;
  const nullBytes = (n + 7) >>> 3;
  return {
    test(c: Cursor): boolean {
      const b = c.buf;
      const nulls = c.pos;
      c.pos += nullBytes;
      let value: RowValue = null;
      for (let i = 0; i < n; i++) {
        if ((b[nulls + (i >>> 3)] & (1 << (i & 7))) !== 0) continue;
        if (i === column) value = read(c);
        else skips[i](c);
      }
      return keep(value);
    },
  };
}
