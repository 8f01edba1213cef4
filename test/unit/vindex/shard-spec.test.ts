import { strict as assert } from 'node:assert';
import { checkShardsCoverFullRange, evenShardNames, parseShardSpec, shardCoverageProblems } from '../../../src/vindex';

describe('sharding specs', () => {
  describe('parseShardSpec', () => {
    it('splits a spec into consecutive ranges', () => {
      assert.deepEqual(parseShardSpec('-40-80-c0-'), ['-40', '40-80', '80-c0', 'c0-']);
      assert.deepEqual(parseShardSpec('-80-'), ['-80', '80-']);
      assert.deepEqual(parseShardSpec('-4000-8000-'), ['-4000', '4000-8000', '8000-']);
      assert.deepEqual(parseShardSpec('-80-C0-'), ['-80', '80-c0', 'c0-']);
    });

    it('keeps 0 and - as the single full-range shard', () => {
      assert.deepEqual(parseShardSpec('0'), ['0']);
      assert.deepEqual(parseShardSpec('-'), ['-']);
    });

    const errors: [string, RegExp][] = [
      ['80', /^malformed spec: doesn't define a range: "80"$/],
      ['', /^malformed spec: doesn't define a range: ""$/],
      ['-40--80-', /^malformed spec: MinKey\/MaxKey cannot be in the middle of the spec: "-40--80-"$/],
      ['-80-40-', /^malformed spec "-80-40-": out of order keys: 80 is not strictly smaller than 40$/],
      ['-80-80-', /^malformed spec "-80-80-": out of order keys/],
      ['-8-', /^malformed spec "-8-": invalid shard name -8: encoding\/hex: odd length hex string$/],
      ['-zz-', /^malformed spec "-zz-": invalid shard name -zz: encoding\/hex: invalid byte: U\+007A 'z'$/],
    ];
    for (const [spec, message] of errors) {
      it(`rejects ${JSON.stringify(spec)}`, () => assert.throws(() => parseShardSpec(spec), { message }));
    }
  });

  describe('evenShardNames', () => {
    it('splits into 1, 2, 4 and 8 shards', () => {
      assert.deepEqual(evenShardNames(1), ['-']);
      assert.deepEqual(evenShardNames(2), ['-80', '80-']);
      assert.deepEqual(evenShardNames(4), ['-40', '40-80', '80-c0', 'c0-']);
      assert.deepEqual(evenShardNames(8), ['-20', '20-40', '40-60', '60-80', '80-a0', 'a0-c0', 'c0-e0', 'e0-']);
    });

    it('uses one byte up to 256 shards', () => {
      const sixteen = evenShardNames(16);
      assert.deepEqual(sixteen.slice(0, 3), ['-10', '10-20', '20-30']);
      assert.deepEqual(sixteen.slice(-2), ['e0-f0', 'f0-']);
      const all = evenShardNames(256);
      assert.equal(all.length, 256);
      assert.deepEqual(all.slice(0, 3), ['-01', '01-02', '02-03']);
      assert.equal(all[128], '80-81');
      assert.deepEqual(all.slice(-2), ['fe-ff', 'ff-']);
    });

    it('uses two bytes from 512 shards', () => {
      const names = evenShardNames(512);
      assert.deepEqual(names.slice(0, 2), ['-0080', '0080-0100']);
      assert.deepEqual(names.slice(-1), ['ff80-']);
    });

    it('always produces a partition', () => {
      for (const n of [1, 2, 4, 8, 16, 32, 256, 1024]) checkShardsCoverFullRange(evenShardNames(n));
    });

    it('rejects counts that are not powers of two', () => {
      for (const n of [0, 3, 6, -2, 1.5, 131072]) {
        assert.throws(() => evenShardNames(n), { message: /^the shard count must be a power of two between 1 and 65536: / });
      }
    });
  });

  describe('shard coverage', () => {
    it('accepts partitions of the full range', () => {
      for (const names of [['0'], ['-'], ['-80', '80-'], ['c0-', '-40', '80-c0', '40-80'], ['-80', '8000-']]) {
        assert.deepEqual(shardCoverageProblems(names), [], names.join(','));
        checkShardsCoverFullRange(names);
      }
    });

    it('names gaps, including at both ends', () => {
      assert.deepEqual(shardCoverageProblems(['-40', '80-']), ['gap: no shard covers 40-80']);
      assert.deepEqual(shardCoverageProblems(['40-80', '80-c0']), ['gap: no shard covers -40', 'gap: no shard covers c0-']);
      assert.deepEqual(shardCoverageProblems([]), ['no shards: nothing covers the key range']);
    });

    it('names overlaps and the range both shards cover', () => {
      assert.deepEqual(shardCoverageProblems(['-80', '40-']), ['overlap: shards -80 and 40- both cover 40-80']);
      assert.deepEqual(shardCoverageProblems(['-80', '-80', '80-']), ['overlap: shards -80 and -80 both cover -80']);
      assert.deepEqual(shardCoverageProblems(['0', '80-']), ['overlap: shards 0 and 80- both cover 80-']);
      assert.deepEqual(shardCoverageProblems(['-c0', '40-80', 'c0-']), ['overlap: shards -c0 and 40-80 both cover 40-80']);
    });

    it('reports unparsable names with the rest', () => {
      assert.deepEqual(shardCoverageProblems(['-80', '80-4g']), [
        "shard 80-4g: invalid shard name 80-4g: encoding/hex: invalid byte: U+0067 'g'",
        'gap: no shard covers 80-',
      ]);
    });

    it('throws one message listing every problem', () => {
      assert.throws(() => checkShardsCoverFullRange(['-40', '30-80', 'c0-']), {
        message: 'shards -40,30-80,c0- do not partition the key range: '
          + 'overlap: shards -40 and 30-80 both cover 30-40; gap: no shard covers 80-c0',
      });
    });
  });
});
