// Scratch databases for the mysql integration tests: unique names, dropped afterwards, never the
// keyspace databases (vt_commerce / vt_customer) the other suites use.
import crypto from 'node:crypto';
import { connectMysql, quoteId, withMysql, type Connection, type MysqlEndpoint } from '../../../src/mysql/connect';
import { testTablets } from '../../support/stack';

export function scratchName(prefix: string): string {
  return `vtm_t_${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
}

/** The shared test stack's source commerce/-80 primary and its replica. */
export async function sourceTablets(): Promise<{ primary: MysqlEndpoint; replica: MysqlEndpoint }> {
  const tablets = await testTablets({ cluster: 'source', shard: '-80' });
  const primary = tablets.find((t) => t.type === 'PRIMARY');
  const replica = tablets.find((t) => t.type === 'REPLICA');
  if (!primary || !replica) throw new Error('test stack has no source -80 primary/replica');
  return {
    primary: { host: '127.0.0.1', port: primary.port, user: 'root' },
    replica: { host: '127.0.0.1', port: replica.port, user: 'root' },
  };
}

export async function createScratchDb(ep: MysqlEndpoint, db: string): Promise<void> {
  await withMysql(ep, (c) => c.query(`CREATE DATABASE ${quoteId(db)} CHARACTER SET utf8mb4`));
}

export async function dropScratchDb(ep: MysqlEndpoint, db: string): Promise<void> {
  await withMysql(ep, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteId(db)}`)).catch(() => undefined);
}

export function connectDb(ep: MysqlEndpoint, db: string, opts: { jsonStrings?: boolean } = {}): Promise<Connection> {
  return connectMysql({ ...ep, database: db }, opts);
}
