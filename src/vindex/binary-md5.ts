// The `binary_md5` vindex: MD5 of the value's bytes, a 16-byte keyspace id. Comparison is
// byte-exact (no collation), unlike unicode_loose_md5.

import { createHash } from 'node:crypto';
import { sqlText, type SqlValue } from './sql-value';
import type { Vindex } from './vindex';

/** MD5 of the value's bytes (strings as UTF-8, numbers as SQL text, NULL as no bytes). */
export function binaryMd5KeyspaceId(value: SqlValue): Buffer {
  return createHash('md5').update(sqlText(value)).digest();
}

export const binaryMd5Vindex: Vindex = {
  type: 'binary_md5',
  cost: 1,
  unique: true,
  needsVCursor: false,
  map: binaryMd5KeyspaceId,
};
