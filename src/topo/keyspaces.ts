// Keyspace and Shard records in the global topology.
import type { Keyspace, RecordInput, Shard } from './proto';
import { KEYSPACES_DIR, keyspacePath, shardPath, shardsDir } from './paths';
import { readRecord, writeRecord } from './record-io';
import { isNoNode } from './errors';
import type { TopoServer } from './server';

export async function getKeyspace(global: TopoServer, keyspace: string): Promise<Keyspace> {
  return (await readRecord<Keyspace>(global, 'Keyspace', keyspacePath(keyspace))).record;
}

/** Create-or-update of `keyspaces/<ks>/Keyspace`; returns the new version. */
export async function putKeyspace(global: TopoServer, keyspace: string, record: RecordInput<Keyspace>): Promise<string> {
  return writeRecord<Keyspace>(global, 'Keyspace', keyspacePath(keyspace), record);
}

/** Names of the keyspaces (directories under `keyspaces/`), sorted; [] for an empty topology. */
export async function listKeyspaces(global: TopoServer): Promise<string[]> {
  return global.listDir(KEYSPACES_DIR);
}

export async function getShard(global: TopoServer, keyspace: string, shard: string): Promise<Shard> {
  return (await readRecord<Shard>(global, 'Shard', shardPath(keyspace, shard))).record;
}

/** Create-or-update of `keyspaces/<ks>/shards/<shard>/Shard`; returns the new version. */
export async function putShard(global: TopoServer, keyspace: string, shard: string, record: RecordInput<Shard>): Promise<string> {
  return writeRecord<Shard>(global, 'Shard', shardPath(keyspace, shard), record);
}

/**
 * Shard names of a keyspace, sorted as etcd lists them. Like Vitess's GetShardNames, an absent
 * shards directory is [] when the keyspace exists and the keyspace's NoNode error otherwise.
 */
export async function listShards(global: TopoServer, keyspace: string): Promise<string[]> {
  const names = await global.listDir(shardsDir(keyspace));
  if (names.length === 0) await getKeyspace(global, keyspace);
  return names;
}

/** Every Shard record of a keyspace by shard name (FindAllShardsInKeyspace). Shards whose record vanished are skipped. */
export async function findAllShardsInKeyspace(global: TopoServer, keyspace: string): Promise<Map<string, Shard>> {
  const names = await listShards(global, keyspace);
  const result = new Map<string, Shard>();
  const shards = await Promise.all(
    names.map(async (name) => {
      try {
        return [name, await getShard(global, keyspace, name)] as const;
      } catch (err) {
        if (isNoNode(err)) return undefined; // e.g. only a lock node under the shard
        throw err;
      }
    }),
  );
  for (const entry of shards) if (entry) result.set(entry[0], entry[1]);
  return result;
}
