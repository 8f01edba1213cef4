// The `unicode_loose_md5` and `unicode_loose_xxhash` vindexes: a string's primary collation
// weights (case, accents and width ignored), hashed with MD5 (16-byte keyspace id) or XXH64
// written little-endian (8 bytes). Like Vitess, trailing ASCII spaces are trimmed first (MySQL
// ignores them in comparisons) and a value that is not valid UTF-8 is an error, not a shard.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { asciiPrimaryWeightBytes, primaryWeightBytes } from './collation-weights';
import { sqlText, type SqlValue } from './sql-value';
import type { Vindex } from './vindex';
import { loadXxhash } from './xxhash';

/**
 * The bytes both vindexes hash: the primary weights of the value's text with trailing spaces
 * trimmed. May return a view of a scratch buffer the next call overwrites: hash it at once.
 */
function looseWeights(value: SqlValue): Uint8Array {
  const text = sqlText(value);
  if (typeof text === 'string') return primaryWeightBytes(text.replace(/ +$/, ''));
  let end = text.length;
  while (end > 0 && text[end - 1] === 0x20) end--;
  const ascii = asciiPrimaryWeightBytes(text, end);
  if (ascii !== undefined) return ascii;
  if (!isUtf8(text)) {
    throw new Error(`cannot normalize string containing invalid UTF-8: 0x${Buffer.from(text).toString('hex')}`);
  }
  return primaryWeightBytes(Buffer.from(text.buffer, text.byteOffset, end).toString('utf8'));
}

/** The bytes Vitess hashes for `value` (a copy the caller keeps). */
export function unicodeLooseWeights(value: SqlValue): Buffer {
  return Buffer.from(looseWeights(value));
}

export const unicodeLooseMd5Vindex: Vindex = {
  type: 'unicode_loose_md5',
  cost: 1,
  unique: true,
  needsVCursor: false,
  map: (value) => createHash('md5').update(looseWeights(value)).digest(),
};

/** The unicode_loose_xxhash vindex, once xxhash-wasm is ready. */
export async function createUnicodeLooseXxhashVindex(): Promise<Vindex> {
  const api = await loadXxhash();
  return {
    type: 'unicode_loose_xxhash',
    cost: 1,
    unique: true,
    needsVCursor: false,
    map: (value) => {
      const ksid = Buffer.allocUnsafe(8);
      ksid.writeBigUInt64LE(api.h64Raw(looseWeights(value)));
      return ksid;
    },
  };
}
