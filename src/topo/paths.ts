// Vitess's topology paths, relative to a topo root (go/vt/topo/server.go constants; vitess-facts.md
// §3.1), and tablet alias strings.
import * as path from 'node:path';
import type { TabletAlias } from './proto';

// global topo
export const CELLS_DIR = 'cells';
export const CELLS_ALIASES_DIR = 'cells_aliases';
export const KEYSPACES_DIR = 'keyspaces';
export const SHARDS_DIR = 'shards';
export const EXTERNAL_VITESS_CLUSTERS_DIR = 'ExternalClusters/vitess';

export const cellInfoPath = (cell: string): string => path.posix.join(CELLS_DIR, cell, 'CellInfo');
export const cellsAliasPath = (alias: string): string => path.posix.join(CELLS_ALIASES_DIR, alias, 'CellsAlias');
export const keyspaceDir = (keyspace: string): string => path.posix.join(KEYSPACES_DIR, keyspace);
export const keyspacePath = (keyspace: string): string => path.posix.join(KEYSPACES_DIR, keyspace, 'Keyspace');
export const shardsDir = (keyspace: string): string => path.posix.join(KEYSPACES_DIR, keyspace, SHARDS_DIR);
export const shardPath = (keyspace: string, shard: string): string => path.posix.join(KEYSPACES_DIR, keyspace, SHARDS_DIR, shard, 'Shard');
export const vschemaPath = (keyspace: string): string => path.posix.join(KEYSPACES_DIR, keyspace, 'VSchema');
export const routingRulesPath = (): string => 'RoutingRules';
export const shardRoutingRulesPath = (): string => 'ShardRoutingRules';
export const keyspaceRoutingRulesPath = (): string => 'routing_rules/keyspace/Rules';
export const mirrorRulesPath = (): string => 'MirrorRules';
export const externalClusterPath = (name: string): string => path.posix.join(EXTERNAL_VITESS_CLUSTERS_DIR, name);

// cell topo
export const TABLETS_DIR = 'tablets';
export const tabletPath = (alias: TabletAlias): string => path.posix.join(TABLETS_DIR, tabletAliasString(alias), 'Tablet');
export const shardReplicationPath = (keyspace: string, shard: string): string =>
  path.posix.join(KEYSPACES_DIR, keyspace, SHARDS_DIR, shard, 'ShardReplication');
export const srvKeyspacePath = (keyspace: string): string => path.posix.join(KEYSPACES_DIR, keyspace, 'SrvKeyspace');
export const srvVSchemaPath = (): string => 'SrvVSchema';

/** `<cell>-<uid %010d>`, the form Vitess uses in paths and most output (`zone1-0000000100`). */
export function tabletAliasString(alias: TabletAlias): string {
  return `${alias.cell}-${String(alias.uid).padStart(10, '0')}`;
}

/** `<cell>-<uid>` without padding, the form Workflow status lines use (`zone1-100`). */
export function tabletAliasShortString(alias: TabletAlias): string {
  return `${alias.cell}-${alias.uid}`;
}

const TABLET_ALIAS_RE = /^([-_.a-zA-Z0-9]+)-([0-9]+)$/;

/** `zone1-100` or `zone1-0000000100` → {cell, uid}; Vitess's message for anything else. */
export function parseTabletAlias(text: string): TabletAlias {
  const m = TABLET_ALIAS_RE.exec(text);
  if (!m) {
    throw new Error(`invalid tablet alias: '${text}', expecting format: '^(?P<cell>[-_.a-zA-Z0-9]+)-(?P<uid>[0-9]+)$'`);
  }
  const uid = Number(m[2]);
  if (!Number.isSafeInteger(uid) || uid > 0xffffffff) throw new Error(`invalid tablet uid in alias '${text}'`);
  return { cell: m[1], uid };
}

/** `commerce/-80` (or `commerce:-80`) → [keyspace, shard]; `invalid shard path: <x>` otherwise. */
export function parseKeyspaceShard(text: string): [string, string] {
  for (const sep of ['/', ':']) {
    const parts = text.split(sep);
    if (parts.length === 2) return [parts[0], parts[1]];
  }
  throw new Error(`invalid shard path: ${text}`);
}
