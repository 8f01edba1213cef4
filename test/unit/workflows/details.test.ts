// The one-line details the Web UI shows for a Migrate run (describePhase): with some shards
// stopped beside running ones (one stopped at a DDL, say), the line must say which and why,
// not only "waiting for cutover".
import { strict as assert } from 'node:assert';
import { describePhase } from '../../../src/workflows/details';
import { migrateStatus, progress, shard, stream } from '../client/fixtures';

const done = { customer: progress(10, true) };

describe('describePhase', () => {
  it('Running with every shard running: copy done, waiting for cutover', () => {
    const s = migrateStatus({ phase: 'Running', shards: [shard('-80', 'zone1-100', 'Running', [stream('-80', 'Running', done)]), shard('80-', 'zone1-200', 'Running', [stream('80-', 'Running', done)])] });
    assert.equal(describePhase(s), 'Replicating commerce (mount ext1) into customer: copy done on all 2 shard(s); waiting for cutover');
  });

  it('Running beside a shard stopped at a DDL names the shard and the reason', () => {
    const s = migrateStatus({
      phase: 'Running',
      shards: [
        shard('-80', 'zone1-100', 'Running', [stream('-80', 'Running', done)]),
        shard('80-', 'zone1-200', 'Stopped', [stream('80-', 'Stopped', done, { message: 'Stopped at DDL ALTER TABLE customer ADD COLUMN x INT.' })]),
      ],
    });
    assert.equal(describePhase(s), 'Replicating commerce (mount ext1) into customer: copy done on all 2 shard(s); waiting for cutover; ' +
      'shard(s) 80- stopped (Stopped at DDL ALTER TABLE customer ADD COLUMN x INT): signal start (Workflow start) to resume them');
  });

  it('Copying with a failing shard and a stopped one says both', () => {
    const s = migrateStatus({
      phase: 'Copying',
      shards: [
        shard('-40', 'zone1-100', 'Error', [stream('-80', 'Error', { customer: progress(3, false) })], 'table customer: column(s) x missing'),
        shard('40-80', 'zone1-200', 'Stopped', [stream('-80', 'Stopped', { customer: progress(3, false) })]),
        shard('80-', 'zone1-300', 'Copying', [stream('80-', 'Copying', { customer: progress(3, false) })]),
      ],
    });
    assert.equal(describePhase(s), 'Copying 2 table(s) from commerce (mount ext1) into customer: 1 of 3 shard(s) copying, 0 replicating; ' +
      'shard -40 failing: table customer: column(s) x missing; shard(s) 40-80 stopped: signal start (Workflow start) to resume them');
  });

  it('Running with several failing shards names them all, with the first one\'s error', () => {
    const s = migrateStatus({
      phase: 'Running',
      shards: [
        shard('-40', 'zone1-100', 'Error', [stream('-80', 'Error', {})], 'table customer: column(s) note missing'),
        shard('40-80', 'zone1-200', 'Running', [stream('-80', 'Running', {})]),
        shard('80-', 'zone1-300', 'Error', [stream('80-', 'Error', {})], 'table customer: column(s) note missing'),
      ],
    });
    assert.equal(describePhase(s), 'Replicating commerce (mount ext1) into customer: copy done on all 3 shard(s); waiting for cutover; ' +
      'shards -40, 80- failing (-40: table customer: column(s) note missing)');
  });

  it('CutoverReady says what complete will do with the verdict', () => {
    const at = (cutover: Partial<NonNullable<ReturnType<typeof migrateStatus>['cutover']>>) => describePhase(migrateStatus({
      phase: 'CutoverReady', cutover: { positions: {}, sourceMoved: false, verification: [], mismatches: 0, finishedAt: 0, ...cutover },
    }));
    assert.equal(at({}), 'Cutover of commerce (mount ext1) into customer done: all tables match; signal complete (Migrate complete) to finish');
    // A complete refused after the cutover says why.
    const refused = migrateStatus({
      phase: 'CutoverReady', cutover: { positions: {}, sourceMoved: false, verification: [], mismatches: 0, finishedAt: 1000 },
      errors: ['complete refused: the source took 3 row change(s) to the migrated tables after the cutover'], errorTimes: [2000],
    });
    assert.equal(describePhase(refused), 'Cutover of commerce (mount ext1) into customer done, but complete refused: the source took 3 row change(s) to the migrated tables after the cutover');
    // One refused before this cutover does not count.
    refused.errorTimes = [500];
    assert.match(describePhase(refused), /all tables match; signal complete/);
    assert.equal(at({ sourceMoved: true }), 'Cutover of commerce (mount ext1) into customer done: all tables match, but the source took writes ' +
      "to the migrated tables meanwhile; stop the application's writes and run cutover again");
    assert.equal(at({ mismatches: 2 }), 'Cutover of commerce (mount ext1) into customer done: 2 table shard(s) MISMATCH; fix the target and run cutover again');
  });
});
