import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { targetValueFilter } from '../../../src/activities/table-target';
import type { TablePlan } from '../../../src/workflows/api';
import { col, latin1 } from '../mysql/columns';

const table: TablePlan = {
  name: 'people',
  pkColumns: ['id'],
  vindex: { name: 'loose', type: 'unicode_loose_md5', params: {}, columns: ['Name'] },
  rowsEstimate: 0,
  bytesEstimate: 0,
};

const utf8Columns = { columns: ['id', 'name'], columnSchemas: [col('id', 'bigint(20)'), col('name', 'varchar(20)')] };
const latin1Columns = { columns: ['id', 'name'], columnSchemas: [col('id', 'bigint(20)'), col('name', 'varchar(20)', latin1)] };

describe('routing rows to a target shard by the table vindex', () => {
  it('keeps the rows whose keyspace id is in the shard, finding the column case-insensitively', async () => {
    const low = (await targetValueFilter(table, utf8Columns, '-80'))!;
    const high = (await targetValueFilter(table, utf8Columns, '80-'))!;
    assert.equal(low.column, 1);
    // 'Test' → 0b5edbb4…, 'Bést' → c2b2332e… (vitess-facts.md §4), in either representation.
    for (const [value, shard] of [['Test', '-80'], [Buffer.from('TÉST'), '-80'], ['Bést', '80-']] as const) {
      assert.equal(low.keep(value), shard === '-80', String(value));
      assert.equal(high.keep(value), shard === '80-', String(value));
    }
  });

  it('maps a latin1 column\'s bytes as the utf8mb4 text vtgate routed the row by', async () => {
    const low = (await targetValueFilter(table, latin1Columns, '-80'))!;
    assert.equal(low.keep(Buffer.from('TÉST', 'latin1')), true);
    assert.equal(low.keep(Buffer.from('Bést', 'latin1')), false);
    // binary_md5 hashes the bytes vtgate got: the UTF-8 of the text, not the latin1 bytes.
    const md5 = { ...table, vindex: { name: 'md5', type: 'binary_md5', params: {}, columns: ['name'] } };
    const utf8Md5 = (s: string) => createHash('md5').update(Buffer.from(s, 'utf8')).digest();
    // Chosen so that hashing the latin1 bytes ('café', 'Žofie', '5€'), or reading them as
    // ISO-8859-1 ('€uro', '€3'), would put the row on the other side.
    const f = (await targetValueFilter(md5, latin1Columns, '-80'))!;
    for (const text of ['café', 'Žofie', '5€', '€uro', '€3', 'ß']) {
      // MariaDB's latin1 is cp1252: '€' is 0x80, 'Ž' 0x8E.
      const bytes = Buffer.from([...text].map((ch) => ({ '€': 0x80, 'Ž': 0x8e })[ch as '€' | 'Ž'] ?? ch.charCodeAt(0)));
      // -80 holds keyspace ids below 0x80: the filter agrees with the MD5 of the UTF-8 text.
      assert.equal(f.keep(bytes), utf8Md5(text)[0] < 0x80, text);
    }
  });

  it('leaves out values that map to no keyspace id, unless asked to keep them (VDiff)', async () => {
    const hashed = { ...table, vindex: { name: 'hash', type: 'hash', params: {}, columns: ['id'] } };
    const copy = (await targetValueFilter(hashed, utf8Columns, '-80'))!;
    const vdiff = (await targetValueFilter(hashed, utf8Columns, '80-', { keepUnplaced: true }))!;
    for (const v of [null, 'not a number']) {
      assert.equal(copy.keep(v), false, String(v));
      assert.equal(vdiff.keep(v), true, String(v));
    }
    // 1 → 166b40b44aba4bd6 (vitess-facts.md): on -80 only, whichever filter.
    assert.equal(copy.keep('1'), true);
    assert.equal(vdiff.keep('1'), false);
  });

  it('stops, naming the table, column and vindex, on a value the vindex cannot map', async () => {
    const filter = (await targetValueFilter(table, utf8Columns, '-80'))!;
    assert.throws(() => filter.keep(Buffer.from([0x41, 0xff])), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.message, 'table people, column Name (vindex unicode_loose_md5): cannot normalize string containing invalid UTF-8: 0x41ff');
      return true;
    });
    // A charset whose conversion vtmigrate does not carry: ASCII values map, others stop the stream.
    const sjis = { columns: ['id', 'name'], columnSchemas: [col('id', 'bigint(20)'), col('name', 'varchar(20)', { charset: 'sjis', collation: 'sjis_japanese_ci' })] };
    const f = (await targetValueFilter(table, sjis, '-80'))!;
    assert.equal(f.keep(Buffer.from('Test')), true);
    assert.throws(() => f.keep(Buffer.from([0x82, 0xa0])), /table people, column Name \(vindex unicode_loose_md5\): value 0x82a0 in charset sjis cannot be converted to the utf8mb4 text Vitess routes by/);
  });
});
