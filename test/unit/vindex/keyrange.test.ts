import { strict as assert } from 'node:assert';
import {
  compareKeys, fullKeyRange, isFullKeyRange, isValidShardName, keyRangeContains, keyRangeEqual, keyRangeString,
  keyRangesIntersect, normalizeKey, parseShardName, type KeyRange,
} from '../../../src/vindex';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const kr = (name: string): KeyRange => parseShardName(name);

describe('key ranges', () => {
  describe('normalisation', () => {
    it('drops trailing zero bytes only', () => {
      assert.deepEqual(normalizeKey(hex('80000000')), hex('80'));
      assert.deepEqual(normalizeKey(hex('0080')), hex('0080'));
      assert.deepEqual(normalizeKey(hex('0000')), hex(''));
    });

    it('treats -80, 00-80 and 0000-8000 as the same range', () => {
      assert.ok(keyRangeEqual(kr('-80'), kr('00-80')));
      assert.ok(keyRangeEqual(kr('-80'), kr('0000-8000')));
      assert.ok(keyRangeEqual(kr('80-'), kr('8000-')));
      assert.ok(!keyRangeEqual(kr('-80'), kr('-81')));
      assert.ok(!keyRangeEqual(kr('-80'), kr('-8001')));
    });

    it('compares keys bytewise, ignoring trailing zeros', () => {
      assert.equal(compareKeys(hex('80'), hex('8000')), 0);
      assert.ok(compareKeys(hex('7f'), hex('80')) < 0);
      assert.ok(compareKeys(hex('8001'), hex('80')) > 0);
      assert.ok(compareKeys(hex('ff'), hex('ff01')) < 0);
      assert.ok(compareKeys(hex(''), hex('00')) === 0);
    });
  });

  describe('keyRangeContains', () => {
    it('is half-open: start included, end excluded', () => {
      const r = kr('40-80');
      assert.ok(keyRangeContains(r, hex('40')));
      assert.ok(keyRangeContains(r, hex('4000000000000000')));
      assert.ok(keyRangeContains(r, hex('7fffffffffffffff')));
      assert.ok(!keyRangeContains(r, hex('8000000000000000')));
      assert.ok(!keyRangeContains(r, hex('3fffffffffffffff')));
    });

    it('treats empty bounds as unbounded', () => {
      assert.ok(keyRangeContains(kr('-80'), hex('0000000000000000')));
      assert.ok(keyRangeContains(kr('-80'), hex('')));
      assert.ok(keyRangeContains(kr('80-'), hex('ffffffffffffffff')));
      assert.ok(!keyRangeContains(kr('80-'), hex('7fffffffffffffff')));
      assert.ok(keyRangeContains(fullKeyRange(), hex('1234')));
      assert.ok(keyRangeContains(kr('0'), hex('ffff')));
    });

    it('ignores trailing zeros of the id', () => {
      assert.ok(!keyRangeContains(kr('-80'), hex('800000')));
      assert.ok(keyRangeContains(kr('80-c0'), hex('800000')));
    });
  });

  describe('keyRangesIntersect', () => {
    const cases: [string, string, boolean][] = [
      ['-80', '80-', false],
      ['-80', '40-c0', true],
      ['40-80', '80-c0', false],
      ['40-80', '7f-', true],
      ['-', '40-80', true],
      ['0', 'c0-', true],
      ['-40', '-80', true],
      ['c0-', '-c0', false],
      ['c0-', '-c001', true],
      ['-8000', '80-', false],
    ];
    for (const [a, b, want] of cases) {
      it(`${a} ∩ ${b} is ${want ? 'not ' : ''}empty`, () => {
        assert.equal(keyRangesIntersect(kr(a), kr(b)), want);
        assert.equal(keyRangesIntersect(kr(b), kr(a)), want);
      });
    }
  });

  describe('isFullKeyRange and keyRangeString', () => {
    it('recognises the full range however it is spelled', () => {
      assert.ok(isFullKeyRange(kr('0')));
      assert.ok(isFullKeyRange(kr('-')));
      assert.ok(isFullKeyRange(kr('00-')));
      assert.ok(isFullKeyRange(fullKeyRange()));
      assert.ok(!isFullKeyRange(kr('-80')));
      assert.ok(!isFullKeyRange(kr('01-')));
    });

    it('prints shard-name form, lower-case', () => {
      assert.equal(keyRangeString(kr('-80')), '-80');
      assert.equal(keyRangeString(kr('40-C0')), '40-c0');
      assert.equal(keyRangeString(kr('0')), '-');
      assert.equal(keyRangeString(fullKeyRange()), '-');
      assert.equal(keyRangeString(kr('0080-')), '0080-');
    });
  });

  describe('parseShardName', () => {
    it('parses each side as hex, in either case', () => {
      const r = kr('4A-c0ff');
      assert.deepEqual(r.start, hex('4a'));
      assert.deepEqual(r.end, hex('c0ff'));
    });

    it('gives the full range to names without a dash', () => {
      for (const name of ['0', 'customer_0', 'X']) assert.ok(isFullKeyRange(kr(name)), name);
    });

    const errors: [string, string][] = [
      ['', 'empty name'],
      ['a'.repeat(65), `name ${'a'.repeat(65)} is too long`],
      ['80-c0 ', 'invalid character   in name 80-c0 '],
      ['80/c0', 'invalid character / in name 80/c0'],
      ['-40-80', "invalid shardId, can only contain one '-': -40-80"],
      ['4g-80', "invalid shard name 4g-80: encoding/hex: invalid byte: U+0067 'g'"],
      ['-8', 'invalid shard name -8: encoding/hex: odd length hex string'],
      ['80-40', 'out of order keys: 80 is not strictly smaller than 40'],
      ['80-80', 'out of order keys: 80 is not strictly smaller than 80'],
      ['80-8000', 'out of order keys: 80 is not strictly smaller than 8000'],
    ];
    for (const [name, message] of errors) {
      it(`rejects ${JSON.stringify(name)}`, () => {
        assert.throws(() => parseShardName(name), { message });
      });
    }
  });

  describe('isValidShardName', () => {
    it('accepts 0 and whole-byte hex ranges', () => {
      for (const name of ['0', '-', '-80', '80-', '40-80', '4000-8000', 'AB-CD', '-' + 'ff'.repeat(31)]) {
        assert.ok(isValidShardName(name), name);
      }
    });

    it('rejects other names', () => {
      const bad = ['', '00', 'customer', '-8', '8-', '80--', '-40-80', '4g-80', '80-40', ' -80', 'ff'.repeat(16) + '-' + 'ff'.repeat(16)];
      for (const name of bad) assert.ok(!isValidShardName(name), name);
    });
  });
});
