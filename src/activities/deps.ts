// What activities are built from: the worker's configuration (topology address, credentials).
// Connections are opened per activity run and closed at its end.
import { openTopo, openExternalClusterTopo, type TopoServer } from '../topo';
import type { TopoRef } from '../workflows/api';
import { mysqlCredentials, type WorkerConfig } from '../worker-config';
import type { MysqlEndpoint } from '../mysql/connect';

export interface ActivityDeps {
  config: WorkerConfig;
}

export function openTargetTopo(deps: ActivityDeps): TopoServer {
  return openTopo({ implementation: deps.config.topo.implementation, server: deps.config.topo.server, root: deps.config.topo.root });
}

export function openSourceTopo(ref: TopoRef): TopoServer {
  return openTopo({ server: ref.server, root: ref.root });
}

export async function withTopo<T>(topo: TopoServer, fn: (topo: TopoServer) => Promise<T>): Promise<T> {
  try {
    return await fn(topo);
  } finally {
    await topo.close();
  }
}

export { openExternalClusterTopo };

/** A tablet's mysqld with the worker's credentials for the given role on that cluster. */
export function tabletEndpoint(deps: ActivityDeps, cluster: TopoRef, role: 'source' | 'target', host: string, port: number, database?: string): MysqlEndpoint {
  const creds = mysqlCredentials(deps.config, cluster, role);
  return { host, port, user: creds.user, password: creds.password, database };
}
