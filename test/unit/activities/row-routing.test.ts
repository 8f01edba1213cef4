import { strict as assert } from 'node:assert';
import { ApplicationFailure } from '@temporalio/common';
import { targetValueFilter } from '../../../src/activities/table-target';
import type { TablePlan } from '../../../src/workflows/api';

const table: TablePlan = {
  name: 'people',
  pkColumns: ['id'],
  vindex: { name: 'loose', type: 'unicode_loose_md5', params: {}, columns: ['Name'] },
  rowsEstimate: 0,
  bytesEstimate: 0,
};

describe('routing rows to a target shard by the table vindex', () => {
  it('keeps the rows whose keyspace id is in the shard, finding the column case-insensitively', async () => {
    const low = (await targetValueFilter(table, ['id', 'name'], '-80'))!;
    const high = (await targetValueFilter(table, ['id', 'name'], '80-'))!;
    assert.equal(low.column, 1);
    // 'Test' → 0b5edbb4…, 'Bést' → c2b2332e… (vitess-facts.md §4), in either representation.
    for (const [value, shard] of [['Test', '-80'], [Buffer.from('TÉST'), '-80'], ['Bést', '80-']] as const) {
      assert.equal(low.keep(value), shard === '-80', String(value));
      assert.equal(high.keep(value), shard === '80-', String(value));
    }
  });

  it('stops, naming the table, column and vindex, on a value the vindex cannot map', async () => {
    const filter = (await targetValueFilter(table, ['id', 'name'], '-80'))!;
    assert.throws(() => filter.keep(Buffer.from([0x41, 0xff])), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.message, 'table people, column Name (vindex unicode_loose_md5): cannot normalize string containing invalid UTF-8: 0x41ff');
      return true;
    });
  });
});
