// `Migrate create --source-time-zone`: the source's DATETIMEs are local times of that zone and
// the target stores them in UTC (Vitess converts with convert_tz on the target); DATE, TIME and
// TIMESTAMP columns are copied as they are. Rows copied and rows replayed during catch-up are
// converted alike, the cutover VDiff reads the target back into the source zone and finds no
// difference, and a zone the target does not know is refused at create.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import {
  acquireHarness,
  addTablesToVSchemas,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  ensureMount,
  onSourceShardOf,
  qid,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  SOURCE_SHARDS,
  tablet,
  TARGET_KEYSPACE,
  TARGET_SHARDS,
  targetShardOf,
  terminateIfRunning,
  vtmigrateOn,
  waitStatus,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'tzmount';
const WORKFLOW = 'tz_import';
const WORKFLOW_ID = `${TARGET_KEYSPACE}.${WORKFLOW}`;
const ZONE = 'America/New_York';
const TABLE = 'events';
const DDL = `CREATE TABLE ${TABLE} (
  id BIGINT NOT NULL PRIMARY KEY,
  at DATETIME(6) NULL, at0 DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00', d DATE NULL, tm TIME NULL, ts TIMESTAMP NULL DEFAULT NULL,
  note VARCHAR(40) NULL
) ENGINE=InnoDB`;

/** id → [at (local, America/New_York), at0, the UTC values the target must hold]. */
const CASES: [number, string | null, string, string | null, string][] = [
  [1, '2021-06-01 12:00:00.250000', '2021-01-15 08:30:00', '2021-06-01 16:00:00.250000', '2021-01-15 13:30:00'], // EDT (-4), EST (-5)
  [2, '2021-11-07 00:59:59.999999', '2021-03-14 01:59:59', '2021-11-07 04:59:59.999999', '2021-03-14 06:59:59'], // before both DST changes
  [3, null, '2000-01-01 00:00:00', null, '2000-01-01 05:00:00'],
  [4, '1960-07-01 12:00:00.000000', '0000-00-00 00:00:00', '1960-07-01 12:00:00.000000', '0000-00-00 00:00:00'], // outside CONVERT_TZ's range; the zero date
  [5, '2037-12-31 19:00:00.000001', '2038-01-18 22:14:07', '2038-01-01 00:00:00.000001', '2038-01-19 03:14:07'],
];

const insertCase = ([id, at, at0]: (typeof CASES)[number], note: string) =>
  `INSERT INTO ${TABLE} (id, at, at0, d, tm, ts, note) VALUES (${id}, ${at === null ? 'NULL' : `'${at}'`}, '${at0}', '2021-06-01', '-01:00:00', '2021-06-01 12:00:00', '${note}')`;

describe('Migrate --source-time-zone: DATETIMEs converted to UTC on copy and catch-up', function () {
  this.timeout(180_000);
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, WORKFLOW_ID);
    await createSourceTables(h, { [TABLE]: DDL });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    // Lax and in UTC, so the zero date exists and TIMESTAMPs are the literals written.
    for (const c of CASES.slice(0, 3)) await onSourceShardOf(h, BigInt(c[0]), ["SET SESSION sql_mode = '', time_zone = '+00:00'", insertCase(c, 'copied')]);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, WORKFLOW_ID);
    await dropTables(h, [TABLE]);
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  const create = (...flags: string[]) => vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', TARGET_KEYSPACE, 'create',
    '--source-keyspace', 'commerce', '--mount-name', MOUNT, '--tables', TABLE, ...flags]);

  it('refuses a zone the target servers do not know, naming it', async () => {
    const r = await create('--source-time-zone', 'Mars/Olympus_Mons');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--source-time-zone Mars\/Olympus_Mons: target shard customer\/-40 \(tablet [^)]+\) does not know this time zone/);
    await terminateIfRunning(h, WORKFLOW_ID);
  });

  it('copies and replays DATETIMEs converted from the zone to UTC, and the cutover VDiff finds them equal', async () => {
    const r = await create('--source-time-zone', ZONE);
    assert.equal(r.code, 0, r.stderr);
    handle = h.client.workflow.getHandle(WORKFLOW_ID);
    await waitStatus(handle, 'the copy is done', (s) => s.phase === 'Running' && s.shards.every((x) => x.phase === 'Running'), 120_000);
    // During catch-up: new rows, an update of a copied row, a delete.
    for (const c of CASES.slice(3)) await onSourceShardOf(h, BigInt(c[0]), ["SET SESSION sql_mode = '', time_zone = '+00:00'", insertCase(c, 'replayed')]);
    await onSourceShardOf(h, 2n, [`UPDATE ${TABLE} SET at = '2021-11-07 00:59:59.999999', note = 'updated' WHERE id = 2`]);
    await onSourceShardOf(h, 3n, [`DELETE FROM ${TABLE} WHERE id = 3`]);

    const show = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WORKFLOW, '--target-keyspace', TARGET_KEYSPACE, 'show']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"source_time_zone": "America\/New_York"/);
    assert.match(show.stdout, /"target_time_zone": "UTC"/);

    await cutoverAndComplete(handle, 120_000);

    // Independent check: plain SQL on every primary.
    const target = new Map<number, Record<string, string | null>>();
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      const rows = await rowsOn<Record<string, string | null>>(p.port, `SELECT CAST(id AS CHAR) AS id, CAST(at AS CHAR) AS at, CAST(at0 AS CHAR) AS at0,
        CAST(d AS CHAR) AS d, CAST(tm AS CHAR) AS tm, CAST(UNIX_TIMESTAMP(ts) AS CHAR) AS ts, note FROM ${qid(TABLE)} ORDER BY id`, [], p.db);
      for (const row of rows) {
        assert.equal(await targetShardOf(BigInt(row.id!)), shard, `row ${row.id} on the wrong shard`);
        target.set(Number(row.id), row);
      }
    }
    let sourceRows = 0;
    for (const shard of SOURCE_SHARDS) {
      const p = tablet(h, 'source', shard);
      sourceRows += (await rowsOn(p.port, `SELECT id FROM ${qid(TABLE)}`, [], p.db)).length;
    }
    assert.deepEqual([...target.keys()].sort(), [1, 2, 4, 5]);
    assert.equal(sourceRows, 4);
    for (const [id, , , at, at0] of CASES.filter((c) => c[0] !== 3)) {
      const row = target.get(id)!;
      assert.deepEqual([row.at, row.at0], [at, at0], `row ${id}`);
      // Not DATETIMEs: as they were (the TIMESTAMP as the same instant).
      assert.deepEqual([row.d, row.tm, row.ts], ['2021-06-01', '-01:00:00', String(Date.UTC(2021, 5, 1, 12) / 1000)], `row ${id}`);
    }
    assert.equal(target.get(2)!.note, 'updated');
  });
});
