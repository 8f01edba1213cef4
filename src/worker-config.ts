// The worker's configuration: where Temporal and the target topology are, and the database
// credentials for each cluster it may read from (source role) or write to (target role).
// Passwords live here, never in workflow inputs: activities ask `mysqlCredentials` for them.
import fs from 'node:fs';
import path from 'node:path';

export interface MysqlCredentials {
  user: string;
  /** Inline password (fine for local stacks); prefer passwordEnv or passwordFile in production. */
  password?: string;
  /** Name of an environment variable holding the password. */
  passwordEnv?: string;
  /** File holding the password (trailing newline ignored), relative to the config file. */
  passwordFile?: string;
}

export interface ClusterConfig {
  /** A label for messages; clusters are matched by their topology address, not by name. */
  name: string;
  topo: { server: string; root: string };
  /** Credentials used when this cluster is a migration source (read + binlog). */
  source?: MysqlCredentials;
  /** Credentials used when this cluster is a migration target (write). */
  target?: MysqlCredentials;
}

export interface WorkerConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  /** The target cluster's global topology. */
  topo: { implementation: 'etcd2'; server: string; root: string };
  clusters: ClusterConfig[];
  /** Where relative passwordFile paths resolve (the config file's folder). */
  baseDir: string;
}

export const DEFAULT_TASK_QUEUE = 'vtmigrate';

export function loadWorkerConfig(file: string): WorkerConfig {
  const abs = path.resolve(file);
  let raw: Partial<WorkerConfig>;
  try {
    raw = JSON.parse(fs.readFileSync(abs, 'utf8')) as Partial<WorkerConfig>;
  } catch (err) {
    throw new Error(`worker config ${abs}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
  const problems: string[] = [];
  if (!raw.topo?.server) problems.push('topo.server is required (the target cluster\'s global topology, host:port)');
  if (raw.topo?.implementation && raw.topo.implementation !== 'etcd2') problems.push(`topo.implementation ${raw.topo.implementation} is not supported; only etcd2`);
  if (!Array.isArray(raw.clusters)) problems.push('clusters must be an array of {name, topo: {server, root}, source?, target?}');
  for (const [i, c] of (raw.clusters ?? []).entries()) {
    if (!c?.topo?.server) problems.push(`clusters[${i}].topo.server is required`);
    for (const role of ['source', 'target'] as const) {
      const creds = c?.[role];
      if (creds && !creds.user) problems.push(`clusters[${i}].${role}.user is required`);
    }
  }
  if (problems.length > 0) throw new Error(`worker config ${abs} is invalid:\n  ${problems.join('\n  ')}`);
  return {
    temporal: {
      address: raw.temporal?.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233',
      namespace: raw.temporal?.namespace ?? 'default',
      taskQueue: raw.temporal?.taskQueue ?? DEFAULT_TASK_QUEUE,
    },
    topo: { implementation: 'etcd2', server: raw.topo!.server, root: raw.topo!.root ?? '/vitess/global' },
    clusters: (raw.clusters ?? []).map((c) => ({ ...c, topo: { server: c.topo.server, root: c.topo.root ?? '/vitess/global' } })),
    baseDir: path.dirname(abs),
  };
}

/** `localhost:2379` and `127.0.0.1:2379` name the same server. */
export function sameTopoServer(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^(https?:\/\/)/, '').replace(/^localhost:/, '127.0.0.1:').replace(/\/+$/, '');
  const as = a.split(',').map(norm).sort();
  const bs = b.split(',').map(norm).sort();
  return as.some((x) => bs.includes(x));
}

export function findCluster(config: WorkerConfig, topo: { server: string; root: string }): ClusterConfig | undefined {
  const root = (r: string) => r.replace(/\/+$/, '');
  return config.clusters.find((c) => sameTopoServer(c.topo.server, topo.server) && root(c.topo.root) === root(topo.root));
}

/** Resolves the user and password to use for a cluster in a role; throws naming what is missing. */
export function mysqlCredentials(config: WorkerConfig, topo: { server: string; root: string }, role: 'source' | 'target'): { user: string; password: string } {
  const cluster = findCluster(config, topo);
  const creds = cluster?.[role];
  if (!cluster || !creds) {
    throw new Error(`the worker configuration has no ${role} credentials for the cluster with topology ${topo.server} ${topo.root}; add it under "clusters" with "${role}": {"user", "password"|"passwordEnv"|"passwordFile"}`);
  }
  return { user: creds.user, password: resolvePassword(creds, config.baseDir, cluster.name, role) };
}

function resolvePassword(creds: MysqlCredentials, baseDir: string, cluster: string, role: string): string {
  if (creds.passwordEnv !== undefined) {
    const value = process.env[creds.passwordEnv];
    if (value === undefined) throw new Error(`cluster ${cluster} ${role} password: environment variable ${creds.passwordEnv} is not set`);
    return value;
  }
  if (creds.passwordFile !== undefined) {
    const file = path.resolve(baseDir, creds.passwordFile);
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new Error(`cluster ${cluster} ${role} password: cannot read ${file}`);
    }
  }
  return creds.password ?? '';
}
