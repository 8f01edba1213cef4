// Key ranges: the slice of keyspace-id space a shard owns, and shard names, which spell them.
//
// A range is half-open, [start, end). Keyspace ids compare as byte strings, lexicographically,
// after dropping trailing zero bytes: Vitess treats `-80`, `00-80` and `0000-8000` as the same
// range, so an empty start is the lowest key and an empty end means "no upper bound".

/** A shard's key range; an empty Buffer on either side means unbounded on that side. */
export interface KeyRange {
  start: Buffer;
  end: Buffer;
}

/** The range covering every keyspace id, as an unsharded keyspace's shard `0` has. */
export function fullKeyRange(): KeyRange {
  return { start: Buffer.alloc(0), end: Buffer.alloc(0) };
}

/** The key's length without its trailing zero bytes, which never change its order. */
export function significantLength(key: Uint8Array): number {
  let length = key.length;
  while (length > 0 && key[length - 1] === 0) length--;
  return length;
}

/** The key without trailing zero bytes (a view, not a copy). */
export function normalizeKey(key: Buffer): Buffer {
  return key.subarray(0, significantLength(key));
}

/**
 * Compares the first aLength bytes of a with the first bLength bytes of b lexicographically:
 * negative, zero or positive. A hand loop beats Buffer.compare's native call on keys this
 * short, and it runs per row.
 */
export function compareKeyPrefixes(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): number {
  const common = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < common; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return aLength - bLength;
}

/** Compares two keyspace ids as Vitess does, ignoring trailing zero bytes. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return compareKeyPrefixes(a, significantLength(a), b, significantLength(b));
}

/** True if the key is the minimum key (empty or all zeros), which as an end means unbounded. */
function isUnbounded(key: Uint8Array): boolean {
  return significantLength(key) === 0;
}

export function isFullKeyRange(kr: KeyRange): boolean {
  return isUnbounded(kr.start) && isUnbounded(kr.end);
}

/** start <= ksid < end, with an empty start or end unbounded. */
export function keyRangeContains(kr: KeyRange, ksid: Uint8Array): boolean {
  return (isUnbounded(kr.start) || compareKeys(ksid, kr.start) >= 0)
    && (isUnbounded(kr.end) || compareKeys(ksid, kr.end) < 0);
}

/** True if some keyspace id lies in both ranges. */
export function keyRangesIntersect(a: KeyRange, b: KeyRange): boolean {
  return (isUnbounded(a.end) || compareKeys(b.start, a.end) < 0)
    && (isUnbounded(b.end) || compareKeys(a.start, b.end) < 0);
}

/** Same range, however its bounds are padded (`-80` equals `00-8000`). */
export function keyRangeEqual(a: KeyRange, b: KeyRange): boolean {
  return compareKeys(a.start, b.start) === 0 && compareKeys(a.end, b.end) === 0;
}

/** The range in shard-name form: `-80`, `40-c0`, `-` for the full range; bounds as given. */
export function keyRangeString(kr: KeyRange): string {
  return `${kr.start.toString('hex')}-${kr.end.toString('hex')}`;
}

const MAX_NAME_LENGTH = 64;
const KEY_RANGE_PATTERN = /^(0|([0-9a-fA-F]{2})*-([0-9a-fA-F]{2})*)$/;
const OBJECT_NAME_CHARACTER = /[A-Za-z0-9_-]/;

/**
 * True for a name a range-based shard may have: `0`, or hex start and end of whole bytes
 * around one `-` (Vitess's key range pattern), at most 64 characters, start before end.
 */
export function isValidShardName(name: string): boolean {
  if (name.length > MAX_NAME_LENGTH || !KEY_RANGE_PATTERN.test(name)) return false;
  try {
    parseShardName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The key range a shard name stands for, with Vitess's validation and messages
 * (topo.ValidateShardName). A name without `-` (`0`, or any other object name) is an
 * unsharded keyspace's shard and covers the full range. Hex may be in either case.
 */
export function parseShardName(name: string): KeyRange {
  validateObjectName(name);
  if (!name.includes('-')) return fullKeyRange();
  const parts = name.split('-');
  if (parts.length !== 2) throw new Error(`invalid shardId, can only contain one '-': ${name}`);
  const kr = { start: decodeHex(name, parts[0]), end: decodeHex(name, parts[1]) };
  if (!isUnbounded(kr.end) && compareKeys(kr.start, kr.end) >= 0) {
    throw new Error(`out of order keys: ${kr.start.toString('hex')} is not strictly smaller than ${kr.end.toString('hex')}`);
  }
  return kr;
}

/** Vitess's rule for topology object names: 1-64 ASCII letters, digits, `-` or `_`. */
function validateObjectName(name: string): void {
  if (name === '') throw new Error('empty name');
  if (name.length > MAX_NAME_LENGTH) throw new Error(`name ${name} is too long`);
  for (const c of name) {
    if (!OBJECT_NAME_CHARACTER.test(c)) throw new Error(`invalid character ${c} in name ${name}`);
  }
}

/** Strict hex decoding (Buffer.from(..., 'hex') silently stops at the first bad digit). */
function decodeHex(name: string, hex: string): Buffer {
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new Error(`invalid shard name ${name}: encoding/hex: invalid byte: U+${code} '${bad[0]}'`);
  }
  if (hex.length % 2 !== 0) throw new Error(`invalid shard name ${name}: encoding/hex: odd length hex string`);
  return Buffer.from(hex, 'hex');
}
