// The bench's own local clusters: a spec generated into .vtmigrate/bench/ (ports of its own,
// clear of the example spec's and the test spec's), brought up with vtmigrate-local, the source
// mounted in the target topology. Replicas 0: the worker reads the source primaries.
import fs from 'node:fs';
import path from 'node:path';
import { describeStack, type StackDescription } from '../src/local/describe';
import { down } from '../src/local/down';
import { loadSpec, type LocalSpec } from '../src/local/spec';
import { up } from '../src/local/up';
import { createExternalCluster, getExternalCluster, openTopo } from '../src/topo';
import { MOUNT_NAME, NARROW_DDL, SOURCE_KEYSPACE, TARGET_KEYSPACE, vschemaJson, WIDE_DDL } from './schema';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BENCH_DIR = path.join(REPO_ROOT, '.vtmigrate', 'bench');
export const SPEC_FILE = path.join(BENCH_DIR, 'spec.json');

/** Ports: Temporal 7353/8353, etcd 12393 (source) and 2393 (target), MariaDB 17300+ and 17340+. */
export const PORTS = { temporal: 7353, temporalUi: 8353, sourceEtcd: 12393, targetEtcd: 2393, sourceMysql: 17300, targetMysql: 17340 } as const;

/** n shards splitting the key range as evenly as one byte allows: 3 → -55, 55-aa, aa-. */
export function shardNames(n: number): string[] {
  if (n === 1) return ['0'];
  const hex = (i: number) => (i === 0 || i === n ? '' : Math.floor((i * 256) / n).toString(16).padStart(2, '0'));
  return Array.from({ length: n }, (_, i) => `${hex(i)}-${hex(i + 1)}`);
}

export interface BenchStack {
  spec: LocalSpec;
  d: StackDescription;
  sourceShards: string[];
  targetShards: string[];
  /** Primaries by shard, in shard order. */
  sourcePrimaries: { shard: string; port: number }[];
  targetPrimaries: { shard: string; port: number }[];
  temporalAddress: string;
  workerConfig: string;
}

/**
 * The tablets' InnoDB buffer pool, in MiB: the whole dataset fits (with room for its indexes),
 * as a production server's working set does, since each baseline loads every row into one
 * target. With MariaDB's default 128 MiB, changes to rows that had been evicted are applied by
 * reading their pages from disk (O_DIRECT), which measured the disk, not the migration.
 */
export function bufferPoolMb(rows: number, wideRows: number): number {
  const bytes = (rows * 250 + wideRows * 2_600) * 1.25;
  return Math.max(128, Math.ceil(bytes / (64 << 20)) * 64);
}

function specJson(sourceShards: string[], targetShards: string[], poolMb: number): string {
  return JSON.stringify({
    stateDir: 'stack',
    temporal: { port: PORTS.temporal, uiPort: PORTS.temporalUi },
    clusters: [
      { name: 'source', cell: 'bench1', topo: { port: PORTS.sourceEtcd, peerPort: PORTS.sourceEtcd + 1, root: '/vitess/global' },
        mysqlBasePort: PORTS.sourceMysql, innodbBufferPoolMb: poolMb,
        keyspaces: [{ name: SOURCE_KEYSPACE, shards: sourceShards, replicas: 0, rdonly: 0, schemaFile: 'source-schema.sql', vschemaFile: 'source-vschema.json' }] },
      { name: 'target', cell: 'bench2', topo: { port: PORTS.targetEtcd, peerPort: PORTS.targetEtcd + 1, root: '/vitess/global' },
        mysqlBasePort: PORTS.targetMysql, innodbBufferPoolMb: poolMb,
        keyspaces: [{ name: TARGET_KEYSPACE, shards: targetShards, replicas: 0, rdonly: 0, vschemaFile: 'target-vschema.json' }] },
    ],
  }, null, 2) + '\n';
}

/**
 * Writes the spec (replacing a stack of another shape: it is stopped and wiped first), brings
 * the stack up and mounts the source. Idempotent: a running stack of the same shape is reused.
 */
export async function ensureStack(sourceCount: number, targetCount: number, poolMb: number, log: (line: string) => void): Promise<BenchStack> {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const sourceShards = shardNames(sourceCount);
  const targetShards = shardNames(targetCount);
  const text = specJson(sourceShards, targetShards, poolMb);
  if (fs.existsSync(SPEC_FILE) && fs.readFileSync(SPEC_FILE, 'utf8') !== text) {
    log('the bench stack has another shape; stopping and wiping it');
    await down(loadSpec(SPEC_FILE), { wipe: true }, log);
  }
  fs.writeFileSync(path.join(BENCH_DIR, 'source-schema.sql'), `${NARROW_DDL};\n${WIDE_DDL};\n`);
  fs.writeFileSync(path.join(BENCH_DIR, 'source-vschema.json'), vschemaJson(sourceShards.length > 1));
  fs.writeFileSync(path.join(BENCH_DIR, 'target-vschema.json'), vschemaJson(targetShards.length > 1));
  fs.writeFileSync(SPEC_FILE, text);
  const spec = loadSpec(SPEC_FILE);
  await up(spec, log);
  const d = describeStack(spec, false);
  const primaries = (cluster: string) => d.clusters.find((c) => c.name === cluster)!.tablets
    .filter((t) => t.type === 'PRIMARY').map((t) => ({ shard: t.shard, port: t.mysql.port }));
  await mountSource(d);
  return {
    spec, d, sourceShards, targetShards,
    sourcePrimaries: primaries('source'),
    targetPrimaries: primaries('target'),
    temporalAddress: d.temporal.address,
    workerConfig: d.workerConfig,
  };
}

async function mountSource(d: StackDescription): Promise<void> {
  const target = d.clusters.find((c) => c.name === 'target')!.topo;
  const source = d.clusters.find((c) => c.name === 'source')!.topo;
  const global = openTopo({ server: target.server, root: target.root });
  try {
    if (await getExternalCluster(global, MOUNT_NAME)) return;
    await createExternalCluster(global, MOUNT_NAME, { topoType: 'etcd2', server: source.server, root: source.root });
  } finally {
    await global.close();
  }
}

/**
 * One bench at a time per machine: two would drop each other's tables and share the worker's
 * task queue. Returns a release function; a lock left by a dead process is taken over.
 */
export function lockBench(): () => void {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const file = path.join(BENCH_DIR, 'bench.lock');
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      let alive = false;
      try {
        alive = Number.isInteger(holder) && holder > 0 && fs.readFileSync(`/proc/${holder}/cmdline`, 'utf8').includes('bench');
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`another bench (pid ${holder}) is running on this machine; wait for it or stop it (lock: ${file})`);
      fs.rmSync(file, { force: true });
    }
  }
}

/** The stack's processes by role, for CPU accounting (the worker under test is added by the caller). */
export function stackPids(stack: BenchStack): Record<string, number[]> {
  const procs = describeStack(stack.spec, true).processes ?? [];
  const pids = (pred: (name: string) => boolean) => procs.filter((p) => p.pid !== null && pred(p.name)).map((p) => p.pid!);
  return {
    'source mysqld': pids((n) => n.startsWith('tablet:bench1-')),
    'target mysqld': pids((n) => n.startsWith('tablet:bench2-')),
    temporal: pids((n) => n === 'temporal'),
    etcd: pids((n) => n.startsWith('etcd:')),
  };
}

export async function stopStack(log: (line: string) => void): Promise<void> {
  if (fs.existsSync(SPEC_FILE)) await down(loadSpec(SPEC_FILE), {}, log);
}
