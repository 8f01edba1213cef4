// Rows of many megabytes, copied and replayed: a 20 MB BLOB before the copy, then during catch-up
// rows of 15 MB BLOB + text + JSON, updates that carry such rows in both images, a row whose
// statement would exceed max_allowed_packet, and a backlog of big rows in one transaction each,
// which catch-up must take a few at a time (its queue and batches are bounded in binlog bytes as
// well as changes). Every value must arrive byte for byte.
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
  sourcePositions,
  startMigrate,
  terminateIfRunning,
  waitReplicasCaughtUp,
  waitStatus,
  waitStreamsAt,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'fidelity';
const WORKFLOW = 'fid_large';
const ID = `customer.${WORKFLOW}`;
const TABLE = 'large_rows';
const MB = 1 << 20;

/** A value of `mb` MiB built by the server (no client round trip of the bytes). */
const blob = (mb: number, seed: number) => `REPEAT(UNHEX('${seed.toString(16).padStart(2, '0')}00FF7F'), ${(mb * MB) / 4})`;
const text = (mb: number, ch: string) => `REPEAT('${ch}', ${Math.floor((mb * MB) / Buffer.byteLength(ch))})`;

describe('Migrate: rows of many megabytes', function () {
  this.timeout(300_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await createSourceTables(h, {
      [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, b LONGBLOB, t LONGTEXT CHARACTER SET utf8mb4, j JSON, n INT NOT NULL DEFAULT 0) ENGINE=InnoDB`,
    });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    await onSourceShardOf(h, 1n, [`INSERT INTO ${TABLE} (id, b) VALUES (1, ${blob(20, 1)})`]);
    for (const id of [2n, 3n, 4n]) await onSourceShardOf(h, id, [`INSERT INTO ${TABLE} (id, t) VALUES (${id}, 'small')`]);
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow: WORKFLOW, mountName: MOUNT, tables: [TABLE] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, ID);
    await dropTables(h, [TABLE]);
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  it('copies and replays them byte for byte, a few at a time', async () => {
    // Inserts of ~35 MB rows, then updates carrying them in both images (~70 MB binlog events).
    for (const id of [10n, 11n]) {
      await onSourceShardOf(h, id, [`INSERT INTO ${TABLE} (id, b, t, j) VALUES (${id}, ${blob(15, Number(id))}, ${text(15, 'é')}, JSON_OBJECT('k', ${text(4, 'x')}))`]);
    }
    for (const id of [10n, 11n]) await onSourceShardOf(h, id, [`UPDATE ${TABLE} SET n = n + 1, t = CONCAT(t, '!') WHERE id = ${id}`]);
    // 30 MB of BLOB and 10 MB of text: as one statement (the BLOB in hex) more than the target's
    // 64 MB max_allowed_packet; written with its values in pieces.
    await onSourceShardOf(h, 12n, [`INSERT INTO ${TABLE} (id, b, t) VALUES (12, ${blob(30, 12)}, ${text(10, 'z')})`]);
    // The copied 20 MB row shrinks; a small row grows.
    await onSourceShardOf(h, 1n, [`UPDATE ${TABLE} SET b = SUBSTRING(b, 1, 1000), n = 1 WHERE id = 1`]);
    await onSourceShardOf(h, 2n, [`UPDATE ${TABLE} SET t = ${text(12, '€')} WHERE id = 2`]);
    // A backlog: 24 transactions of ~4 MB rows, more than the catch-up queue holds in bytes.
    for (let i = 0; i < 24; i++) {
      const id = BigInt(100 + i);
      await onSourceShardOf(h, id, [`INSERT INTO ${TABLE} (id, b, j) VALUES (${id}, ${blob(2, i)}, JSON_OBJECT('k', ${text(2, 'y')}))`]);
    }
    // One transaction changing a big row twice; a delete.
    await onSourceShardOf(h, 10n, ['BEGIN', `UPDATE ${TABLE} SET n = n + 1 WHERE id = 10`, `UPDATE ${TABLE} SET j = JSON_OBJECT('k', 'small') WHERE id = 10`, 'COMMIT']);
    await onSourceShardOf(h, 3n, [`DELETE FROM ${TABLE} WHERE id = 3`]);
    await waitStreamsAt(h, ID, await sourcePositions(h), 180_000);

    const { problems, rows } = await compareById(h, TABLE);
    assert.deepEqual(problems.slice(0, 3).map((p) => p.slice(0, 300)), []);
    assert.ok(rows >= 29, `only ${rows} rows compared`);
    await cutoverAndComplete(handle, 180_000);
  });
});
