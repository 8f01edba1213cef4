// The `hash` vindex: the value as a uint64, encrypted with single DES under the zero key.
//
// Vitess uses DES here as a cheap 64-bit bijection that spreads sequential ids evenly over the
// key space, not for secrecy; the zero key is fixed, so the keyspace id can be decrypted back
// to the id (unhashKeyspaceId).

import { desZeroKey } from './des';
import type { SqlValue } from './sql-value';
import { readUint64, wordsToBigInt } from './uint64';
import type { Vindex } from './vindex';

// Scratch words reused by every call: map is synchronous, so no two calls can interleave.
const input = new Uint32Array(2);
const output = new Uint32Array(2);

/** The 8-byte keyspace id of `value`, or null for values with no int64/uint64 form. */
export function hashKeyspaceId(value: SqlValue): Buffer | null {
  if (!readUint64(value, true, input)) return null;
  desZeroKey(input[0], input[1], output);
  const ksid = Buffer.allocUnsafe(8);
  ksid.writeUInt32BE(output[0], 0);
  ksid.writeUInt32BE(output[1], 4);
  return ksid;
}

/** The uint64 a hash keyspace id was computed from (negative ids come back as 2^64 + id). */
export function unhashKeyspaceId(ksid: Uint8Array): bigint {
  if (ksid.length !== 8) {
    throw new Error(`invalid keyspace id: ${Buffer.from(ksid).toString('hex')} is not 8 bytes`);
  }
  const view = Buffer.from(ksid.buffer, ksid.byteOffset, 8);
  // The zero key is a DES weak key: decryption is encryption.
  desZeroKey(view.readUInt32BE(0), view.readUInt32BE(4), output);
  return wordsToBigInt(output);
}

export const hashVindex: Vindex = {
  type: 'hash',
  cost: 1,
  unique: true,
  needsVCursor: false,
  map: hashKeyspaceId,
};
