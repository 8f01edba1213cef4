// The `binary` vindex: the value's bytes are the keyspace id, for columns that already hold
// well-distributed binary keys.

import { sqlText, type SqlValue } from './sql-value';
import type { Vindex } from './vindex';

/**
 * A copy of the value's bytes (strings as UTF-8, numbers as their SQL text). NULL maps to the
 * empty keyspace id, as in Vitess, which sorts before every other id.
 */
export function binaryKeyspaceId(value: SqlValue): Buffer {
  const raw = sqlText(value);
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
}

export const binaryVindex: Vindex = {
  type: 'binary',
  cost: 0,
  unique: true,
  needsVCursor: false,
  map: binaryKeyspaceId,
};
