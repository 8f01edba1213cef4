// Reading a SqlValue as the unsigned 64-bit integer that numeric vindexes work on.
//
// Vitess decides by column type: hash parses a signed column's value as int64 and keeps its
// two's-complement bits; every other case is an unsigned decimal parse that tolerates spaces
// and tabs around the digits and fails on anything else (floats, '+', overflow, NULL), and a
// failure means "no destination". Our readers do not carry the column type, so the sign
// decides: a leading '-' (or a negative number or bigint) is a signed int64, anything else
// the unsigned parse.
//
// The result is two 32-bit words written into a caller-owned Uint32Array rather than a
// bigint: this runs once per row, and ids of up to 15 digits (most of them) are parsed in a
// double, so the common path allocates nothing.

import { assertExactNumber, type SqlValue } from './sql-value';

const TWO_32 = 0x1_0000_0000;
const INT64_MIN_HIGH_WORD = 0x8000_0000;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Reads `value` as a uint64 into `words` ([high 32 bits, low 32 bits]) and returns true, or
 * returns false when it has no uint64 form. With `signed`, negative values are accepted as
 * int64 and stored as their two's complement (the hash vindex); without, they fail (numeric,
 * reverse_bits).
 */
export function readUint64(value: SqlValue, signed: boolean, words: Uint32Array): boolean {
  if (value === null) return false;
  switch (typeof value) {
    case 'number': return numberWords(value, signed, words);
    case 'bigint': return bigintWords(value, signed, words);
    case 'string': return parseDecimal(value, signed, words);
    default: return parseDecimal(asciiText(value), signed, words);
  }
}

/** The uint64 as a bigint, for the cold paths (tests, reverse maps, messages). */
export function wordsToBigInt(words: Uint32Array): bigint {
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}

/** Decimal text that arrived as bytes (a numeric column read as binary), decoded byte for byte. */
function asciiText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function numberWords(value: number, signed: boolean, words: Uint32Array): boolean {
  if (!Number.isInteger(value)) return false; // floats, NaN and infinities
  assertExactNumber(value);
  if (value < 0 && !signed) return false;
  // Floor division gives the two's-complement high word for negatives too (-1 → 0xffffffff),
  // and ToUint32 (>>> 0) is exact modulo 2^32 for any safe integer.
  words[0] = Math.floor(value / TWO_32) >>> 0;
  words[1] = value >>> 0;
  return true;
}

function bigintWords(value: bigint, signed: boolean, words: Uint32Array): boolean {
  if (value < 0n ? !signed || value < INT64_MIN : value > UINT64_MAX) return false;
  const bits = BigInt.asUintN(64, value);
  words[0] = Number(bits >> 32n);
  words[1] = Number(bits & 0xffff_ffffn);
  return true;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Signed text ("-123") follows Go's strconv.ParseInt: a '-', digits, nothing else, within
 * int64. Unsigned text follows Vitess's fastparse.ParseUint64: optional spaces or tabs, digits,
 * optional spaces or tabs, within uint64.
 */
function parseDecimal(text: string, signed: boolean, words: Uint32Array): boolean {
  let start = 0;
  let end = text.length;
  const negative = end > 0 && text.charCodeAt(0) === 45; // '-'
  if (negative) {
    if (!signed) return false;
    start = 1;
  } else {
    while (start < end && isBlank(text.charCodeAt(start))) start++;
    while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  }
  if (start === end) return false;
  for (let i = start; i < end; i++) {
    if (!isDigit(text.charCodeAt(i))) return false;
  }
  if (!digitsToWords(text, start, end, words)) return false;
  return negative ? negate(words) : true;
}

/** The number written by the digits text[from, to); callers keep it below 2^53. */
function decimalValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}

/**
 * Converts a run of decimal digits to uint64 words, false on overflow. Up to 15 digits fit a
 * double exactly. Longer runs (at most 20 significant digits) are split as a * 10^9 + b and
 * recombined in 16-bit pieces so that no intermediate result exceeds 2^53.
 */
function digitsToWords(text: string, from: number, to: number, words: Uint32Array): boolean {
  while (from < to - 1 && text.charCodeAt(from) === 48) from++; // leading zeros never overflow
  const length = to - from;
  if (length <= 15) {
    const value = decimalValue(text, from, to);
    words[0] = Math.floor(value / TWO_32);
    words[1] = value >>> 0;
    return true;
  }
  if (length > 20) return false;
  const a = decimalValue(text, from, to - 9); // < 10^11 < 2^37
  const b = decimalValue(text, to - 9, to); // < 10^9 < 2^30
  const aHigh = Math.floor(a / 65536); // < 2^21
  const aLow = a % 65536;
  const x = aHigh * 1e9; // < 2^51; value = x * 2^16 + aLow * 10^9 + b
  const xHigh = Math.floor(x / 65536); // < 2^35
  const z = (x % 65536) * 65536 + aLow * 1e9 + b; // < 2^48; value = xHigh * 2^32 + z
  const high = xHigh + Math.floor(z / TWO_32);
  if (high >= TWO_32) return false;
  words[0] = high;
  words[1] = z >>> 0;
  return true;
}

/** Negates a magnitude in place as int64 two's complement; false if it is below -2^63. */
function negate(words: Uint32Array): boolean {
  const high = words[0];
  const low = words[1];
  if (high > INT64_MIN_HIGH_WORD || (high === INT64_MIN_HIGH_WORD && low !== 0)) return false;
  if (low === 0) {
    words[0] = -high >>> 0;
  } else {
    words[0] = ~high >>> 0;
    words[1] = (TWO_32 - low) >>> 0;
  }
  return true;
}
