// What every vindex implementation offers the copy and catch-up paths.

import type { SqlValue } from './sql-value';

/**
 * A functional vindex: maps one column value to the keyspace id that decides its shard.
 * `cost`, `unique` and `needsVCursor` are Vitess's own values for the type; they are what
 * picks the vindex VReplication filters with (see bestColumnVindex).
 */
export interface Vindex {
  readonly type: string;
  readonly cost: number;
  readonly unique: boolean;
  readonly needsVCursor: boolean;
  /**
   * The keyspace id of `value`, or null when the value has none (Vitess's "no destination",
   * e.g. a float or NULL for hash): such a row belongs to no shard. Synchronous and
   * allocation-light because it runs per row; the returned Buffer is the caller's to keep.
   */
  map(value: SqlValue): Buffer | null;
}
