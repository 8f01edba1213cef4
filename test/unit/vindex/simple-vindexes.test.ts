import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  binaryKeyspaceId, binaryMd5KeyspaceId, numericKeyspaceId, reverseBitsKeyspaceId, type SqlValue, type Vindex,
  binaryMd5Vindex, binaryVindex, numericVindex, reverseBitsVindex,
} from '../../../src/vindex';

const hexOf = (map: (v: SqlValue) => Buffer | null) => (value: SqlValue): string | null => map(value)?.toString('hex') ?? null;
const traits = (v: Vindex): unknown[] => [v.type, v.cost, v.unique, v.needsVCursor];

describe('numeric vindex', () => {
  const hex = hexOf(numericKeyspaceId);

  it('writes the uint64 big-endian', () => {
    assert.equal(hex(1), '0000000000000001');
    assert.equal(hex('1'), '0000000000000001');
    assert.equal(hex(0x0102030405n), '0000000102030405');
    assert.equal(hex('18446744073709551615'), 'ffffffffffffffff');
    assert.equal(hex('9223372036854775808'), '8000000000000000');
    assert.equal(hex(4294967296), '0000000100000000');
    assert.equal(hex(' 7 '), '0000000000000007');
  });

  it('parses any uint64 written in decimal exactly', () => {
    const expected = Buffer.alloc(8);
    for (let i = 0; i < 20_000; i++) {
      const value = randomBytes(8).readBigUInt64BE() >> BigInt(i % 64); // every magnitude
      expected.writeBigUInt64BE(value);
      const text = '0'.repeat(i % 3) + value.toString();
      assert.equal(hex(text), expected.toString('hex'), text);
      assert.equal(hex(Buffer.from(text)), expected.toString('hex'), text);
      assert.equal(hex(value), expected.toString('hex'), text);
    }
  });

  it('has no destination for negatives, floats, text and NULL', () => {
    for (const value of [-1, '-1', -1n, 1.5, '1.5', 'x', null, '18446744073709551616']) {
      assert.equal(numericKeyspaceId(value), null, String(value));
    }
  });

  it('has Vitess traits', () => assert.deepEqual(traits(numericVindex), ['numeric', 0, true, false]));
});

describe('reverse_bits vindex', () => {
  const hex = hexOf(reverseBitsKeyspaceId);

  it('reverses the 64 bits', () => {
    const vectors: [SqlValue, string][] = [
      [1, '8000000000000000'],
      [2, '4000000000000000'],
      [3, 'c000000000000000'],
      [4, '2000000000000000'],
      [5, 'a000000000000000'],
      [6, '6000000000000000'],
      [0, '0000000000000000'],
      ['18446744073709551615', 'ffffffffffffffff'],
      ['9223372036854775808', '0000000000000001'],
      [4294967296, '0000000080000000'],
      [0x0123456789abcdefn, 'f7b3d591e6a2c480'],
    ];
    for (const [value, want] of vectors) assert.equal(hex(value), want, String(value));
  });

  it('has no destination for NULL, negatives and floats', () => {
    for (const value of [null, -1, '-1', 2.5]) assert.equal(reverseBitsKeyspaceId(value), null, String(value));
  });

  it('has Vitess traits', () => assert.deepEqual(traits(reverseBitsVindex), ['reverse_bits', 1, true, false]));
});

describe('binary vindex', () => {
  it('uses the raw bytes as the keyspace id', () => {
    assert.equal(binaryKeyspaceId(Buffer.from([0x00, 0xff, 0x80])).toString('hex'), '00ff80');
    assert.equal(binaryKeyspaceId('test1').toString('hex'), Buffer.from('test1').toString('hex'));
    assert.equal(binaryKeyspaceId('é').toString('hex'), 'c3a9');
    assert.equal(binaryKeyspaceId(12).toString('hex'), '3132');
    assert.equal(binaryKeyspaceId(null).length, 0);
  });

  it('returns a copy the caller owns', () => {
    const source = Buffer.from('abc');
    const ksid = binaryKeyspaceId(source);
    source[0] = 0x7a;
    assert.equal(ksid.toString(), 'abc');
  });

  it('has Vitess traits', () => assert.deepEqual(traits(binaryVindex), ['binary', 0, true, false]));
});

describe('binary_md5 vindex', () => {
  const hex = hexOf(binaryMd5KeyspaceId);

  it('is MD5 of the raw bytes', () => {
    assert.equal(hex('test1'), '5a105e8b9d40e1329780d62ea2265d8a');
    assert.equal(hex('TEST'), '033bd94b1168d7e4f0d644c3c95e35bf');
    assert.equal(hex('Test'), '0cbc6611f5540bd0809a388dc95a615b');
    assert.equal(hex(null), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(hex(Buffer.from('test1')), '5a105e8b9d40e1329780d62ea2265d8a');
  });

  it('has Vitess traits', () => assert.deepEqual(traits(binaryMd5Vindex), ['binary_md5', 1, true, false]));
});
