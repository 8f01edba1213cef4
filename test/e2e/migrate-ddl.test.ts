// --on-ddl during catch-up: an `ALTER TABLE ... ADD COLUMN` on the source shards (commerce -80,
// 80-) while a Migrate into customer (-40, 40-c0, c0-) replicates. Target shard 40-c0 reads both
// source shards (two streams), -40 and c0- one each, so the DDL reaches 40-c0 twice.
//   IGNORE       the position moves past the DDL and the streams keep running; the first row
//                that carries the new column stops the shard with an error naming the table and
//                the column (never a silently dropped value); adding the column on the target
//                and `start` resumes, and the row arrives with its value.
//   STOP         the streams stop with `Stopped at DDL <statement>`; after the operator applies
//                the DDL on the target, `start` resumes them.
//   EXEC         the target gets the column and later rows carry it; on 40-c0 the second copy of
//                the DDL fails (the column exists), which EXEC reports (Vitess's advice for
//                several source shards is EXEC_IGNORE).
//   EXEC_IGNORE  the failing second copy is ignored; rows written on a source shard before its
//                own ALTER (while the target already has the column) still apply.
// Every run ends with cutover and complete (or cancel for EXEC) and an independent comparison.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import type { OnDdl } from '../../src/workflows/api';
import {
  acquireHarness,
  addTablesToVSchemas,
  compareById,
  createSourceTables,
  cutoverAndComplete,
  describeShard,
  dropTables,
  ensureMount,
  execOn,
  gtidAtLeast,
  onSourceShardOf,
  openDb,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
  SOURCE_SHARDS,
  sourcePositions,
  sourceShardOf,
  startMigrate,
  status,
  streamRows,
  tablet,
  TARGET_SHARDS,
  targetShardOf,
  terminateIfRunning,
  waitFor,
  waitReplicasCaughtUp,
  waitStatus,
  waitStreamsAt,
  type Harness,
} from '../support/migrate-harness';

const MOUNT = 'fidelity';
const MODES: OnDdl[] = ['IGNORE', 'STOP', 'EXEC', 'EXEC_IGNORE'];
const tableOf = (mode: OnDdl) => `ddl_${mode.toLowerCase()}`;
const workflowOf = (mode: OnDdl) => `fid_ddl_${mode.toLowerCase()}`;
const idOf = (mode: OnDdl) => `customer.${workflowOf(mode)}`;
const SEED_IDS = Array.from({ length: 24 }, (_, i) => BigInt(i + 1));

async function insert(h: Harness, table: string, id: bigint, v: string, extra?: number | null): Promise<void> {
  const cols = extra === undefined ? '(id, v)' : '(id, v, extra)';
  const vals = extra === undefined ? `(${id}, '${v}')` : `(${id}, '${v}', ${extra ?? 'NULL'})`;
  await onSourceShardOf(h, id, [`INSERT INTO ${table} ${cols} VALUES ${vals}`]);
}

async function alterSource(h: Harness, sql: string, shards = SOURCE_SHARDS): Promise<void> {
  for (const s of shards) {
    const p = tablet(h, 'source', s);
    await execOn(p.port, sql, p.db);
  }
}

async function targetHasColumn(h: Harness, shard: string, table: string, column: string): Promise<boolean> {
  const p = tablet(h, 'target', shard);
  const rows = await rowsOn(p.port, 'SELECT 1 FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?', [p.db, table, column]);
  return rows.length > 0;
}

async function targetRow(h: Harness, table: string, id: bigint): Promise<Record<string, unknown> | undefined> {
  const p = tablet(h, 'target', await targetShardOf(id));
  return (await rowsOn(p.port, `SELECT * FROM ${table} WHERE id = ${id}`, [], p.db))[0];
}

/** A source id (≥ from) whose row lives on the given source and target shards. */
async function idOn(from: bigint, source: string, target: string): Promise<bigint> {
  for (let id = from; ; id++) if (await sourceShardOf(id) === source && await targetShardOf(id) === target) return id;
}

describe('Migrate --on-ddl: ALTER TABLE ADD COLUMN on the source during catch-up', function () {
  this.timeout(120_000);
  let h: Harness;
  const handles = new Map<OnDdl, WorkflowHandle>();

  before(async () => {
    h = await acquireHarness();
    for (const m of MODES) await terminateIfRunning(h, idOf(m));
    await createSourceTables(h, Object.fromEntries(MODES.map((m) => [tableOf(m),
      `CREATE TABLE ${tableOf(m)} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB`])));
    await addTablesToVSchemas(h, Object.fromEntries(MODES.map((m) => [tableOf(m), { column: 'id', name: 'hash' as const }])));
    await ensureMount(h, MOUNT);
    for (const m of MODES) for (const id of SEED_IDS) await insert(h, tableOf(m), id, `seed ${id}`);
    await waitReplicasCaughtUp(h);
    // The four runs copy in parallel; each test then works on its own.
    for (const m of MODES) handles.set(m, await startMigrate(h, { workflow: workflowOf(m), mountName: MOUNT, tables: [tableOf(m)], onDdl: m }));
    for (const m of MODES) await waitStatus(handles.get(m)!, `${m}: copy done`, (s) => s.phase === 'Running', 60_000);
  });

  after(async () => {
    if (!h) return;
    for (const m of MODES) await terminateIfRunning(h, idOf(m));
    await dropTables(h, MODES.map(tableOf));
    await removeTablesFromVSchemas(h, MODES.map(tableOf)).catch(() => undefined);
    await releaseHarness();
  });

  it('IGNORE: moves past the DDL, then stops at the first row with the new column, naming table and column; fixing the target and start resumes', async () => {
    const table = tableOf('IGNORE');
    const handle = handles.get('IGNORE')!;
    await alterSource(h, `ALTER TABLE ${table} ADD COLUMN extra INT NULL`);
    const afterDdl = await sourcePositions(h);
    // The DDL itself: position advances on every stream, nothing fails, the target is untouched.
    await waitStreamsAt(h, idOf('IGNORE'), afterDdl);
    const st = await status(handle);
    assert.equal(st.phase, 'Running');
    assert.deepEqual(st.shards.map((s) => s.lastError), ['', '', '']);
    for (const shard of TARGET_SHARDS) assert.equal(await targetHasColumn(h, shard, table, 'extra'), false);

    // A row with the new column: its value has nowhere to go on the target.
    const id = 1001n;
    await insert(h, table, id, 'has extra', 77);
    const owner = await targetShardOf(id);
    const failed = await waitStatus(handle, `shard ${owner} reports the unknown column`, (s) => s.shards.some((x) => x.shard === owner && x.lastError !== ''), 30_000, { allowErrors: true });
    const err = failed.shards.find((x) => x.shard === owner)!.lastError;
    assert.match(err, /ddl_ignore/, err);
    assert.match(err, /\bextra\b/, err);
    assert.equal(await targetRow(h, table, id), undefined, 'the row must not be applied without its new column');
    // The stream that carried the row did not move past it.
    const srcPos = (await sourcePositions(h)).get(await sourceShardOf(id))!;
    for (const s of await streamRows(h, idOf('IGNORE'), owner)) {
      if (s.source_shard === await sourceShardOf(id)) assert.ok(!gtidAtLeast(s.pos, srcPos), `stream ${s.id} of ${owner} is at ${s.pos}, past the row (${srcPos})`);
    }

    // complete refuses while the shard fails: its rows are not all on the target.
    const erred = await waitStatus(handle, `shard ${owner} is in Error`, (s) => s.shards.some((x) => x.shard === owner && x.phase === 'Error'), 30_000, { allowErrors: true });
    const before = erred.errors.length;
    await handle.signal('complete', {});
    const refused = await waitStatus(handle, 'complete is refused', (s) => s.errors.length > before, 30_000, { allowErrors: true });
    assert.match(refused.errors[before], new RegExp(`^complete refused: shard\\(s\\) (.* )?${owner} \\(.*\\bextra\\b.*\\) failing; fix the cause`));

    // The operator adds the column on the target and starts the workflow again.
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, `ALTER TABLE ${table} ADD COLUMN extra INT NULL`, p.db);
    }
    await handle.signal('start');
    await waitFor('the row arrives with its new column', async () => (await targetRow(h, table, id))?.extra === 77, 60_000);
    // A row with the new column for a shard that had not failed: its catch-up read the target
    // table before the fix, and must read it again rather than fail.
    const other = await (async () => { for (let i = 1002n; ; i++) if (await targetShardOf(i) !== owner) return i; })();
    await insert(h, table, other, 'after fix', 78);
    await waitFor(`row ${other} arrives on ${await targetShardOf(other)} with its new column`, async () => (await targetRow(h, table, other))?.extra === 78, 60_000);
    await waitStatus(handle, 'no shard reports an error', (s) => s.phase === 'Running' && s.shards.every((x) => x.lastError === ''), 60_000, { allowErrors: true });
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, table);
    assert.deepEqual(cmp.problems, []);
    assert.equal(cmp.target.get(String(other))?.extra, '4E'); // HEX(78)
  });

  // Target writes run in a non-strict sql_mode (WRITER_SQL_MODE keeps lax-mode source values such
  // as an ENUM's '' member), so a too-narrow target column would truncate quietly; every row write
  // therefore fails on any warning (src/activities/write-rows.ts).
  it('IGNORE: a column widened on the source (VARCHAR(32) → VARCHAR(64)) must not truncate later values on the target', async () => {
    const table = 'ddl_widen';
    const workflow = 'fid_ddl_widen';
    await terminateIfRunning(h, `customer.${workflow}`);
    await createSourceTables(h, { [table]: `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [table]: { column: 'id', name: 'hash' } });
    try {
      const handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [table], onDdl: 'IGNORE' });
      await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
      await alterSource(h, `ALTER TABLE ${table} MODIFY v VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL`);
      const long = 'x'.repeat(50);
      await insert(h, table, 1n, long);
      // Either the row arrives whole, or its shard stops with an error naming the table and the
      // column; never truncated. Whichever comes first ends the wait.
      const shard = await targetShardOf(1n);
      type Outcome = { row: Record<string, unknown> } | { error: string };
      const outcome = await waitFor('the row arrives or its shard reports the column', async (): Promise<Outcome | undefined> => {
        const row = await targetRow(h, table, 1n);
        if (row !== undefined) return { row };
        const error = (await status(handle)).shards.find((s) => s.shard === shard)?.lastError ?? '';
        return error === '' ? undefined : { error };
      }, 60_000);
      if ('row' in outcome) {
        assert.equal(outcome.row.v, long, `the target holds ${JSON.stringify(outcome.row.v)} for a ${long.length}-character source value`);
      } else {
        assert.match(outcome.error, /table ddl_widen .*column 'v'/, outcome.error);
        assert.equal(await targetRow(h, table, 1n), undefined);
      }
    } finally {
      await terminateIfRunning(h, `customer.${workflow}`);
      await dropTables(h, [table]);
      await removeTablesFromVSchemas(h, [table]).catch(() => undefined);
    }
  });

  it('STOP: stops with "Stopped at DDL <statement>"; DDL applied by hand on the target, start resumes', async () => {
    const table = tableOf('STOP');
    const handle = handles.get('STOP')!;
    const ddl = `ALTER TABLE ${table} ADD COLUMN extra INT NULL DEFAULT 5`;
    await alterSource(h, ddl);
    const stopped = await waitStatus(handle, 'every shard stopped at the DDL', (s) => s.phase === 'Stopped'
      && s.shards.every((x) => x.phase === 'Stopped' && x.streams.some((st) => st.message === `Stopped at DDL ${ddl}`)), 30_000);
    assert.deepEqual(stopped.shards.map((s) => s.lastError), ['', '', '']);
    for (const shard of TARGET_SHARDS) assert.equal(await targetHasColumn(h, shard, table, 'extra'), false);

    // Written while stopped: nothing moves.
    await insert(h, table, 2001n, 'while stopped', 9);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await targetRow(h, table, 2001n), undefined);

    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, ddl, p.db);
    }
    // 40-c0 has the DDL in both of its streams: it stops once per stream.
    const positions = await sourcePositions(h);
    let starts = 0;
    for (;;) {
      await handle.signal('start');
      starts++;
      await new Promise((r) => setTimeout(r, 1500));
      const reached = await waitStreamsAt(h, idOf('STOP'), positions, 10_000).then(() => true, () => false);
      const s = await status(handle);
      if (reached && s.shards.every((x) => x.phase === 'Running')) break;
      assert.ok(starts < 3, `still stopped after ${starts} starts: ${JSON.stringify(s.shards.map((x) => [x.shard, x.phase, x.streams.map((y) => y.message)]))}`);
    }
    // Once per stream that carried the DDL (40-c0 has two); the messages go with the stop.
    assert.ok(starts <= 2, `${starts} starts`);
    assert.deepEqual((await status(handle)).shards.flatMap((x) => x.streams.map((y) => y.message)), ['', '', '', '']);
    await waitFor('the row written while stopped arrives', async () => String((await targetRow(h, table, 2001n))?.extra) === '9', 30_000);
    await insert(h, table, 2002n, 'after start', 10);
    await waitFor('a later row arrives with its value', async () => String((await targetRow(h, table, 2002n))?.extra) === '10', 30_000);
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, table);
    assert.deepEqual(cmp.problems, []);
    // Rows copied before the DDL got the default on both sides.
    assert.equal(cmp.target.get('1')?.extra, '5');
  });

  it('EXEC: the target gets the column and later rows carry it; the second copy of the DDL on the merged shard 40-c0 fails loudly', async () => {
    const table = tableOf('EXEC');
    const handle = handles.get('EXEC')!;
    const ddl = `ALTER TABLE ${table} ADD COLUMN extra INT NULL`;
    await alterSource(h, ddl);
    for (const shard of TARGET_SHARDS) {
      await waitFor(`target ${shard} has the column`, () => targetHasColumn(h, shard, table, 'extra'), 30_000);
    }
    // Rows for the single-stream shards carry the new column.
    const ids = [await idOn(3000n, '-80', '-40'), await idOn(3000n, '80-', 'c0-')];
    for (const id of ids) await insert(h, table, id, 'exec', Number(id % 1000n));
    for (const id of ids) {
      await waitFor(`row ${id} arrives with its new column`, async () => String((await targetRow(h, table, id))?.extra) === String(id % 1000n), 30_000);
    }
    // 40-c0 applied the ALTER from one stream; the other stream's copy fails (Vitess does the same).
    const pending = await waitFor('40-c0 reports the failing DDL', async () => {
      const acts = await describeShard(h, idOf('EXEC'), '40-c0');
      const st = await status(handle);
      const shardErr = st.shards.find((s) => s.shard === '40-c0')!.lastError;
      const failure = acts.map((a) => a.lastFailure).find((f) => f !== '') ?? shardErr;
      return failure.includes('Duplicate column') ? failure : undefined;
    }, 30_000);
    assert.match(pending, /--on-ddl EXEC/);
    assert.match(pending, /ADD COLUMN extra/);
    const st = await status(handle);
    for (const s of st.shards.filter((x) => x.shard !== '40-c0')) assert.equal(s.lastError, '', `shard ${s.shard}`);

    // Cancel: the copied tables go away, the source stays as it is.
    await handle.signal('cancel', {});
    const final = await handle.result();
    assert.equal(final.phase, 'Cancelled');
    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      assert.deepEqual(await rowsOn(p.port, 'SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [p.db, table]), []);
    }
    const src = tablet(h, 'source', '-80');
    assert.ok((await rowsOn(src.port, `SELECT COUNT(*) AS n FROM ${table}`, [], src.db)).length === 1);
  });

  it('EXEC_IGNORE: the failing second copy on 40-c0 is ignored; rows written before a shard\'s own ALTER still apply', async () => {
    const table = tableOf('EXEC_IGNORE');
    const handle = handles.get('EXEC_IGNORE')!;
    const ddl = `ALTER TABLE ${table} ADD COLUMN extra INT NULL`;
    // The ALTER reaches the source shards one after the other (as it does in production), with
    // writes in between: 80- rows for 40-c0 arrive without the column after -80's ALTER added it there.
    await alterSource(h, ddl, ['-80']);
    for (const shard of ['-40', '40-c0']) await waitFor(`target ${shard} has the column`, () => targetHasColumn(h, shard, table, 'extra'), 30_000);
    const before80 = [await idOn(4000n, '80-', '40-c0'), await idOn(4100n, '80-', 'c0-')];
    for (const id of before80) await insert(h, table, id, 'before its ALTER');
    const early = await idOn(4200n, '-80', '40-c0');
    await insert(h, table, early, 'after -80 ALTER', 42);
    await waitStreamsAt(h, idOf('EXEC_IGNORE'), await sourcePositions(h), 30_000);
    await alterSource(h, ddl, ['80-']);
    const later = [await idOn(4300n, '80-', '40-c0'), await idOn(4400n, '-80', '-40'), await idOn(4500n, '80-', 'c0-')];
    for (const id of later) await insert(h, table, id, 'after both', Number(id % 100n));
    await waitStreamsAt(h, idOf('EXEC_IGNORE'), await sourcePositions(h), 30_000);
    const st = await waitStatus(handle, 'running', (s) => s.phase === 'Running');
    assert.deepEqual(st.shards.map((s) => s.lastError), ['', '', '']);
    for (const shard of TARGET_SHARDS) assert.equal(await targetHasColumn(h, shard, table, 'extra'), true);
    for (const id of later) assert.equal(String((await targetRow(h, table, id))?.extra), String(id % 100n));
    assert.equal(String((await targetRow(h, table, early))?.extra), '42');
    for (const id of before80) assert.equal((await targetRow(h, table, id))?.extra, null);
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, table);
    assert.deepEqual(cmp.problems, []);
  });
});

// A DDL the streams reach only while a cutover drains them (they were stopped when the source
// took it): --on-ddl STOP holds there too. The cutover ends naming it, rather than draining past
// it and verifying a target that never got the column.
describe('Migrate --on-ddl STOP: a DDL met while the cutover drains the streams', function () {
  this.timeout(180_000);
  const table = 'ddl_stop_drain';
  const workflow = 'fid_ddl_stop_drain';
  const id = `customer.${workflow}`;
  let h: Harness;
  let handle: WorkflowHandle;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, id);
    await createSourceTables(h, { [table]: `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [table]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    for (const x of SEED_IDS) await insert(h, table, x, `seed ${x}`);
    await waitReplicasCaughtUp(h);
    handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [table], onDdl: 'STOP' });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, id);
    await dropTables(h, [table]);
    await removeTablesFromVSchemas(h, [table]).catch(() => undefined);
    await releaseHarness();
  });

  it('the cutover stops at the DDL and says so; applied by hand on the target, start and a new cutover finish', async () => {
    await insert(h, table, 3000n, 'before the stop');
    await waitStreamsAt(h, id, await sourcePositions(h), 30_000);
    await handle.signal('stop');
    const stopped = await waitStatus(handle, 'stopped', (s) => s.phase === 'Stopped' && s.shards.every((x) => x.phase === 'Stopped'), 30_000);
    // Status shows where each stopped stream is (it showed the copy's start positions).
    for (const shard of TARGET_SHARDS) {
      for (const row of await streamRows(h, id, shard)) {
        assert.equal(stopped.shards.find((x) => x.shard === shard)!.streams.find((x) => x.id === row.id)!.position, row.pos, `stream ${row.id} of ${shard}`);
      }
    }
    await insert(h, table, 3001n, 'before the DDL');
    const ddl = `ALTER TABLE ${table} ADD COLUMN extra INT NULL DEFAULT 7`;
    await alterSource(h, ddl);
    await handle.signal('cutover');
    const interrupted = await waitStatus(handle, 'the cutover to end at the DDL', (s) => s.errors.some((e) => e.startsWith('cutover interrupted')), 60_000, { allowErrors: true });
    assert.equal(interrupted.cutover, undefined, 'no verdict for a target that lacks the DDL');
    const note = interrupted.errors.find((e) => e.startsWith('cutover interrupted'))!;
    assert.match(note, new RegExp(`stopped at DDL ${ddl} \\(--on-ddl STOP\\) while draining the streams`));
    for (const shard of TARGET_SHARDS) assert.equal(await targetHasColumn(h, shard, table, 'extra'), false);

    for (const shard of TARGET_SHARDS) {
      const p = tablet(h, 'target', shard);
      await execOn(p.port, ddl, p.db);
    }
    await insert(h, table, 3002n, 'after the DDL', 9);
    // A stream that had not reached its copy of the DDL stops at it once running (40-c0 has two).
    const positions = await sourcePositions(h);
    for (let starts = 1; ; starts++) {
      await handle.signal('start');
      await new Promise((r) => setTimeout(r, 1500));
      const reached = await waitStreamsAt(h, id, positions, 10_000).then(() => true, () => false);
      const s = await status(handle);
      if (reached && s.shards.every((x) => x.phase === 'Running')) break;
      const dbg = [];
      for (const t of TARGET_SHARDS) dbg.push(t, JSON.stringify(await streamRows(h, id, t)), JSON.stringify(await describeShard(h, id, t)));
      assert.ok(starts < 3, `still stopped after ${starts} starts: ${JSON.stringify(s.shards.map((x) => [x.shard, x.phase, x.lastError, x.streams.map((y) => y.message)]))} ${JSON.stringify([...positions])} ${dbg.join(' ')}`);
    }
    assert.equal((await targetRow(h, table, 3001n))?.extra, 7);
    assert.equal(String((await targetRow(h, table, 3002n))?.extra), '9');
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, table);
    assert.deepEqual(cmp.problems, []);
  });
});

// A TRUNCATE on the source after the streams' start position but before the table's copy, under
// --on-ddl IGNORE: the copy rightly lacks the rows it removed, and catch-up, replaying from the
// start position, must not insert them again (the rows' later removal never reached the binlog as
// rows). The first table's copy is held by a lock on the source until the TRUNCATE has happened.
describe('Migrate --on-ddl IGNORE: a TRUNCATE between the streams\' start and the table\'s copy', function () {
  this.timeout(180_000);
  const [big, small] = ['trunc_big', 'trunc_small'];
  const workflow = 'fid_trunc_before_copy';
  const id = `customer.${workflow}`;
  let h: Harness;

  before(async () => {
    h = await acquireHarness();
    await terminateIfRunning(h, id);
    const ddl = (t: string) => `CREATE TABLE ${t} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB`;
    await createSourceTables(h, { [big]: ddl(big), [small]: ddl(small) });
    await addTablesToVSchemas(h, { [big]: { column: 'id', name: 'hash' }, [small]: { column: 'id', name: 'hash' } });
    await ensureMount(h, MOUNT);
    for (const x of SEED_IDS) {
      await insert(h, big, x, `big ${x}`);
      await insert(h, small, x, `before ${x}`);
    }
    await waitReplicasCaughtUp(h);
  });

  after(async () => {
    if (!h) return;
    await terminateIfRunning(h, id);
    await dropTables(h, [big, small]);
    await removeTablesFromVSchemas(h, [big, small]).catch(() => undefined);
    await releaseHarness();
  });

  it('the rows the TRUNCATE removed stay removed on the target', async () => {
    // Copies go in name order: trunc_big first, held here, so trunc_small's copy comes after.
    const locks = await Promise.all(SOURCE_SHARDS.map(async (s) => {
      const p = tablet(h, 'source', s);
      const c = await openDb(p.port, p.db);
      await c.query(`LOCK TABLES ${big} WRITE`);
      return c;
    }));
    let handle: WorkflowHandle;
    try {
      handle = await startMigrate(h, { workflow, mountName: MOUNT, tables: [big, small], tabletTypes: ['PRIMARY'] });
      await waitFor('every stream to have its start position', async () => {
        for (const shard of TARGET_SHARDS) {
          const p = tablet(h, 'target', shard);
          const rows = await rowsOn<{ n: number }>(p.port, "SELECT COUNT(*) AS n FROM _vt_migrate.streams WHERE workflow_id = ? AND start_pos <> ''", [id]).catch(() => [{ n: 0 }]);
          if (Number(rows[0].n) === 0) return false;
        }
        return true;
      }, 60_000);
      for (let x = 101n; x <= 110n; x++) await insert(h, small, x, `gone ${x}`);
      await alterSource(h, `TRUNCATE TABLE ${small}`);
      for (let x = 201n; x <= 205n; x++) await insert(h, small, x, `after ${x}`);
    } finally {
      for (const c of locks) await c.end().catch(() => c.destroy());
    }
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000);
    await waitStreamsAt(h, id, await sourcePositions(h), 60_000);
    const cmp = await compareById(h, small);
    assert.deepEqual(cmp.problems.slice(0, 5), []);
    assert.deepEqual([...cmp.target.keys()].sort(), ['201', '202', '203', '204', '205']);
    assert.equal((await compareById(h, big)).problems.length, 0);
    await cutoverAndComplete(handle);
  });
});
