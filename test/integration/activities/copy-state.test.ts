// The copy checkpoint's transaction pattern (copy.ts writeBatch): lock the stream's copy_state
// row, write the rows, write the checkpoint. Copies of different workflows into one target shard
// run these side by side; their first batches must not deadlock on each other.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { deleteWorkflowState, ensureCopyState, ensureStateSchema, lockCopyState, readCopyState, writeCopyState } from '../../../src/activities/state';
import { testTablets } from '../../support/stack';

const WF = ['copystate.test_a', 'copystate.test_b'];
const checkpoint = { lastpk: '["5"]', rowsCopied: 5, rowsScanned: 5, bytesCopied: 50, done: false };

/** Two first batches, interleaved as two workers run them: both lock, then both write. */
async function twoFirstBatches(conns: Connection[]): Promise<PromiseSettledResult<void>[]> {
  for (const c of conns) await c.query('BEGIN');
  for (const [i, c] of conns.entries()) assert.deepEqual(await lockCopyState(c, WF[i], 1, 't') ?? { lastpk: null, done: false }, { lastpk: null, done: false });
  const results = await Promise.allSettled(conns.map((c, i) => writeCopyState(c, WF[i], 1, 't', checkpoint)));
  for (const [i, c] of conns.entries()) await c.query(results[i].status === 'fulfilled' ? 'COMMIT' : 'ROLLBACK');
  return results;
}

describe('copy checkpoints of two workflows on one target shard', function () {
  this.timeout(60_000);
  let conns: Connection[];

  before(async () => {
    const [primary] = await testTablets({ cluster: 'target', type: 'PRIMARY' });
    conns = await Promise.all(WF.map(() => connectMysql({ host: '127.0.0.1', port: primary.port, user: 'root' })));
    await ensureStateSchema(conns[0]);
    for (const wf of WF) await deleteWorkflowState(conns[0], wf);
  });

  after(async () => {
    for (const wf of WF) await deleteWorkflowState(conns[0], wf).catch(() => undefined);
    await Promise.all(conns.map((c) => c.end()));
  });

  it('deadlock when their first batches lock missing rows (the gap), and not once the rows exist', async () => {
    const without = await twoFirstBatches(conns);
    assert.ok(without.some((r) => r.status === 'rejected' && (r.reason as { errno?: number }).errno === 1213),
      `expected InnoDB to deadlock two inserts into one locked gap: ${JSON.stringify(without.map((r) => r.status))}`);
    for (const wf of WF) await deleteWorkflowState(conns[0], wf);

    for (const [i, c] of conns.entries()) {
      await ensureCopyState(c, WF[i], 1, 't');
      await ensureCopyState(c, WF[i], 1, 't'); // idempotent
      assert.deepEqual(await readCopyState(c, WF[i], 1, 't'), { lastpk: null, rowsCopied: 0, rowsScanned: 0, bytesCopied: 0, done: false });
    }
    const withRows = await twoFirstBatches(conns);
    assert.deepEqual(withRows.map((r) => r.status), ['fulfilled', 'fulfilled']);
    for (const [i, c] of conns.entries()) assert.deepEqual(await readCopyState(c, WF[i], 1, 't'), checkpoint);
    // A second ensure never resets a checkpoint.
    await ensureCopyState(conns[0], WF[0], 1, 't');
    assert.deepEqual(await readCopyState(conns[0], WF[0], 1, 't'), checkpoint);
  });
});
