// Mounted external Vitess clusters: `ExternalClusters/vitess/<name>` in the target's global
// topology, each an ExternalVitessCluster{topo_config{topo_type, server, root}}.
import type { ExternalVitessCluster, RecordInput, TopoConfig } from './proto';
import { EXTERNAL_VITESS_CLUSTERS_DIR, externalClusterPath } from './paths';
import { createRecord, readRecord } from './record-io';
import { isNoNode } from './errors';
import { openTopo, type TopoOptions, type TopoServer } from './server';

/** The mount record, or undefined if there is none by that name (as Vitess returns nil). */
export async function getExternalCluster(global: TopoServer, name: string): Promise<ExternalVitessCluster | undefined> {
  try {
    return (await readRecord<ExternalVitessCluster>(global, 'ExternalVitessCluster', externalClusterPath(name))).record;
  } catch (err) {
    if (isNoNode(err)) return undefined;
    throw err;
  }
}

/** Creates the mount record; NodeExists if the name is taken. */
export async function createExternalCluster(global: TopoServer, name: string, topoConfig: RecordInput<TopoConfig>): Promise<string> {
  return createRecord<ExternalVitessCluster>(global, 'ExternalVitessCluster', externalClusterPath(name), { topoConfig });
}

/** Deletes the mount record; NoNode if there is none. */
export async function deleteExternalCluster(global: TopoServer, name: string): Promise<void> {
  await global.delete(externalClusterPath(name));
}

/** Mount names, sorted; [] when nothing is mounted. */
export async function listExternalClusters(global: TopoServer): Promise<string[]> {
  return global.listDir(EXTERNAL_VITESS_CLUSTERS_DIR);
}

/**
 * Opens the global topology of a mounted cluster. Unknown name: Vitess's
 * `no vitess cluster found with name <name>`.
 */
export async function openExternalClusterTopo(global: TopoServer, name: string, opts: TopoOptions = {}): Promise<TopoServer> {
  const cluster = await getExternalCluster(global, name);
  if (!cluster) throw new Error(`no vitess cluster found with name ${name}`);
  const cfg = cluster.topoConfig ?? { topoType: '', server: '', root: '' };
  return openTopo({ implementation: cfg.topoType, server: cfg.server, root: cfg.root }, opts);
}
