// Which shard a keyspace id belongs to.
//
// Vitess scans a keyspace's shards in order and takes the first whose range contains the id.
// This runs per row, so the shard list is prepared once: bounds are normalised up front, and
// when the shards are sorted and disjoint (every real keyspace) the scan becomes a binary
// search with the same answer.

import { compareKeyPrefixes, significantLength, type KeyRange } from './keyrange';

/** A shard as the lookup needs it; callers may pass richer objects and get them back. */
export interface ShardKeyRange {
  readonly name: string;
  readonly keyRange: KeyRange;
}

/** Maps a keyspace id to its shard; throws if no shard contains it. */
export type ShardFinder<S extends ShardKeyRange> = (ksid: Uint8Array) => S;

/**
 * Prepares `shards` (in their topology order) for repeated lookups. The returned function
 * gives the first shard whose range contains the keyspace id, or throws
 * `KeyspaceId <hex> didn't match any shards [...]`.
 */
export function shardFinder<S extends ShardKeyRange>(shards: readonly S[]): ShardFinder<S> {
  const count = shards.length;
  const starts = shards.map((s) => s.keyRange.start);
  const startLengths = starts.map(significantLength);
  const ends = shards.map((s) => s.keyRange.end);
  // 0 marks an unbounded end: trailing zeros are dropped, so only the empty key has length 0.
  const endLengths = ends.map(significantLength);

  const endsAfter = (i: number, ksid: Uint8Array, length: number): boolean =>
    endLengths[i] === 0 || compareKeyPrefixes(ksid, length, ends[i], endLengths[i]) < 0;
  const startsBy = (i: number, ksid: Uint8Array, length: number): boolean =>
    compareKeyPrefixes(starts[i], startLengths[i], ksid, length) <= 0;

  const noMatch = (ksid: Uint8Array): never => {
    const hex = Buffer.from(ksid.buffer, ksid.byteOffset, ksid.byteLength).toString('hex');
    throw new Error(`KeyspaceId ${hex} didn't match any shards [${shards.map((s) => s.name).join(' ')}]`);
  };

  if (!sortedAndDisjoint(startLengths, endLengths, starts, ends)) {
    return (ksid) => {
      const length = significantLength(ksid);
      for (let i = 0; i < count; i++) {
        if (startsBy(i, ksid, length) && endsAfter(i, ksid, length)) return shards[i];
      }
      return noMatch(ksid);
    };
  }

  return (ksid) => {
    const length = significantLength(ksid);
    // The last shard starting at or before ksid is the only one that can contain it.
    let low = 0;
    let high = count - 1;
    let candidate = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (startsBy(mid, ksid, length)) {
        candidate = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (candidate >= 0 && endsAfter(candidate, ksid, length)) return shards[candidate];
    return noMatch(ksid);
  };
}

/** True if each shard starts at or after the previous one's end (so none overlap). */
function sortedAndDisjoint(startLengths: number[], endLengths: number[], starts: Uint8Array[], ends: Uint8Array[]): boolean {
  for (let i = 1; i < starts.length; i++) {
    if (endLengths[i - 1] === 0) return false; // the previous shard runs to the end
    if (compareKeyPrefixes(starts[i], startLengths[i], ends[i - 1], endLengths[i - 1]) < 0) return false;
  }
  return true;
}

/** One-off lookup; prefer shardFinder when mapping many ids against the same shards. */
export function findShardForKeyspaceId<S extends ShardKeyRange>(shards: readonly S[], ksid: Uint8Array): S {
  return shardFinder(shards)(ksid);
}
