import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createVindex, parseShardName, parseShardSpec, shardFinder, type SqlValue, unicodeLooseWeights, type Vindex,
} from '../../../src/vindex';

// Vectors: vitess-facts.md §4 (upstream unicodeloosemd5_test.go / unicodeloosexxhash_test.go).
const vectors: [SqlValue, md5: string, xxhash: string][] = [
  ['Test', '0b5edbb401fd7524393690491d64f1f5', '42d21361087a4c07'],
  ['Bést', 'c2b2332e4f73d00741026249706f2fb6', '926975b9ce2ec316'],
  [' Test', 'a2e3515c7e8df1ffd2ccfc11c6b19dd1', '4fcb8be34ec05775'],
  ['Test\t', '82456dd87a9c7a02b1c2056b5abaa272', '20af87fc36e3fd51'],
  ['TéstLooong', '9683e12b80430cd453f5dfdfba81c9a5', 'd3ea873942b484a7'],
  ['T', 'ac0f9179f51db87fe8ecc0cf40cab97a', 'f81c3be2d501fe18'],
  [null, 'd41d8cd98f00b204e9800998ecf8427e', '99e9d85137db46ef'],
];

describe('unicode_loose vindexes', () => {
  let md5: Vindex;
  let xxhash: Vindex;
  before(async () => {
    md5 = await createVindex('unicode_loose_md5');
    xxhash = await createVindex('unicode_loose_xxhash');
  });
  const hex = (vindex: Vindex, value: SqlValue): string | undefined => vindex.map(value)?.toString('hex');

  for (const [value, md5Ksid, xxhashKsid] of vectors) {
    it(`maps ${JSON.stringify(value)} to ${md5Ksid} / ${xxhashKsid}`, () => {
      assert.equal(hex(md5, value), md5Ksid);
      assert.equal(hex(xxhash, value), xxhashKsid);
    });
  }

  it('ignores case, accents, width and trailing spaces, as text or as bytes', () => {
    const forms: SqlValue[] = ['Test', 'TEST', 'Tést', 'Te\u0301st', 'Test ', 'Ｔｅｓｔ', Buffer.from('tést  ')];
    for (const form of forms) {
      assert.equal(hex(md5, form), '0b5edbb401fd7524393690491d64f1f5', JSON.stringify(form));
      assert.equal(hex(xxhash, form), '42d21361087a4c07', JSON.stringify(form));
    }
  });

  it('keeps leading spaces and other trailing whitespace apart', () => {
    assert.notEqual(hex(md5, ' Test'), hex(md5, 'Test'));
    assert.notEqual(hex(md5, 'Test\t'), hex(md5, 'Test'));
  });

  it('hashes integers by their SQL text', () => {
    assert.equal(hex(md5, 12), hex(md5, '12'));
    assert.equal(hex(xxhash, 12n), hex(xxhash, Buffer.from('12')));
  });

  it('refuses bytes that are not UTF-8, naming them, as Vitess does', () => {
    assert.throws(() => md5.map(Buffer.from([0x61, 0xff])), {
      message: 'cannot normalize string containing invalid UTF-8: 0x61ff',
    });
    assert.throws(() => xxhash.map(Buffer.from([0xc3])), /invalid UTF-8: 0xc3$/);
  });

  it('routes to shards like any 16- or 8-byte keyspace id', () => {
    const find = shardFinder(parseShardSpec('-80-').map((name) => ({ name, keyRange: parseShardName(name) })));
    assert.equal(find(md5.map('Test')!).name, '-80'); // 0b…
    assert.equal(find(md5.map('Bést')!).name, '80-'); // c2…
    assert.equal(find(xxhash.map('Test')!).name, '-80'); // 42…
    assert.equal(find(xxhash.map('Bést')!).name, '80-'); // 92…
  });

  // Weight bytes computed by Vitess's own collate.Hasher (v0.24.4) for 538 strings: Latin,
  // Hangul, CJK, emoji, compatibility forms, every contraction with combining marks between and
  // around its parts (discontiguous matches), runs of more than 30 combining marks, reversed
  // sequences. See scripts/collation/README.md.
  it('weighs strings exactly as Vitess does', () => {
    const file = join(__dirname, '../../../../test/fixtures/unicode-loose-weights.json');
    const cases = JSON.parse(readFileSync(file, 'utf8')) as [string, string][];
    assert.ok(cases.length > 500);
    const wrong = cases
      .map(([input, weights]) => ({ text: Buffer.from(input, 'base64').toString('utf8'), weights }))
      .filter(({ text, weights }) => unicodeLooseWeights(text).toString('hex') !== weights);
    assert.deepEqual(wrong, []);
  });
});
