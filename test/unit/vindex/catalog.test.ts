import { strict as assert } from 'node:assert';
import {
  KNOWN_VINDEX_TYPES, SUPPORTED_VINDEX_TYPES, bestColumnVindex, createVindex, isKnownVindexType, isSupportedVindexType,
  vindexTraits, type VindexDefinition,
} from '../../../src/vindex';

describe('vindex catalog', () => {
  it('knows every Vitess vindex type', () => {
    assert.deepEqual(KNOWN_VINDEX_TYPES, [
      'binary', 'binary_md5', 'cfc', 'consistent_lookup', 'consistent_lookup_unique', 'hash', 'lookup', 'lookup_cost',
      'lookup_hash', 'lookup_hash_unique', 'lookup_unicodeloosemd5_hash', 'lookup_unicodeloosemd5_hash_unique',
      'lookup_unique', 'multicol', 'null', 'numeric', 'numeric_static_map', 'region_experimental', 'region_json',
      'reverse_bits', 'unicode_loose_md5', 'unicode_loose_xxhash', 'xxhash',
    ]);
    assert.ok(isKnownVindexType('consistent_lookup_unique'));
    assert.ok(!isKnownVindexType('constructor'));
    assert.ok(!isKnownVindexType('Hash'));
  });

  it('creates every supported type, each reporting its own type', async () => {
    assert.deepEqual([...SUPPORTED_VINDEX_TYPES].sort(), [
      'binary', 'binary_md5', 'hash', 'numeric', 'reverse_bits', 'unicode_loose_md5', 'unicode_loose_xxhash', 'xxhash',
    ]);
    for (const type of SUPPORTED_VINDEX_TYPES) {
      assert.ok(isSupportedVindexType(type));
      const vindex = await createVindex(type);
      assert.equal(vindex.type, type);
      assert.deepEqual(
        { cost: vindex.cost, unique: vindex.unique, needsVCursor: vindex.needsVCursor },
        vindexTraits(type),
      );
    }
  });

  it('rejects known types it cannot compute with "not supported yet"', async () => {
    for (const type of ['lookup_unique', 'lookup_unicodeloosemd5_hash', 'consistent_lookup_unique', 'region_json']) {
      assert.ok(!isSupportedVindexType(type));
      await assert.rejects(createVindex(type), { message: `vindex type ${type} is not supported yet` });
    }
  });

  it('rejects unknown types with "not known"', async () => {
    for (const type of ['md5', 'HASH', 'constructor', '']) {
      await assert.rejects(createVindex(type), { message: `vindex type ${type} is not known` });
    }
  });

  it('has Vitess costs for every known type', () => {
    assert.deepEqual(vindexTraits('consistent_lookup'), { cost: 20, unique: false, needsVCursor: true });
    assert.deepEqual(vindexTraits('lookup_hash_unique'), { cost: 10, unique: true, needsVCursor: true });
    assert.deepEqual(vindexTraits('unicode_loose_md5'), { cost: 1, unique: true, needsVCursor: false });
    assert.deepEqual(vindexTraits('null'), { cost: 100, unique: true, needsVCursor: false });
    assert.deepEqual(vindexTraits('lookup_cost'), { cost: 5, unique: false, needsVCursor: true });
    assert.deepEqual(vindexTraits('lookup_cost', { cost: '7' }), { cost: 7, unique: false, needsVCursor: true });
    assert.deepEqual(vindexTraits('multicol', { column_count: '3' }), { cost: 3, unique: true, needsVCursor: false });
    assert.equal(vindexTraits('multicol', { column_count: '2', column_vindex: 'numeric,binary' }).cost, 0);
    for (const type of KNOWN_VINDEX_TYPES) {
      if (type !== 'multicol') assert.equal(typeof vindexTraits(type).cost, 'number', type);
    }
    assert.throws(() => vindexTraits('multicol'), { message: 'vindex type multicol: param column_count must be a positive integer' });
    assert.throws(() => vindexTraits('nope'), { message: 'vindex type nope is not known' });
  });
});

describe('bestColumnVindex', () => {
  const vindexes: Record<string, VindexDefinition> = {
    hash: { type: 'hash' },
    xx: { type: 'xxhash' },
    num: { type: 'numeric' },
    md5: { type: 'unicode_loose_md5' },
    lookup: { type: 'consistent_lookup_unique', params: { table: 'lkp', from: 'c', to: 'keyspace_id' } },
    nonunique: { type: 'lookup_hash' },
  };

  it('picks the cheapest unique vindex that needs no vcursor', () => {
    const chosen = bestColumnVindex('t', [{ column: 'a', name: 'lookup' }, { column: 'b', name: 'hash' }, { column: 'c', name: 'num' }], vindexes);
    assert.deepEqual(chosen, { name: 'num', type: 'numeric', params: {}, columns: ['c'], cost: 0 });
  });

  it('keeps the first of equally cheap vindexes', () => {
    assert.equal(bestColumnVindex('t', [{ column: 'a', name: 'xx' }, { column: 'b', name: 'hash' }], vindexes).name, 'xx');
    assert.equal(bestColumnVindex('t', [{ column: 'a', name: 'md5' }, { column: 'b', name: 'hash' }], vindexes).name, 'md5');
  });

  it('passes over lookup and non-unique vindexes', () => {
    const chosen = bestColumnVindex('t', [{ column: 'a', name: 'lookup' }, { columns: ['b'], name: 'hash' }, { column: 'c', name: 'nonunique' }], vindexes);
    assert.deepEqual(chosen.columns, ['b']);
    assert.equal(chosen.name, 'hash');
  });

  it('explains when no vindex can compute keyspace ids', () => {
    assert.throws(() => bestColumnVindex('orders', [{ column: 'a', name: 'lookup' }, { column: 'b', name: 'nonunique' }], vindexes), {
      message: 'could not find a vindex to compute keyspace id for table orders',
    });
    assert.throws(() => bestColumnVindex('orders', [], vindexes), { message: 'table orders has no vindex' });
  });

  it('rejects references Vitess would reject', () => {
    assert.throws(() => bestColumnVindex('t', [{ column: 'a', name: 'missing' }], vindexes), { message: 'vindex missing not found for table t' });
    assert.throws(() => bestColumnVindex('t', [{ column: 'a', name: 'toString' }], vindexes), { message: 'vindex toString not found for table t' });
    assert.throws(() => bestColumnVindex('t', [{ column: 'a', columns: ['b'], name: 'hash' }], vindexes), {
      message: "can't use column and columns at the same time in vindex (hash) and table (t)",
    });
    assert.throws(() => bestColumnVindex('t', [{ name: 'hash' }], vindexes), {
      message: 'must specify at least one column for vindex (hash) and table (t)',
    });
    assert.throws(() => bestColumnVindex('t', [{ column: 'a', name: 'bad' }], { bad: { type: 'sha1' } }), {
      message: 'vindex type sha1 is not known',
    });
  });
});
