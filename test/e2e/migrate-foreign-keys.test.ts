// Foreign key actions during catch-up. InnoDB logs a parent's delete or update but not what its
// ON DELETE / ON UPDATE CASCADE or SET NULL did to the children, so the target must run the same
// action itself, at the same point of the stream (rows are written with foreign_key_checks off). Parents and
// children share their id, so both live on the same source and target shards (as the source's
// foreign keys require and Vitess expects of shard-scoped foreign keys).
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  ensureMount,
  onSourceShardOf,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  sourcePositions,
  startMigrate,
  tablet,
  targetShardOf,
  terminateIfRunning,
  waitReplicasCaughtUp,
  waitStatus,
  waitStreamsAt,
  TARGET_SHARDS,
  type Harness,
} from '../support/migrate-harness';
import { shardWorkflowId } from '../../src/workflows/api';

const MOUNT = 'fidelity';
const WORKFLOW = 'fid_fk';
const ID = `customer.${WORKFLOW}`;
// Children first: that is the order they can be dropped in.
const TABLES = ['fk_cascade', 'fk_setnull', 'fk_onupdate', 'fk_parent'];
const SEED = Array.from({ length: 30 }, (_, i) => BigInt(i + 1));

async function targetRow(h: Harness, table: string, id: bigint): Promise<Record<string, unknown> | undefined> {
  const p = tablet(h, 'target', await targetShardOf(id));
  return (await rowsOn(p.port, `SELECT * FROM ${table} WHERE id = ${id}`, [], p.db))[0];
}

describe('Migrate: ON DELETE / ON UPDATE CASCADE and SET NULL on the source reach the target', function () {
  this.timeout(180_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await dropTables(h, TABLES);
    await createSourceTables(h, {
      fk_parent: 'CREATE TABLE fk_parent (id BIGINT NOT NULL PRIMARY KEY, code VARCHAR(32) NOT NULL, UNIQUE KEY (code)) ENGINE=InnoDB',
      fk_cascade: 'CREATE TABLE fk_cascade (id BIGINT NOT NULL PRIMARY KEY, parent_id BIGINT NOT NULL, note VARCHAR(32), ' +
        'CONSTRAINT fk_cascade_parent FOREIGN KEY (parent_id) REFERENCES fk_parent (id) ON DELETE CASCADE) ENGINE=InnoDB',
      fk_setnull: 'CREATE TABLE fk_setnull (id BIGINT NOT NULL PRIMARY KEY, parent_id BIGINT NULL, ' +
        'CONSTRAINT fk_setnull_parent FOREIGN KEY (parent_id) REFERENCES fk_parent (id) ON DELETE SET NULL) ENGINE=InnoDB',
      fk_onupdate: 'CREATE TABLE fk_onupdate (id BIGINT NOT NULL PRIMARY KEY, parent_code VARCHAR(32) NULL, ' +
        'CONSTRAINT fk_onupdate_parent FOREIGN KEY (parent_code) REFERENCES fk_parent (code) ON UPDATE CASCADE ON DELETE SET NULL) ENGINE=InnoDB',
    });
    await addTablesToVSchemas(h, Object.fromEntries(TABLES.map((t) => [t, { column: 'id', name: 'hash' as const }])));
    await ensureMount(h, MOUNT);
    for (const id of SEED) {
      await onSourceShardOf(h, id, [
        `INSERT INTO fk_parent VALUES (${id}, 'p${id}')`,
        `INSERT INTO fk_cascade VALUES (${id}, ${id}, 'c${id}')`,
        `INSERT INTO fk_setnull VALUES (${id}, ${id})`,
        `INSERT INTO fk_onupdate VALUES (${id}, 'p${id}')`,
      ]);
    }
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: TABLES });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, TABLES);
    await removeTablesFromVSchemas(h, TABLES).catch(() => undefined);
    await releaseHarness();
  });

  it('copies the parent before the tables that reference it, though they sort before it by name', async () => {
    // A child copied first (its own, earlier snapshot) could keep rows whose parent the source
    // deleted with a cascade before the parent's copy: no replayed event would remove them.
    for (const shard of TARGET_SHARDS) {
      const history = await h.client.workflow.getHandle(shardWorkflowId(ID, shard)).fetchHistory();
      const copies = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes)
        .filter((a) => a?.activityType?.name === 'copyTable')
        .map((a) => JSON.parse(Buffer.from(a!.input!.payloads![0].data!).toString()) as { stream: { id: number }; table: { name: string } });
      const streams = [...new Set(copies.map((c) => c.stream.id))];
      assert.ok(streams.length > 0, `no copyTable activity in the history of shard ${shard}`);
      for (const id of streams) {
        const tables = [...new Set(copies.filter((c) => c.stream.id === id).map((c) => c.table.name))];
        assert.deepEqual(tables, ['fk_parent', 'fk_cascade', 'fk_onupdate', 'fk_setnull'], `copy order of shard ${shard}, stream ${id}`);
      }
    }
  });

  it('deletes, nulls and re-keys the children on the target as the source did, in stream order, and cuts over clean', async () => {
    // Plain deletes: the children go with them (CASCADE) or lose their parent (SET NULL).
    for (const id of SEED.slice(0, 8)) await onSourceShardOf(h, id, [`DELETE FROM fk_parent WHERE id = ${id}`]);
    // In one source transaction: the parent goes, comes back and gets a new child. The new
    // child comes after the cascade in the stream and must survive it.
    await onSourceShardOf(h, 20n, ['BEGIN', 'DELETE FROM fk_parent WHERE id = 20', "INSERT INTO fk_parent VALUES (20, 'back')",
      "INSERT INTO fk_cascade VALUES (20, 20, 'new child')", 'COMMIT']);
    // ON UPDATE CASCADE: the referenced code changes, twice for 22; the children follow.
    for (const id of [21n, 22n]) await onSourceShardOf(h, id, [`UPDATE fk_parent SET code = CONCAT(code, '-x') WHERE id = ${id}`]);
    await onSourceShardOf(h, 22n, ["UPDATE fk_parent SET code = 'p22-y' WHERE id = 22"]);
    await waitStreamsAt(h, ID, await sourcePositions(h));

    for (const id of SEED.slice(0, 8)) {
      assert.equal(await targetRow(h, 'fk_cascade', id), undefined, `fk_cascade ${id} should have gone with its parent`);
      assert.equal((await targetRow(h, 'fk_setnull', id))?.parent_id, null, `fk_setnull ${id} should have lost its parent`);
    }
    assert.equal((await targetRow(h, 'fk_cascade', 20n))?.note, 'new child');
    assert.equal(String((await targetRow(h, 'fk_setnull', 20n))?.parent_id), 'null');
    assert.equal(String((await targetRow(h, 'fk_setnull', 9n))?.parent_id), '9');
    assert.equal((await targetRow(h, 'fk_onupdate', 21n))?.parent_code, 'p21-x');
    assert.equal((await targetRow(h, 'fk_onupdate', 22n))?.parent_code, 'p22-y');
    assert.equal((await targetRow(h, 'fk_onupdate', 3n))?.parent_code, null);
    for (const t of TABLES) {
      const { problems } = await compareById(h, t);
      assert.deepEqual(problems.slice(0, 5), [], t);
    }
    await cutoverAndComplete(handle);
  });
});
