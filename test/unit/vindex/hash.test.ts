import { strict as assert } from 'node:assert';
import { createCipheriv, randomBytes } from 'node:crypto';
import { hashKeyspaceId, hashVindex, unhashKeyspaceId, type SqlValue } from '../../../src/vindex';

const hex = (value: SqlValue): string | null => hashKeyspaceId(value)?.toString('hex') ?? null;

describe('hash vindex', () => {
  // vitess-facts.md §4; upstream hash_test.go and `openssl enc -des-ecb -K 0000000000000000 -nopad`.
  const vectors: [SqlValue, string][] = [
    [0, '8ca64de9c1b123a7'],
    [1, '166b40b44aba4bd6'],
    [2, '06e7ea22ce92708f'],
    [3, '4eb190c9a2fa169c'],
    [4, 'd2fd8867d50d2dfe'],
    [5, '70bb023c810ca87a'],
    [6, 'f098480ac4c4be71'],
    [-1, '355550b2150e2451'],
    ['18446744073709551615', '355550b2150e2451'],
    ['9223372036854775807', 'f77d48aadda1f1bb'],
    ['-9223372036854775808', '95f8a5e5dd31d900'],
    [100, '83aab1569cbe1b08'],
    [1000, '1f7db68037e0ff5a'],
  ];
  for (const [value, ksid] of vectors) {
    it(`maps ${String(value)} to ${ksid}`, () => assert.equal(hex(value), ksid));
  }

  it('gives the same id for every representation of a value', () => {
    const forms: SqlValue[] = [1000, '1000', 1000n, Buffer.from('1000'), new Uint8Array([49, 48, 48, 48]), ' 1000\t', '0001000'];
    for (const value of forms) assert.equal(hex(value), '1f7db68037e0ff5a', String(value));
    for (const value of [-1, '-1', -1n, Buffer.from('-1'), 18446744073709551615n]) {
      assert.equal(hex(value), '355550b2150e2451', String(value));
    }
    for (const value of [-9223372036854775808n, '-9223372036854775808']) assert.equal(hex(value), '95f8a5e5dd31d900');
    assert.equal(hex(9223372036854775807n), 'f77d48aadda1f1bb');
  });

  it('parses 16- to 20-digit ids exactly', () => {
    for (const id of ['9007199254740993', '1234567890123456', '12345678901234567890', '18446744073709551614', '4294967296', '4294967295000000000']) {
      assert.equal(hex(id), hex(BigInt(id)), id);
    }
  });

  it('has no destination for values that are not 64-bit integers', () => {
    const none: SqlValue[] = [
      null, 1.5, NaN, Infinity, '1.5', '1e3', 'abc', '', ' ', '-', '+1', ' -1', '-1 ', '0x10', '1_000',
      '18446744073709551616', '99999999999999999999', '-9223372036854775809', 18446744073709551616n, -9223372036854775809n,
    ];
    for (const value of none) assert.equal(hashKeyspaceId(value), null, String(value));
  });

  it('refuses numbers too large to be exact', () => {
    assert.throws(() => hashKeyspaceId(2 ** 53), /beyond 2\^53/);
    assert.throws(() => hashKeyspaceId(-(2 ** 60)), /beyond 2\^53/);
    assert.equal(hex(2 ** 53 - 1), hex(9007199254740991n));
    assert.equal(hex(-(2 ** 53 - 1)), hex(-9007199254740991n));
  });

  it('agrees with OpenSSL DES on random blocks', () => {
    // des-ede3-ecb with three zero keys is single DES with the zero key.
    const cipher = createCipheriv('des-ede3-ecb', Buffer.alloc(24), null).setAutoPadding(false);
    for (let i = 0; i < 20_000; i++) {
      const block = randomBytes(8);
      const want = cipher.update(block).toString('hex');
      assert.equal(hex(block.readBigUInt64BE()), want, block.toString('hex'));
    }
  });

  it('reverses keyspace ids back to the id', () => {
    assert.equal(unhashKeyspaceId(Buffer.from('166b40b44aba4bd6', 'hex')), 1n);
    assert.equal(unhashKeyspaceId(Buffer.from('355550b2150e2451', 'hex')), 18446744073709551615n);
    for (const id of [0n, 42n, 9223372036854775808n, 123456789012345678n]) {
      assert.equal(unhashKeyspaceId(hashKeyspaceId(id) as Buffer), id);
    }
    assert.throws(() => unhashKeyspaceId(Buffer.from('1234', 'hex')), { message: 'invalid keyspace id: 1234 is not 8 bytes' });
  });

  it('returns a fresh buffer per call and has Vitess traits', () => {
    const a = hashKeyspaceId(1);
    const b = hashKeyspaceId(2);
    assert.notEqual(a?.toString('hex'), b?.toString('hex'));
    assert.equal(a?.toString('hex'), '166b40b44aba4bd6');
    assert.deepEqual(
      { type: hashVindex.type, cost: hashVindex.cost, unique: hashVindex.unique, needsVCursor: hashVindex.needsVCursor },
      { type: 'hash', cost: 1, unique: true, needsVCursor: false },
    );
  });
});
