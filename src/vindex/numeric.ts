// The `numeric` vindex: the value's uint64 bits are the keyspace id, so ids keep their order
// and a range of ids is a key range.

import type { SqlValue } from './sql-value';
import { readUint64 } from './uint64';
import type { Vindex } from './vindex';

const words = new Uint32Array(2);

/** The value as 8 big-endian bytes, or null unless it is an unsigned 64-bit integer. */
export function numericKeyspaceId(value: SqlValue): Buffer | null {
  if (!readUint64(value, false, words)) return null;
  const ksid = Buffer.allocUnsafe(8);
  ksid.writeUInt32BE(words[0], 0);
  ksid.writeUInt32BE(words[1], 4);
  return ksid;
}

export const numericVindex: Vindex = {
  type: 'numeric',
  cost: 0,
  unique: true,
  needsVCursor: false,
  map: numericKeyspaceId,
};
