// Each bad input to `Migrate create` fails fast, with a non-retryable error that names the culprit,
// and leaves the target as it was (no tables, no migration state).
import { strict as assert } from 'node:assert';
import mysql from 'mysql2/promise';
import { applyCustomerVSchema, localCli, mountAndApplyVSchema, primaries, resetClusters, sourceWriter, vtmigrate } from '../support/migration';
import { testStack } from '../support/stack';
import { testClient } from '../support/temporal';
import { TASK_QUEUE, type MigrateRequest } from '../../src/workflows/api';

async function onPorts(ports: number[], sql: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const port of ports) {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
    try {
      const [rows] = await conn.query(sql);
      out.push(rows as unknown[]);
    } finally {
      await conn.end();
    }
  }
  return out;
}

/** Target tables and migration state, per target primary. */
async function targetState(): Promise<string> {
  const ports = primaries(await testStack(), 'target').map((p) => p.port);
  const rows = await onPorts(ports, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('vt_customer', '_vt_migrate') ORDER BY 1, 2");
  return JSON.stringify(rows);
}

describe('Migrate create refuses bad input, naming the culprit', function () {
  this.timeout(300_000);
  let workflowCount = 0;
  let before: string;
  const create = async (...flags: string[]) => {
    const started = Date.now();
    const r = await vtmigrate(['Migrate', '--workflow', `bad${++workflowCount}`, '--target-keyspace', 'customer', 'create', ...flags]);
    return { ...r, seconds: (Date.now() - started) / 1000 };
  };
  const base = ['--source-keyspace', 'commerce', '--mount-name', 'ext1'];

  beforeEach(async () => {
    before = await targetState();
  });

  afterEach(async () => {
    assert.equal(await targetState(), before, 'the target changed');
  });

  // Workers must be running for the workflow to validate anything.
  this.beforeAll(async () => {
    await testStack();
    await resetClusters();
    await mountAndApplyVSchema();
    const w = await sourceWriter(3, 1);
    await w.insertCustomer();
    await w.close();
    assert.equal((await localCli(['start', 'worker'])).code, 0);
  });

  this.afterAll(async () => {
    await localCli(['stop', 'worker']);
    await resetClusters();
  });

  const expectRefusal = (r: { code: number; stderr: string; seconds: number }, pattern: RegExp) => {
    assert.equal(r.code, 1, `expected a refusal, got exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.ok(r.seconds < 30, `took ${r.seconds}s: not fast`);
  };

  it('an unknown mount', async () => {
    expectRefusal(await create('--source-keyspace', 'commerce', '--mount-name', 'nosuch', '--all-tables'), /no vitess cluster found with name nosuch/);
  });

  it('an unknown source keyspace', async () => {
    expectRefusal(await create('--source-keyspace', 'nokeyspace', '--mount-name', 'ext1', '--all-tables'), /source keyspace nokeyspace not found.*node doesn't exist/);
  });

  it('an unknown table', async () => {
    expectRefusal(await create(...base, '--tables', 'customer,nosuchtable'), /table\(s\) not found in source keyspace commerce: nosuchtable/);
  });

  it('a request started from the Temporal CLI with a misspelt field, a missing one and a wrong type fails the run; status says why', async () => {
    const c = await testClient();
    const id = 'customer.badrequest';
    await c.workflow.getHandle(id).terminate('test').catch(() => undefined);
    const handle = await c.workflow.start('Migrate', {
      taskQueue: TASK_QUEUE,
      workflowId: id,
      args: [{ workflow: 'badrequest', targetKeyspace: 'customer', mountName: 'ext1', source_keyspace: 'commerce', allTables: 'yes' } as unknown as MigrateRequest],
    });
    const why = /invalid Migrate request: unknown field\(s\) source_keyspace \(the fields are workflow, targetKeyspace, sourceKeyspace, .*\); sourceKeyspace is required \(a non-empty string\); allTables must be true or false, not "yes"/;
    await assert.rejects(handle.result(), (err: Error) => why.test((err.cause as Error | undefined)?.message ?? ''));
    const r = await vtmigrate(['Migrate', '--workflow', 'badrequest', '--target-keyspace', 'customer', 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no streams found in keyspace customer for badrequest \(its last run ended FAILED at [^:]+:[^:]+:[^:]+: invalid Migrate request: unknown field\(s\) source_keyspace/);
  });

  it('a cell that the source topology does not have (it used to fail only when picking a tablet, after retries)', async () => {
    expectRefusal(await create(...base, '--tables', 'customer', '--cells', 'zone1,nosuchcell'), /--cells: cell nosuchcell is neither a cell nor a cell alias in 127\.0\.0\.1:\d+ \/vitess\/global \(cells: zone1\)/);
  });

  it('conflicting table flags', async () => {
    expectRefusal(await create(...base, '--tables', 'customer', '--all-tables'), /--tables and --all-tables are mutually exclusive/);
    expectRefusal(await create(...base), /tables or all-tables are required to specify which tables to move/);
  });

  describe('with a scratch table on the source', () => {
    const sourcePorts = async () => primaries(await testStack(), 'source').map((p) => p.port);
    afterEach(async () => {
      await onPorts(await sourcePorts(), 'DROP TABLE IF EXISTS vt_commerce.nopk');
      await applyCustomerVSchema();
    });

    it('a table missing from the sharded target VSchema (Vitess text)', async () => {
      await onPorts(await sourcePorts(), 'CREATE TABLE vt_commerce.nopk (id BIGINT PRIMARY KEY)');
      expectRefusal(await create(...base, '--tables', 'nopk'), /table nopk not found in vschema for keyspace customer/);
    });

    it('a reference table from a sharded source', async () => {
      await onPorts(await sourcePorts(), 'CREATE TABLE vt_commerce.nopk (id BIGINT PRIMARY KEY)');
      const vs = JSON.stringify({ sharded: true, tables: { nopk: { type: 'reference' } } });
      assert.equal((await vtmigrate(['ApplyVSchema', '--vschema', vs, 'customer'])).code, 0);
      expectRefusal(await create(...base, '--tables', 'nopk'),
        /table nopk is a reference table in keyspace customer; vtmigrate copies reference tables from an unsharded source keyspace only, and commerce has 2 shards/);
    });

    it('a table without a primary key or a unique key on NOT NULL columns', async () => {
      // A unique key over a nullable column is no key to copy by (Vitess's PKE test).
      await onPorts(await sourcePorts(), 'CREATE TABLE vt_commerce.nopk (id BIGINT, email VARCHAR(20), n INT NOT NULL, KEY (id), UNIQUE KEY (email, n))');
      const vs = JSON.stringify({ sharded: true, vindexes: { hash: { type: 'hash' } }, tables: { nopk: { column_vindexes: [{ column: 'id', name: 'hash' }] } } });
      assert.equal((await vtmigrate(['ApplyVSchema', '--vschema', vs, 'customer'])).code, 0);
      expectRefusal(await create(...base, '--tables', 'nopk'), /table nopk in keyspace commerce has no primary key and no unique key on NOT NULL columns/);
    });

    it('a view, a sequence or a table name in another case, named in --tables: says what each is', async () => {
      await onPorts(await sourcePorts(), 'CREATE VIEW vt_commerce.nopk_view AS SELECT 1 AS one');
      await onPorts(await sourcePorts(), 'CREATE SEQUENCE vt_commerce.nopk_seq');
      try {
        expectRefusal(await create(...base, '--tables', 'customer,nopk_view,nopk_seq,Customer'), new RegExp('table\\(s\\) not found in source keyspace commerce: ' +
          'nopk_view \\(a view: Migrate copies base tables only; create the view on the target\\),' +
          "nopk_seq \\(a sequence: Migrate copies base tables only; create the sequence on the target, starting past the source's next value\\)," +
          'Customer \\(table names are case-sensitive: did you mean customer\\?\\)'));
      } finally {
        await onPorts(await sourcePorts(), 'DROP VIEW IF EXISTS vt_commerce.nopk_view');
        await onPorts(await sourcePorts(), 'DROP SEQUENCE IF EXISTS vt_commerce.nopk_seq');
      }
    });

    it('a system-versioned table, with --all-tables or named (its history would be lost)', async () => {
      await onPorts(await sourcePorts(), 'CREATE TABLE vt_commerce.nopk (id BIGINT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING');
      const why = /table\(s\) nopk in source keyspace commerce are system-versioned \(WITH SYSTEM VERSIONING\): vtmigrate copies current rows only, and their history would be lost; leave them out \(--exclude-tables with --all-tables\)/;
      expectRefusal(await create(...base, '--all-tables'), why);
      expectRefusal(await create(...base, '--tables', 'customer,nopk'), why);
    });

    it('a table whose definition differs between source shards, or that one shard lacks', async () => {
      const [p0, p1] = await sourcePorts();
      const vs = JSON.stringify({ sharded: true, vindexes: { hash: { type: 'hash' } }, tables: { nopk: { column_vindexes: [{ column: 'id', name: 'hash' }] } } });
      assert.equal((await vtmigrate(['ApplyVSchema', '--vschema', vs, 'customer'])).code, 0);
      await onPorts([p0], 'CREATE TABLE vt_commerce.nopk (id BIGINT PRIMARY KEY, note VARCHAR(20), n INT NOT NULL)');
      expectRefusal(await create(...base, '--tables', 'nopk'), /table nopk not found on source shard commerce\/80-/);
      await onPorts([p1], 'CREATE TABLE vt_commerce.nopk (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, extra INT)');
      expectRefusal(await create(...base, '--tables', 'nopk'), new RegExp('table nopk differs between source shards commerce/-80 and commerce/80- ' +
        '\\(on 80-: no column\\(s\\) note; extra column\\(s\\) extra; column n is bigint\\(20\\) NOT NULL, not int\\(11\\) NOT NULL\\); apply the same definition on every source shard first'));
    });

  });

  it('a source binlog that is not ROW, or a row image that is not FULL', async () => {
    const port = primaries(await testStack(), 'source')[0].port;
    try {
      await onPorts([port], "SET GLOBAL binlog_format = 'MIXED'");
      expectRefusal(await create(...base, '--all-tables'), /binlog_format is MIXED; vtmigrate needs ROW/);
      await onPorts([port], "SET GLOBAL binlog_format = 'ROW'");
      await onPorts([port], "SET GLOBAL binlog_row_image = 'MINIMAL'");
      expectRefusal(await create(...base, '--all-tables'), /binlog_row_image is MINIMAL; vtmigrate needs FULL/);
    } finally {
      await onPorts([port], "SET GLOBAL binlog_format = 'ROW'");
      await onPorts([port], "SET GLOBAL binlog_row_image = 'FULL'");
    }
  });

  it('a non-empty target table', async () => {
    const target = primaries(await testStack(), 'target')[1];
    await onPorts([target.port], 'CREATE TABLE vt_customer.customer (customer_id BIGINT PRIMARY KEY, email VARCHAR(128))');
    await onPorts([target.port], "INSERT INTO vt_customer.customer VALUES (1, 'x')");
    before = await targetState();
    try {
      expectRefusal(await create(...base, '--all-tables'), /non-empty tables found in target keyspace\(customer\): customer/);
    } finally {
      assert.equal(await targetState(), before, 'the target changed');
      await onPorts([target.port], 'DROP TABLE vt_customer.customer');
      before = await targetState();
    }
  });
});
