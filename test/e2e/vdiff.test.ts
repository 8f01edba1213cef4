// VDiff end to end (issue 5's "Done when"): one real migration on the test stack with its worker
// in its own process (so it can be SIGKILLed), driven through the vtmigrate CLI; expected counts
// come from plain SQL on the source and target primaries, not from the code under test.
import { strict as assert } from 'node:assert';
import { startLoad, seedCommerce } from '../../src/local/commerce-load';
import {
  completeSignal,
  cutoverSignal,
  migrateWorkflowId,
  startSignal,
  statusQuery,
  stopSignal,
  type VDiffSummary,
} from '../../src/workflows/api';
import { localCli, primaries, resetClusters, sourceWriter } from '../support/migration';
import { testStack } from '../support/stack';
import { testClient, waitForStatus } from '../support/temporal';
import { waitUntil } from '../support/wait';
import { dropExtraTables, onServer, primaryPort, rowsCopied, startMigration, vdiffCli } from '../support/vdiff-harness';
import { hashKsid, shardOf } from '../support/routing';
import { startHeartbeats } from '../support/heartbeats';

const WF = 'vd';
const WORKFLOW_ID = migrateWorkflowId('customer', WF);
const BULK = 300_000;
const SMALL = 'corder,customer,order_line,product,vdiff_names,vdiff_types';
const TARGET_SHARDS = ['-40', '40-c0', 'c0-'];

const json = <T>(text: string): T => JSON.parse(text) as T;

async function sourceCount(table: string): Promise<number> {
  let n = 0;
  for (const p of primaries(await testStack(), 'source')) {
    const [rows] = await onServer(p.port, p.db, [`SELECT COUNT(*) AS n FROM ${table}`]) as { n: string }[][];
    n += Number(rows[0].n);
  }
  return n;
}

/** Rows compared so far per shard for one table, read from the VDiff's checkpoints on the target primaries. */
async function progress(uuid: string, table: string): Promise<{ shard: string; state: string; processed: number }[]> {
  const out = [];
  for (const p of primaries(await testStack(), 'target')) {
    const [rows] = await onServer(p.port, undefined, ['SELECT state, report FROM _vt_migrate.vdiff_table WHERE vdiff_uuid = ? AND table_name = ?'], [[uuid, table]]) as { state: string; report: string }[][];
    if (rows[0]) out.push({ shard: p.shard, state: String(rows[0].state), processed: Number(JSON.parse(String(rows[0].report)).ProcessedRows) });
  }
  return out;
}

async function showJson(uuid: string): Promise<VDiffSummary> {
  const r = await vdiffCli(WF, ['--format', 'json', 'show', uuid, '--verbose']);
  assert.equal(r.code, 0, r.stderr || r.stdout);
  return json<VDiffSummary>(r.stdout);
}

async function createUuid(args: string[]): Promise<string> {
  const r = await vdiffCli(WF, ['--format', 'json', 'create', ...args]);
  assert.equal(r.code, 0, r.stderr || r.stdout);
  return json<{ UUID: string }>(r.stdout).UUID;
}

async function untilState(uuid: string, state: string, timeoutMs = 120_000): Promise<VDiffSummary> {
  let last: VDiffSummary | undefined;
  await waitUntil(`VDiff ${uuid} is ${state}`, async () => (last = await showJson(uuid)).State === state, timeoutMs, 300);
  return last!;
}

const totals = (s: VDiffSummary, table: string) => {
  const t = s.TableSummary![table];
  return [t.RowsCompared, t.MatchingRows, t.MismatchedRows, t.ExtraRowsSource, t.ExtraRowsTarget];
};

describe('VDiff', function () {
  this.timeout(300_000);
  let uninterrupted: VDiffSummary;
  let copyRate = 0;

  before(async () => {
    await localCli(['stop', 'worker']);
    const c = await testClient();
    await c.workflow.getHandle(WORKFLOW_ID).terminate('test restart').catch(() => undefined);
    await startMigration(WF, { customers: 400, bulk: BULK, copyBatchRows: 1000, until: 'Copying' });
  });

  after(async () => {
    const c = await testClient();
    await c.workflow.getHandle(WORKFLOW_ID).terminate('test cleanup').catch(() => undefined);
    await localCli(['stop', 'worker']);
    await dropExtraTables();
    await resetClusters();
  });

  it('refuses a diff while the copy runs, naming the streams still copying', async () => {
    const c = await testClient();
    const handle = c.workflow.getHandle(WORKFLOW_ID);
    // Pause the copy half way, so the refusal is certain.
    await handle.signal(stopSignal);
    await waitForStatus(WORKFLOW_ID, (s) => s.shards.every((x) => x.phase === 'Stopped' || x.phase === 'Running'));
    const r = await vdiffCli(WF, ['create']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: not all streams are running in workflow customer\.vd: still copying: (-40|40-c0|c0-) stream [12] \(from (-80|80-)\): (copying [a-z_, ]+|not started)(; |\n$)/);
    assert.match(r.stderr, /vdiff_bulk/);
    // Let it finish, timing the rest of the bulk table's copy for the rate comparison below.
    const copiedBefore = await rowsCopied('vdiff_bulk');
    const resumed = Date.now();
    await handle.signal(startSignal);
    await waitForStatus(WORKFLOW_ID, (s) => s.phase === 'Running', 180_000);
    copyRate = Math.round((BULK - copiedBefore) / ((Date.now() - resumed) / 1000));
  });

  it('reports zero mismatches on a correct migration: varchar and composite keys, utf8mb4, JSON, DECIMAL, temporal', async () => {
    const r = await vdiffCli(WF, ['create', '--wait', '--wait-update-interval', '1s']);
    assert.equal(r.code, 0, r.stderr || r.stdout);
    // --wait shows the summary every interval; the last one is the final state.
    const final = r.stdout.slice(r.stdout.lastIndexOf('\nVDiff Summary for'));
    assert.match(final, /^\nVDiff Summary for customer\.vd \([0-9a-f-]{36}\)\nState:        completed\nRowsCompared: \d+\nRowsPerSecond: \d+\nHasMismatch:  false\nStartedAt:    \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\nCompletedAt:  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n \nUse "--format=json" for more detailed output\.\n\n$/);
    const s = await showJson('last');
    uninterrupted = s;
    assert.equal(s.State, 'completed');
    assert.equal(s.HasMismatch, false);
    assert.equal(s.Shards, TARGET_SHARDS.join(','));
    for (const table of SMALL.split(',').concat('vdiff_bulk')) {
      const n = await sourceCount(table);
      assert.ok(n > 0, `no ${table} rows`);
      assert.deepEqual(totals(s, table), [n, n, 0, 0, 0], table);
    }
  });

  it('measures the diff rate against the copy rate on the same table', async () => {
    const c = await testClient();
    const st = await c.workflow.getHandle(WORKFLOW_ID).query(statusQuery);
    const copied = Object.values(st.shards).flatMap((sh) => sh.streams).reduce((n, s) => n + s.tables.vdiff_bulk.rowsCopied, 0);
    assert.equal(copied, BULK);
    const started = Date.now();
    const r = await vdiffCli(WF, ['--format', 'json', 'create', '--tables', 'vdiff_bulk', '--wait', '--wait-update-interval', '1s']);
    assert.equal(r.code, 0, r.stderr || r.stdout);
    const wall = (Date.now() - started) / 1000;
    const s = json<VDiffSummary>(r.stdout.slice(r.stdout.lastIndexOf('{\n  "Workflow"')));
    assert.equal(s.State, 'completed');
    assert.equal(s.RowsCompared, BULK);
    process.stdout.write(`      vdiff_bulk (${BULK} rows): copy ${copyRate} rows/s; diff ${s.RowsPerSecond} rows/s (first to last shard), ${Math.round(BULK / wall)} rows/s with the CLI and scheduling (${wall.toFixed(1)}s)\n`);
  });

  it('reports zero mismatches for a diff taken while the source keeps writing', async () => {
    const writer = await sourceWriter(23, 500_000);
    await seedCommerce(writer, { customers: 60, products: 10 });
    const load = startLoad(writer, 150);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const r = await vdiffCli(WF, ['--format', 'json', 'create', '--tables', 'corder,customer,order_line,product', '--wait', '--wait-update-interval', '1s']);
      assert.equal(r.code, 0, r.stderr || r.stdout);
      const s = json<VDiffSummary>(r.stdout.slice(r.stdout.lastIndexOf('{\n  "Workflow"')));
      assert.equal(s.State, 'completed');
      assert.equal(s.HasMismatch, false, JSON.stringify(s.Reports));
    } finally {
      const stats = await load.stop();
      await writer.close();
      assert.deepEqual(load.errors, []);
      assert.ok(stats.inserts + stats.updates + stats.deletes > 50, `the load wrote too little: ${JSON.stringify(stats)}`);
    }
  });

  it('reaches its consistent point while the source writes only outside the migrated tables', async () => {
    // Heartbeats every 20 ms: each stream sees runs of empty transactions, which its binlog
    // reader folds into one item whenever the applier is held; the VDiff's snapshot position
    // falls inside such a run, and the stream must stop exactly there.
    const heartbeats = await startHeartbeats(primaries(await testStack(), 'source').map((p) => p.port), 20);
    let r;
    try {
      r = await vdiffCli(WF, ['--format', 'json', 'create', '--tables', 'corder,customer', '--wait', '--wait-update-interval', '1s']);
    } finally {
      assert.ok(await heartbeats.stop() > 10);
    }
    assert.equal(r.code, 0, r.stderr || r.stdout);
    const s = json<VDiffSummary>(r.stdout.slice(r.stdout.lastIndexOf('{\n  "Workflow"')));
    assert.equal(s.State, 'completed', JSON.stringify(s));
    assert.equal(s.HasMismatch, false, JSON.stringify(s.Reports));
  });

  it('stop then resume ends with the same totals as an uninterrupted diff', async () => {
    // Small chunks make it slow enough to be stopped half way for certain.
    const uuid = await createUuid(['--tables', 'vdiff_bulk', '--batch-rows', '100']);
    await waitUntil('the diff to get going', async () => (await progress(uuid, 'vdiff_bulk')).some((p) => p.processed > 0), 60_000, 50);
    let r = await vdiffCli(WF, ['stop', uuid]);
    assert.equal(r.code, 0, r.stderr || r.stdout);
    assert.equal(r.stdout, 'VDiff stop completed\n');
    const stopped = await showJson(uuid);
    assert.equal(stopped.State, 'stopped');
    assert.ok(stopped.RowsCompared < BULK, `it finished before the stop (${stopped.RowsCompared})`);
    r = await vdiffCli(WF, ['--format', 'json', 'resume', uuid]);
    assert.equal(r.code, 0, r.stderr || r.stdout);
    assert.deepEqual(json(r.stdout), { Action: 'resume', Status: 'scheduled' });
    const done = await untilState(uuid, 'completed');
    assert.deepEqual(totals(done, 'vdiff_bulk'), totals(uninterrupted, 'vdiff_bulk'));
  });

  it('a diff whose worker is SIGKILLed half way resumes and ends with the same totals', async () => {
    const uuid = await createUuid(['--tables', 'vdiff_bulk']);
    await waitUntil('the diff to be a fifth done', async () => {
      const p = await progress(uuid, 'vdiff_bulk');
      return p.reduce((n, x) => n + x.processed, 0) > BULK / 5;
    }, 60_000, 20);
    assert.equal((await localCli(['stop', 'worker', '--signal', 'KILL'])).code, 0);
    const atKill = await progress(uuid, 'vdiff_bulk');
    const compared = atKill.reduce((n, x) => n + x.processed, 0);
    assert.ok(atKill.some((p) => p.state !== 'completed') && compared < BULK, `it finished before the kill: ${JSON.stringify(atKill)}`);
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    const done = await untilState(uuid, 'completed', 180_000);
    assert.deepEqual(totals(done, 'vdiff_bulk'), totals(uninterrupted, 'vdiff_bulk'));
  });

  it('honours --limit, --max-diff-duration, tablet types and cells, --update-table-stats, --auto-start', async () => {
    const last = async (args: string[]) => {
      const r = await vdiffCli(WF, ['--format', 'json', 'create', ...args, '--wait', '--wait-update-interval', '1s']);
      assert.equal(r.code, 0, r.stderr || r.stdout);
      return json<VDiffSummary>(r.stdout.slice(r.stdout.lastIndexOf('{\n  "Workflow"')));
    };
    // Per table and shard, as Vitess counts it.
    assert.equal((await last(['--tables', 'vdiff_bulk', '--limit', '1000'])).RowsCompared, 3000);
    // Snapshots refreshed every second on the way: same result.
    const refreshed = await last(['--tables', 'vdiff_bulk', '--max-diff-duration', '1s']);
    assert.equal(refreshed.State, 'completed');
    assert.equal(refreshed.RowsCompared, BULK);
    assert.equal(refreshed.HasMismatch, false);
    const primariesOnly = await last(['--tables', 'customer,vdiff_names', '--tablet-types', 'primary', '--source-cells', 'zone1', '--target-cells', 'zone2', '--update-table-stats']);
    assert.equal(primariesOnly.State, 'completed');
    assert.equal(primariesOnly.HasMismatch, false);
    assert.match((await vdiffCli(WF, ['create', '--source-cells', 'nowhere'])).stderr, /^Error: --source-cells: cell nowhere is neither a cell nor a cell alias/);

    const uuid = await createUuid(['--tables', 'customer', '--auto-start=false']);
    assert.equal((await showJson(uuid)).State, 'stopped');
    assert.equal((await vdiffCli(WF, ['resume', uuid])).stdout, 'VDiff resume scheduled\n');
    assert.equal((await untilState(uuid, 'completed')).HasMismatch, false);

    const all = await vdiffCli(WF, ['--format', 'json', 'show', 'all']);
    assert.equal(all.code, 0, all.stderr);
    const listed = json<{ UUID: string; Shard: string; State: string }[]>(all.stdout).filter((l) => l.UUID === uuid);
    assert.deepEqual(listed.map((l) => [l.Shard, l.State]), TARGET_SHARDS.map((s) => [s, 'completed']));
    assert.match((await vdiffCli(WF, ['show', 'all'])).stdout, new RegExp(`\\|\\s+${uuid} \\|\\s+vd \\|\\s+customer \\|\\s+40-c0 \\|\\s+completed \\|`));
    const del = await vdiffCli(WF, ['delete', uuid]);
    assert.equal(del.stdout, 'VDiff delete completed\n', del.stderr);
    assert.match((await vdiffCli(WF, ['show', uuid])).stderr, /^Error: no vdiff found for UUID/);
  });

  it('rejects bad input with Vitess\'s messages', async () => {
    const err = async (args: string[], workflow = WF) => {
      const r = await vdiffCli(workflow, args);
      assert.equal(r.code, 1, `${args.join(' ')} succeeded: ${r.stdout}`);
      return r.stderr.trim();
    };
    const unknown = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
    assert.equal(await err(['create'], 'nope'), 'Error: no streams found in keyspace customer for nope');
    assert.equal(await err(['show', 'last'], 'nope'), 'Error: no streams found in keyspace customer for nope');
    assert.equal(await err(['show', unknown]), `Error: no vdiff found for UUID ${unknown} keyspace customer and workflow vd on tablet zone2-100`);
    assert.equal(await err(['resume', unknown]), `Error: vdiff with UUID ${unknown} not found on tablet zone2-100`);
    assert.equal(await err(['delete', unknown]), `Error: no vdiff found for UUID ${unknown} on tablet zone2-100`);
    assert.equal(await err(['show', 'nope']), "Error: invalid argument provided (nope), valid arguments are 'all', 'last', or a valid UUID");
    assert.equal(await err(['create', 'abc']), 'Error: invalid UUID provided: invalid UUID length: 3');
    assert.equal(await err(['create', '--limit', '0']), 'Error: --limit must be a positive value');
    assert.equal(await err(['create', '--limit', '-5']), 'Error: --limit must be a positive value');
    assert.equal(await err(['create', '--max-report-sample-rows', '-1']), 'Error: --max-report-sample-rows must not be a negative value');
    assert.equal(await err(['create', '--max-extra-rows-to-compare', '-1']), 'Error: --max-extra-rows-to-compare must not be a negative value');
    assert.match(await err(['create', '--tables', 'nope']), /^Error: table\(s\) nope not found in workflow customer\.vd/);
    const existing = (await showJson('last')).UUID;
    assert.equal(await err(['create', existing]), `Error: vdiff with UUID ${existing} already exists on tablet zone2-100`);
    assert.equal(await err(['--format', 'yaml', 'show', 'last']), 'Error: invalid output format, got yaml');
  });

  describe('on a corrupted target', () => {
    const moved = { id: 0, from: '', to: '' };
    let changedName = '';
    let deletedOrders: number[] = [];
    const addedSkus = ['zz-extra-1', 'zz-extra-2', 'zz-extra-3'];
    let changedTypesKey: { name: string; seq: number; amount: string } | undefined;

    before(async () => {
      const spec = await testStack();
      const target = primaries(spec, 'target');
      const port = (shard: string) => target.find((p) => p.shard === shard)!.port;
      // Two customers on the same target shard: one gets a changed column, one moves to a wrong shard.
      const [custs] = await onServer(port('-40'), 'vt_customer', ['SELECT customer_id, name FROM customer ORDER BY customer_id LIMIT 2']) as { customer_id: string; name: string }[][];
      changedName = custs[0].name;
      await onServer(port('-40'), 'vt_customer', ['UPDATE customer SET name = ? WHERE customer_id = ?'], [['CORRUPTED', custs[0].customer_id]]);
      moved.id = Number(custs[1].customer_id);
      moved.from = '-40';
      moved.to = 'c0-';
      assert.equal(shardOf(TARGET_SHARDS, hashKsid(moved.id)), '-40');
      await onServer(port('-40'), 'vt_customer', ['DELETE FROM customer WHERE customer_id = ?'], [[moved.id]]);
      const [row] = await onServer(await primaryPort('source', shardOf(['-80', '80-'], hashKsid(moved.id))), 'vt_commerce', ['SELECT * FROM customer WHERE customer_id = ?'], [[moved.id]]) as Record<string, unknown>[][];
      await onServer(port(moved.to), 'vt_customer', ['INSERT INTO customer (customer_id, email, name, balance, created_at, notes) VALUES (?, ?, ?, ?, ?, ?)'],
        [[row[0].customer_id, row[0].email, row[0].name, row[0].balance, row[0].created_at, row[0].notes]]);
      // Two orders deleted (on one shard), three products added, one DECIMAL changed.
      const [orders] = await onServer(port('40-c0'), 'vt_customer', ['SELECT order_id FROM corder ORDER BY order_id LIMIT 2']) as { order_id: string }[][];
      deletedOrders = orders.map((o) => Number(o.order_id));
      await onServer(port('40-c0'), 'vt_customer', ['DELETE FROM corder WHERE order_id IN (?, ?)'], [deletedOrders]);
      await onServer(port('c0-'), 'vt_customer', addedSkus.map(() => "INSERT INTO product (sku, description, price) VALUES (?, 'not on the source', 1.00)"), addedSkus.map((s) => [s]));
      const [types] = await onServer(port('40-c0'), 'vt_customer', ['SELECT name, seq, amount FROM vdiff_types WHERE amount IS NOT NULL ORDER BY seq LIMIT 1']) as { name: string; seq: number; amount: string }[][];
      changedTypesKey = types[0];
      await onServer(port('40-c0'), 'vt_customer', ['UPDATE vdiff_types SET amount = amount + 0.000001 WHERE name = ? AND seq = ?'], [[types[0].name, types[0].seq]]);
    });

    it('reports exactly those rows, with samples, in JSON and text', async () => {
      const r = await vdiffCli(WF, ['--format', 'json', 'create', '--tables', SMALL, '--wait', '--wait-update-interval', '1s']);
      assert.equal(r.code, 0, r.stderr || r.stdout);
      const s = await showJson('last');
      assert.equal(s.State, 'completed');
      assert.equal(s.HasMismatch, true);
      const n = async (t: string) => sourceCount(t);
      const customers = await n('customer');
      assert.deepEqual(totals(s, 'customer'), [customers + 1, customers - 2, 1, 1, 1]);
      assert.deepEqual(totals(s, 'corder'), [await n('corder'), (await n('corder')) - 2, 0, 2, 0]);
      assert.deepEqual(totals(s, 'product'), [(await n('product')) + 3, await n('product'), 0, 0, 3]);
      assert.deepEqual(totals(s, 'vdiff_types'), [await n('vdiff_types'), (await n('vdiff_types')) - 1, 1, 0, 0]);
      for (const t of ['order_line', 'vdiff_names']) assert.deepEqual(totals(s, t).slice(2), [0, 0, 0], t);

      const rep = s.Reports!;
      const mm = rep.customer['-40'].MismatchedRowsSample![0];
      assert.equal(mm.Source!.Row!.name, changedName);
      assert.equal(mm.Target!.Row!.name, 'CORRUPTED');
      assert.equal(rep.customer[moved.from].ExtraRowsSourceSample![0].Row!.customer_id, String(moved.id));
      assert.equal(rep.customer[moved.to].ExtraRowsTargetSample![0].Row!.customer_id, String(moved.id));
      assert.deepEqual(rep.corder['40-c0'].ExtraRowsSourceSample!.map((d) => Number(d.Row!.order_id)), deletedOrders);
      assert.deepEqual(rep.product['c0-'].ExtraRowsTargetSample!.map((d) => d.Row!.sku), addedSkus);
      const typ = rep.vdiff_types['40-c0'].MismatchedRowsSample![0];
      assert.equal(typ.Source!.Row!.amount, changedTypesKey!.amount);
      assert.notEqual(typ.Target!.Row!.amount, changedTypesKey!.amount);

      const text = await vdiffCli(WF, ['show', s.UUID]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /HasMismatch: {2}true\n/);
      assert.match(text.stdout, new RegExp(`Table customer:\\n\\tState: {12}completed\\n\\tProcessedRows: {4}${customers + 1}\\n\\tMatchingRows: {5}${customers - 2}\\n\\tMismatchedRows: {3}1\\n\\tExtraRowsSource: {2}1\\n\\tExtraRowsTarget: {2}1\\n`));
      assert.match(text.stdout, /Table corder:\n\tState: {12}completed\n\tProcessedRows: {4}\d+\n\tMatchingRows: {5}\d+\n\tExtraRowsSource: {2}2\n \n/);
    });

    it('--only-pks, --debug-query and --max-report-sample-rows shape the samples', async () => {
      const r = await vdiffCli(WF, ['create', '--tables', 'product,customer', '--only-pks', '--debug-query', '--max-report-sample-rows', '1', '--wait', '--wait-update-interval', '1s']);
      assert.equal(r.code, 0, r.stderr || r.stdout);
      const s = await showJson('last');
      const extra = s.Reports!.product['c0-'].ExtraRowsTargetSample!;
      assert.equal(extra.length, 1);
      assert.deepEqual(extra[0], { Row: { sku: addedSkus[0] }, Query: `select sku from product where sku='${addedSkus[0]}';` });
      assert.deepEqual(Object.keys(s.Reports!.customer['-40'].MismatchedRowsSample![0].Source!.Row!), ['customer_id']);
      assert.equal(s.TableSummary!.product.ExtraRowsTarget, 3);
    });

    it('cutover runs a VDiff; complete then needs --force and says why', async () => {
      const c = await testClient();
      const handle = c.workflow.getHandle(WORKFLOW_ID);
      await handle.signal(cutoverSignal);
      const st = await waitForStatus(WORKFLOW_ID, (x) => x.phase === 'CutoverReady' || x.errors.length > 0, 180_000);
      assert.equal(st.phase, 'CutoverReady', JSON.stringify(st.errors));
      const v = st.cutover!.vdiff!;
      assert.equal(v.State, 'completed');
      assert.equal(v.HasMismatch, true);
      assert.equal(v.TableSummary!.customer.MismatchedRows, 1);
      assert.equal(st.cutover!.vdiffError, '');
      assert.ok(st.cutover!.mismatches >= 4);
      const bad = st.cutover!.verification.find((x) => x.table === 'corder' && x.shard === '40-c0')!;
      assert.equal(bad.match, false);
      assert.equal(bad.sourceRows - bad.targetRows, 2);
      const before = st.errors.length;
      await handle.signal(completeSignal, {});
      const refused = await waitForStatus(WORKFLOW_ID, (x) => x.errors.length > before);
      assert.match(refused.errors[before], new RegExp(`^complete refused: the cutover VDiff ${v.UUID} found rows that differ: corder \\(0 mismatched, 2 only on the source, 0 only on the target\\), customer \\(1 mismatched, 1 only on the source, 1 only on the target\\)`));
      await handle.signal(completeSignal, { force: true });
      const done = await handle.result();
      assert.equal(done.phase, 'Completed');
    });
  });
});
