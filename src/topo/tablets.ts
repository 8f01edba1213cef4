// Tablet and ShardReplication records, which live in a cell's topology (not the global one).
import type { RecordInput, ShardReplication, Tablet, TabletAlias } from './proto';
import { TABLETS_DIR, parseTabletAlias, shardReplicationPath, tabletAliasString, tabletPath } from './paths';
import { readRecord, writeRecord } from './record-io';
import { encodeRecord } from './proto';
import { isBadVersion, isNoNode, isNodeExists } from './errors';
import type { TopoServer } from './server';

export async function getTablet(cellTopo: TopoServer, alias: TabletAlias): Promise<Tablet> {
  const tablet = (await readRecord<Tablet>(cellTopo, 'Tablet', tabletPath(alias))).record;
  if (!tablet.alias || tablet.alias.cell === '') tablet.alias = { ...alias };
  return tablet;
}

/** Create-or-update of `tablets/<cell>-<uid>/Tablet` (the path comes from tablet.alias). */
export async function putTablet(cellTopo: TopoServer, tablet: RecordInput<Tablet> & { alias: TabletAlias }): Promise<string> {
  return writeRecord<Tablet>(cellTopo, 'Tablet', tabletPath(tablet.alias), tablet);
}

/** Aliases of every tablet in this cell topology, sorted by alias string. */
export async function listTabletAliases(cellTopo: TopoServer): Promise<TabletAlias[]> {
  const names = await cellTopo.listDir(TABLETS_DIR);
  return names.map(parseTabletAlias).sort((a, b) => compareAliases(a, b));
}

/** Every tablet record in this cell topology; tablets deleted while listing are skipped. */
export async function listTablets(cellTopo: TopoServer): Promise<Tablet[]> {
  const aliases = await listTabletAliases(cellTopo);
  const tablets = await Promise.all(aliases.map((alias) => getTablet(cellTopo, alias).catch((err: unknown) => {
    if (isNoNode(err)) return undefined;
    throw err;
  })));
  return tablets.filter((t): t is Tablet => t !== undefined);
}

export function compareAliases(a: TabletAlias, b: TabletAlias): number {
  const x = tabletAliasString(a);
  const y = tabletAliasString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export async function getShardReplication(cellTopo: TopoServer, keyspace: string, shard: string): Promise<ShardReplication> {
  return (await readRecord<ShardReplication>(cellTopo, 'ShardReplication', shardReplicationPath(keyspace, shard))).record;
}

/** Create-or-update of `keyspaces/<ks>/shards/<shard>/ShardReplication` in a cell. */
export async function putShardReplication(cellTopo: TopoServer, keyspace: string, shard: string, rep: RecordInput<ShardReplication>): Promise<string> {
  return writeRecord<ShardReplication>(cellTopo, 'ShardReplication', shardReplicationPath(keyspace, shard), rep);
}

/**
 * Adds a tablet to its shard's ShardReplication node in the cell, as Vitess does when it creates
 * a tablet record. Safe against concurrent writers: it retries on a version conflict.
 */
export async function addToShardReplication(cellTopo: TopoServer, keyspace: string, shard: string, alias: TabletAlias): Promise<void> {
  const relPath = shardReplicationPath(keyspace, shard);
  for (let attempt = 0; attempt < 20; attempt++) {
    let current: { rep: ShardReplication; version?: string };
    try {
      const r = await readRecord<ShardReplication>(cellTopo, 'ShardReplication', relPath);
      current = { rep: r.record, version: r.version };
    } catch (err) {
      if (!isNoNode(err)) throw err;
      current = { rep: { nodes: [] } };
    }
    const has = current.rep.nodes.some((n) => n.tabletAlias && compareAliases(n.tabletAlias, alias) === 0);
    if (has) return;
    const next: ShardReplication = { nodes: [...current.rep.nodes, { tabletAlias: { ...alias } }] };
    try {
      if (current.version === undefined) await cellTopo.create(relPath, encodeRecord('ShardReplication', next));
      else await cellTopo.update(relPath, encodeRecord('ShardReplication', next), current.version);
      return;
    } catch (err) {
      if (!isBadVersion(err) && !isNodeExists(err)) throw err;
    }
  }
  throw new Error(`could not add ${tabletAliasString(alias)} to ${relPath}: too many concurrent updates`);
}
