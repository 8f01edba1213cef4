// A primary key on two source shards at once (sharded by another column, the key unique only per
// shard): target shard 40-c0, fed by -80 and 80-, can hold one of the two rows, and parks the
// other (README, "Parked rows"). A complete with no cutover before it used to end the streams
// anyway, leaving the parked row behind without a word; it now refuses, naming the table, until
// the key is unique on the source again.
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

const MOUNT = 'parked';
const WORKFLOW = 'parked';
const ID = `customer.${WORKFLOW}`;
const TABLE = 'per_shard_keys';
const DUPLICATE_ID = 100_000;

const sourceOf = (grp: bigint) => shardOf(SOURCE_SHARDS, hashKsid(grp));
const targetOf = (grp: bigint) => shardOf(TARGET_SHARDS, hashKsid(grp));

/** The first group value (from `from` on) with the given source and target shards. */
function groupOn(source: string, target: string, from = 1n): bigint {
  for (let g = from; ; g++) if (sourceOf(g) === source && targetOf(g) === target) return g;
}

async function insertOn(h: Harness, shard: string, rows: [number, bigint][]): Promise<void> {
  const p = tablet(h, 'source', shard);
  await execOn(p.port, `INSERT INTO ${TABLE} (id, grp, v) VALUES ${rows.map(([id, g]) => `(${id}, ${g}, 'row ${id}/${g}')`).join(',')}`, p.db);
}

describe('Migrate: a primary key that two source shards both hold', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;
  const migrate = (...args: string[]) => vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', ...args]);

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await createSourceTables(h, { [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, grp BIGINT NOT NULL, v VARCHAR(40) NOT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'grp', name: 'hash' } });
    await ensureMount(h, MOUNT);
    // 300 rows with unique ids, each on the source shard its group hashes to.
    for (const s of SOURCE_SHARDS) {
      const rows: [number, bigint][] = [];
      for (let id = 1; id <= 300; id++) if (sourceOf(BigInt(id)) === s) rows.push([id, BigInt(id)]);
      await insertOn(h, s, rows);
    }
    // One id on both source shards, in groups that both land on target shard 40-c0.
    await insertOn(h, '-80', [[DUPLICATE_ID, groupOn('-80', '40-c0', 1000n)]]);
    await insertOn(h, '80-', [[DUPLICATE_ID, groupOn('80-', '40-c0', 1000n)]]);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  it('complete with no cutover refuses while a row is parked, naming the table; once the key is unique again it completes with every row', async () => {
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE] });
    await waitStatus(handle, 'the copy is done and the streams run', (s) => s.phase === 'Running', 120_000);
    const owner = tablet(h, 'target', '40-c0');
    const onTarget = await rowsOn<{ grp: string }>(owner.port, `SELECT grp FROM ${TABLE} WHERE id = ?`, [DUPLICATE_ID], owner.db);
    assert.equal(onTarget.length, 1);

    const refused = await migrate('complete');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, new RegExp(`complete refused: 1 source row\\(s\\) are parked on the target \\(table ${TABLE}: 1\\): another source shard has a row with the same primary key.*or use complete --force to leave them behind`));
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await waitStatus(handle, 'the streams run again', (s) => s.shards.every((x) => x.phase === 'Running'), 60_000);

    // The application removes the copy the target holds: the parked one takes its place.
    const written = sourceOf(BigInt(onTarget[0].grp));
    const p = tablet(h, 'source', written);
    await execOn(p.port, `DELETE FROM ${TABLE} WHERE id = ${DUPLICATE_ID}`, p.db);
    await waitFor('the parked row to take its place', async () => {
      const now = await rowsOn<{ grp: string }>(owner.port, `SELECT grp FROM ${TABLE} WHERE id = ?`, [DUPLICATE_ID], owner.db);
      return now.length === 1 && now[0].grp !== onTarget[0].grp ? true : undefined;
    }, 60_000);

    const done = await migrate('complete');
    assert.equal(done.code, 0, done.stderr);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    const cmp = await compareById(h, TABLE, { shardBy: 'grp' });
    assert.deepEqual(cmp.problems.slice(0, 10), []);
    assert.equal(cmp.rows, 301);
  });
});
