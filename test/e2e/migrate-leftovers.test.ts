// A Migrate run that ends without cleaning up after itself (terminated or cancelled from the
// Temporal CLI or Web UI, or failed) leaves its streams, copy checkpoints and tables on the
// target. Before, nothing but SQL by hand removed them, and a new create of the workflow was
// refused until then. Now `Migrate cancel` removes them, as it does for a running migration.
import { strict as assert } from 'node:assert';
import { discardWorkflowId, statusQuery, TargetKeyspaceAttr, TASK_QUEUE, vdiffWorkflowId, type MigrateStatus } from '../../src/workflows/api';
import { hashKsid, shardOf } from '../support/routing';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  dropTables,
  ensureMount,
  execOn,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  SOURCE_SHARDS,
  startMigrate,
  tablet,
  TARGET_SHARDS,
  terminateIfRunning,
  vtmigrateOn,
  waitFor,
  waitStatus,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'leftovers';
const WORKFLOW = 'leftovers';
const ID = `customer.${WORKFLOW}`;
const TABLE = 'left_items';
const ROWS = 300;

/** Per target primary: does the table exist, how many rows it has, and how many state rows name the workflow. */
async function targetState(h: Harness): Promise<{ shard: string; table: boolean; rows: number; state: number }[]> {
  const out = [];
  for (const shard of TARGET_SHARDS) {
    const p = tablet(h, 'target', shard);
    const [t] = await rowsOn<{ n: number }>(p.port, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [p.db, TABLE]);
    const table = Number(t.n) > 0;
    const rows = table ? Number((await rowsOn<{ n: number }>(p.port, `SELECT COUNT(*) AS n FROM ${TABLE}`, [], p.db))[0].n) : 0;
    let state = 0;
    for (const s of ['streams', 'copy_state', 'shadow_rows', 'deferred_keys']) {
      state += Number((await rowsOn<{ n: number }>(p.port, `SELECT COUNT(*) AS n FROM _vt_migrate.${s} WHERE workflow_id = ?`, [ID]))[0].n);
    }
    out.push({ shard, table, rows, state });
  }
  return out;
}

/** Rows from..to named `<label> <id>`, each on the source shard its id hashes to; then `also` on every source shard. */
async function insertRows(h: Harness, from: number, to: number, label: string, also: string[] = []): Promise<void> {
  for (const shard of SOURCE_SHARDS) {
    const ids = [];
    for (let id = from; id <= to; id++) if (shardOf(SOURCE_SHARDS, hashKsid(BigInt(id))) === shard) ids.push(id);
    const p = tablet(h, 'source', shard);
    await execOn(p.port, [`INSERT INTO ${TABLE} VALUES ${ids.map((id) => `(${id}, '${label} ${id}')`).join(',')}`, ...also], p.db);
  }
}

describe('Migrate cancel removes what an ended run left on the target', function () {
  this.timeout(300_000);
  let h: Harness;
  const migrate = (...args: string[]) => vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', ...args]);
  const create = () => migrate('create', '--source-keyspace', 'commerce', '--mount-name', MOUNT, '--tables', TABLE);

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await createSourceTables(h, { [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, KEY name_idx (name)) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    await insertRows(h, 1, ROWS, 'item');
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  it('a run terminated from Temporal: status and create point to cancel, which drops its tables and state; create then works again', async () => {
    const handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE] });
    await waitStatus(handle, 'the copy is done and the streams run', (s) => s.phase === 'Running', 120_000);
    await handle.terminate('an operator, from the Temporal Web UI');
    assert.ok((await targetState(h)).every((s) => s.table && s.state > 0), 'the terminated run left its tables and state');

    let r = await migrate('status');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`no streams found in keyspace customer for ${WORKFLOW} \\(its last run ended TERMINATED at .*; if it left streams or tables on the target, Migrate --workflow ${WORKFLOW} --target-keyspace customer cancel removes them\\)`));
    r = await create();
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`workflow ${WORKFLOW} already exists in keyspace customer: an earlier run of ${ID} left its state .*Migrate --workflow ${WORKFLOW} --target-keyspace customer cancel \\[--keep-data\\] removes it`));

    // A VDiff of the workflow still running (no worker polls its task queue): the cancel ends it.
    const vdiff = await h.client.workflow.start('VDiff', {
      taskQueue: 'vtmigrate-test-nobody-polls', workflowId: vdiffWorkflowId('customer', WORKFLOW, `left${Date.now()}`), args: [],
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: 'customer' }],
    });
    r = await migrate('cancel');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `Successfully cancelled the ${WORKFLOW} workflow in the customer keyspace`);
    assert.equal((await vdiff.describe()).status.name, 'TERMINATED');
    assert.deepEqual(await targetState(h), TARGET_SHARDS.map((shard) => ({ shard, table: false, rows: 0, state: 0 })));
    // Nothing is left: a second cancel says so, as for a workflow that never existed.
    r = await migrate('cancel');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`no streams found in keyspace customer for ${WORKFLOW}`));

    r = await create();
    assert.equal(r.code, 0, r.stderr);
    const again = h.client.workflow.getHandle(ID);
    await waitStatus(again, 'the new run copied and runs', (s) => s.phase === 'Running', 120_000);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
    assert.equal(cmp.rows, ROWS);
  });

  it('a run cancelled from Temporal (a cancellation request): cancel --keep-data keeps the tables and their rows, removes the state', async () => {
    const handle = h.client.workflow.getHandle(ID);
    assert.equal((await handle.describe()).status.name, 'RUNNING', 'the previous test leaves its new run running');
    // MigrateDiscard from the Temporal CLI while the run goes on would drop its tables: refused.
    await assert.rejects(
      h.client.workflow.execute('MigrateDiscard', { taskQueue: TASK_QUEUE, workflowId: discardWorkflowId(ID), args: [{ targetKeyspace: 'customer', workflow: WORKFLOW }] }),
      (err: Error & { cause?: Error & { cause?: Error } }) => /is running: cancel it with Migrate cancel/.test(err.cause?.cause?.message ?? ''),
    );
    assert.ok((await targetState(h)).every((s) => s.table && s.state > 0), 'nothing was touched');
    await handle.cancel();
    await waitFor('the run to close', async () => (await handle.describe()).status.name === 'CANCELLED', 60_000);

    const r = await migrate('--format', 'json', 'cancel', '--keep-data');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { summary: string; details: { tablet: { cell: string; uid: number }; deleted: boolean }[] };
    assert.equal(out.summary, `Successfully cancelled the ${WORKFLOW} workflow in the customer keyspace`);
    assert.equal(out.details.length, TARGET_SHARDS.length);
    const state = await targetState(h);
    assert.deepEqual(state.map((s) => [s.table, s.state]), TARGET_SHARDS.map(() => [true, 0]));
    assert.equal(state.reduce((n, s) => n + s.rows, 0), ROWS);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
  });

  it('a shard\'s workflow terminated from Temporal: status says so, Workflow start starts it again, and it resumes from its checkpoints', async () => {
    const id = `customer.${WORKFLOW}_shard`;
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `DROP TABLE IF EXISTS ${TABLE}`, p.db);
    }
    // Created with --stop-after-copy: the shard started again must not stop after its copy phase
    // a second time (its copy is done, and `start` asked for running streams).
    const handle = await startMigrate(h, { workflow: `${WORKFLOW}_shard`, mountName: MOUNT, tables: [TABLE], stopAfterCopy: true });
    try {
      await waitStatus(handle, 'the copy is done and the streams stop', (s) => s.phase === 'Stopped' && s.shards.every((x) => x.copyFinishedAt !== undefined), 120_000);
      const started = await vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', 'start', '--workflow', `${WORKFLOW}_shard`]);
      assert.equal(started.code, 0, started.stderr);
      await waitStatus(handle, 'the streams run', (s) => s.phase === 'Running', 60_000);
      await h.client.workflow.getHandle(`${id}/40-c0`).terminate('an operator, from the Temporal Web UI');
      const s = await waitStatus(handle, 'the run to notice', (st) => st.shards.find((x) => x.shard === '40-c0')?.phase === 'Error', 30_000, { allowErrors: true });
      assert.match(s.shards.find((x) => x.shard === '40-c0')!.lastError, /the workflow of shard 40-c0 ended \(.*\) while the migration goes on: Workflow start starts it again/);
      // Written while nothing replicates into 40-c0.
      await insertRows(h, ROWS + 1, ROWS + 60, 'late', [`UPDATE ${TABLE} SET name = CONCAT(name, '!') WHERE id % 7 = 0`]);
      const r = await vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', 'start', '--workflow', `${WORKFLOW}_shard`]);
      assert.equal(r.code, 0, r.stderr);
      await waitStatus(handle, 'every shard runs again', (st) => st.phase === 'Running' && st.shards.every((x) => x.phase === 'Running'), 60_000, { allowErrors: true });
      const cmp = await waitFor('the target to catch up', async () => {
        const c = await compareById(h, TABLE);
        return c.problems.length === 0 ? c : undefined;
      }, 60_000, 1000);
      assert.equal(cmp.rows, ROWS + 60);
      const cut = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', `${WORKFLOW}_shard`, '--target-keyspace', 'customer', 'cutover']);
      assert.equal(cut.code, 0, `${cut.stdout}${cut.stderr}`);
      assert.match(cut.stdout, /Verdict: all \d+ table shard\(s\) match/);
    } finally {
      await terminateIfRunning(h, id);
      for (const sh of SOURCE_SHARDS) {
        const p = tablet(h, 'source', sh);
        await execOn(p.port, [`DELETE FROM ${TABLE} WHERE id > ${ROWS}`, `UPDATE ${TABLE} SET name = TRIM(TRAILING '!' FROM name)`], p.db);
      }
    }
  });

  it('a cancel signalled from the Temporal CLI ends the workflow\'s running VDiffs before it drops the tables', async () => {
    const workflow = `${WORKFLOW}_sig`;
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `DROP TABLE IF EXISTS ${TABLE}`, p.db);
    }
    const handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [TABLE] });
    // A VDiff of the workflow that stays running (no worker polls its task queue): what a long diff looks like.
    const vdiff = await h.client.workflow.start('VDiff', {
      taskQueue: 'vtmigrate-test-nobody-polls', workflowId: vdiffWorkflowId('customer', workflow, `sig${Date.now()}`), args: [],
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: 'customer' }],
    });
    try {
      await waitStatus(handle, 'the copy is done and the streams run', (st) => st.phase === 'Running', 120_000);
      // What `temporal workflow signal --name cancel` sends.
      await handle.signal('cancel', { keepData: false });
      assert.equal(((await handle.result()) as MigrateStatus).phase, 'Cancelled');
      assert.equal((await vdiff.describe()).status.name, 'TERMINATED');
      for (const shard of TARGET_SHARDS) {
        const p = tablet(h, 'target', shard);
        const [t] = await rowsOn<{ n: number }>(p.port, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [p.db, TABLE]);
        assert.equal(Number(t.n), 0, `${TABLE} dropped on ${shard}`);
      }
    } finally {
      await vdiff.terminate('test cleanup').catch(() => undefined);
      await terminateIfRunning(h, `customer.${workflow}`);
    }
  });

  it('complete --force before anything was copied adds the secondary keys held back for the copy', async () => {
    const workflow = `${WORKFLOW}_force`;
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `DROP TABLE IF EXISTS ${TABLE}`, p.db);
    }
    const handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [TABLE], autoStart: false });
    try {
      await waitStatus(handle, 'the run waits for start', (st) => st.phase === 'Stopped', 60_000);
      const r = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', workflow, '--target-keyspace', 'customer', 'complete', '--force']);
      assert.equal(r.code, 0, r.stderr);
      for (const shard of TARGET_SHARDS) {
        const p = tablet(h, 'target', shard);
        const keys = await rowsOn<{ k: string }>(p.port, 'SELECT DISTINCT index_name AS k FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? ORDER BY 1', [p.db, TABLE]);
        assert.deepEqual(keys.map((k) => k.k).sort(), ['PRIMARY', 'name_idx'], `keys of ${TABLE} on ${shard}`);
      }
    } finally {
      await terminateIfRunning(h, `customer.${workflow}`);
    }
  });

  it('two creates of one table at the same moment: one runs, the other fails naming it, and its cancel leaves the first one\'s tables', async () => {
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `DROP TABLE IF EXISTS ${TABLE}`, p.db);
    }
    const names = [`${WORKFLOW}_a`, `${WORKFLOW}_b`];
    for (const n of names) await terminateIfRunning(h, `customer.${n}`);
    const handles = await Promise.all(names.map((n) => startMigrate(h, { workflow: n, mountName: MOUNT, tables: [TABLE] })));
    const outcomes = await Promise.all(handles.map(async (hd) => {
      for (let i = 0; i < 240; i++) {
        const d = await hd.describe();
        if (d.status.name === 'FAILED') return 'failed';
        if (d.status.name === 'RUNNING' && (await hd.query(statusQuery)).phase === 'Running') return 'running';
        await new Promise((r) => setTimeout(r, 500));
      }
      return 'undecided';
    }));
    try {
      assert.deepEqual([...outcomes].sort(), ['failed', 'running'], JSON.stringify(outcomes));
      const loser = names[outcomes.indexOf('failed')];
      const winner = names[outcomes.indexOf('running')];
      const status = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', loser, '--target-keyspace', 'customer', 'status']);
      assert.match(status.stderr, new RegExp(`table\\(s\\) already being migrated into keyspace customer by another workflow: ${TABLE} \\(workflow ${winner}\\)`));
      const cancel = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', loser, '--target-keyspace', 'customer', 'cancel']);
      assert.equal(cancel.code, 1, 'the losing run left nothing to cancel');
      assert.match(cancel.stderr, /it left nothing on the target/);
      const cmp = await compareById(h, TABLE);
      assert.deepEqual(cmp.problems, []);
      assert.equal(cmp.rows, ROWS);
    } finally {
      for (const n of names) await terminateIfRunning(h, `customer.${n}`);
    }
  });
});
