// One tablet's mysqld: a MariaDB instance with its own data dir and port, ROW binlog with FULL
// row images, GTID replication from its shard primary, UTC, bound to 127.0.0.1.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { quoteId, withMysql } from '../mysql/connect';
import { runningPid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
import type { LocalTablet } from './layout';
import { isPortOpen, waitFor } from './ports';
import { LOCAL_USERS, type LocalSecrets } from './secrets';

const run = promisify(execFile);

/** mariadbd refuses to run as root unless told to; as anyone else it runs as that user. */
function runAsUser(): string {
  return os.userInfo().username;
}

function cnfText(opts: { dir: string; port: number; serverId: number; readOnly: boolean; bufferPoolMb: number }): string {
  const { dir, port } = opts;
  // Unix socket paths are limited to ~107 bytes; we only use TCP, but mariadbd always opens one.
  const socket = path.join(dir, 'mysql.sock').length < 100 ? path.join(dir, 'mysql.sock') : path.join(os.tmpdir(), `vtmigrate-mysql-${port}.sock`);
  return [
    '[mariadbd]',
    `user=${runAsUser()}`,
    `datadir=${path.join(dir, 'data')}`,
    `socket=${socket}`,
    `port=${port}`,
    'bind-address=127.0.0.1',
    `pid-file=${path.join(dir, 'mariadbd.pid')}`,
    `log-error=${path.join(dir, 'error.log')}`,
    // server-id must be unique among everything that replicates (tablets and binlog readers);
    // ports are unique on this machine, so they make good ids.
    `server-id=${opts.serverId}`,
    `log-bin=${path.join(dir, 'binlog')}`,
    `relay-log=${path.join(dir, 'relay')}`,
    'log-slave-updates=ON',
    'binlog-format=ROW',
    'binlog-row-image=FULL',
    // Row events carry column names and types, so binlog readers need no schema queries.
    'binlog-row-metadata=FULL',
    'gtid-strict-mode=ON',
    'default-time-zone=+00:00',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_general_ci',
    'skip-name-resolve',
    'local-infile=ON',
    'max-connections=500',
    'max-allowed-packet=64M',
    `innodb-buffer-pool-size=${opts.bufferPoolMb}M`,
    'innodb-log-file-size=64M',
    // Local clusters trade OS-crash durability for speed; a killed mysqld (the failure tests
    // exercise) still loses nothing because the OS keeps the writes.
    'innodb-flush-log-at-trx-commit=2',
    'sync-binlog=0',
    'performance-schema=OFF',
    opts.readOnly ? 'read-only=ON' : '',
    '',
  ].filter((l, i, all) => l !== '' || i === all.length - 1).join('\n');
}

export function tabletCnfPath(t: LocalTablet): string {
  return path.join(t.dir, 'my.cnf');
}

export function tabletDaemon(t: LocalTablet): DaemonSpec {
  return {
    name: `tablet:${t.alias}`,
    command: 'mariadbd',
    // --defaults-file must come first for every MariaDB program.
    args: [`--defaults-file=${tabletCnfPath(t)}`],
    pidFile: path.join(t.dir, 'tablet.pid'),
    logFile: path.join(t.dir, 'mariadbd.out'),
  };
}

/** The string we look for in /proc/<pid>/cmdline to recognise this tablet's mysqld. */
export function tabletMarker(t: LocalTablet): string {
  return tabletCnfPath(t);
}

const templates = new Map<string, Promise<string>>();

/** A fresh data dir, made once per state dir and copied for each tablet (much faster). */
function ensureTemplate(templateDir: string): Promise<string> {
  // Tablets start in parallel; they must share one initialisation.
  let made = templates.get(templateDir);
  if (!made) {
    made = makeTemplate(templateDir);
    templates.set(templateDir, made);
    made.catch(() => templates.delete(templateDir));
  }
  return made;
}

// The marker names what a template holds; a template from before time zone tables is rebuilt.
const TEMPLATE_DONE = 'done-with-time-zones';

async function makeTemplate(templateDir: string): Promise<string> {
  const data = path.join(templateDir, 'data');
  if (fs.existsSync(path.join(templateDir, TEMPLATE_DONE))) return data;
  fs.rmSync(templateDir, { recursive: true, force: true });
  fs.mkdirSync(templateDir, { recursive: true });
  const cnf = path.join(templateDir, 'my.cnf');
  fs.writeFileSync(cnf, `[mariadbd]\nuser=${runAsUser()}\ndatadir=${data}\ninnodb-log-file-size=64M\nskip-log-bin\n`);
  try {
    await run('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'], { maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(`mariadb-install-db failed (is mariadb-server installed? run npm run setup): ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
  await loadTimeZones(cnf);
  fs.writeFileSync(path.join(templateDir, TEMPLATE_DONE), '');
  return data;
}

/**
 * Fills the template's time zone tables from the system's zoneinfo, as a production server's
 * usually are, so every tablet knows named zones (CONVERT_TZ, which `Migrate create
 * --source-time-zone` uses on the target). mariadbd --bootstrap runs the SQL on the datadir
 * without a server (as mariadb-install-db does). Skipped without zoneinfo: offsets still work.
 */
async function loadTimeZones(cnf: string): Promise<void> {
  let sql: string;
  try {
    sql = (await run('mariadb-tzinfo-to-sql', ['/usr/share/zoneinfo'], { maxBuffer: 256 << 20 })).stdout;
  } catch {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mariadbd', [`--defaults-file=${cnf}`, '--bootstrap'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`loading time zone tables into the tablet template failed (exit ${code}): ${stderr}`))));
    child.stdin.end('USE mysql;\n' + sql);
  });
}

/** mariadbd's own pid-file (the pid-file= of its my.cnf). */
const serverPidFile = (t: LocalTablet) => path.join(t.dir, 'mariadbd.pid');

/**
 * The tablet's running mysqld. Ours and mariadbd's pid files name the same process (we exec it
 * directly); mariadbd's is the fallback when an interrupted `up` lost ours, so such a mysqld is
 * still found, reported and stopped instead of squatting on the tablet's port.
 */
export function tabletPid(t: LocalTablet): number | undefined {
  return runningPid(tabletDaemon(t).pidFile, tabletMarker(t)) ?? runningPid(serverPidFile(t), tabletMarker(t));
}

export async function startTablet(t: LocalTablet, templateDir: string): Promise<number> {
  const existing = tabletPid(t);
  if (existing !== undefined) return existing;
  fs.mkdirSync(t.dir, { recursive: true });
  fs.writeFileSync(tabletCnfPath(t), cnfText({ dir: t.dir, port: t.port, serverId: t.port, readOnly: t.type !== 'PRIMARY', bufferPoolMb: t.bufferPoolMb }));
  if (!fs.existsSync(path.join(t.dir, 'data', 'mysql'))) {
    const template = await ensureTemplate(templateDir);
    fs.cpSync(template, path.join(t.dir, 'data'), { recursive: true });
  }
  const pid = startDaemon(tabletDaemon(t));
  await waitFor(`tablet ${t.alias} mysqld on port ${t.port} (log: ${path.join(t.dir, 'error.log')})`, () => isPortOpen(t.port), 60_000,
    () => runningPid(tabletDaemon(t).pidFile, tabletMarker(t)) !== undefined);
  return pid;
}

export async function stopTablet(t: LocalTablet, signal?: NodeJS.Signals): Promise<number | undefined> {
  const pid = await stopDaemon(tabletDaemon(t).pidFile, tabletMarker(t), { signal });
  // Only a mysqld our pid file lost is still running here; mariadbd removes its file on exit.
  if (runningPid(serverPidFile(t), tabletMarker(t)) === undefined) return pid;
  return stopDaemon(serverPidFile(t), tabletMarker(t), { signal });
}

export function rootEndpoint(t: LocalTablet, database?: string) {
  return { host: '127.0.0.1', port: t.port, user: 'root', database };
}

const setupMarker = (t: LocalTablet) => path.join(t.dir, 'setup.done');

/**
 * First start of a primary: the users everything else needs, the keyspace database and its
 * schema. All of it goes through the binlog, so replicas get the same users and tables.
 */
export async function setupPrimary(t: LocalTablet, secrets: LocalSecrets, opts: { schemaFile?: string; keyspaces: string[] }): Promise<void> {
  if (fs.existsSync(setupMarker(t))) return;
  await withMysql(rootEndpoint(t), async (conn) => {
    const user = (name: string, password: string) => `CREATE USER IF NOT EXISTS '${name}'@'127.0.0.1' IDENTIFIED BY '${password}'`;
    await conn.query(user(LOCAL_USERS.repl, secrets.replPassword));
    await conn.query(`GRANT REPLICATION SLAVE ON *.* TO '${LOCAL_USERS.repl}'@'127.0.0.1'`);
    // What the worker needs to read a source: snapshots, the binlog, replication health.
    await conn.query(user(LOCAL_USERS.source, secrets.sourcePassword));
    await conn.query(`GRANT SELECT, SHOW VIEW, LOCK TABLES, PROCESS, REPLICATION SLAVE, BINLOG MONITOR, REPLICA MONITOR ON *.* TO '${LOCAL_USERS.source}'@'127.0.0.1'`);
    // What it needs to write a target: its keyspace databases and its own state schema.
    await conn.query(user(LOCAL_USERS.target, secrets.targetPassword));
    await conn.query(`GRANT SELECT, PROCESS, BINLOG MONITOR, REPLICA MONITOR ON *.* TO '${LOCAL_USERS.target}'@'127.0.0.1'`);
    for (const db of [...opts.keyspaces.map((k) => `vt_${k}`), '_vt_migrate']) {
      await conn.query(`GRANT ALL PRIVILEGES ON ${quoteId(db.replace(/_/g, '\\_'))}.* TO '${LOCAL_USERS.target}'@'127.0.0.1'`);
    }
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(t.db)}`);
  });
  if (opts.schemaFile) await applySqlFile(t, opts.schemaFile);
  fs.writeFileSync(setupMarker(t), '');
}

async function applySqlFile(t: LocalTablet, file: string): Promise<void> {
  const sql = fs.readFileSync(file, 'utf8');
  try {
    await withMysql(rootEndpoint(t, t.db), (conn) => conn.query(sql), { multipleStatements: true });
  } catch (err) {
    // The statements before the failing one stay applied, so a second `up` would meet them.
    throw new Error(`applying ${file} to ${t.db} on tablet ${t.alias}: ${(err as Error).message} ` +
      '(the statements before it were applied: fix the file, then run `down --wipe` and `up` again)');
  }
}

/** Points a replica at its primary with GTID auto-positioning and starts replication. */
export async function setupReplica(t: LocalTablet, secrets: LocalSecrets): Promise<void> {
  if (fs.existsSync(setupMarker(t))) return;
  if (t.primaryPort === undefined) throw new Error(`tablet ${t.alias} is not a replica`);
  await withMysql(rootEndpoint(t), async (conn) => {
    await conn.query('STOP SLAVE');
    await conn.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${t.primaryPort}, MASTER_USER='${LOCAL_USERS.repl}', ` +
      `MASTER_PASSWORD='${secrets.replPassword}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await conn.query('START SLAVE');
  });
  fs.writeFileSync(setupMarker(t), '');
}

