// Reading a target table's definition (loadTableTarget) must tell a table that is not there (a
// schema problem: the shard stops until the operator fixes it and starts the workflow) from a
// target that did not answer (a restarted or unreachable mysqld: retried like any other
// failure). A killed target mysqld once made a copy fail for good with "table … is missing".
import { strict as assert } from 'node:assert';
import { ApplicationFailure } from '@temporalio/common';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { isSchemaError } from '../../../src/activities/errors';
import { loadTableTarget } from '../../../src/activities/table-target';
import type { TablePlan } from '../../../src/workflows/api';
import { testTablets } from '../../support/stack';

const DB = 'table_target_test';
const plan = (name: string): TablePlan => ({ name, pkColumns: ['id'], rowsEstimate: 0, bytesEstimate: 0 });

describe('loadTableTarget: a missing table versus a target that does not answer', function () {
  this.timeout(60_000);
  let port: number;
  let admin: Connection;

  before(async () => {
    [{ port }] = await testTablets({ cluster: 'target', keyspace: 'customer', type: 'PRIMARY' });
    admin = await connectMysql({ host: '127.0.0.1', port, user: 'root' });
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(`CREATE TABLE ${DB}.present (id BIGINT PRIMARY KEY, v VARCHAR(8))`);
  });

  after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    admin.destroy();
  });

  it('a table that is not there is a SchemaError (not retried), naming table and database', async () => {
    const conn = await connectMysql({ host: '127.0.0.1', port, user: 'root' });
    try {
      assert.deepEqual((await loadTableTarget(conn, DB, plan('present'))).columns, ['id', 'v']);
      await assert.rejects(loadTableTarget(conn, DB, plan('absent')), (err: unknown) => {
        assert.ok(isSchemaError(err), String(err));
        assert.equal((err as ApplicationFailure).nonRetryable, true);
        assert.match((err as Error).message, /^table absent is missing on the target \(table_target_test\): table table_target_test\.absent does not exist/);
        return true;
      });
    } finally {
      conn.destroy();
    }
  });

  it('a connection the server dropped is an ordinary, retried error', async () => {
    const conn = await connectMysql({ host: '127.0.0.1', port, user: 'root' });
    const [[{ id }]] = (await conn.query('SELECT CONNECTION_ID() AS id')) as unknown as [{ id: number }[]];
    await admin.query(`KILL CONNECTION ${Number(id)}`);
    await assert.rejects(loadTableTarget(conn, DB, plan('present')), (err: unknown) => {
      assert.ok(!isSchemaError(err), `a dropped connection was taken for a schema problem: ${String(err)}`);
      assert.ok(!(err instanceof ApplicationFailure && err.nonRetryable), 'not retried');
      return true;
    });
    conn.destroy();
  });
});
