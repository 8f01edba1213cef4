// Row values as the text protocol sends them, undecoded (mysql2 `typeCast: false`: a Buffer per
// value, null for NULL). The copy's fast path moves these bytes from the source to LOAD DATA on
// the target without ever turning them into JS strings; only the few values it must look at (the
// primary key for the checkpoint, the vindex column for the shard filter) are decoded, into the
// canonical forms of values.ts, so the rest of vtmigrate sees the same values either way.
//
// MariaDB's text form is exact for every kind (checked on 20,000 random doubles: DOUBLE prints
// the shortest text that parses back to the same bits) except FLOAT, which it prints to 6
// digits, and FLOAT/DOUBLE(M,D), which it prints to D decimals although the stored double is not
// always the nearest one to that text. FLOAT is selected as CAST(f AS DOUBLE), which is exact
// (every float32 is a double); tables with (M,D) floats keep the binary-protocol path, as do
// MySQL sources, whose text formatting has not been checked.
import { quoteId } from './connect';
import type { ColumnSchema } from './schema';
import { selectExpression, ValueKind, type RowValue } from './values';

export type TextValue = Buffer | null;

const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8']);

/**
 * Why a column cannot take the text path, or undefined when it can. Its text bytes must be the
 * stored value exactly, in the bytes LOAD DATA ... CHARACTER SET binary stores unchanged.
 */
export function textCopyObstacle(c: ColumnSchema, kind: ValueKind): string | undefined {
  switch (kind) {
    case ValueKind.Float: return /\(\s*\d+\s*,\s*\d+\s*\)/.test(c.columnType) ? `${c.name} is ${c.columnType}, whose text form is rounded to its decimals` : undefined;
    case ValueKind.Unsupported: return `${c.name} has type ${c.columnType}`;
    // LOAD DATA ... CHARACTER SET binary hands the server bytes, which it takes as the 4/16-byte form.
    case ValueKind.FixedBinary: return `${c.name} is ${c.columnType}, whose text LOAD DATA would read as binary`;
    // Labels come converted to utf8mb4; loading them as bytes fits only a utf8 column.
    case ValueKind.Enum: return c.charset && UTF8_CHARSETS.has(c.charset) ? undefined : `${c.name} is an ENUM/SET in ${c.charset}`;
    default: return undefined;
  }
}

/** The select-list item reading a column in its exact text form (aliased to its name). */
export function textSelectExpression(c: ColumnSchema, qualifier?: string): string {
  if (c.dataType !== 'float') return selectExpression(c, qualifier);
  return `CAST(${qualifier ? quoteId(qualifier) + '.' : ''}${quoteId(c.name)} AS DOUBLE) AS ${quoteId(c.name)}`;
}

/** Trims trailing zeros of a fraction, and the point when nothing is left ('.500000' -> '.5', '.000' -> ''). */
function trimFraction(s: string, from: number): string {
  const dot = s.indexOf('.', from);
  if (dot < 0) return s;
  let end = s.length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? s.slice(0, dot) : s.slice(0, end);
}

/** For kinds whose text is ASCII (numbers, temporal values): its canonical value from that text. */
function asciiValue(c: ColumnSchema, kind: ValueKind): ((s: string) => RowValue) | undefined {
  switch (kind) {
    case ValueKind.Integer:
      if (c.dataType !== 'bigint') return Number;
      // ZEROFILL columns print leading zeros; the canonical form has none.
      return (s) => (s.length > 1 && s.charCodeAt(0) === 48 ? BigInt(s).toString() : s);
    case ValueKind.Float:
    case ValueKind.Year:
      return Number;
    case ValueKind.Decimal:
      return (s) => s;
    case ValueKind.Temporal:
      // DATETIME(6) prints '.000000' where the binary protocol leaves a zero fraction out;
      // a non-zero one keeps all its digits there ('.500000').
      return (s) => (/\.0+$/.test(s) ? s.slice(0, s.indexOf('.', 10)) : s);
    case ValueKind.Time:
      return (s) => trimFraction(s, 0);
    default:
      return undefined;
  }
}

/** A decoder from a column's text bytes to its canonical RowValue (values.ts). */
export function textValueDecoder(c: ColumnSchema, kind: ValueKind): (b: TextValue) => RowValue {
  const ascii = asciiValue(c, kind);
  if (ascii) return (b) => (b === null ? null : ascii(b.toString('latin1')));
  switch (kind) {
    case ValueKind.Utf8Text:
    case ValueKind.Enum:
      return (b) => (b === null ? null : b.toString('utf8'));
    case ValueKind.Bytes:
    case ValueKind.TextBytes:
    case ValueKind.Bit:
      // A copy: the value must not pin the packet buffer it was read from.
      return (b) => (b === null ? null : Buffer.from(b));
    default:
      throw new Error(`column ${c.name} (${c.columnType}) cannot be read as text exactly`);
  }
}

/**
 * The same decoder for a non-NULL value given as bytes [from, to) of a buffer (a field of a raw
 * row, raw-rows.ts): numbers and temporal values are read without a Buffer view of their own.
 */
export function textFieldDecoder(c: ColumnSchema, kind: ValueKind): (buf: Buffer, from: number, to: number) => RowValue {
  const ascii = asciiValue(c, kind);
  if (ascii) return (buf, from, to) => ascii(buf.toString('latin1', from, to));
  const decode = textValueDecoder(c, kind);
  return (buf, from, to) => decode(buf.subarray(from, to));
}
