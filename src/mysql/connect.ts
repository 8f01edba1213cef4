// One way to open a MySQL/MariaDB connection, so every session runs with the same settings:
// UTC (TIMESTAMP values must not shift), utf8mb4, and values kept as the server sent them
// (dates and big numbers as strings) so nothing is rounded or re-zoned on the way through.
import mysql from 'mysql2/promise';

export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
}

export interface ConnectOptions {
  multipleStatements?: boolean;
  connectTimeoutMs?: number;
  /** Allow LOAD DATA LOCAL INFILE streams from this client. */
  localInfile?: boolean;
  /**
   * Return JSON columns as the exact text the server sends instead of parsed values (row readers
   * need this: a parse/stringify round trip changes number formats, key order and spacing).
   * MariaDB announces its JSON columns through extended metadata, so mysql2 would parse them too.
   */
  jsonStrings?: boolean;
}

export type Connection = mysql.Connection;

export function describeEndpoint(ep: Pick<MysqlEndpoint, 'host' | 'port'>): string {
  return `${ep.host}:${ep.port}`;
}

/**
 * mysql2's own formatting, except that a query without values is sent as it is. mysql2 scans
 * every query() text for placeholders even when there are no values (and then returns it
 * unchanged): for the copy's multi-row INSERTs that is megabytes per batch, about 2 ms per MB of
 * worker CPU for nothing.
 */
function formatQuery(this: { config: { stringifyObjects?: boolean } }, sql: string, values: unknown, timezone?: string): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
  return mysql.format(sql, values as mysql.SqlValue[], this.config.stringifyObjects ?? false, timezone as never);
}

export async function connectMysql(ep: MysqlEndpoint, opts: ConnectOptions = {}): Promise<Connection> {
  const conn = await mysql.createConnection({
    host: ep.host,
    port: ep.port,
    user: ep.user,
    password: ep.password ?? '',
    database: ep.database,
    charset: 'UTF8MB4_GENERAL_CI',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: opts.multipleStatements ?? false,
    jsonStrings: opts.jsonStrings ?? false,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    flags: opts.localInfile ? ['+LOCAL_FILES'] : undefined,
    queryFormat: formatQuery,
  });
  await conn.query("SET SESSION time_zone = '+00:00'");
  return conn;
}

/**
 * `work`, or a rejection saying `what` got no answer within `ms`. For requests to a server that
 * may hang: its socket stays open, so nothing else would ever fail them.
 */
export async function answerWithin<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends `conn` politely (COM_QUIT) if the server answers within `ms`, else drops the socket. A
 * server that hangs (SIGSTOPped, or behind a partition) never answers, and its TCP peer stays
 * alive, so waiting for end() alone would wait forever.
 */
export async function closeWithin(conn: Connection, ms = 2_000): Promise<void> {
  await answerWithin(conn.end(), ms, 'closing the connection').catch((err: Error) => abortConnection(conn, err));
}

/**
 * Drops the connection's socket now, failing whatever query waits on it with `reason`.
 * mysql2's destroy() only half-closes the socket (and then ignores its close), so a query
 * waiting on a server that does not answer would go on waiting.
 */
export function abortConnection(conn: Connection, reason: Error): void {
  const core = (conn as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection;
  if (core?.stream) core.stream.destroy(reason);
  else conn.destroy();
}

/** Runs fn with a fresh connection and always closes it. */
export async function withMysql<T>(ep: MysqlEndpoint, fn: (conn: Connection) => Promise<T>, opts?: ConnectOptions): Promise<T> {
  const conn = await connectMysql(ep, opts);
  try {
    return await fn(conn);
  } finally {
    await closeWithin(conn);
  }
}

/** Quotes an identifier for MySQL: backticks, with embedded backticks doubled. */
export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
