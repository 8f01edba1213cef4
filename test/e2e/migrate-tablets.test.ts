// Source tablet picking during a Migrate (vitess-facts.md §6) on the sharded test stack: each
// source shard (commerce -80, 80-) has a primary (zone1-100, zone1-200) and a replica
// (zone1-101, zone1-201). Which tablet a stream reads from is checked in two places the
// operator sees: the `tablet` of the catch-up activity's heartbeat (what
// `temporal workflow describe` shows for a shard child) and `_vt_migrate.streams.tablet` on the
// target primaries (written with each applied batch).
//   - tabletTypes [REPLICA]: streams read the replicas;
//   - [REPLICA] with the replica down: the streams of that source shard say
//     `No healthy serving tablet found for streaming, shard commerce.-80, cells [zone1],
//     tabletTypes [REPLICA]` and keep trying; the other shard's streams go on; when the replica
//     is back they resume and nothing is lost;
//   - [REPLICA, PRIMARY]: stopping the replica being streamed from moves the stream to the
//     primary, under a write load, and the data ends identical; so does a replica that hangs
//     (SIGSTOP: no error, no closed socket, nothing arrives), in catch-up and in the copy;
//   - a replica whose replication is stopped (STOP SLAVE) is not picked.
import { strict as assert } from 'node:assert';
import type { WorkflowHandle } from '@temporalio/client';
import { shardWorkflowId, type CatchUpHeartbeat, type CopyHeartbeat, type StreamHeartbeat } from '../../src/workflows/api';
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
  localCli,
  onSourceShardOf,
  releaseHarness,
  removeTablesFromVSchemas,
  rowsOn,
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
  vtmigrateOn,
  type Harness,
} from '../support/migrate-harness';
import { stopProcess } from '../support/processes';

const MOUNT = 'fidelity';
const TABLE = 'pick';
const WF = { replicaOnly: 'fid_tab_replica', failover: 'fid_tab_failover', hang: 'fid_tab_hang', hangCopy: 'fid_tab_hang_copy', stopped: 'fid_tab_stopped', stalls: 'fid_tab_stalls', noRdonly: 'fid_tab_no_rdonly' };
const wfId = (w: string) => `customer.${w}`;

const REPLICA = { '-80': 'zone1-101', '80-': 'zone1-201' } as Record<string, string>;
const PRIMARY = { '-80': 'zone1-100', '80-': 'zone1-200' } as Record<string, string>;
/** Target shards fed by each source shard (same hash vindex on both sides). */
const FED_BY = { '-80': ['-40', '40-c0'], '80-': ['40-c0', 'c0-'] } as Record<string, string[]>;

let nextId = 1n;
async function insertRows(h: Harness, n: number, onlyShard?: string): Promise<bigint[]> {
  const ids: bigint[] = [];
  while (ids.length < n) {
    const id = nextId++;
    if (onlyShard && (await sourceShardOf(id)) !== onlyShard) continue;
    await onSourceShardOf(h, id, [`INSERT INTO ${TABLE} (id, v) VALUES (${id}, 'row ${id} ✓')`]);
    ids.push(id);
  }
  return ids;
}

/** `n` more rows, each on its source shard, in a few multi-row INSERTs per shard. */
async function bulkInsertRows(h: Harness, n: number): Promise<void> {
  const perShard = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const id = nextId++;
    const shard = await sourceShardOf(id);
    const values = perShard.get(shard) ?? [];
    values.push(`(${id}, 'bulk ${id}')`);
    perShard.set(shard, values);
  }
  for (const [shard, values] of perShard) {
    const p = tablet(h, 'source', shard);
    for (let i = 0; i < values.length; i += 5_000) await execOn(p.port, `INSERT INTO ${TABLE} (id, v) VALUES ${values.slice(i, i + 5_000).join(',')}`, p.db);
  }
}

/** The copy heartbeat of one target shard (undefined when no copy runs there). */
async function copyHeartbeat(h: Harness, workflow: string, shard: string): Promise<CopyHeartbeat | undefined> {
  const acts = await describeShard(h, wfId(workflow), shard);
  return acts.map((a) => a.heartbeat as CopyHeartbeat | undefined).find((x) => x?.kind === 'copy');
}

/**
 * Once every tablet is back: the streams reach the sources' positions with no error left, and
 * after cutover and complete the target holds exactly the source's `rows` rows.
 */
async function finishIdentical(h: Harness, handle: WorkflowHandle, workflow: string, rows: number): Promise<void> {
  await waitReplicasCaughtUp(h);
  await waitStreamsAt(h, wfId(workflow), await sourcePositions(h));
  assert.deepEqual((await status(handle)).shards.map((s) => s.lastError), ['', '', '']);
  await cutoverAndComplete(handle);
  const cmp = await compareById(h, TABLE);
  assert.deepEqual(cmp.problems, []);
  assert.equal(cmp.rows, rows);
}

/** The catch-up heartbeat's stream entries of one target shard (empty while no catch-up runs). */
async function heartbeatStreams(h: Harness, workflow: string, shard: string): Promise<StreamHeartbeat[]> {
  const acts = await describeShard(h, wfId(workflow), shard);
  const hb = acts.map((a) => a.heartbeat as CatchUpHeartbeat | undefined).find((x) => x?.kind === 'catchup');
  return hb?.streams ?? [];
}

async function targetHas(h: Harness, id: bigint): Promise<boolean> {
  const p = tablet(h, 'target', await targetShardOf(id));
  return (await rowsOn(p.port, `SELECT 1 FROM ${TABLE} WHERE id = ${id}`, [], p.db)).length === 1;
}

/** The tablet each stream of the run last applied from, by `<target shard>/<source shard>`. */
async function streamTablets(h: Harness, workflow: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TARGET_SHARDS) for (const s of await streamRows(h, wfId(workflow), t)) out[`${t}/${s.source_shard}`] = s.tablet;
  return out;
}

async function stopTablet(alias: string): Promise<void> {
  const r = await localCli(['stop', `tablet:${alias}`]);
  assert.equal(r.code, 0, r.stderr);
}

async function startTablet(alias: string): Promise<void> {
  const r = await localCli(['start', `tablet:${alias}`]);
  assert.equal(r.code, 0, r.stderr);
}

/** The pid of a tablet's mysqld, from `vtmigrate-local status --json`. */
async function tabletPid(alias: string): Promise<number> {
  const r = await localCli(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const found = (JSON.parse(r.stdout) as { processes: { name: string; pid: number; up: boolean }[] }).processes.find((p) => p.name === `tablet:${alias}`);
  assert.ok(found?.up, `tablet ${alias} is not running`);
  return found.pid;
}

describe('Migrate source tablet picking (--tablet-types), sharded commerce → customer', function () {
  this.timeout(150_000);
  let h: Harness;
  const stopped = new Set<string>();
  let replicationStopped: number | undefined;
  /** The tablet mysqld a test SIGSTOPped (thawed again by afterEach if the test failed). */
  let frozen: number | undefined;
  const freeze = async (alias: string) => {
    frozen = await tabletPid(alias);
    await stopProcess(frozen);
  };
  const thaw = () => {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
    frozen = undefined;
  };

  before(async () => {
    h = await acquireHarness();
    for (const w of Object.values(WF)) await terminateIfRunning(h, wfId(w));
    await ensureMount(h, MOUNT);
  });

  beforeEach(async () => {
    await createSourceTables(h, { [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL) ENGINE=InnoDB` });
    await addTablesToVSchemas(h, { [TABLE]: { column: 'id', name: 'hash' } });
    await insertRows(h, 20);
    await waitReplicasCaughtUp(h);
  });

  afterEach(async () => {
    thaw();
    for (const alias of stopped) await startTablet(alias).catch(() => undefined);
    stopped.clear();
    if (replicationStopped !== undefined) await execOn(replicationStopped, 'START SLAVE').catch(() => undefined);
    replicationStopped = undefined;
    for (const w of Object.values(WF)) await terminateIfRunning(h, wfId(w));
    await dropTables(h, [TABLE]);
  });

  after(async () => {
    if (!h) return;
    await removeTablesFromVSchemas(h, [TABLE]).catch(() => undefined);
    await releaseHarness();
  });

  it('[RDONLY] with no RDONLY tablet: create goes through (the table definitions come from the primary) and status says what the streams wait for', async () => {
    const handle = await startMigrate(h, { workflow: WF.noRdonly, mountName: MOUNT, tables: [TABLE], tabletTypes: ['RDONLY'] });
    // Before, preparing the target waited for an RDONLY tablet: the run sat in Validating, saying nothing.
    await waitStatus(handle, 'the streams are created', (s) => s.phase === 'Copying', 30_000);
    // Each shard reads its streams' start positions one after the other: the stream waiting names
    // its own source shard; 40-c0's second stream waits behind its first.
    const waiting = (source: string) => `Status: Copying. VStream has not started; 0 of 1 tables copied; No healthy serving tablet found for streaming, shard commerce.${source}, cells [zone1], tabletTypes [RDONLY].`;
    const want = [
      `id=1 on customer/zone2-100: ${waiting('-80')}`,
      `id=1 on customer/zone2-200: ${waiting('-80')}`,
      'id=2 on customer/zone2-200: Status: Copying. VStream has not started; 0 of 1 tables copied.',
      `id=1 on customer/zone2-300: ${waiting('80-')}`,
    ].sort();
    const streamLines = async () => (await vtmigrateOn(h, 'target', ['Migrate', '--workflow', WF.noRdonly, '--target-keyspace', 'customer', 'status'])).stdout
      .split('\n').filter((l) => l.startsWith('id=')).sort();
    let last: string[] = [];
    await waitFor('status names the missing RDONLY tablets on the streams waiting for them', async () => {
      last = await streamLines();
      return JSON.stringify(last) === JSON.stringify(want);
    }, 60_000).catch((err: Error) => { throw new Error(`${err.message}; last status:\n${last.join('\n')}`); });
    // A stop ends the wait (it used to say the streams stopped and leave them waiting); start resumes it.
    await handle.signal('stop');
    await waitStatus(handle, 'the streams stop', (st) => st.phase === 'Stopped' && st.shards.every((x) => x.phase === 'Stopped'), 30_000);
    await handle.signal('start');
    await waitStatus(handle, 'the streams wait again', (st) => st.phase === 'Copying' && st.shards.every((x) => x.phase === 'Copying'), 30_000);
    await handle.signal('cancel', {});
    await handle.result();
  });

  it('[REPLICA]: streams read the replicas; with the -80 replica down its streams say why and wait, the rest go on, and all resume when it is back', async () => {
    const handle = await startMigrate(h, { workflow: WF.replicaOnly, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
    await insertRows(h, 6);
    await waitStreamsAt(h, wfId(WF.replicaOnly), await sourcePositions(h));
    assert.deepEqual(await streamTablets(h, WF.replicaOnly), {
      '-40/-80': REPLICA['-80'], '40-c0/-80': REPLICA['-80'], '40-c0/80-': REPLICA['80-'], 'c0-/80-': REPLICA['80-'],
    });
    for (const t of TARGET_SHARDS) {
      for (const s of await heartbeatStreams(h, WF.replicaOnly, t)) assert.equal(s.tablet, REPLICA[s.sourceShard], `heartbeat of ${t} stream ${s.id}`);
    }

    // The -80 replica goes away.
    await stopTablet(REPLICA['-80']);
    stopped.add(REPLICA['-80']);
    const want = 'No healthy serving tablet found for streaming, shard commerce.-80, cells [zone1], tabletTypes [REPLICA]';
    for (const t of FED_BY['-80']) {
      await waitFor(`${t}'s -80 stream reports the missing tablet`, async () => {
        const s = (await heartbeatStreams(h, WF.replicaOnly, t)).find((x) => x.sourceShard === '-80');
        return s?.message === want;
      }, 30_000);
    }
    const waiting = await insertRows(h, 4, '-80');
    const flowing = await insertRows(h, 4, '80-');
    await waitFor('rows of the 80- shard keep arriving', async () => (await Promise.all(flowing.map((id) => targetHas(h, id)))).every(Boolean), 30_000);
    for (const id of waiting) assert.equal(await targetHas(h, id), false, `row ${id} cannot have arrived without a -80 tablet`);
    // Still waiting a while later, and still saying why (no failure that needs an operator).
    await new Promise((r) => setTimeout(r, 6000));
    const s = (await heartbeatStreams(h, WF.replicaOnly, '-40')).find((x) => x.sourceShard === '-80');
    assert.equal(s?.message, want);
    assert.ok((await status(handle)).shards.every((x) => x.phase === 'Running'));

    // Back: the streams resume on the replica and catch up.
    await startTablet(REPLICA['-80']);
    stopped.delete(REPLICA['-80']);
    await waitReplicasCaughtUp(h);
    const t0 = Date.now();
    await waitFor('the -80 rows arrive once the replica is back', async () => (await Promise.all(waiting.map((id) => targetHas(h, id)))).every(Boolean), 60_000);
    const recoverySeconds = (Date.now() - t0) / 1000;
    assert.ok(recoverySeconds < 20, `the streams took ${recoverySeconds} s to resume after the replica came back`);
    for (const t of FED_BY['-80']) {
      // Heartbeats are sent at most every second: the next one tells.
      await waitFor(`${t}'s -80 stream reads the replica again, without a message`, async () => {
        const st = (await heartbeatStreams(h, WF.replicaOnly, t)).find((x) => x.sourceShard === '-80');
        return st?.tablet === REPLICA['-80'] && st.message === '';
      }, 10_000);
    }
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
    assert.equal(cmp.rows, 20 + 6 + 8);
  });

  it('[REPLICA, PRIMARY]: stopping the replica being streamed from moves the stream to the primary; the data ends identical', async () => {
    const handle = await startMigrate(h, { workflow: WF.failover, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA', 'PRIMARY'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
    await insertRows(h, 4);
    await waitStreamsAt(h, wfId(WF.failover), await sourcePositions(h));
    assert.equal((await streamTablets(h, WF.failover))['c0-/80-'], REPLICA['80-']);

    // A write load on both source shards while the 80- replica stops.
    let writing = true;
    let written = 0;
    const load = (async () => {
      while (writing) {
        const [id] = await insertRows(h, 1);
        await onSourceShardOf(h, id, [`UPDATE ${TABLE} SET v = 'updated ${id}' WHERE id = ${id}`]);
        if (id % 3n === 0n) await onSourceShardOf(h, id - 1n, [`DELETE FROM ${TABLE} WHERE id = ${id - 1n}`]);
        written++;
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await stopTablet(REPLICA['80-']);
      stopped.add(REPLICA['80-']);
      for (const t of FED_BY['80-']) {
        await waitFor(`${t}'s 80- stream reads the primary`, async () =>
          (await heartbeatStreams(h, WF.failover, t)).find((x) => x.sourceShard === '80-')?.tablet === PRIMARY['80-'], 30_000);
      }
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      writing = false;
      await load;
    }
    assert.ok(written > 5, `only ${written} load iterations`);
    await waitStreamsAt(h, wfId(WF.failover), await sourcePositions(h));
    const tablets = await streamTablets(h, WF.failover);
    assert.equal(tablets['c0-/80-'], PRIMARY['80-']);
    assert.equal(tablets['40-c0/80-'], PRIMARY['80-']);
    assert.equal(tablets['-40/-80'], REPLICA['-80']);
    assert.deepEqual((await status(handle)).shards.map((s) => s.lastError), ['', '', '']);
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
  });

  it('[REPLICA, PRIMARY]: a replica that hangs (SIGSTOP, its sockets open as behind a partition) is left for the primary; the data ends identical', async () => {
    const handle = await startMigrate(h, { workflow: WF.hang, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA', 'PRIMARY'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
    await insertRows(h, 4);
    await waitStreamsAt(h, wfId(WF.hang), await sourcePositions(h));
    assert.equal((await streamTablets(h, WF.hang))['c0-/80-'], REPLICA['80-']);

    await freeze(REPLICA['80-']);
    const written = await insertRows(h, 6, '80-');
    for (const t of FED_BY['80-']) {
      await waitFor(`${t}'s 80- stream reads the primary`, async () =>
        (await heartbeatStreams(h, WF.hang, t)).find((x) => x.sourceShard === '80-')?.tablet === PRIMARY['80-'], 60_000);
    }
    await waitFor('rows written while the replica hangs arrive', async () => (await Promise.all(written.map((id) => targetHas(h, id)))).every(Boolean), 30_000);
    thaw();
    await finishIdentical(h, handle, WF.hang, 20 + 4 + 6);
  });

  it('[REPLICA, PRIMARY]: a replica that hangs during the copy is left for the primary; the copy resumes from its checkpoint', async () => {
    const extra = 80_000;
    await bulkInsertRows(h, extra);
    await waitReplicasCaughtUp(h);
    // Small batches: the copy of -40 (from the -80 replica) lasts long enough to hang under it.
    const handle = await startMigrate(h, { workflow: WF.hangCopy, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA', 'PRIMARY'], copyBatchRows: 100 });
    await waitFor('-40 copies from the -80 replica', async () => {
      const hb = await copyHeartbeat(h, WF.hangCopy, '-40');
      return hb?.tablet === REPLICA['-80'] && hb.rowsCopied > 0;
    }, 60_000);
    await freeze(REPLICA['-80']);
    // The attempt stuck on the replica gives up on its own (no progress, and the tablet does not
    // answer a new connection); the retry copies from the primary, from the last checkpoint. The
    // copy finishing while the replica is still frozen says it read the primary (the rest may
    // copy too fast for a heartbeat to show it); the retried attempt's recorded last failure
    // says why it was retried.
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 120_000, { allowErrors: true });
    const history = await h.client.workflow.getHandle(shardWorkflowId(wfId(WF.hangCopy), '-40')).fetchHistory();
    const retried = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && (a.attempt ?? 1) > 1);
    assert.ok(retried.some((a) => new RegExp(`^source tablet ${REPLICA['-80']} \\(127\\.0\\.0\\.1:\\d+\\) stopped answering`).test(a?.lastFailure?.message ?? '')),
      `no copy of -40 was retried after the replica stopped answering: ${JSON.stringify(retried.map((a) => a?.lastFailure?.message))}`);
    thaw();
    await finishIdentical(h, handle, WF.hangCopy, 20 + extra);
  });

  it('a replica whose replication is stopped is not picked', async () => {
    const replica = tablet(h, 'source', '-80', 'REPLICA');
    await execOn(replica.port, 'STOP SLAVE');
    replicationStopped = replica.port;
    const handle = await startMigrate(h, { workflow: WF.stopped, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA', 'PRIMARY'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
    // Written after the replica stopped replicating: only the primary has these.
    const late = await insertRows(h, 6);
    await waitFor('rows written after STOP SLAVE arrive', async () => (await Promise.all(late.map((id) => targetHas(h, id)))).every(Boolean), 30_000);
    const tablets = await streamTablets(h, WF.stopped);
    assert.equal(tablets['-40/-80'], PRIMARY['-80']);
    assert.equal(tablets['40-c0/-80'], PRIMARY['-80']);
    assert.equal(tablets['c0-/80-'], REPLICA['80-']);
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
  });

  it('[REPLICA, PRIMARY]: a replica whose replication stops while a stream reads it is left for the primary (it served its stale binlog, with heartbeats, at lag 0)', async () => {
    const handle = await startMigrate(h, { workflow: WF.stalls, mountName: MOUNT, tables: [TABLE], tabletTypes: ['REPLICA', 'PRIMARY'] });
    await waitStatus(handle, 'copy done', (s) => s.phase === 'Running', 60_000);
    await waitStreamsAt(h, wfId(WF.stalls), await sourcePositions(h));
    assert.equal((await streamTablets(h, WF.stalls))['-40/-80'], REPLICA['-80']);
    const replica = tablet(h, 'source', '-80', 'REPLICA');
    await execOn(replica.port, 'STOP SLAVE');
    replicationStopped = replica.port;
    // Written after the replica stopped replicating: only the primary has these.
    const late = await insertRows(h, 6, '-80');
    for (const t of FED_BY['-80']) {
      await waitFor(`${t}'s -80 stream reads the primary`, async () =>
        (await heartbeatStreams(h, WF.stalls, t)).find((x) => x.sourceShard === '-80')?.tablet === PRIMARY['-80'], 30_000);
    }
    await waitFor('rows written after STOP SLAVE arrive', async () => (await Promise.all(late.map((id) => targetHas(h, id)))).every(Boolean), 30_000);
    await waitStreamsAt(h, wfId(WF.stalls), await sourcePositions(h));
    assert.deepEqual((await status(handle)).shards.map((s) => s.lastError), ['', '', '']);
    await cutoverAndComplete(handle);
    const cmp = await compareById(h, TABLE);
    assert.deepEqual(cmp.problems, []);
    assert.equal(cmp.rows, 20 + 6);
  });
});
