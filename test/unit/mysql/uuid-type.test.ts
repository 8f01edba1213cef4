// Vectors: MariaDB 10.11's text for stored UUIDs (SELECT u, HEX(CAST(u AS BINARY))), and its
// ORDER BY of them (a time-based UUID is stored with its groups reversed; other versions and
// variants as they are).
import { strict as assert } from 'node:assert';
import { compareUuids, formatUuid, uuidSortKey } from '../../../src/mysql/uuid-type';

describe('MariaDB UUID values', () => {
  it('formats the binlogged bytes as the server prints them, padding bytes a binlog left short', () => {
    assert.equal(formatUuid(Buffer.from('00112233445516778899aabbccddeeff', 'hex')), '00112233-4455-1677-8899-aabbccddeeff');
    assert.equal(formatUuid(Buffer.from('ffeeddccbbaa198877665544332211', 'hex')), 'ffeeddcc-bbaa-1988-7766-554433221100');
    assert.equal(formatUuid(Buffer.alloc(0)), '00000000-0000-0000-0000-000000000000');
  });

  it('orders values as the server does', () => {
    // ORDER BY u on MariaDB 10.11.19.
    const serverOrder = [
      '00000000-0000-0000-0000-000000000000',
      '00112233-4455-4677-0899-aabbccddeeff', // variant bit clear: stored as is
      '00112233-4455-1677-8899-aabbccddeeff', // version 1, RFC variant: stored node first
      '00112233-4455-4677-8899-aabbccddeeff', // version 4, RFC variant: the same
      'ffeeddcc-bbaa-1988-7766-554433221100', // variant bit clear
    ];
    assert.deepEqual([...serverOrder].reverse().sort(compareUuids), serverOrder);
    assert.equal(uuidSortKey('00112233-4455-1677-8899-aabbccddeeff').toString('hex'), 'aabbccddeeff88991677445500112233');
    assert.equal(uuidSortKey('00112233-4455-6677-8899-aabbccddeeff').toString('hex'), '00112233445566778899aabbccddeeff');
    assert.equal(compareUuids('00112233-4455-1677-8899-aabbccddeeff', '00112233-4455-1677-8899-aabbccddeeff'), 0);
    assert.throws(() => uuidSortKey('not-a-uuid'), /not a UUID value: not-a-uuid/);
  });
});
