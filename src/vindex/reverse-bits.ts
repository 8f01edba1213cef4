// The `reverse_bits` vindex: the uint64 with its 64 bits in reverse order, so sequential ids
// land far apart (1 → 80.., 2 → 40.., 3 → c0..) while the mapping stays trivially reversible.

import type { SqlValue } from './sql-value';
import { readUint64 } from './uint64';
import type { Vindex } from './vindex';

const words = new Uint32Array(2);

/** Reverses the bits of a 32-bit word by swapping ever larger groups. */
function reverse32(x: number): number {
  x = ((x >>> 1) & 0x5555_5555) | ((x & 0x5555_5555) << 1);
  x = ((x >>> 2) & 0x3333_3333) | ((x & 0x3333_3333) << 2);
  x = ((x >>> 4) & 0x0f0f_0f0f) | ((x & 0x0f0f_0f0f) << 4);
  x = ((x >>> 8) & 0x00ff_00ff) | ((x & 0x00ff_00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

/** The bit-reversed value as 8 big-endian bytes, or null unless it is an unsigned 64-bit integer. */
export function reverseBitsKeyspaceId(value: SqlValue): Buffer | null {
  if (!readUint64(value, false, words)) return null;
  const ksid = Buffer.allocUnsafe(8);
  // Reversing 64 bits reverses each word and swaps the two.
  ksid.writeUInt32BE(reverse32(words[1]), 0);
  ksid.writeUInt32BE(reverse32(words[0]), 4);
  return ksid;
}

export const reverseBitsVindex: Vindex = {
  type: 'reverse_bits',
  cost: 1,
  unique: true,
  needsVCursor: false,
  map: reverseBitsKeyspaceId,
};
