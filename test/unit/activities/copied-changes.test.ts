import { strict as assert } from 'node:assert';
import { withoutCopiedChanges, type CopiedTables } from '../../../src/activities/copied-changes';
import type { BinlogTransaction } from '../../../src/mysql/binlog';
import { parsePosition } from '../../../src/mysql/gtid';

const txn = (gtid: string, position: string, tables: string[], complete = true): BinlogTransaction => ({
  type: 'transaction', gtid, position, timestamp: 0, complete, bytes: 100 * tables.length,
  changes: tables.map((table) => ({ table, kind: 'insert', after: { id: 1 } })),
});

// A table copied from a snapshot at a position already has every change up to it: catch-up,
// replaying from before the copy, leaves those changes out, table by table.
describe('changes a table\'s copy snapshot already includes', () => {
  it('MariaDB: leaves out the changes of tables whose snapshot includes the transaction, keeps the rest and the position', () => {
    const copied: CopiedTables = new Map([['a', parsePosition('0-100-10')], ['b', parsePosition('0-100-20')]]);
    const t9 = withoutCopiedChanges(copied, txn('0-100-9', '0-100-9', ['a', 'b', 'c']));
    assert.deepEqual(t9.changes.map((c) => c.table), ['c']);
    assert.equal(t9.position, '0-100-9');
    assert.equal(t9.bytes, 100);
    // Past a's snapshot: a's changes apply again, and a is forgotten.
    const t11 = withoutCopiedChanges(copied, txn('0-100-11', '0-100-11', ['a', 'b']));
    assert.deepEqual(t11.changes.map((c) => c.table), ['a']);
    assert.deepEqual([...copied.keys()], ['b']);
    const t20 = withoutCopiedChanges(copied, txn('0-100-20', '0-100-20', ['b']));
    assert.deepEqual(t20.changes, []);
    assert.equal(copied.size, 0);
  });

  it('a part of a transaction (its position is the one before it) is judged by its GTID and forgets nothing', () => {
    const copied: CopiedTables = new Map([['a', parsePosition('0-100-10')]]);
    const part = withoutCopiedChanges(copied, txn('0-100-10', '0-100-9', ['a'], false));
    assert.deepEqual(part.changes, []);
    assert.equal(copied.size, 1);
    const next = withoutCopiedChanges(copied, txn('0-100-11', '0-100-10', ['a'], false));
    assert.deepEqual(next.changes.map((c) => c.table), ['a']);
  });

  it('another replication domain is not in the snapshot; a transaction without changes to copied tables is the same object', () => {
    const copied: CopiedTables = new Map([['a', parsePosition('0-100-10')]]);
    assert.deepEqual(withoutCopiedChanges(copied, txn('1-100-3', '0-100-5,1-100-3', ['a'])).changes.map((c) => c.table), ['a']);
    const other = txn('0-100-5', '0-100-5', ['z']);
    assert.equal(withoutCopiedChanges(copied, other), other);
  });

  it('MySQL GTID sets: a gno inside the snapshot\'s intervals is included, one in a gap is not', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const copied: CopiedTables = new Map([['a', parsePosition(`${u}:1-5:7-9`, 'MySQL56')]]);
    assert.deepEqual(withoutCopiedChanges(copied, txn(`${u}:8`, `${u}:1-8`, ['a'])).changes, []);
    assert.deepEqual(withoutCopiedChanges(copied, txn(`${u}:6`, `${u}:1-6`, ['a'])).changes.map((c) => c.table), ['a']);
  });
});
