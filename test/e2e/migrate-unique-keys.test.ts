// A unique secondary key on a target shard that two source shards feed (-80 and 80- both write
// 40-c0). On the source an email moves from a row on -80 to a row on 80- in order: the first row
// lets it go, then the second takes it. With the -80 replica's replication stopped, the 80-
// stream delivers its change first: the target must wait for -80 (and say so in status) rather
// than make room by deleting -80's row (REPLACE did, and a later -80 change of that row then
// deleted the 80- one: rows gone for good). Swapped values must not leave the two streams
// waiting for each other.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import { hashKsid, shardOf } from '../support/routing';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  ensureMount,
  execOn,
  onSourceShardOf,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  SOURCE_SHARDS,
  sourcePositions,
  startMigrate,
  status,
  tablet,
  TARGET_SHARDS,
  terminateIfRunning,
  waitReplicasCaughtUp,
  waitStatus,
  waitStreamsAt,
  vtmigrateOn,
  waitFor,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'fidelity';
const WORKFLOW = 'fid_unique';
const ID = `customer.${WORKFLOW}`;
const TABLE = 'unique_users';
const ROWS = 3000;

const source = (id: number) => shardOf(SOURCE_SHARDS, hashKsid(BigInt(id)));
const target = (id: number) => shardOf(TARGET_SHARDS, hashKsid(BigInt(id)));
/** Ids 1..rows, each on the source shard it hashes to, with email 'u<id>@x'. */
async function seedEmails(h: Harness, table: string, rows: number): Promise<void> {
  for (const s of SOURCE_SHARDS) {
    const ids = Array.from({ length: rows }, (_, i) => i + 1).filter((id) => source(id) === s);
    const p = tablet(h, 'source', s);
    await execOn(p.port, `INSERT INTO ${table} (id, email) VALUES ${ids.map((id) => `(${id}, 'u${id}@x')`).join(',')}`, p.db);
  }
}

/** A fresh source table `table` (hash-sharded by id, in both VSchemas) with `rows` seeded emails; no workflow `id` left over. */
async function seedTable(h: Harness, id: string, table: string, ddl: string, rows: number): Promise<void> {
  await terminateIfRunning(h, id);
  await dropTables(h, [table]);
  await createSourceTables(h, { [table]: ddl });
  await addTablesToVSchemas(h, { [table]: { column: 'id', name: 'hash' } });
  await ensureMount(h, MOUNT);
  await seedEmails(h, table, rows);
}

async function cleanUp(h: Harness | undefined, id: string, table: string): Promise<void> {
  if (!h) return;
  await terminateIfRunning(h, id);
  await dropTables(h, [table]);
  await removeTablesFromVSchemas(h, [table]).catch(() => undefined);
  await releaseHarness();
}

describe('Migrate: a unique key whose values move between rows of different source shards', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await seedTable(h, ID, TABLE, `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, email VARCHAR(64) NOT NULL, score INT NOT NULL DEFAULT 0, pad VARCHAR(200) NOT NULL DEFAULT '', UNIQUE KEY by_email (email)) ENGINE=InnoDB`, ROWS);
    await waitReplicasCaughtUp(h);
    // Replicas only, so that stopping one replica's replication holds its stream back.
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000);
  });

  after(() => cleanUp(h, ID, TABLE));

  it('waits for the source shard that let a value go, and loses no row', async () => {
    const onShared = Array.from({ length: ROWS }, (_, i) => i + 1).filter((id) => target(id) === '40-c0');
    const givers = onShared.filter((id) => source(id) === '-80');
    const takers = onShared.filter((id) => source(id) === '80-');
    assert.ok(givers.length >= 20 && takers.length >= 20, `${givers.length} and ${takers.length} rows on 40-c0`);
    const busy = tablet(h, 'source', '-80');
    const held = tablet(h, 'source', '-80', 'REPLICA');
    await execOn(held.port, 'STOP SLAVE');
    try {
      for (let round = 0; round < 15; round++) {
        const [a, b] = [givers[round], takers[round]];
        await execOn(busy.port, `UPDATE ${TABLE} SET score = score + 1, pad = REPEAT(CHAR(65 + ${round}), 200) WHERE id % 2 = ${round % 2}`, busy.db);
        await onSourceShardOf(h, BigInt(a), [`UPDATE ${TABLE} SET email = 'gone${a}@x' WHERE id = ${a}`]);
        await onSourceShardOf(h, BigInt(b), [`UPDATE ${TABLE} SET email = 'u${a}@x' WHERE id = ${b}`]);
      }
      // Swaps: -80 parks its value, 80- takes it, -80 takes 80-'s old one. -80's two changes
      // folded together would wait for 80-, which waits for -80's first change.
      for (let round = 15; round < 20; round++) {
        const [a, b] = [givers[round], takers[round]];
        await onSourceShardOf(h, BigInt(a), [`UPDATE ${TABLE} SET email = 'tmp${a}@x' WHERE id = ${a}`]);
        await onSourceShardOf(h, BigInt(b), [`UPDATE ${TABLE} SET email = 'u${a}@x' WHERE id = ${b}`]);
        await onSourceShardOf(h, BigInt(a), [`UPDATE ${TABLE} SET email = 'u${b}@x' WHERE id = ${a}`]);
      }
      // The 80- stream has its changes and -80 has none: status says what 80- waits for.
      const waiting = await waitFor('status to show the 80- stream waiting for -80', async () => {
        const out = (await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', 'status'])).stdout;
        return out.split('\n').find((l) => /waiting: table unique_users: a row from another source shard holds the same value of unique key by_email/.test(l));
      }, 60_000);
      assert.match(waiting, /Status: Running/);
    } finally {
      await execOn(held.port, 'START SLAVE');
    }
    await waitStreamsAt(h, ID, await sourcePositions(h), 120_000);
    const { problems, rows } = await compareById(h, TABLE);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(rows, ROWS);
    // Nothing is left waiting once the values are free.
    await waitFor('status to show no stream waiting', async () =>
      !/waiting: table/.test((await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', 'customer', 'status'])).stdout), 30_000);
    const ready = await cutoverAndComplete(handle, 120_000);
    assert.equal(ready.cutover?.mismatches, 0);
  });
});

// A value goes from an 80- row to a -80 row and back while the -80 stream is held back: the -80
// stream, replaying, takes the value the 80- row holds again on the target, and lets it go only
// more than a batch of changes later. Waiting cannot help (80- is idle); folding the -80 stream's
// later transactions in can. The old last resort, a REPLACE after a minute, deleted the 80- row,
// and the -80 row then let the value go: the 80- row was gone for good.
describe('Migrate: a unique value a held stream takes and lets go more than a batch later', function () {
  this.timeout(300_000);
  const workflow = 'fid_unique_back';
  const id = `customer.${workflow}`;
  const table = 'unique_back';
  const rows = 3000;
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await seedTable(h, id, table, `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, email VARCHAR(64) NOT NULL, score INT NOT NULL DEFAULT 0, UNIQUE KEY by_email (email)) ENGINE=InnoDB`, rows);
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [table], tabletTypes: ['REPLICA'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000);
  });

  after(() => cleanUp(h, id, table));

  it('folds in the held stream\'s own later transactions rather than deleting the other row', async () => {
    const onShared = Array.from({ length: rows }, (_, i) => i + 1).filter((x) => target(x) === '40-c0');
    const a = onShared.find((x) => source(x) === '-80')!;
    const b = onShared.find((x) => source(x) === '80-')!;
    const busy = tablet(h, 'source', '-80');
    const held = tablet(h, 'source', '-80', 'REPLICA');
    const onTarget = async (x: number) => {
      const p = tablet(h, 'target', '40-c0');
      return (await rowsOn<{ email: string }>(p.port, `SELECT email FROM ${table} WHERE id = ${x}`, [], p.db))[0]?.email;
    };
    await execOn(held.port, 'STOP SLAVE');
    try {
      await onSourceShardOf(h, BigInt(b), [`UPDATE ${table} SET email = 'back@x' WHERE id = ${b}`, `UPDATE ${table} SET email = 'u${b}@x' WHERE id = ${b}`]);
      await onSourceShardOf(h, BigInt(a), [`UPDATE ${table} SET email = 'back@x' WHERE id = ${a}`]);
      // About 750 of these rows are on 40-c0: three updates put some 2,250 changes between the
      // -80 row taking the value and letting it go, more than a batch (1,000).
      for (let i = 0; i < 3; i++) await execOn(busy.port, `UPDATE ${table} SET score = score + 1`, busy.db);
      await onSourceShardOf(h, BigInt(a), [`UPDATE ${table} SET email = 'u${a}@x' WHERE id = ${a}`]);
      await onSourceShardOf(h, BigInt(b), [`UPDATE ${table} SET email = 'back@x' WHERE id = ${b}`]);
      await waitFor('the 80- stream to give its row the value on the target', async () => (await onTarget(b)) === 'back@x', 60_000);
    } finally {
      await execOn(held.port, 'START SLAVE');
    }
    await waitStreamsAt(h, id, await sourcePositions(h), 180_000);
    assert.equal(await onTarget(b), 'back@x', `row ${b} (80-) lost its value or was deleted`);
    assert.equal(await onTarget(a), `u${a}@x`);
    const { problems, rows: n } = await compareById(h, table);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(n, rows);
    assert.doesNotMatch((await vtmigrateOn(h, 'target', ['Migrate', '--workflow', workflow, '--target-keyspace', 'customer', 'status'])).stdout, /replacing the clashing row/);
    const ready = await cutoverAndComplete(handle, 120_000);
    assert.equal(ready.cutover?.mismatches, 0);
  });
});

// The same value in rows of two source shards when they are copied (it moved between them while
// the copy ran, or the source shards really share it): the deferred unique key cannot be added
// to the copied rows. The shard catches up, which moves the value, and adds the key then; until
// the value is unique again, status says which table and value are in the way.
describe('Migrate: a deferred unique key that the copied rows break for a while', function () {
  this.timeout(300_000);
  const workflow = 'fid_unique_copy';
  const id = `customer.${workflow}`;
  const table = 'unique_copied';
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await seedTable(h, id, table, `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, email VARCHAR(64) NOT NULL, UNIQUE KEY by_email (email)) ENGINE=InnoDB`, 600);
  });

  after(() => cleanUp(h, id, table));

  it('catches up until the value is unique, then adds the key and runs', async () => {
    const onShared = Array.from({ length: 600 }, (_, i) => i + 1).filter((x) => target(x) === '40-c0');
    const a = onShared.find((x) => source(x) === '-80')!;
    const b = onShared.find((x) => source(x) === '80-')!;
    // The 80- row takes the -80 row's email before -80 lets it go (each shard's key allows it).
    await onSourceShardOf(h, BigInt(b), [`UPDATE ${table} SET email = 'u${a}@x' WHERE id = ${b}`]);
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [table] });
    const statusText = async () => (await vtmigrateOn(h, 'target', ['Migrate', '--workflow', workflow, '--target-keyspace', 'customer', 'status'])).stdout;
    const line = await waitFor('status to say the key waits for a duplicate', async () =>
      (await statusText()).split('\n').find((l) => l.includes(`waiting to add the deferred secondary keys: table ${table}: Duplicate entry 'u${a}@x'`)), 120_000);
    assert.match(line, /on customer\/zone2-200: /);
    // An operator's stop stops the waiting shard too; start resumes the wait.
    const workflowCmd = (verb: string) => vtmigrateOn(h, 'target', ['Workflow', '--keyspace', 'customer', verb, '--workflow', workflow]);
    assert.equal((await workflowCmd('stop')).code, 0);
    await waitStatus(handle, 'every shard stopped', (s) => s.shards.every((x) => x.phase === 'Stopped'), 60_000);
    assert.match(await statusText(), /waiting to add the deferred secondary keys/, 'the stopped shard still says what it waits for');
    // The source lets the value go: once started, the shard catches up, adds the key, and runs.
    await onSourceShardOf(h, BigInt(a), [`UPDATE ${table} SET email = 'gone${a}@x' WHERE id = ${a}`]);
    // Longer than the wait between tries: a stopped shard does not try again by itself.
    await new Promise((r) => setTimeout(r, 7000));
    const p = tablet(h, 'target', '40-c0');
    const keyAdded = async () => /UNIQUE KEY `by_email`/.test((await rowsOn<Record<string, string>>(p.port, `SHOW CREATE TABLE ${table}`, [], p.db))[0]['Create Table']);
    assert.equal(await keyAdded(), false, 'the key was added while the workflow was stopped');
    assert.equal((await status(handle)).shards.find((x) => x.shard === '40-c0')?.phase, 'Stopped');
    assert.equal((await workflowCmd('start')).code, 0);
    await waitStatus(handle, 'every shard running', (s) => s.shards.every((x) => x.phase === 'Running'), 120_000);
    await waitStreamsAt(h, id, await sourcePositions(h), 60_000);
    const { problems, rows } = await compareById(h, table);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(rows, 600);
    assert.equal(await keyAdded(), true);
    assert.doesNotMatch(await statusText(), /waiting to add/);
    const ready = await cutoverAndComplete(handle, 120_000);
    assert.equal(ready.cutover?.mismatches, 0);
  });
});
