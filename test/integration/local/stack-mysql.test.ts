// The shared test stack's tablets as MySQL servers: configured as the issue asks (ROW binlog,
// FULL row image, GTID replication, UTC, replicas read-only), a row written on a primary appears
// on its replica, and the worker's users have exactly the rights a production operator would
// grant. Everything happens in a scratch database created here and dropped again; vt_commerce
// and vt_customer are only read (the write probes below are refused or hit a missing table).
import { strict as assert } from 'node:assert';
import mysql from 'mysql2/promise';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import { describeStack } from '../../../src/local/describe';
import { allTablets, type LocalTablet } from '../../../src/local/layout';
import type { LocalSpec } from '../../../src/local/spec';
import { loadWorkerConfig, mysqlCredentials, type WorkerConfig } from '../../../src/worker-config';
import { testStack } from '../../support/stack';
import { waitUntil } from '../../support/wait';

const SCRATCH_DB = `vtm_scratch_${process.pid}`;

type Conn = mysql.Connection;

function connect(port: number, user = 'root', password = '', database?: string): Promise<Conn> {
  return mysql.createConnection({ host: '127.0.0.1', port, user, password, database, connectTimeout: 5000 });
}

async function withConn<T>(port: number, fn: (c: Conn) => Promise<T>, user = 'root', password = ''): Promise<T> {
  const c = await connect(port, user, password);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function rows(c: Conn, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const [r] = await c.query(sql, values);
  return r as Record<string, unknown>[];
}

/** The MySQL error number a statement fails with (the test fails if it succeeds). */
async function errnoOf(c: Conn, sql: string): Promise<number> {
  try {
    await c.query(sql);
  } catch (err) {
    return (err as { errno?: number }).errno ?? -1;
  }
  assert.fail(`expected this statement to fail: ${sql}`);
}

// MariaDB error numbers the privilege checks produce.
const ER_DBACCESS_DENIED = 1044; // CREATE DATABASE without the right
const ER_TABLEACCESS_DENIED = 1142; // INSERT/CREATE/DROP command denied to user for table
const ER_NO_SUCH_TABLE = 1146; // allowed, but the table does not exist

describe('vtmigrate-local up: tablets of the shared test stack', function () {
  this.timeout(60_000);
  let spec: LocalSpec;
  let tablets: LocalTablet[];
  let primaries: LocalTablet[];

  before(async () => {
    spec = await testStack();
    tablets = allTablets(spec);
    primaries = tablets.filter((t) => t.type === 'PRIMARY');
    for (const p of primaries) {
      await withConn(p.port, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
        await c.query(`CREATE DATABASE ${SCRATCH_DB}`);
        await c.query(`CREATE TABLE ${SCRATCH_DB}.t (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL, at DATETIME(6) NULL)`);
      });
    }
  });

  after(async () => {
    for (const p of primaries ?? []) await withConn(p.port, (c) => c.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`));
  });

  it('primaries log ROW events with FULL images and GTIDs, in UTC; replicas are read-only GTID replicas of their primary', async () => {
    assert.equal(tablets.length, 12);
    for (const t of tablets) {
      const [vars] = await withConn(t.port, (c) => rows(c,
        'SELECT @@binlog_format AS fmt, @@binlog_row_image AS image, @@log_bin AS logBin, @@gtid_strict_mode AS strict, @@time_zone AS tz, @@read_only AS ro, @@bind_address AS bind, ' +
        '@@innodb_buffer_pool_size AS pool'));
      // The spec gives the target cluster 192 MiB of buffer pool; the source keeps the default 128.
      assert.deepEqual(vars, { fmt: 'ROW', image: 'FULL', logBin: 1, strict: 1, tz: '+00:00', ro: t.type === 'PRIMARY' ? 0 : 1, bind: '127.0.0.1', pool: (t.cluster === 'target' ? 192 : 128) << 20 }, `tablet ${t.alias}`);
      const status = await withConn(t.port, (c) => rows(c, 'SHOW SLAVE STATUS'));
      if (t.type === 'PRIMARY') {
        assert.equal(status.length, 0, `primary ${t.alias} replicates from nobody`);
      } else {
        const s = status[0];
        assert.deepEqual({ host: s.Master_Host, port: s.Master_Port, gtid: s.Using_Gtid, io: s.Slave_IO_Running, sql: s.Slave_SQL_Running },
          { host: '127.0.0.1', port: t.primaryPort, gtid: 'Slave_Pos', io: 'Yes', sql: 'Yes' }, `replica ${t.alias}`);
      }
    }
  });

  it('a row written on each primary appears on its replica', async () => {
    for (const p of primaries) {
      const value = `row of ${p.alias} ✓`;
      await withConn(p.port, (c) => c.query(`INSERT INTO ${SCRATCH_DB}.t VALUES (?, ?, '2024-02-29 23:59:59.123456')`, [p.uid, value]));
      for (const r of tablets.filter((t) => t.primaryPort === p.port)) {
        await withConn(r.port, async (c) => {
          await waitUntil(`the row reaches replica ${r.alias}`, async () => (await rows(c, `SELECT 1 FROM ${SCRATCH_DB}.t WHERE id = ?`, [p.uid])).length === 1, 15_000);
          assert.deepEqual(await rows(c, `SELECT id, v, CAST(at AS CHAR) AS at FROM ${SCRATCH_DB}.t`), [{ id: p.uid, v: value, at: '2024-02-29 23:59:59.123456' }]);
        });
      }
    }
  });

  describe('the worker\'s database users (credentials from the worker config up wrote)', () => {
    let config: WorkerConfig;
    const topoOf = (cluster: string) => describeStack(spec, false).clusters.find((c) => c.name === cluster)!.topo;
    const primaryOf = (cluster: string) => primaries.find((t) => t.cluster === cluster)!;

    before(() => {
      config = loadWorkerConfig(describeStack(spec, false).workerConfig);
    });

    it('the source user reads, but cannot write anything', async () => {
      const creds = mysqlCredentials(config, topoOf('source'), 'source');
      assert.equal(creds.user, 'vtm_source');
      const p = primaryOf('source');
      await withConn(p.port, async (c) => {
        assert.deepEqual(await rows(c, `SELECT id FROM ${SCRATCH_DB}.t`), [{ id: p.uid }]);
        assert.equal((await rows(c, 'SELECT COUNT(*) AS n FROM vt_commerce.customer')).length, 1);
        assert.equal(await errnoOf(c, `INSERT INTO ${SCRATCH_DB}.t VALUES (999, 'no', NULL)`), ER_TABLEACCESS_DENIED);
        assert.equal(await errnoOf(c, 'DELETE FROM vt_commerce.customer WHERE customer_id = -1'), ER_TABLEACCESS_DENIED);
        assert.equal(await errnoOf(c, 'CREATE TABLE vt_commerce.vtm_probe (id INT PRIMARY KEY)'), ER_TABLEACCESS_DENIED);
        assert.equal(await errnoOf(c, `CREATE DATABASE ${SCRATCH_DB}_x`), ER_DBACCESS_DENIED);
      }, creds.user, creds.password);
    });

    it('the source user streams the binlog', async () => {
      const creds = mysqlCredentials(config, topoOf('source'), 'source');
      const p = primaryOf('source');
      const zongji = new ZongJi({ host: '127.0.0.1', port: p.port, user: creds.user, password: creds.password });
      const seen: unknown[] = [];
      const failed: Error[] = [];
      zongji.on('error', (err: Error) => failed.push(err));
      zongji.on('binlog', (ev: AnyBinlogEvent) => {
        if (ev.getEventName() === 'writerows') seen.push(...(ev as unknown as { rows: { id: number; v: string }[] }).rows.map((r) => `${r.id}:${r.v}`));
      });
      let ready = false;
      zongji.once('ready', () => { ready = true; });
      // serverId must differ from every tablet's (their ports) and from other readers.
      zongji.start({ serverId: 900_000 + (process.pid % 90_000), startAtEnd: true, includeEvents: ['tablemap', 'writerows'], includeSchema: { [SCRATCH_DB]: ['t'] } });
      try {
        await waitUntil('the binlog reader is ready', () => ready || failed.length > 0, 15_000);
        assert.deepEqual(failed.map((e) => e.message), []);
        await withConn(p.port, (c) => c.query(`INSERT INTO ${SCRATCH_DB}.t VALUES (4242, 'streamed', NULL)`));
        await waitUntil('the insert is streamed', () => seen.length > 0 || failed.length > 0, 15_000);
        assert.deepEqual(failed.map((e) => e.message), []);
        assert.deepEqual(seen, ['4242:streamed']);
      } finally {
        zongji.stop();
        await withConn(p.port, (c) => c.query(`DELETE FROM ${SCRATCH_DB}.t WHERE id = 4242`));
      }
    });

    it('the target user writes vt_<keyspace> and _vt_migrate, and nothing else', async () => {
      const creds = mysqlCredentials(config, topoOf('target'), 'target');
      assert.equal(creds.user, 'vtm_target');
      const p = primaryOf('target');
      // _vt_migrate is the worker's own schema: write there for real, and leave it as found.
      const hadStateDb = await withConn(p.port, async (c) => (await rows(c, "SHOW DATABASES LIKE '\\_vt\\_migrate'")).length === 1);
      const probeTable = `_vt_migrate.vtm_probe_${process.pid}`;
      try {
        await withConn(p.port, async (c) => {
          await c.query('CREATE DATABASE IF NOT EXISTS _vt_migrate');
          await c.query(`CREATE TABLE ${probeTable} (id INT PRIMARY KEY)`);
          await c.query(`INSERT INTO ${probeTable} VALUES (1)`);
          assert.deepEqual(await rows(c, `SELECT id FROM ${probeTable}`), [{ id: 1 }]);
          await c.query(`DROP TABLE ${probeTable}`);
          // vt_customer is not modified: the write is allowed and only fails for the missing table.
          assert.equal(await errnoOf(c, 'INSERT INTO vt_customer.vtm_no_such_table VALUES (1)'), ER_NO_SUCH_TABLE);
          assert.equal(await errnoOf(c, 'DROP TABLE vt_customer.vtm_no_such_table'), 1051 /* ER_BAD_TABLE_ERROR */);
          // Anything else is refused before it could change anything.
          assert.equal(await errnoOf(c, `INSERT INTO ${SCRATCH_DB}.t VALUES (999, 'no', NULL)`), ER_TABLEACCESS_DENIED);
          assert.equal(await errnoOf(c, `CREATE TABLE ${SCRATCH_DB}.vtm_probe (id INT PRIMARY KEY)`), ER_TABLEACCESS_DENIED);
          assert.equal(await errnoOf(c, 'CREATE TABLE mysql.vtm_probe (id INT PRIMARY KEY)'), ER_TABLEACCESS_DENIED);
          assert.equal(await errnoOf(c, `CREATE DATABASE ${SCRATCH_DB}_x`), ER_DBACCESS_DENIED);
        }, creds.user, creds.password);
      } finally {
        await withConn(p.port, async (c) => {
          await c.query(`DROP TABLE IF EXISTS ${probeTable}`);
          if (!hadStateDb) await c.query('DROP DATABASE IF EXISTS _vt_migrate');
        });
      }
    });
  });
});
