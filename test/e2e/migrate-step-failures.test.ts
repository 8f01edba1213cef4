// The Migrate run's own short steps (the source positions cutover drains to, complete, cancel)
// retry a few times and then fail. A source primary down during cutover, or a target primary
// down during complete, used to fail the whole run (and terminate its shards): the migration
// was lost and its target tables left behind. Now the failure is reported, naming the server,
// and the run goes on: cutover can be run again, and complete keeps trying until it succeeds.
// The runs here try each step twice (`stepAttempts: 2`) so the failure comes in seconds.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import { hashKsid, shardOf } from '../support/routing';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  dropTables,
  ensureMount,
  execOn,
  localCli,
  releaseHarness,
  removeTablesFromVSchemas,
  SOURCE_SHARDS,
  startMigrate,
  status,
  tablet,
  terminateIfRunning,
  vtmigrateOn,
  waitStatus,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'steps';
const WORKFLOW = 'steps';
const ID = `customer.${WORKFLOW}`;
const TABLE = 'step_items';
/** Rows the source has by the last test (the tests run in order, on one migration). */
let rowsWritten = 650;

async function insertRows(h: Harness, from: number, to: number): Promise<void> {
  for (const s of SOURCE_SHARDS) {
    const p = tablet(h, 'source', s);
    const ids = [];
    for (let id = from; id <= to; id++) if (shardOf(SOURCE_SHARDS, hashKsid(BigInt(id))) === s) ids.push(id);
    if (ids.length > 0) await execOn(p.port, `INSERT INTO ${TABLE} VALUES ${ids.map((id) => `(${id}, 'item ${id}')`).join(',')}`, p.db);
  }
}

describe('Migrate: a step of the run that keeps failing is reported, and the run goes on', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;
  const migrate = (action: string) => vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', action]);

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await createSourceTables(h, { [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    await insertRows(h, 1, 500);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  it('cutover with a source primary down fails naming it; the run goes on, and cutover succeeds once it is back', async () => {
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE], stepAttempts: 2 });
    await waitStatus(handle, 'the copy is done and the streams run', (s) => s.phase === 'Running', 120_000);
    const primary = tablet(h, 'source', '-80');
    assert.equal((await localCli(['stop', `tablet:${primary.alias}`, '--signal', 'KILL'])).code, 0);
    try {
      const cut = await migrate('cutover');
      assert.equal(cut.code, 1, cut.stdout);
      assert.match(cut.stderr, new RegExp(`cutover failed: cannot connect to source primary ${primary.alias} \\(127\\.0\\.0\\.1:${primary.port}\\) of commerce/-80: .*ECONNREFUSED.*; the streams go on: run cutover again once the cause is fixed`));
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const s = await status(handle);
      assert.equal(s.phase, 'Running');
      assert.equal(s.cutover, undefined);
    } finally {
      assert.equal((await localCli(['start', `tablet:${primary.alias}`])).code, 0);
    }
    await insertRows(h, 501, 600);
    const again = await migrate('cutover');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Verdict: all \d+ table shard\(s\) match/);
  });

  it('create of another workflow for a table this one migrates is refused, naming the table and the workflow', async () => {
    const r = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', 'steps_again', '--target-keyspace', 'customer', 'create',
      '--source-keyspace', 'commerce', '--mount-name', MOUNT, '--tables', TABLE]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`table\\(s\\) already being migrated into keyspace customer by another workflow: ${TABLE} \\(workflow ${WORKFLOW}\\); complete or cancel that workflow first`));
  });

  it('complete drains every stream first: rows the source took after the cutover reach the target, and complete refuses until a new cutover', async () => {
    // The streams are stopped, so only complete's own drain can bring these rows over; before,
    // complete ended the streams where they were and the rows were lost without a word.
    const stop = await vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', 'stop', '--workflow', WORKFLOW]);
    assert.equal(stop.code, 0, stop.stderr);
    await waitStatus(handle, 'the streams are stopped', (s) => s.shards.every((x) => x.phase === 'Stopped'), 60_000);
    await insertRows(h, 601, 650);
    const done = await migrate('complete');
    assert.equal(done.code, 1, done.stdout);
    assert.match(done.stderr, /complete refused: the source took 50 row change\(s\) to the migrated tables after the cutover \(the application still writes to it\); they are on the target but not verified: stop the writes and run cutover again, or use complete --force/);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems.slice(0, 10), []);
    assert.equal(cmp.rows, 650);
    // The streams run again after the refusal.
    await waitStatus(handle, 'the streams run again', (s) => s.shards.every((x) => x.phase === 'Running'), 60_000);
    const cut = await migrate('cutover');
    assert.equal(cut.code, 0, cut.stderr);
    assert.match(cut.stdout, /Verdict: all \d+ table shard\(s\) match/);
  });

  it('writes during the cutover: complete refuses, a failed cutover after it keeps that verdict, a clean one lifts it', async () => {
    // The application writes on while the cutover verifies: those changes are not verified.
    let writing = true;
    let next = 1000;
    const writer = (async () => {
      while (writing) {
        await insertRows(h, next, next + 1);
        next += 2;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let cut;
    try {
      cut = await migrate('cutover');
    } finally {
      writing = false;
      await writer;
    }
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stdout, /Source moved during the cutover: YES/);
    const refused = await migrate('complete');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /complete refused: the source took writes to the migrated tables during the cutover, so they are not verified; stop the application's writes and run cutover again, or use complete --force/);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    // A cutover that fails changes nothing: the verdict that refuses complete stands.
    const primary = tablet(h, 'source', '-80');
    assert.equal((await localCli(['stop', `tablet:${primary.alias}`, '--signal', 'KILL'])).code, 0);
    try {
      const failed = await migrate('cutover');
      assert.equal(failed.code, 1, failed.stdout);
      assert.match(failed.stderr, /cutover failed: cannot connect to source primary/);
      const s = await status(handle);
      assert.equal(s.cutover?.sourceMoved, true);
      assert.equal(s.phase, 'CutoverReady');
    } finally {
      assert.equal((await localCli(['start', `tablet:${primary.alias}`])).code, 0);
    }
    const clean = await migrate('cutover');
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /Source moved during the cutover: no/);
    rowsWritten = 650 + (next - 1000);
  });

  it('complete with a target primary down refuses once that shard cannot drain, and the streams then run on (none left drained)', async () => {
    const primary = tablet(h, 'target', '40-c0');
    assert.equal((await localCli(['stop', `tablet:${primary.alias}`, '--signal', 'KILL'])).code, 0);
    try {
      const refused = await migrate('complete');
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /complete refused: the streams could not be drained to the source positions: 40-c0: /);
    } finally {
      assert.equal((await localCli(['start', `tablet:${primary.alias}`])).code, 0);
    }
    // Retry the failed shard now rather than in a minute.
    assert.equal((await vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', 'start', '--workflow', WORKFLOW])).code, 0);
    await waitStatus(handle, 'every shard running again', (s) => s.shards.every((x) => x.phase === 'Running' && x.lastError === ''), 180_000, { allowErrors: true });
    // Before, the shard that had failed finished the abandoned drain and stopped there.
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual((await status(handle)).shards.map((x) => x.phase), ['Running', 'Running', 'Running']);
  });

  it('complete --force with a target primary down fails naming it; the run keeps trying and completes once it is back', async () => {
    const primary = tablet(h, 'target', '40-c0');
    assert.equal((await localCli(['stop', `tablet:${primary.alias}`, '--signal', 'KILL'])).code, 0);
    try {
      // --force: without it complete first drains the streams, which waits for the primary.
      const done = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', 'complete', '--force']);
      assert.equal(done.code, 1, done.stdout);
      assert.match(done.stderr, new RegExp(`complete failed: cannot connect to target primary ${primary.alias} \\(127\\.0\\.0\\.1:${primary.port}\\) of customer/40-c0: .*; retrying in a minute \\(or on complete again\\)`));
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      assert.equal((await status(handle)).phase, 'Completing');
    } finally {
      assert.equal((await localCli(['start', `tablet:${primary.alias}`])).code, 0);
    }
    // complete again retries at once (without it, within a minute).
    const again = await migrate('complete');
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems.slice(0, 10), []);
    assert.equal(cmp.rows, rowsWritten);
  });
});
