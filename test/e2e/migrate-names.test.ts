// Table and column names are case-sensitive and case-insensitive the way MariaDB on Linux (and
// Vitess) has them: `OrderLines` and `orderlines` are two tables (lower_case_table_names=0), a
// column is the same column whatever the case it is named in, and a VSchema may name the vindex
// column in another case than the table's DDL (Vitess compares column names case-insensitively).
// Migrating one of the two tables must copy and stream that one only, into a table of the same
// name.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import {
  acquireHarness,
  compareById,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  editVSchema,
  ensureMount,
  execOn,
  onSourceShardOf,
  releaseHarness,
  rowsOn,
  SOURCE_KEYSPACE,
  SOURCE_SHARDS,
  sourcePositions,
  tablet,
  TARGET_KEYSPACE,
  TARGET_SHARDS,
  terminateIfRunning,
  vtmigrateOn,
  waitStatus,
  waitStreamsAt,
  type Harness,
} from '../support/migrate-harness';
import { hashKsid, shardOf } from '../support/routing';
import { migrateWorkflowId } from '../../src/workflows/api';

const MOUNT = 'names';
const WORKFLOW = 'CaseNames';
const ID = migrateWorkflowId(TARGET_KEYSPACE, WORKFLOW);
const UPPER = 'OrderLines';
const LOWER = 'orderlines';
const ROWS = 2000;

const ddl = (table: string) => `CREATE TABLE \`${table}\` (
  Id BIGINT NOT NULL, CustomerName VARCHAR(40) NOT NULL, Qty INT NOT NULL DEFAULT 0,
  PRIMARY KEY (Id), KEY ByCustomer (CustomerName)
) ENGINE=InnoDB`;

async function seed(h: Harness, table: string, rows: number, tag: string): Promise<void> {
  for (const s of SOURCE_SHARDS) {
    const ids = Array.from({ length: rows }, (_, i) => i + 1).filter((id) => shardOf(SOURCE_SHARDS, hashKsid(BigInt(id))) === s);
    const p = tablet(h, 'source', s);
    await execOn(p.port, `INSERT INTO \`${table}\` (Id, CustomerName, Qty) VALUES ${ids.map((id) => `(${id}, '${tag}${id % 97}', ${id})`).join(',')}`, p.db);
  }
}

describe('Migrate: mixed-case table and column names', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await createSourceTables(h, { [UPPER]: ddl(UPPER), [LOWER]: ddl(LOWER) });
    // The source VSchema names the column as the DDL does, the target's in lower case.
    await editVSchema(h, 'source', SOURCE_KEYSPACE, (v) => {
      v.vindexes!.hash ??= { type: 'hash' };
      v.tables![UPPER] = { column_vindexes: [{ column: 'Id', name: 'hash' }] };
      v.tables![LOWER] = { column_vindexes: [{ column: 'ID', name: 'hash' }] };
    });
    await editVSchema(h, 'target', TARGET_KEYSPACE, (v) => {
      v.vindexes!.hash ??= { type: 'hash' };
      v.tables![UPPER] = { column_vindexes: [{ column: 'id', name: 'hash' }] };
    });
    await ensureMount(h, MOUNT);
    await seed(h, UPPER, ROWS, 'upper');
    await seed(h, LOWER, ROWS / 2, 'lower');
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [UPPER, LOWER]);
    for (const [cluster, ks] of [['source', SOURCE_KEYSPACE], ['target', TARGET_KEYSPACE]] as const) {
      await editVSchema(h, cluster, ks, (v) => {
        delete v.tables![UPPER];
        delete v.tables![LOWER];
      }).catch(() => undefined);
    }
    await releaseHarness();
  });

  it('copies and streams the table named, not its namesake in another case', async () => {
    const create = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', TARGET_KEYSPACE, 'create',
      '--source-keyspace', SOURCE_KEYSPACE, '--mount-name', MOUNT, '--tables', UPPER]);
    assert.equal(create.code, 0, create.stderr);
    handle = h.client.workflow.getHandle(ID);
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000);

    // Changes to both tables while the streams run: only OrderLines' reach the target.
    for (let i = 0; i < 40; i++) {
      const id = BigInt(ROWS + 1 + i);
      await onSourceShardOf(h, id, [`INSERT INTO \`${UPPER}\` (Id, CustomerName, Qty) VALUES (${id}, 'new', 1)`,
        `INSERT INTO \`${LOWER}\` (Id, CustomerName, Qty) VALUES (${id}, 'lower new', 1)`]);
      await onSourceShardOf(h, BigInt(i + 1), [`UPDATE \`${UPPER}\` SET Qty = Qty + 1000, CustomerName = 'Moved' WHERE Id = ${i + 1}`,
        `DELETE FROM \`${LOWER}\` WHERE Id = ${i + 1}`]);
      await onSourceShardOf(h, BigInt(i + 100), [`DELETE FROM \`${UPPER}\` WHERE Id = ${i + 100}`,
        `UPDATE \`${LOWER}\` SET Qty = -1 WHERE Id = ${i + 100}`]);
    }
    await waitStreamsAt(h, ID, await sourcePositions(h), 120_000);
    const { problems, rows } = await compareById(h, UPPER);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(rows, ROWS);
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      const tables = (await rowsOn<{ t: string }>(p.port, 'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [p.db])).map((r) => r.t);
      assert.ok(tables.includes(UPPER), `${UPPER} on target ${shard}: ${tables.join(', ')}`);
      assert.ok(!tables.includes(LOWER), `${LOWER} must not be on target ${shard}`);
    }
    const status = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', TARGET_KEYSPACE, 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Copy Progress: complete/);
    const vdiff = await vtmigrateOn(h, 'target', ['VDiff', '--workflow', WORKFLOW, '--target-keyspace', TARGET_KEYSPACE, 'create', '--wait']);
    assert.equal(vdiff.code, 0, vdiff.stderr);
    assert.match(vdiff.stdout, /HasMismatch:\s+false/);
    assert.match(vdiff.stdout, /RowsCompared: 2000\b/);
    const ready = await cutoverAndComplete(handle, 120_000);
    assert.equal(ready.cutover?.mismatches, 0);
    const vschema = JSON.parse((await vtmigrateOn(h, 'target', ['GetVSchema', TARGET_KEYSPACE])).stdout) as { tables: Record<string, unknown> };
    assert.ok(vschema.tables[UPPER], 'the target VSchema keeps OrderLines');
  });
});
