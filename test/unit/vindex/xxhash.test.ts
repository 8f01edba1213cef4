import { strict as assert } from 'node:assert';
import { createVindex, type SqlValue, type Vindex } from '../../../src/vindex';

describe('xxhash vindex', () => {
  let vindex: Vindex;
  before(async () => {
    vindex = await createVindex('xxhash');
  });

  const hex = (value: SqlValue): string | null => vindex.map(value)?.toString('hex') ?? null;

  // vitess-facts.md §4 (upstream xxhash_test.go).
  const vectors: [SqlValue, string][] = [
    ['test1', 'd01ab7e4d6978f0b'],
    ['test2', '87eb11714c0a0e89'],
    ['testaverylongvaluetomakesurethisworks', '81d8c38e0d850e6a'],
    [1, 'd46405367612b4b7'],
    [2, '8b59801662b52160'],
    [3, 'a42c16f52a7c1626'],
    [null, '99e9d85137db46ef'],
    ['', '99e9d85137db46ef'],
    [-1, 'd8e2a6a7c8c7623d'],
    ['18446744073709551615', '477cfa8d6d8f1f8d'],
    ['9223372036854775807', 'b37eb01f7bffafd8'],
    ['-9223372036854775808', '102c27ddb26a609e'],
    ['hello', 'a36d9f887d82c726'],
  ];
  for (const [value, ksid] of vectors) {
    it(`maps ${JSON.stringify(value)} to ${ksid}`, () => assert.equal(hex(value), ksid));
  }

  it('hashes the SQL text whatever the representation', () => {
    for (const value of ['1', 1n, Buffer.from('1'), new Uint8Array([49])]) assert.equal(hex(value), 'd46405367612b4b7');
    assert.equal(hex(18446744073709551615n), '477cfa8d6d8f1f8d');
    assert.equal(hex(-9223372036854775808n), '102c27ddb26a609e');
    assert.equal(hex(Buffer.from('hello')), 'a36d9f887d82c726');
  });

  it('is text-exact: no parsing, no trimming', () => {
    assert.notEqual(hex(' 1'), hex('1'));
    assert.notEqual(hex('01'), hex('1'));
  });

  it('refuses numbers too large to be exact', () => {
    assert.throws(() => vindex.map(2 ** 63), /beyond 2\^53/);
  });

  it('shares one initialisation and has Vitess traits', async () => {
    const again = await createVindex('xxhash');
    assert.equal(again.map('hello')?.toString('hex'), 'a36d9f887d82c726');
    assert.deepEqual([vindex.type, vindex.cost, vindex.unique, vindex.needsVCursor], ['xxhash', 1, true, false]);
  });
});
