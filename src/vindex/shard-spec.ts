// How a keyspace's key range is divided into shards: sharding specs, even splits, and the
// check that a set of shards covers every keyspace id exactly once.

import { compareKeys, keyRangeString, parseShardName, significantLength, type KeyRange } from './keyrange';

/**
 * Splits a sharding spec into shard names: `-40-80-c0-` → `-40`, `40-80`, `80-c0`, `c0-`;
 * `0` → `0` (unsharded). Names come back lower-cased. Errors follow Vitess's
 * ParseShardingSpec, plus any invalid shard name the spec would produce.
 */
export function parseShardSpec(spec: string): string[] {
  if (spec === '0') return ['0'];
  const bounds = spec.toLowerCase().split('-');
  if (bounds.length === 1) throw new Error(`malformed spec: doesn't define a range: ${JSON.stringify(spec)}`);
  const names: string[] = [];
  for (let i = 1; i < bounds.length; i++) {
    const isLast = i === bounds.length - 1;
    if (bounds[i] === '' && !isLast) {
      throw new Error(`malformed spec: MinKey/MaxKey cannot be in the middle of the spec: ${JSON.stringify(spec)}`);
    }
    const name = `${bounds[i - 1]}-${bounds[i]}`;
    try {
      parseShardName(name);
    } catch (err) {
      throw new Error(`malformed spec ${JSON.stringify(spec)}: ${(err as Error).message}`);
    }
    names.push(name);
  }
  return names;
}

const MAX_EVEN_SHARDS = 65536;

/**
 * The names of n equal shards, n a power of two: each is 2^64 / n wide, bounds use as many
 * bytes as n − 1 needs, and the first start and last end are empty. n = 2 → `-80`, `80-`;
 * n = 4 → `-40`, `40-80`, `80-c0`, `c0-`; n = 512 → `-0080`, …; n = 1 → `-`.
 */
export function evenShardNames(n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_EVEN_SHARDS || (n & (n - 1)) !== 0) {
    throw new Error(`the shard count must be a power of two between 1 and ${MAX_EVEN_SHARDS}: ${n}`);
  }
  const byteCount = n === 1 ? 0 : Math.ceil(Math.log2(n) / 8);
  const width = (1n << 64n) / BigInt(n);
  const boundary = (i: number): string => {
    if (i === 0 || i === n) return '';
    return (BigInt(i) * width).toString(16).padStart(16, '0').slice(0, byteCount * 2);
  };
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(`${boundary(i)}-${boundary(i + 1)}`);
  return names;
}

/** A shard whose range has been parsed, for the coverage walk. */
interface ParsedShard { name: string; keyRange: KeyRange }

/**
 * What keeps these shards from partitioning the full key range, one message per problem:
 * unparsable names, gaps no shard covers, and overlaps two shards share. Empty when they
 * cover every keyspace id exactly once.
 */
export function shardCoverageProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  const shards: ParsedShard[] = [];
  for (const name of names) {
    try {
      shards.push({ name, keyRange: parseShardName(name) });
    } catch (err) {
      problems.push(`shard ${name}: ${(err as Error).message}`);
    }
  }
  if (names.length === 0) problems.push('no shards: nothing covers the key range');
  shards.sort((a, b) => compareKeys(a.keyRange.start, b.keyRange.start));

  // Walk the shards by start, remembering how far the ones seen so far reach and which shard
  // reaches that far. `reach` null means they already reach the end of the key space.
  let reach: Buffer | null = Buffer.alloc(0);
  let reacher: ParsedShard | undefined;
  for (const shard of shards) {
    const { start, end } = shard.keyRange;
    const endless = significantLength(end) === 0;
    if (reach !== null && compareKeys(start, reach) > 0) {
      problems.push(`gap: no shard covers ${keyRangeString({ start: reach, end: start })}`);
    } else if (reacher !== undefined && (reach === null || compareKeys(start, reach) < 0)) {
      const overlapEnd = reach === null || (!endless && compareKeys(end, reach) < 0) ? end : reach;
      problems.push(`overlap: shards ${reacher.name} and ${shard.name} both cover ${keyRangeString({ start, end: overlapEnd })}`);
    }
    if (reach !== null && (endless || compareKeys(end, reach) > 0)) {
      reach = endless ? null : end;
      reacher = shard;
    }
  }
  if (reach !== null && shards.length > 0) {
    problems.push(`gap: no shard covers ${keyRangeString({ start: reach, end: Buffer.alloc(0) })}`);
  }
  return problems;
}

/**
 * Throws unless the named shards partition the full key range (every keyspace id in exactly
 * one shard), with a message listing every gap and overlap; a spec's shards must.
 */
export function checkShardsCoverFullRange(names: readonly string[]): void {
  const problems = shardCoverageProblems(names);
  if (problems.length > 0) {
    throw new Error(`shards ${names.join(',')} do not partition the key range: ${problems.join('; ')}`);
  }
}
