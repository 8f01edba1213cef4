// A target shard fed by two source shards copies both streams side by side. When one stream's
// copy fails for good (here: source shard 80- lacks a column the target has, schema drift
// between source shards) while the other stream goes on to its next table, the shard must keep showing Error
// with the failure's message until the operator fixes the source and runs `Workflow start`
// (the failing stream in Error, the other saying what it waits for):
// the stream that goes on must not paint the shard Copying again and wipe the message (it did:
// the shard then sat in Copying with no activity and no error, forever). After the fix and
// start, the migration completes with exactly the source rows.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import { shardStatusQuery, shardWorkflowId, type ShardStatus } from '../../src/workflows/api';
import { hashKsid, shardOf } from '../support/routing';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  cutoverAndComplete,
  waitFor,
  dropTables,
  ensureMount,
  execOn,
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

const MOUNT = 'drift';
const WORKFLOW = 'drift';
const ID = `customer.${WORKFLOW}`;
/** Copied in name order: the drifted table first, so the healthy stream has another table to go on to. */
const TABLE = 'drift_a';
const OTHER = 'drift_b';
const ROWS = 3000;
const MISSING = /table drift_a: column\(s\) note of the target are missing in the source \(vt_commerce on source shard commerce\/80-, tablet zone1-\d+\)/;

describe('Migrate: one stream of a shared target shard fails while the other goes on', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    const ddl = (t: string) => `CREATE TABLE ${t} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, note VARCHAR(40) NULL) ENGINE=InnoDB`;
    await createSourceTables(h, { [TABLE]: ddl(TABLE), [OTHER]: ddl(OTHER) });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' }, [OTHER]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    for (const s of SOURCE_SHARDS) {
      const p = tablet(h, 'source', s);
      const ids = Array.from({ length: ROWS }, (_, i) => i + 1).filter((id) => shardOf(SOURCE_SHARDS, hashKsid(BigInt(id))) === s);
      const values = ids.map((id) => (s === '80-' ? `(${id}, 'item ${id}', NULL)` : `(${id}, 'item ${id}', 'note ${id}')`));
      await execOn(p.port, `INSERT INTO ${TABLE} VALUES ${values.join(',')}`, p.db);
      await execOn(p.port, `INSERT INTO ${OTHER} VALUES ${ids.map((id) => `(${id}, 'other ${id}', NULL)`).join(',')}`, p.db);
    }
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE, OTHER]);
    await removeTablesFromVSchemas(h, [TABLE, OTHER]).catch(() => undefined);
    await releaseHarness();
  });

  it('keeps the shard in Error, with the message, after the other stream finished its copy; start after the fix completes it', async () => {
    // Create checks that the source shards agree; 80- drifts (loses `note`) after that, before
    // the copy starts. Small batches: the -80 stream's copy of 40-c0 outlives the 80- stream's failure.
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE, OTHER], copyBatchRows: 50, autoStart: false });
    await waitStatus(handle, 'the migration is planned and waits for start', (s) => s.phase === 'Stopped', 60_000);
    const p80 = tablet(h, 'source', '80-');
    await execOn(p80.port, `ALTER TABLE ${TABLE} DROP COLUMN note`, p80.db);
    const workflowStart = () => vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', 'start', '--workflow', WORKFLOW]);
    assert.equal((await workflowStart()).code, 0);
    // The shard child itself (what it will tell the parent and the CLI).
    const child = h.client.workflow.getHandle(shardWorkflowId(ID, '40-c0'));
    const healthyDone = (s: ShardStatus) => Object.values(s.streams.find((x) => x.sourceShard === '-80')!.tables).every((t) => t.done);
    const shard = await waitFor('the -80 stream has copied both tables into 40-c0', async () => {
      const s = await child.query(shardStatusQuery);
      return healthyDone(s) ? s : undefined;
    }, 120_000);
    assert.equal(shard.phase, 'Error', JSON.stringify(shard));
    assert.match(shard.lastError, MISSING);
    // The failure is the 80- stream's own: it is in Error, the -80 stream is not.
    const byShard = (s: ShardStatus, source: string) => s.streams.find((x) => x.sourceShard === source)!;
    assert.deepEqual([byShard(shard, '-80').state, byShard(shard, '-80').error], ['Copying', undefined]);
    assert.equal(byShard(shard, '80-').state, 'Error');
    assert.match(byShard(shard, '80-').error ?? '', MISSING);
    // It stays so (nothing retries a schema problem by itself), and the parent says so too.
    await new Promise((r) => setTimeout(r, 3000));
    const later = await status(handle);
    const s4 = later.shards.find((x) => x.shard === '40-c0')!;
    assert.equal(s4.phase, 'Error');
    assert.match(s4.lastError, MISSING);
    assert.ok(healthyDone(s4), 'the parent heard of the healthy stream\'s progress');
    assert.equal(later.phase, 'Copying', 'the copy of 40-c0 is not done: the migration is not Running');
    const text = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', 'status']);
    assert.match(text.stdout, /id=2 on customer\/zone2-\d+: Status: Error\. table drift_a: column\(s\) note of the target are missing in the source/);
    assert.match(text.stdout, /id=1 on customer\/zone2-\d+: Status: Copying\. 2 of 2 tables copied; the shard's catch-up waits for the copy of stream id=2 \(source shard 80-\), in Error\./);

    // Cutover is refused while a shard has not finished its copy, even one in Error.
    await handle.signal('cutover');
    await waitStatus(handle, 'the cutover is refused', (s) => s.errors.some((e) => /cutover refused: the copy is not finished on shards .*40-c0/.test(e)), 30_000, { allowErrors: true });

    // The operator fixes the drifted shard and starts the workflow again.
    await execOn(p80.port, `ALTER TABLE ${TABLE} ADD COLUMN note VARCHAR(40) NULL`, p80.db);
    const start = await workflowStart();
    assert.equal(start.code, 0, start.stderr);
    await waitStatus(handle, 'every shard has copied and runs', (s) => s.phase === 'Running' && s.shards.every((x) => x.phase === 'Running' && x.lastError === ''), 120_000);
    await execOn(p80.port, `UPDATE ${TABLE} SET note = 'after the fix' WHERE id % 10 = 0`, p80.db);
    await cutoverAndComplete(handle, 120_000);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems.slice(0, 10), []);
    assert.equal(cmp.rows, ROWS);
    const other = await compareById(h, OTHER);
    assert.deepEqual(other.problems.slice(0, 10), []);
    assert.equal(other.rows, ROWS);
  });
});
