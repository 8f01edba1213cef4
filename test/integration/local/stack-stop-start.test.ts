// `vtmigrate-local stop|start tablet:<alias>` on one replica of the shared test stack, through
// the CLI as a user (or a failure test) runs it: the mysqld goes away and status says so; writes
// continue on the primary; after start the replica reconnects by GTID and catches up. The
// stack is left as found: the tablet runs again and the scratch database is gone.
import { strict as assert } from 'node:assert';
import mysql from 'mysql2/promise';
import { findComponent } from '../../../src/local/components';
import { isProcessAlive } from '../../../src/local/daemon';
import type { StackDescription } from '../../../src/local/describe';
import { allTablets, type LocalTablet } from '../../../src/local/layout';
import { isPortOpen } from '../../../src/local/ports';
import type { LocalSpec } from '../../../src/local/spec';
import { runCli } from '../../support/cli';
import { TEST_SPEC_FILE, testStack } from '../../support/stack';
import { waitUntil } from '../../support/wait';

const REPLICA = 'zone1-101';
const SCRATCH_DB = `vtm_stopstart_${process.pid}`;

async function query(port: number, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 3000 });
  try {
    const [rows] = await c.query(sql, values);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

async function status(): Promise<StackDescription> {
  const res = await runCli('vtmigrate-local', ['status', '--json', '--spec', TEST_SPEC_FILE]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as StackDescription;
}

const processOf = (d: StackDescription, name: string) => d.processes?.find((p) => p.name === name);

describe('vtmigrate-local stop/start of one replica tablet (shared test stack)', function () {
  this.timeout(120_000);
  let spec: LocalSpec;
  let replica: LocalTablet;
  let primary: LocalTablet;
  let pidBefore: number;

  before(async () => {
    spec = await testStack();
    replica = allTablets(spec).find((t) => t.alias === REPLICA)!;
    primary = allTablets(spec).find((t) => t.port === replica.primaryPort)!;
    assert.deepEqual([replica.type, primary.alias], ['REPLICA', 'zone1-100']);
    await query(primary.port, `DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
    await query(primary.port, `CREATE DATABASE ${SCRATCH_DB}`);
    await query(primary.port, `CREATE TABLE ${SCRATCH_DB}.t (id INT PRIMARY KEY)`);
    await waitUntil('the scratch table reaches the replica', async () => (await query(replica.port, `SHOW TABLES IN ${SCRATCH_DB}`)).length === 1);
  });

  after(async () => {
    // Whatever happened above, the shared stack must have this tablet running again.
    const component = findComponent(spec, `tablet:${REPLICA}`);
    if (component.pid() === undefined) await component.start();
    await query(primary.port, `DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
    await waitUntil('the scratch database is dropped on the replica too',
      async () => (await query(replica.port, 'SHOW DATABASES LIKE ?', [SCRATCH_DB])).length === 0);
  });

  it('stop: the mysqld exits, its port closes, and status shows it down', async () => {
    const before = await status();
    assert.equal(processOf(before, `tablet:${REPLICA}`)?.up, true);
    pidBefore = processOf(before, `tablet:${REPLICA}`)!.pid!;

    const res = await runCli('vtmigrate-local', ['stop', `tablet:${REPLICA}`, '--spec', TEST_SPEC_FILE]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`stopped tablet:${REPLICA} \\(pid ${pidBefore}\\)`));

    assert.equal(isProcessAlive(pidBefore), false, `pid ${pidBefore} is gone`);
    assert.equal(await isPortOpen(replica.port), false, `port ${replica.port} is closed`);
    const after = await status();
    assert.deepEqual(processOf(after, `tablet:${REPLICA}`), { name: `tablet:${REPLICA}`, pid: null, up: false });
    assert.equal(after.clusters[0].tablets.find((t) => t.alias === REPLICA)?.pid, null);
    // Only that one process went down.
    assert.deepEqual(after.processes?.filter((p) => !p.up).map((p) => p.name).sort(),
      before.processes?.filter((p) => !p.up).map((p) => p.name).concat(`tablet:${REPLICA}`).sort());
  });

  it('the primary keeps taking writes while its replica is down', async () => {
    await query(primary.port, `INSERT INTO ${SCRATCH_DB}.t VALUES (1), (2), (3)`);
    assert.deepEqual(await query(primary.port, `SELECT id FROM ${SCRATCH_DB}.t ORDER BY id`), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('start: a new mysqld on the same port, status shows it up, replication resumes and catches up', async () => {
    const res = await runCli('vtmigrate-local', ['start', `tablet:${REPLICA}`, '--spec', TEST_SPEC_FILE]);
    assert.equal(res.code, 0, res.stderr);
    const m = new RegExp(`tablet:${REPLICA} is up \\(pid (\\d+)\\)`).exec(res.stderr);
    assert.ok(m, `start names the new pid: ${res.stderr}`);
    const pidAfter = Number(m[1]);
    assert.notEqual(pidAfter, pidBefore);
    assert.equal(await isPortOpen(replica.port), true);
    assert.deepEqual(processOf(await status(), `tablet:${REPLICA}`), { name: `tablet:${REPLICA}`, pid: pidAfter, up: true });

    await waitUntil(`replica ${REPLICA} has the rows written while it was down`,
      async () => (await query(replica.port, `SELECT COUNT(*) AS n FROM ${SCRATCH_DB}.t`))[0].n === 3, 30_000);
    const [s] = await query(replica.port, 'SHOW SLAVE STATUS');
    assert.deepEqual({ io: s.Slave_IO_Running, sql: s.Slave_SQL_Running, gtid: s.Using_Gtid, error: s.Last_Error },
      { io: 'Yes', sql: 'Yes', gtid: 'Slave_Pos', error: '' });
    const [{ pos }] = await query(primary.port, 'SELECT @@gtid_binlog_pos AS pos');
    await waitUntil('the replica\'s GTID position equals the primary\'s',
      async () => (await query(replica.port, 'SELECT @@gtid_slave_pos AS pos'))[0].pos === pos);
  });
});
