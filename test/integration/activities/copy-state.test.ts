// The copy checkpoint (copy.ts writeBatch, state.ts advanceCopyState): a batch's rows and its
// checkpoint commit together, and only over the checkpoint the batch started from. Copies of
// different workflows into one target shard run side by side and must not deadlock; two attempts
// of one copy (a zombie and its retry) must not both commit the same batch.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { advanceCopyState, claimTablesAlone, deleteWorkflowState, ensureCopyState, ensureStateSchema, readCopyState, tablesClaimedByOthers } from '../../../src/activities/state';
import { testTablets } from '../../support/stack';

const WF = ['copystate.test_a', 'copystate.test_b'];
const first = { lastpk: '["5"]', rowsCopied: 5, rowsScanned: 5, bytesCopied: 50, done: false };
const second = { lastpk: '["9"]', rowsCopied: 9, rowsScanned: 9, bytesCopied: 90, done: true };

describe('copy checkpoints on one target shard', function () {
  this.timeout(60_000);
  let conns: Connection[];

  before(async () => {
    const [primary] = await testTablets({ cluster: 'target', type: 'PRIMARY' });
    conns = await Promise.all(WF.map(() => connectMysql({ host: '127.0.0.1', port: primary.port, user: 'root' })));
    await ensureStateSchema(conns[0]);
  });

  beforeEach(async () => {
    for (const wf of WF) await deleteWorkflowState(conns[0], wf);
  });

  after(async () => {
    for (const wf of WF) await deleteWorkflowState(conns[0], wf).catch(() => undefined);
    await Promise.all(conns.map((c) => c.end()));
  });

  it('commits the first batches of two workflows side by side, without a deadlock', async () => {
    for (const [i, c] of conns.entries()) {
      await ensureCopyState(c, WF[i], 1, 't');
      await ensureCopyState(c, WF[i], 1, 't'); // idempotent
      assert.deepEqual(await readCopyState(c, WF[i], 1, 't'), { lastpk: null, rowsCopied: 0, rowsScanned: 0, bytesCopied: 0, done: false });
    }
    for (const c of conns) await c.query('BEGIN');
    const advanced = await Promise.all(conns.map((c, i) => advanceCopyState(c, WF[i], 1, 't', null, first)));
    for (const c of conns) await c.query('COMMIT');
    assert.deepEqual(advanced, [true, true]);
    for (const [i, c] of conns.entries()) assert.deepEqual(await readCopyState(c, WF[i], 1, 't'), first);
    // A second ensure never resets a checkpoint.
    await ensureCopyState(conns[0], WF[0], 1, 't');
    assert.deepEqual(await readCopyState(conns[0], WF[0], 1, 't'), first);
  });

  it('two workflows claiming one table at the same moment: exactly one gets it, the other is told whose it is', async () => {
    for (let round = 0; round < 10; round++) {
      for (const wf of WF) await deleteWorkflowState(conns[0], wf);
      const others = await Promise.all(conns.map((c, i) => claimTablesAlone(c, WF[i], [1, 2], ['t', `only_${i}`])));
      const winner = others.findIndex((o) => o.length === 0);
      assert.ok(winner >= 0, JSON.stringify(others));
      assert.deepEqual(others[1 - winner], [{ workflowId: WF[winner], table: 't' }]);
      // The loser claimed nothing, not even its table no one else wanted.
      assert.deepEqual(await tablesClaimedByOthers(conns[winner], WF[winner], ['t', 'only_0', 'only_1']), []);
      assert.deepEqual((await tablesClaimedByOthers(conns[1 - winner], WF[1 - winner], ['t', 'only_0', 'only_1'])).map((c) => c.table).sort(), ['t', `only_${winner}`].sort());
    }
  });

  it('refuses a batch whose starting checkpoint moved, or whose copy is done', async () => {
    const [c] = conns;
    await ensureCopyState(c, WF[0], 1, 't');
    assert.equal(await advanceCopyState(c, WF[0], 1, 't', null, first), true);
    // A zombie that read from the start again.
    assert.equal(await advanceCopyState(c, WF[0], 1, 't', null, first), false);
    assert.equal(await advanceCopyState(c, WF[0], 1, 't', '["5"]', second), true);
    assert.equal(await advanceCopyState(c, WF[0], 1, 't', '["9"]', { ...second, done: false }), false, 'a finished copy takes no batch');
    assert.deepEqual(await readCopyState(c, WF[0], 1, 't'), second);
    // No row (ensureCopyState not run): nothing is created.
    assert.equal(await advanceCopyState(c, WF[0], 2, 't', null, first), false);
  });

  it('makes a second attempt of the same batch wait for the first, then refuses it', async () => {
    const [a, b] = conns;
    await ensureCopyState(a, WF[0], 1, 't');
    await a.query('BEGIN');
    assert.equal(await advanceCopyState(a, WF[0], 1, 't', null, first), true);
    await b.query('BEGIN');
    let settled = false;
    const zombie = advanceCopyState(b, WF[0], 1, 't', null, first).finally(() => { settled = true; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, 'the second attempt must wait for the first one\'s row lock');
    await a.query('COMMIT');
    assert.equal(await zombie, false);
    await b.query('ROLLBACK');
    assert.deepEqual(await readCopyState(a, WF[0], 1, 't'), first);
  });
});
