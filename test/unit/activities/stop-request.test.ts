import { strict as assert } from 'node:assert';
import type { BinlogTransaction } from '../../../src/mysql/binlog';
import { mayApplyUnderStop, stepToStop } from '../../../src/activities/stop-request';
import { HOLD } from '../../../src/activities/state';

const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

const txn = (position: string, extra: Partial<BinlogTransaction> = {}): BinlogTransaction => ({
  type: 'transaction', gtid: '', position, timestamp: 0, complete: true, changes: [], bytes: 120, ...extra,
});
const change = { table: 't', kind: 'insert' as const, after: { id: 1 } };

describe('VDiff stop requests to a catch-up stream', () => {
  it('mayApplyUnderStop: anything without a request, nothing under hold, up to and including the stop position', () => {
    assert.equal(mayApplyUnderStop('', txn('0-1-9')), true);
    assert.equal(mayApplyUnderStop(HOLD, txn('0-1-9')), false);
    assert.equal(mayApplyUnderStop('0-1-9', txn('0-1-9')), true);
    assert.equal(mayApplyUnderStop('0-1-9', txn('0-1-8')), true);
    assert.equal(mayApplyUnderStop('0-1-9', txn('0-1-10')), false);
    assert.equal(mayApplyUnderStop(`${U1}:1-9`, txn(`${U1}:1-10`)), false);
    assert.equal(mayApplyUnderStop(`${U1}:1-9`, txn(`${U1}:1-9`)), true);
  });

  it('mayApplyUnderStop: no part of a transaction split in parts passes a stop at the position before it', () => {
    // Parts carry the position before their transaction (0-1-9 here, for transaction 0-1-10).
    const part = txn('0-1-9', { gtid: '0-1-10', complete: false, changes: [change] });
    assert.equal(mayApplyUnderStop('0-1-9', part), false);
    assert.equal(mayApplyUnderStop('0-1-9', { ...part, position: '0-1-10', complete: true }), false);
    assert.equal(mayApplyUnderStop('0-1-10', part), true);
    assert.equal(mayApplyUnderStop(`${U1}:1-9`, txn(`${U1}:1-9`, { gtid: `${U1}:10`, complete: false, changes: [change] })), false);
    assert.equal(mayApplyUnderStop(`${U1}:1-10`, txn(`${U1}:1-9`, { gtid: `${U1}:10`, complete: false, changes: [change] })), true);
  });

  it('stepToStop: a folded run of empty transactions that passes the stop yields the stop position itself', () => {
    // The stream stands at 1389; the reader folded 1390..1394 (heartbeats) into one item; VDiff's snapshot is 1391.
    const step = stepToStop('0-17400-1391', '0-17400-1389', txn('0-17400-1394'));
    assert.ok(step);
    assert.equal(step.position, '0-17400-1391');
    assert.deepEqual(step.changes, []);
    assert.equal(step.bytes, 0, 'the step weighs nothing against the queue bounds');
    assert.equal(mayApplyUnderStop('0-17400-1391', step), true);
    // Multi-domain MariaDB and MySQL GTID sets: the stop must lie between on every domain / server.
    assert.equal(stepToStop('0-1-5,1-2-7', '0-1-3,1-2-7', txn('0-1-9,1-2-8'))?.position, '0-1-5,1-2-7');
    assert.equal(stepToStop(`${U1}:1-5`, `${U1}:1-3`, txn(`${U1}:1-9`))?.position, `${U1}:1-5`);
  });

  it('stepToStop: nothing when the stop is not strictly inside, the item is not empty, or there is no position to stop at', () => {
    assert.equal(stepToStop('0-1-3', '0-1-3', txn('0-1-9')), undefined, 'already at the stop');
    assert.equal(stepToStop('0-1-9', '0-1-3', txn('0-1-9')), undefined, 'the item ends at the stop: it applies');
    assert.equal(stepToStop('0-1-2', '0-1-3', txn('0-1-9')), undefined, 'the stop is behind');
    assert.equal(stepToStop('0-1-5', '0-1-3', txn('0-1-9', { changes: [change] })), undefined, 'rows: the stop cannot lie inside one transaction');
    assert.equal(stepToStop('0-1-5', '0-1-3', txn('0-1-9', { ddl: { db: 'd', sql: 'ALTER TABLE t ADD c INT' } })), undefined);
    assert.equal(stepToStop('0-1-5', '0-1-3', txn('0-1-3', { complete: false })), undefined, 'a part of a transaction');
    assert.equal(stepToStop(HOLD, '0-1-3', txn('0-1-9')), undefined);
    assert.equal(stepToStop('', '0-1-3', txn('0-1-9')), undefined);
    assert.equal(stepToStop('0-1-5,1-2-9', '0-1-3,1-2-7', txn('0-1-9,1-2-8')), undefined, 'one domain is past the item');
  });
});
