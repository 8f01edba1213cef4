// A migration survives its worker being killed (SIGKILL) during the copy and again during
// catch-up, and the services it depends on being killed under it: a target primary's mysqld
// during the copy, every tablet of a source shard, Temporal and the target's etcd during
// catch-up; all while the application keeps writing to the source. The result is checked with
// the independent comparison (plain SQL, OpenSSL routing), which must find no difference at all.
import { strict as assert } from 'node:assert';
import mysql from 'mysql2/promise';
import { seedCommerce, startLoad } from '../../src/local/commerce-load';
import { completeSignal, cutoverSignal, migrateWorkflowId, shardWorkflowId, TASK_QUEUE } from '../../src/workflows/api';
import { compareMigration } from '../support/compare';
import { localCli, mountAndApplyVSchema, primaries, resetClusters, sourceWriter, vtmigrate } from '../support/migration';
import { testStack, testTablets } from '../support/stack';
import { testClient, waitForStatus } from '../support/temporal';

/** A column of the targets' copy checkpoints, summed over every target primary (0 before any). */
async function copyStateSum(ports: number[], column: 'rows_copied' | 'done'): Promise<number> {
  let n = 0;
  for (const port of ports) {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
    try {
      const [rows] = await conn.query(`SELECT COALESCE(SUM(${column}), 0) AS n FROM _vt_migrate.copy_state`).catch(() => [[{ n: 0 }]]);
      n += Number((rows as { n: number }[])[0].n);
    } finally {
      await conn.end();
    }
  }
  return n;
}

const rowsCopied = (ports: number[]) => copyStateSum(ports, 'rows_copied');
/** Of the (stream, table) copies, how many the targets' checkpoints mark done. */
const copiesDone = (ports: number[]) => copyStateSum(ports, 'done');

/**
 * A row far larger than a batch: a 24 MB JSON document, then an update that carries it in both
 * row images (a ~48 MB binlog event). The worker, run with its production heap limit, must apply it.
 */
async function writeLargeRow(p: { port: number; db: string }): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: p.port, user: 'root', database: p.db });
  try {
    const [rows] = await conn.query('SELECT order_id FROM corder ORDER BY order_id LIMIT 1');
    const id = (rows as { order_id: string }[])[0].order_id;
    await conn.query("UPDATE corder SET details = JSON_OBJECT('large', REPEAT('x', 25165824)) WHERE order_id = ?", [id]);
    await conn.query('UPDATE corder SET price = price + 1 WHERE order_id = ?', [id]);
  } finally {
    await conn.end();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Migrate survives crashes of its worker, databases, topology and Temporal', function () {
  this.timeout(600_000);
  const workflowId = migrateWorkflowId('customer', 'crashy');
  const dbCrashId = migrateWorkflowId('customer', 'dbcrash');

  before(async () => {
    await testStack();
    await localCli(['stop', 'worker']);
    await resetClusters();
    await mountAndApplyVSchema();
  });

  after(async () => {
    await localCli(['stop', 'worker']);
    // Whatever a failed test left stopped comes back for the next suites (start is idempotent).
    for (const component of ['temporal', 'etcd:target', ...(await testTablets()).map((t) => `tablet:${t.alias}`)]) await localCli(['start', component]);
    const c = await testClient();
    for (const id of [workflowId, dbCrashId]) await c.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
    await resetClusters();
  });

  it('finishes with exactly the source rows after SIGKILL during copy and during catch-up, and applies a 24 MB row', async () => {
    const writer = await sourceWriter(11, 1);
    await seedCommerce(writer, { customers: 2500, products: 600 });
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    const load = startLoad(writer, 40);
    // A failed assertion must not leave the load writing into the next tests' source.
    try {
      await crashAndCompare(load);
    } finally {
      await load.stop();
      await writer.close();
    }
  });

  async function crashAndCompare(load: ReturnType<typeof startLoad>): Promise<void> {
    const spec = await testStack();
    const targetPorts = primaries(spec, 'target').map((p) => p.port);
    const c = await testClient();
    await c.workflow.start('Migrate', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ workflow: 'crashy', targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true, copyBatchRows: 100 }],
    });

    // Kill it mid-copy: some rows are checkpointed, the copy is not done. (The plan is read first,
    // so that nothing but the row count stands between the copy's start and the kill.)
    const planned = await waitForStatus(workflowId, (s) => s.shards.length > 0 && s.shards.every((sh) => sh.streams.length > 0));
    const copies = planned.shards.reduce((n, sh) => n + sh.streams.length, 0) * planned.tables.length;
    await until('the copy to start', async () => (await rowsCopied(targetPorts)) > 500);
    assert.equal((await localCli(['stop', 'worker', '--signal', 'KILL'])).code, 0);
    // With the worker dead the checkpoints stand still: they tell whether the kill hit the copy.
    const copiedAtKill = await rowsCopied(targetPorts);
    assert.ok((await copiesDone(targetPorts)) < copies, 'the copy had already finished when the worker was killed');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    let status = await waitForStatus(workflowId, (s) => s.phase === 'Running', 300_000);
    // Resumed from checkpoints: the copy did not start over (rows copied only grew).
    assert.ok((await rowsCopied(targetPorts)) >= copiedAtKill);

    // Kill it again while it replays the source's binlog under load.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await localCli(['stop', 'worker', '--signal', 'KILL'])).code, 0);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    // The killed catch-up is retried (attempt > 1, its last failure the heartbeat timeout); once
    // the new attempt runs, status shows the streams Running again, not the old failure.
    await until('the catch-up of every shard to run a retried attempt', async () => {
      const shards = (await waitForStatus(workflowId, () => true)).shards.map((s) => s.shard);
      const described = await Promise.all(shards.map((s) => c.workflow.getHandle(shardWorkflowId(workflowId, s)).describe()));
      return described.every((d) => (d.raw.pendingActivities ?? []).some((pa) => pa.activityType?.name === 'catchUp' && (pa.attempt ?? 1) > 1));
    }, 120_000);
    let lastStatus = '';
    await until('status to show every stream Running after the retry', async () => {
      lastStatus = (await vtmigrate(['Migrate', '--workflow', 'crashy', '--target-keyspace', 'customer', 'status'])).stdout;
      return /Status: Running/.test(lastStatus) && !/Status: (Error|Copying)/.test(lastStatus);
    }, 120_000).catch((err: Error) => { throw new Error(`${err.message}; last status:\n${lastStatus}`); });

    await writeLargeRow(primaries(spec, 'source')[0]);

    const stats = await load.stop();
    assert.deepEqual(load.errors, []);
    assert.ok(stats.moves > 0, 'the load moved no order between shards');

    await c.workflow.getHandle(workflowId).signal(cutoverSignal);
    status = await waitForStatus(workflowId, (s) => s.phase === 'CutoverReady' || s.errors.length > 0, 300_000);
    assert.deepEqual(status.errors, []);
    await c.workflow.getHandle(workflowId).signal(completeSignal, {});
    await c.workflow.getHandle(workflowId).result();

    const result = await compareMigration(primaries(spec, 'source'), primaries(spec, 'target'));
    assert.deepEqual(result.differences.slice(0, 10), []);
    assert.ok(result.rows.customer > 2000, `only ${result.rows.customer} customers`);
  }
  it('finishes with exactly the source rows after SIGKILL of a target mysqld during copy, and of a source shard, Temporal and etcd during catch-up', async () => {
    await resetClusters();
    await mountAndApplyVSchema();
    const spec = await testStack();
    const writer = await sourceWriter(12, 1);
    await seedCommerce(writer, { customers: 2500, products: 600 });
    assert.equal((await localCli(['start', 'worker'])).code, 0);
    let load = startLoad(writer, 40);
    const loadErrors: Error[] = [];
    try {
      const statusText = async () => (await vtmigrate(['Migrate', '--workflow', 'dbcrash', '--target-keyspace', 'customer', 'status'])).stdout;
      const showsWhile = async (what: string, pattern: RegExp) => {
        let last = '';
        await until(what, async () => pattern.test(last = await statusText()), 90_000).catch((err: Error) => { throw new Error(`${err.message}; last status:\n${last}`); });
      };
      const c = await testClient();
      await c.workflow.start('Migrate', {
        taskQueue: TASK_QUEUE,
        workflowId: dbCrashId,
        args: [{ workflow: 'dbcrash', targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true, copyBatchRows: 100 }],
      });

      // A target primary fed by both source shards dies mid-copy; its streams fail and retry
      // (the other shards go on) until it is back, then resume from their checkpoints.
      const [target] = await testTablets({ cluster: 'target', keyspace: 'customer', shard: '40-c0', type: 'PRIMARY' });
      await until('the copy into 40-c0 to start', async () => (await rowsCopied([target.port])) > 300);
      assert.ok((await copiesDone([target.port])) < 2 * 4, 'the copy into 40-c0 (2 streams, 4 tables) had already finished');
      assert.equal((await localCli(['stop', `tablet:${target.alias}`, '--signal', 'KILL'])).code, 0);
      await showsWhile(`status to show ${target.alias}'s streams failing`, new RegExp(`on customer/${target.alias}: Status: Error\\. [^\\n]*ECONNREFUSED[^\\n]*retrying`));
      assert.equal((await localCli(['start', `tablet:${target.alias}`])).code, 0);
      await waitForStatus(dbCrashId, (s) => s.phase === 'Running' && s.shards.every((sh) => sh.phase === 'Running'), 300_000);

      // Every tablet of source shard -80 dies during catch-up, while the application is quiet
      // (the streams caught up): its streams say so, wait, and show their lag growing.
      await load.stop();
      loadErrors.push(...load.errors);
      await new Promise((r) => setTimeout(r, 2000));
      const sources = await testTablets({ cluster: 'source', keyspace: 'commerce', shard: '-80' });
      for (const t of sources) assert.equal((await localCli(['stop', `tablet:${t.alias}`, '--signal', 'KILL'])).code, 0);
      await showsWhile('status to say no tablet of -80 can be streamed from', /No healthy serving tablet found for streaming, shard commerce\.-80/);
      // Their lag grows (it stayed at 0 when the source went away from a caught-up stream).
      await showsWhile('the -80 streams to show a growing lag', /VStream Lag: ([3-9]|\d{2,})s[^\n]*No healthy serving tablet found for streaming, shard commerce\.-80/);
      for (const t of sources) assert.equal((await localCli(['start', `tablet:${t.alias}`])).code, 0);
      load = startLoad(writer, 40);

      // Temporal dies and comes back: the runs go on from their persisted histories.
      assert.equal((await localCli(['stop', 'temporal', '--signal', 'KILL'])).code, 0);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await localCli(['start', 'temporal'])).code, 0);
      // The target topology dies for a while; catch-up does not need it once its tablets are known.
      assert.equal((await localCli(['stop', 'etcd:target', '--signal', 'KILL'])).code, 0);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await localCli(['start', 'etcd:target'])).code, 0);
      await showsWhile('every stream to run again', /^(?![\s\S]*Status: (Error|Copying|Stopped))[\s\S]*Status: Running/);

      const stats = await load.stop();
      loadErrors.push(...load.errors);
      assert.ok(stats.moves > 0, 'the load moved no order between shards');
      // Writes failed only while a source shard was down (the target's outage does not reach the application).
      assert.ok(loadErrors.every((e) => /ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|closed state|Connection lost/i.test(e.message)), loadErrors.map((e) => e.message).join('; '));

      await c.workflow.getHandle(dbCrashId).signal(cutoverSignal);
      const status = await waitForStatus(dbCrashId, (s) => s.phase === 'CutoverReady' || s.errors.length > 0, 300_000);
      assert.deepEqual(status.errors, []);
      await c.workflow.getHandle(dbCrashId).signal(completeSignal, {});
      await c.workflow.getHandle(dbCrashId).result();
    } finally {
      await load.stop();
      await writer.close();
    }
    const result = await compareMigration(primaries(spec, 'source'), primaries(spec, 'target'));
    assert.deepEqual(result.differences.slice(0, 10), []);
    assert.ok(result.rows.customer > 2000, `only ${result.rows.customer} customers`);
  });
});
