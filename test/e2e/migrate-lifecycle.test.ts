// The lifecycle of DESIGN.md §1 through the vtmigrate CLI, on a 2 → 3 shard migration, while the
// application inserts, updates (also moving orders between customers, i.e. between shards) and
// deletes on the source. After cutover, the independent comparison (plain SQL over every
// primary, routing computed with OpenSSL) must find every source row, identical, on the shard
// its keyspace id belongs to, and no other rows.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../../src/workflows/api';
import { seedCommerce, startLoad } from '../../src/local/commerce-load';
import { compareMigration } from '../support/compare';
import { startHeartbeats } from '../support/heartbeats';
import { CUSTOMER_VSCHEMA, localCli, primaries, resetClusters, sourceWriter, stackAddresses, vtmigrate } from '../support/migration';
import { testStack } from '../support/stack';
import { testClient } from '../support/temporal';

const WF = ['Migrate', '--workflow', 'import', '--target-keyspace', 'customer'];

/** Waits until the Migrate run's phase is one of `phases` (queried through the test client). */
async function waitForPhase(handle: WorkflowHandle, phases: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s && phases.includes(s.phase)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for phase ${phases.join('/')} (last ${s?.phase})`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Polls a command until its output matches `pattern` and does not match `unless`. */
async function waitForText(args: string[], pattern: RegExp, timeoutMs: number, unless?: RegExp): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await vtmigrate(args);
    last = `${r.stdout}${r.stderr}`;
    if (pattern.test(last) && !(unless && unless.test(last))) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${last}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('Migrate lifecycle through the CLI (2 → 3 shards, under load)', function () {
  this.timeout(600_000);

  before(async () => {
    await testStack();
    await localCli(['stop', 'worker']);
    await resetClusters();
  });

  // Stopped here too, so that a failed assertion does not leave the load writing into the
  // source that the next tests use.
  let load: ReturnType<typeof startLoad> | undefined;
  let writer: Awaited<ReturnType<typeof sourceWriter>> | undefined;

  after(async () => {
    await load?.stop();
    await writer?.close().catch(() => undefined);
    await localCli(['stop', 'worker']);
    await localCli(['start', 'temporal']);
    const c = await testClient();
    await c.workflow.getHandle('customer.import').terminate('test cleanup').catch(() => undefined);
    await resetClusters();
  });

  it('mounts, migrates, cuts over and completes with the source rows, exactly, on the right shards', async () => {
    const spec = await testStack();
    const a = await stackAddresses();

    let r = await vtmigrate(['Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', a.sourceTopo, '--topo-root', '/vitess/global']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'Mount ext1 registered successfully');
    r = await vtmigrate(['ApplyVSchema', '--vschema-file', CUSTOMER_VSCHEMA, 'customer']);
    assert.equal(r.code, 0, r.stderr);

    writer = await sourceWriter(21, 1);
    await seedCommerce(writer, { customers: 600, products: 150 });
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    load = startLoad(writer, 40);

    r = await vtmigrate([...WF, 'create', '--source-keyspace', 'commerce', '--mount-name', 'ext1', '--all-tables']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'create prints nothing on success, as Vitess');

    // A second create of the same workflow is refused with Vitess's message.
    r = await vtmigrate([...WF, 'create', '--source-keyspace', 'commerce', '--mount-name', 'ext1', '--all-tables']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /workflow import already exists in keyspace customer/);

    const running = await waitForText([...WF, 'status'], /Status: Running/, 300_000, /Status: (Copying|Error)/);
    assert.match(running, /^The following vreplication streams exist for workflow customer\.import:/);
    assert.doesNotMatch(running, /Status: Copying/);

    // Pause and resume the streams as Vitess operators do.
    r = await vtmigrate(['Workflow', '--keyspace', 'customer', 'stop', '--workflow', 'import']);
    assert.equal(r.code, 0, r.stderr);
    await waitForText([...WF, 'status'], /Status: Stopped/, 60_000, /Status: (Running|Copying)/);
    r = await vtmigrate(['Workflow', '--keyspace', 'customer', 'start', '--workflow', 'import']);
    assert.equal(r.code, 0, r.stderr);
    await waitForText([...WF, 'status'], /Status: Running/, 60_000, /Status: (Stopped|Copying)/);
    await new Promise((res) => setTimeout(res, 3000));

    // complete with no cutover while the application still writes: refused (what it wrote after
    // complete would have been left on the source), and the streams go on.
    r = await vtmigrate([...WF, 'complete'], { timeoutMs: 300_000 });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /failed to finalize the import workflow in the customer keyspace: complete refused: the source took \d+ row change\(s\) to the migrated tables while complete drained the streams \(the application still writes to it\); .*stop the writes, then run complete again \(or cutover, to verify first\), or use complete --force/);
    await waitForText([...WF, 'status'], /Status: Running/, 60_000, /Status: (Stopped|Copying)/);

    // The application stops writing; cutover drains and verifies.
    const stats = await load.stop();
    assert.deepEqual(load.errors, []);
    assert.ok(stats.moves > 0 && stats.deletes > 0 && stats.updates > 0, JSON.stringify(stats));
    await writer.close();
    writer = undefined;
    // Like a real Vitess source, the source primaries keep writing heartbeats (outside the
    // migrated tables) throughout the cutover: the streams must still reach the VDiff's point,
    // and this is not the application writing.
    // Temporal is down for a while (longer than the client's own ~20 s of gRPC retries) while the
    // cutover command waits for the result: the command waits for the frontend and reports the
    // cutover (it failed with `Failed to describe workflow` while the cutover went on to succeed).
    const heartbeats = await startHeartbeats(primaries(spec, 'source').map((p) => p.port));
    try {
      const cutover = vtmigrate([...WF, 'cutover'], { timeoutMs: 300_000 });
      const handle = (await testClient()).workflow.getHandle('customer.import');
      await waitForPhase(handle, ['CuttingOver', 'CutoverReady'], 60_000);
      assert.equal((await localCli(['stop', 'temporal', '--signal', 'KILL'])).code, 0);
      await new Promise((res) => setTimeout(res, 25_000));
      assert.equal((await localCli(['start', 'temporal'])).code, 0);
      r = await cutover;
    } finally {
      await heartbeats.stop();
    }
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Source moved during the cutover: no/);

    r = await vtmigrate([...WF, 'complete'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'Successfully completed the import workflow in the customer keyspace');
    // Afterwards status says how the last run ended for the operator, not only Temporal's COMPLETED.
    r = await vtmigrate([...WF, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no streams found in keyspace customer for import \(its last run ended COMPLETED at [^)]*: the migration was completed\)/);

    const result = await compareMigration(primaries(spec, 'source'), primaries(spec, 'target'));
    assert.deepEqual(result.differences.slice(0, 10), []);
    assert.ok(result.rows.customer >= 600 && result.rows.corder > 0 && result.rows.order_line > 0 && result.rows.product > 0, JSON.stringify(result.rows));

    // The target VSchema lists the tables; the source is untouched; the mount can go.
    const vschema = JSON.parse((await vtmigrate(['GetVSchema', 'customer'])).stdout) as { tables: Record<string, unknown> };
    assert.deepEqual(Object.keys(vschema.tables).sort(), ['corder', 'customer', 'order_line', 'product']);
    r = await vtmigrate(['Mount', 'unregister', '--name', 'ext1']);
    assert.equal(r.stdout.trim(), 'Mount ext1 unregistered successfully');
  });
});
