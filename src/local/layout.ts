// Where every local component lives: tablet aliases, uids, ports and state directories are all
// derived from the spec, so `up`, `status` and `down` agree without a registry of their own.
import path from 'node:path';
import type { ClusterSpec, LocalSpec } from './spec';

export type LocalTabletType = 'PRIMARY' | 'REPLICA' | 'RDONLY';

export interface LocalTablet {
  cluster: string;
  cell: string;
  uid: number;
  /** `<cell>-<uid>` as Vitess prints it. */
  alias: string;
  keyspace: string;
  shard: string;
  type: LocalTabletType;
  port: number;
  /** The database Vitess uses for the keyspace on this tablet. */
  db: string;
  dir: string;
  /** The primary this tablet replicates from (undefined for the primary itself). */
  primaryPort?: number;
  /** innodb-buffer-pool-size in MiB (the cluster's). */
  bufferPoolMb: number;
}

export function clusterDir(spec: LocalSpec, cluster: string): string {
  return path.join(spec.stateDir, 'clusters', cluster);
}

/**
 * Tablets of one cluster. Shard i (counting across the cluster's keyspaces) gets uids
 * 100·(i+1) + t, like Vitess's local examples (100, 101, ... then 200, ...); tablet t=0 is the
 * primary, then REPLICAs, then RDONLYs. MySQL ports count up from mysqlBasePort in that order.
 */
export function clusterTablets(spec: LocalSpec, cluster: ClusterSpec): LocalTablet[] {
  const tablets: LocalTablet[] = [];
  let shardIndex = 0;
  let portOffset = 0;
  for (const ks of cluster.keyspaces) {
    for (const shard of ks.shards) {
      const types: LocalTabletType[] = ['PRIMARY', ...Array<LocalTabletType>(ks.replicas).fill('REPLICA'), ...Array<LocalTabletType>(ks.rdonly).fill('RDONLY')];
      const primaryPort = cluster.mysqlBasePort + portOffset;
      types.forEach((type, t) => {
        const uid = 100 * (shardIndex + 1) + t;
        const alias = `${cluster.cell}-${uid}`;
        tablets.push({
          cluster: cluster.name,
          cell: cluster.cell,
          uid,
          alias,
          keyspace: ks.name,
          shard,
          type,
          port: cluster.mysqlBasePort + portOffset,
          db: `vt_${ks.name}`,
          dir: path.join(clusterDir(spec, cluster.name), 'tablets', alias),
          primaryPort: type === 'PRIMARY' ? undefined : primaryPort,
          bufferPoolMb: cluster.innodbBufferPoolMb,
        });
        portOffset++;
      });
      shardIndex++;
    }
  }
  return tablets;
}

export function allTablets(spec: LocalSpec): LocalTablet[] {
  return spec.clusters.flatMap((c) => clusterTablets(spec, c));
}

export function tabletPortOwners(spec: LocalSpec): { port: number; owner: string }[] {
  return allTablets(spec).map((t) => ({
    port: t.port,
    owner: `tablet ${t.alias} (cluster ${t.cluster}, ${t.keyspace}/${t.shard} ${t.type.toLowerCase()} mysqld)`,
  }));
}

export const statePaths = {
  temporalDir: (spec: LocalSpec) => path.join(spec.stateDir, 'temporal'),
  etcdDir: (spec: LocalSpec, cluster: string) => path.join(clusterDir(spec, cluster), 'etcd'),
  workerDir: (spec: LocalSpec) => path.join(spec.stateDir, 'worker'),
  workerConfig: (spec: LocalSpec) => path.join(spec.stateDir, 'worker.json'),
  secrets: (spec: LocalSpec) => path.join(spec.stateDir, 'secrets.json'),
  template: (spec: LocalSpec) => path.join(spec.stateDir, 'mariadb-template'),
};
