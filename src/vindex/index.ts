// vindex: Vitess's vindexes, key ranges and keyspace-id → shard mapping, as pure functions.
// Import from here rather than from the individual files.

export type { SqlValue } from './sql-value';
export type { Vindex } from './vindex';
export { createVindex } from './create-vindex';
export {
  KNOWN_VINDEX_TYPES, SUPPORTED_VINDEX_TYPES, isKnownVindexType, isSupportedVindexType, vindexTraits,
  type VindexTraits,
} from './catalog';
export { bestColumnVindex, type ChosenColumnVindex, type ColumnVindexRef, type VindexDefinition } from './best-vindex';

export { hashKeyspaceId, unhashKeyspaceId, hashVindex } from './hash';
export { numericKeyspaceId, numericVindex } from './numeric';
export { reverseBitsKeyspaceId, reverseBitsVindex } from './reverse-bits';
export { binaryKeyspaceId, binaryVindex } from './binary';
export { binaryMd5KeyspaceId, binaryMd5Vindex } from './binary-md5';
export { createXxhashVindex } from './xxhash';
export { createUnicodeLooseXxhashVindex, unicodeLooseMd5Vindex, unicodeLooseWeights } from './unicode-loose';

export {
  compareKeys, fullKeyRange, isFullKeyRange, isValidShardName, keyRangeContains, keyRangeEqual, keyRangeString,
  keyRangesIntersect, normalizeKey, parseShardName, type KeyRange,
} from './keyrange';
export { checkShardsCoverFullRange, evenShardNames, parseShardSpec, shardCoverageProblems } from './shard-spec';
export { findShardForKeyspaceId, shardFinder, type ShardFinder, type ShardKeyRange } from './shard-for-ksid';
