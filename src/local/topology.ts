// Writes a local cluster's topology the way Vitess writes it (vitess-facts.md §3): CellInfo,
// Keyspace, Shard, Tablet, ShardReplication, SrvKeyspace, VSchema and SrvVSchema, as binary
// protobuf at Vitess's paths. Re-running keeps records that users changed since (VSchema).
import fs from 'node:fs';
import {
  TabletType,
  getVSchema,
  isNoNode,
  openCellTopo,
  openTopo,
  parseVSchemaJSON,
  putCellInfo,
  putKeyspace,
  putShard,
  putShardReplication,
  putSrvKeyspace,
  putTablet,
  putVSchema,
  rebuildSrvVSchema,
  type KeyRange,
  type VSchema,
} from '../topo';
import { parseShardName, isFullKeyRange } from '../vindex';
import { clusterTablets } from './layout';
import type { ClusterSpec, KeyspaceSpec, LocalSpec } from './spec';

const TABLET_TYPES = { PRIMARY: TabletType.PRIMARY, REPLICA: TabletType.REPLICA, RDONLY: TabletType.RDONLY } as const;

/** Vitess stores no key range for an unsharded shard (`0` or `-`). */
function shardKeyRange(shard: string): KeyRange | undefined {
  const kr = parseShardName(shard);
  return isFullKeyRange(kr) ? undefined : kr;
}

function compareShards(a: string, b: string): number {
  const ka = parseShardName(a).start;
  const kb = parseShardName(b).start;
  return Buffer.compare(ka, kb);
}

function initialVSchema(ks: KeyspaceSpec): VSchema {
  if (ks.vschemaFile) {
    try {
      return parseVSchemaJSON(fs.readFileSync(ks.vschemaFile, 'utf8')).vschema;
    } catch (err) {
      throw new Error(`VSchema file ${ks.vschemaFile} of keyspace ${ks.name}: ${(err as Error).message}`);
    }
  }
  return parseVSchemaJSON(JSON.stringify({ sharded: ks.shards.length > 1 })).vschema;
}

export async function writeClusterTopology(spec: LocalSpec, cluster: ClusterSpec): Promise<void> {
  const server = `127.0.0.1:${cluster.topo.port}`;
  const global = openTopo({ server, root: cluster.topo.root });
  try {
    const cellRoot = `/vitess/${cluster.cell}`;
    await putCellInfo(global, cluster.cell, { serverAddress: server, root: cellRoot });
    const cellTopo = await openCellTopo(global, cluster.cell);
    const tablets = clusterTablets(spec, cluster);
    const now = { seconds: Math.floor(Date.now() / 1000), nanoseconds: 0 };

    for (const ks of cluster.keyspaces) {
      await putKeyspace(global, ks.name, { keyspaceType: 0, durabilityPolicy: 'none', sidecarDbName: '_vt' });
      for (const shard of ks.shards) {
        const shardTablets = tablets.filter((t) => t.keyspace === ks.name && t.shard === shard);
        const primary = shardTablets.find((t) => t.type === 'PRIMARY')!;
        await putShard(global, ks.name, shard, {
          primaryAlias: { cell: cluster.cell, uid: primary.uid },
          primaryTermStartTime: now,
          keyRange: shardKeyRange(shard),
          isPrimaryServing: true,
        });
        for (const t of shardTablets) {
          await putTablet(cellTopo, {
            alias: { cell: t.cell, uid: t.uid },
            hostname: '127.0.0.1',
            keyspace: t.keyspace,
            shard: t.shard,
            keyRange: shardKeyRange(t.shard),
            type: TABLET_TYPES[t.type],
            mysqlHostname: '127.0.0.1',
            mysqlPort: t.port,
            primaryTermStartTime: t.type === 'PRIMARY' ? now : undefined,
            tabletStartTime: now,
          });
        }
        await putShardReplication(cellTopo, ks.name, shard, {
          nodes: shardTablets.map((t) => ({ tabletAlias: { cell: t.cell, uid: t.uid } })),
        });
      }
      const refs = [...ks.shards].sort(compareShards).map((name) => ({ name, keyRange: shardKeyRange(name) }));
      await putSrvKeyspace(cellTopo, ks.name, {
        partitions: [TabletType.PRIMARY, TabletType.REPLICA, TabletType.RDONLY].map((servedType) => ({ servedType, shardReferences: refs })),
      });
      // The VSchema is the user's once it exists (ApplyVSchema, Migrate complete change it).
      try {
        await getVSchema(global, ks.name);
      } catch (err) {
        if (!isNoNode(err)) throw err;
        await putVSchema(global, ks.name, initialVSchema(ks));
      }
    }
    await rebuildSrvVSchema(global, [cluster.cell]);
    if (cellTopo !== global) await cellTopo.close();
  } finally {
    await global.close();
  }
}
