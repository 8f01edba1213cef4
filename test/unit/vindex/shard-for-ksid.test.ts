import { strict as assert } from 'node:assert';
import {
  evenShardNames, findShardForKeyspaceId, hashKeyspaceId, parseShardName, shardFinder, type ShardKeyRange,
} from '../../../src/vindex';

const shards = (names: string[]): ShardKeyRange[] => names.map((name) => ({ name, keyRange: parseShardName(name) }));
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const ksid = (id: number): Buffer => hashKeyspaceId(id) as Buffer;

describe('keyspace id → shard', () => {
  it('routes hash ids over two shards', () => {
    const find = shardFinder(shards(['-80', '80-']));
    assert.equal(find(ksid(1)).name, '-80'); // 166b40b4...
    assert.equal(find(ksid(4)).name, '80-'); // d2fd8867...
  });

  it('routes hash ids over four shards', () => {
    const find = shardFinder(shards(['-40', '40-80', '80-c0', 'c0-']));
    const want: Record<number, string> = { 0: '80-c0', 1: '-40', 2: '-40', 3: '40-80', 4: 'c0-', 5: '40-80', 6: 'c0-' };
    for (const [id, shard] of Object.entries(want)) assert.equal(find(ksid(Number(id))).name, shard, `id ${id}`);
  });

  it('puts boundaries in the upper shard and pads keys with zeros', () => {
    const find = shardFinder(shards(['-40', '40-80', '80-c0', 'c0-']));
    assert.equal(find(hex('40')).name, '40-80');
    assert.equal(find(hex('3fffffffffffffff')).name, '-40');
    assert.equal(find(hex('8000000000000000')).name, '80-c0');
    assert.equal(find(hex('')).name, '-40');
    assert.equal(find(hex('ffffffffffffffff')).name, 'c0-');
  });

  it('routes through the single shard of an unsharded keyspace', () => {
    assert.equal(shardFinder(shards(['0']))(ksid(5)).name, '0');
  });

  it('returns the caller’s own shard objects', () => {
    const list = shards(['-80', '80-']).map((s, i) => ({ ...s, index: i }));
    assert.equal(shardFinder(list)(hex('90')).index, 1);
  });

  it('throws when no shard matches', () => {
    const find = shardFinder(shards(['-40', '80-']));
    assert.throws(() => find(hex('59')), { message: "KeyspaceId 59 didn't match any shards [-40 80-]" });
    assert.throws(() => shardFinder([])(hex('00')), { message: "KeyspaceId 00 didn't match any shards []" });
  });

  it('takes the first match, in order, when shards overlap', () => {
    const overlapping = shards(['40-c0', '-80', '80-']);
    assert.equal(findShardForKeyspaceId(overlapping, hex('50')).name, '40-c0');
    assert.equal(findShardForKeyspaceId(overlapping, hex('10')).name, '-80');
    assert.equal(findShardForKeyspaceId(overlapping, hex('c0')).name, '80-');
  });

  it('agrees with a linear scan on many shards and ids', () => {
    const list = shards(evenShardNames(256));
    const find = shardFinder(list);
    for (let id = 0; id < 5000; id++) {
      const key = ksid(id);
      const want = list.find((s) => key.compare(s.keyRange.start) >= 0 && (s.keyRange.end.length === 0 || key.compare(s.keyRange.end) < 0));
      assert.equal(find(key).name, want?.name, `id ${id}`);
    }
  });
});
