// Scratch databases for the mysql integration tests: unique names, dropped afterwards, never the
// keyspace databases (vt_commerce / vt_customer) the other suites use.
import crypto from 'node:crypto';
import { connectMysql, quoteId, withMysql, type Connection, type MysqlEndpoint } from '../../../src/mysql/connect';
import { startPrivateMariadb, type PrivateMariadb } from './private-mariadb';

export function scratchName(prefix: string): string {
  return `vtm_t_${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
}

export interface PrivatePair {
  primary: MysqlEndpoint;
  replica: MysqlEndpoint;
  servers: PrivateMariadb[];
  stop(): Promise<void>;
}

/**
 * A private primary and GTID replica, configured like a shard's tablets. These suites kill
 * servers, purge binlogs and fill them with backlogs, and must not depend on (or disturb) the
 * shared test stack, which other suites take down and bring up.
 */
export async function startPrivatePair(opts: { replica?: boolean } = {}): Promise<PrivatePair> {
  const p = await startPrivateMariadb();
  const r = opts.replica === false ? undefined : await startPrivateMariadb({ replicaOf: p });
  const servers = r ? [p, r] : [p];
  return {
    primary: p.endpoint,
    replica: (r ?? p).endpoint,
    servers,
    stop: async () => { for (const s of servers.reverse()) await s.stop(); },
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
