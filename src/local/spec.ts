// The JSON spec that describes local Vitess-shaped clusters: what `vtmigrate-local` reads.
// Validation is strict (unknown fields are errors) because a typo in a spec otherwise silently
// starts a different cluster than the user asked for.
import fs from 'node:fs';
import path from 'node:path';
import { checkShardsCoverFullRange, isValidShardName, parseShardName } from '../vindex';

export interface KeyspaceSpec {
  name: string;
  shards: string[];
  /** REPLICA tablets per shard, besides the primary (default 1). */
  replicas: number;
  /** RDONLY tablets per shard (default 0). */
  rdonly: number;
  /** Absolute path of a SQL file applied to the shard primaries in vt_<keyspace>. */
  schemaFile?: string;
  /** Absolute path of the keyspace's VSchema (JSON, as ApplyVSchema takes it). */
  vschemaFile?: string;
}

export interface ClusterSpec {
  name: string;
  cell: string;
  topo: { port: number; peerPort: number; root: string };
  mysqlBasePort: number;
  /** innodb-buffer-pool-size of every tablet of the cluster, in MiB (default 128). */
  innodbBufferPoolMb: number;
  keyspaces: KeyspaceSpec[];
}

export interface LocalSpec {
  /** The spec file this came from (absolute). */
  file: string;
  stateDir: string;
  temporal: { port: number; uiPort: number; namespace: string };
  clusters: ClusterSpec[];
  /** Which cluster the worker writes to (its target topology). */
  targetCluster: string;
}

export class SpecError extends Error {}

type Json = Record<string, unknown>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly dir: string) {}

  object(value: unknown, where: string, allowed: string[]): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push(`${where}: expected an object`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.problems.push(`${where}: unknown field "${key}" (known: ${allowed.join(', ')})`);
    }
    return value as Json;
  }

  string(obj: Json, key: string, where: string, fallback?: string): string {
    const value = obj[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value === '') {
      this.problems.push(`${where}.${key}: ${value === undefined ? 'is required' : 'expected a non-empty string'}`);
      return fallback ?? '';
    }
    return value;
  }

  integer(obj: Json, key: string, where: string, opts: { fallback?: number; min?: number; max?: number }): number {
    const value = obj[key];
    if (value === undefined && opts.fallback !== undefined) return opts.fallback;
    const min = opts.min ?? 0;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${where}.${key}: ${value === undefined ? 'is required' : `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`}`);
      return opts.fallback ?? min;
    }
    return value;
  }

  port(obj: Json, key: string, where: string, fallback?: number): number {
    return this.integer(obj, key, where, { fallback, min: 1, max: 65535 });
  }

  file(obj: Json, key: string, where: string): string | undefined {
    const value = obj[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.problems.push(`${where}.${key}: expected a file path`);
      return undefined;
    }
    const abs = path.resolve(this.dir, value);
    if (!fs.existsSync(abs)) this.problems.push(`${where}.${key}: file not found: ${abs}`);
    return abs;
  }

  array(obj: Json, key: string, where: string): unknown[] {
    const value = obj[key];
    if (!Array.isArray(value)) {
      this.problems.push(`${where}.${key}: ${value === undefined ? 'is required' : 'expected an array'}`);
      return [];
    }
    return value;
  }
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Why Vitess would reject a shard name (e.g. `80-40`: out of order keys), when it says. */
function shardNameReason(name: string): string {
  try {
    parseShardName(name);
    return '';
  } catch (err) {
    return `: ${(err as Error).message}`;
  }
}

function readKeyspace(r: Reader, raw: unknown, where: string): KeyspaceSpec | undefined {
  const obj = r.object(raw, where, ['name', 'shards', 'replicas', 'rdonly', 'schemaFile', 'vschemaFile']);
  if (!obj) return undefined;
  const name = r.string(obj, 'name', where);
  if (name && !NAME.test(name)) r.problems.push(`${where}.name: "${name}" is not a valid keyspace name (letters, digits, _ and -)`);
  const shards = obj.shards === undefined ? ['0'] : r.array(obj, 'shards', where).map(String);
  const bad = shards.filter((s) => !isValidShardName(s));
  for (const s of bad) r.problems.push(`${where}.shards: "${s}" is not a valid shard name${shardNameReason(s)} (expected 0 or <hex>-<hex>, e.g. -80, 80-)`);
  if (shards.length === 0) r.problems.push(`${where}.shards: needs at least one shard`);
  if (bad.length === 0 && shards.length > 0) {
    try {
      checkShardsCoverFullRange(shards);
    } catch (err) {
      r.problems.push(`${where}.shards (keyspace ${name}): ${(err as Error).message}`);
    }
  }
  return {
    name,
    shards,
    replicas: r.integer(obj, 'replicas', where, { fallback: 1, max: 8 }),
    rdonly: r.integer(obj, 'rdonly', where, { fallback: 0, max: 8 }),
    schemaFile: r.file(obj, 'schemaFile', where),
    vschemaFile: r.file(obj, 'vschemaFile', where),
  };
}

function readCluster(r: Reader, raw: unknown, where: string): ClusterSpec | undefined {
  const obj = r.object(raw, where, ['name', 'cell', 'topo', 'mysqlBasePort', 'innodbBufferPoolMb', 'keyspaces']);
  if (!obj) return undefined;
  const name = r.string(obj, 'name', where);
  if (name && !NAME.test(name)) r.problems.push(`${where}.name: "${name}" is not a valid cluster name (letters, digits, _ and -)`);
  const cell = r.string(obj, 'cell', where);
  if (cell && !NAME.test(cell)) r.problems.push(`${where}.cell: "${cell}" is not a valid cell name (letters, digits, _ and -)`);
  const topoObj = r.object(obj.topo ?? {}, `${where}.topo`, ['port', 'peerPort', 'root']) ?? {};
  const port = r.port(topoObj, 'port', `${where}.topo`);
  const root = r.string(topoObj, 'root', `${where}.topo`, '/vitess/global');
  if (!root.startsWith('/')) r.problems.push(`${where}.topo.root: must be an absolute path such as /vitess/global`);
  const keyspaces = r.array(obj, 'keyspaces', where)
    .map((k, i) => readKeyspace(r, k, `${where}.keyspaces[${i}]`))
    .filter((k): k is KeyspaceSpec => k !== undefined);
  const names = keyspaces.map((k) => k.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problems.push(`${where}: keyspace "${dup}" is listed twice`);
  return {
    name,
    cell,
    topo: { port, peerPort: r.port(topoObj, 'peerPort', `${where}.topo`, port + 1), root },
    mysqlBasePort: r.port(obj, 'mysqlBasePort', where),
    innodbBufferPoolMb: r.integer(obj, 'innodbBufferPoolMb', where, { fallback: 128, min: 16, max: 1 << 20 }),
    keyspaces,
  };
}

/** Every port a spec claims, with the component that should own it (for clear conflict errors). */
export function specPorts(spec: Pick<LocalSpec, 'temporal' | 'clusters'>, tabletPorts: { port: number; owner: string }[]): { port: number; owner: string }[] {
  return [
    { port: spec.temporal.port, owner: 'the Temporal dev server (frontend)' },
    { port: spec.temporal.uiPort, owner: 'the Temporal Web UI' },
    ...spec.clusters.flatMap((c) => [
      { port: c.topo.port, owner: `etcd of cluster ${c.name} (client)` },
      { port: c.topo.peerPort, owner: `etcd of cluster ${c.name} (peer)` },
    ]),
    ...tabletPorts,
  ];
}

export function parseSpec(text: string, file: string): LocalSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`spec ${file}: invalid JSON: ${(err as Error).message}`);
  }
  const r = new Reader(path.dirname(file));
  const obj = r.object(raw, 'spec', ['stateDir', 'temporal', 'clusters', 'targetCluster']) ?? {};
  const temporalObj = r.object(obj.temporal ?? {}, 'temporal', ['port', 'uiPort', 'namespace']) ?? {};
  const temporalPort = r.port(temporalObj, 'port', 'temporal', 7233);
  const clusters = r.array(obj, 'clusters', 'spec')
    .map((c, i) => readCluster(r, c, `clusters[${i}]`))
    .filter((c): c is ClusterSpec => c !== undefined);
  if (clusters.length === 0) r.problems.push('spec.clusters: needs at least one cluster');
  const names = clusters.map((c) => c.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problems.push(`spec.clusters: cluster "${dup}" is listed twice`);
  const cells = clusters.map((c) => c.cell);
  for (const dup of cells.filter((n, i) => cells.indexOf(n) !== i)) r.problems.push(`spec.clusters: cell "${dup}" is used by two clusters; give each cluster its own cell`);
  const fallbackTarget = names.includes('target') ? 'target' : names[names.length - 1] ?? '';
  const targetCluster = r.string(obj, 'targetCluster', 'spec', fallbackTarget);
  if (names.length > 0 && !names.includes(targetCluster)) r.problems.push(`spec.targetCluster: no cluster named "${targetCluster}"`);
  const spec: LocalSpec = {
    file,
    stateDir: path.resolve(path.dirname(file), r.string(obj, 'stateDir', 'spec', '.vtmigrate/local')),
    temporal: {
      port: temporalPort,
      uiPort: r.port(temporalObj, 'uiPort', 'temporal', temporalPort + 1000),
      namespace: r.string(temporalObj, 'namespace', 'temporal', 'default'),
    },
    clusters,
    targetCluster,
  };
  if (r.problems.length > 0) throw new SpecError(`spec ${file} is invalid:\n  ${r.problems.join('\n  ')}`);
  return spec;
}

export function loadSpec(file: string): LocalSpec {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new SpecError(`spec file not found: ${abs}`);
  }
  return parseSpec(text, abs);
}
