// A throwaway MariaDB server for tests that must not run on the shared test stack: killing the
// server, purging its binlogs, or filling its binlog with a large backlog. Configured like a
// tablet (ROW binlog, FULL row image and metadata, GTIDs, UTC), on a free port of 127.0.0.1,
// in a temp dir that stop() removes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MysqlEndpoint } from '../../../src/mysql/connect';
import { stopProcess } from '../../support/processes';

const run = promisify(execFile);

export interface PrivateMariadb {
  endpoint: MysqlEndpoint;
  port: number;
  serverId: number;
  dir: string;
  /** SIGKILL, as a crash; the data dir stays so start() can bring it back. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir after kill(). */
  start(): Promise<void>;
  /** SIGSTOP: the server hangs with its sockets open, as behind a network partition. */
  freeze(): Promise<void>;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Shuts down and removes the data dir. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts a server. With `replicaOf`, it replicates from that server with GTIDs
 * (log_slave_updates on, like the tablets' replicas).
 */
export async function startPrivateMariadb(opts: { extraCnf?: string[]; replicaOf?: PrivateMariadb } = {}): Promise<PrivateMariadb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vtm-mysql-test-'));
  const port = await freePort();
  // Tablets use their ports (17400..) as server ids; stay clear of them and of readers.
  const serverId = 900_000 + (port % 50_000);
  const cnf = path.join(dir, 'my.cnf');
  fs.writeFileSync(cnf, [
    '[mariadbd]',
    `user=${os.userInfo().username}`,
    `datadir=${path.join(dir, 'data')}`,
    `socket=${path.join(dir, 'mysql.sock')}`,
    `port=${port}`,
    'bind-address=127.0.0.1',
    `pid-file=${path.join(dir, 'mariadbd.pid')}`,
    `log-error=${path.join(dir, 'error.log')}`,
    `server-id=${serverId}`,
    `log-bin=${path.join(dir, 'binlog')}`,
    'binlog-format=ROW',
    'binlog-row-image=FULL',
    'binlog-row-metadata=FULL',
    'gtid-strict-mode=ON',
    'default-time-zone=+00:00',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_general_ci',
    'skip-name-resolve',
    'innodb-buffer-pool-size=128M',
    'innodb-log-file-size=64M',
    'innodb-flush-log-at-trx-commit=2',
    'sync-binlog=0',
    'performance-schema=OFF',
    'max-allowed-packet=64M',
    'log-slave-updates=ON',
    ...(opts.replicaOf ? ['read-only=ON'] : []),
    ...(opts.extraCnf ?? []),
    '',
  ].join('\n'));
  await run('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'], { maxBuffer: 16 << 20 });

  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const out = fs.openSync(path.join(dir, 'mariadbd.out'), 'a');
    const proc = spawn('mariadbd', [`--defaults-file=${cnf}`], { stdio: ['ignore', out, out] });
    child = proc;
    fs.closeSync(out);
    const deadline = Date.now() + 30_000;
    while (!(await portOpen(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`private mariadbd on port ${port} did not start: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // If the test process exits without stop() (a crash, an aborted run), take the server along.
  const onExit = () => {
    child?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const waitExit = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));
  await start();
  if (opts.replicaOf) {
    const src = opts.replicaOf;
    await run('mariadb', ['-h127.0.0.1', `-P${port}`, '-uroot', '-e',
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${src.port}, MASTER_USER='root', MASTER_USE_GTID=slave_pos; START SLAVE;`]);
  }
  return {
    endpoint: { host: '127.0.0.1', port, user: 'root' },
    port,
    serverId,
    dir,
    async kill() {
      if (!child) return;
      const c = child;
      c.kill('SIGKILL');
      if (child === c) child = undefined;
      await waitExit(c);
    },
    start,
    freeze: async () => { if (child?.pid !== undefined) await stopProcess(child.pid); },
    thaw: () => { child?.kill('SIGCONT'); },
    async stop() {
      if (child) {
        child.kill('SIGCONT');
        const c = child;
        c.kill('SIGTERM');
        child = undefined;
        await waitExit(c);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', onExit);
    },
  };
}
