// Resolving a mount name to the source cluster's topology (DESIGN.md §4.1).
import { getExternalCluster, type TopoServer } from '../topo';
import type { TopoRef } from '../workflows/api';
import { invalidInput } from './errors';

export async function resolveMount(target: TopoServer, mountName: string): Promise<TopoRef> {
  const cluster = await getExternalCluster(target, mountName);
  if (!cluster) throw invalidInput(`no vitess cluster found with name ${mountName}`);
  const cfg = cluster.topoConfig;
  if (!cfg || !cfg.server) throw invalidInput(`mount ${mountName} has no topology server in ${target.server} ${target.root}`);
  if (cfg.topoType && cfg.topoType !== 'etcd2') throw invalidInput(`mount ${mountName}: topo type ${cfg.topoType} is not supported; only etcd2`);
  return { server: cfg.server, root: cfg.root || '/vitess/global' };
}
