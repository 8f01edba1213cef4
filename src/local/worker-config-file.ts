// The worker configuration `up` leaves in the state dir: ready for `vtmigrate worker --config`.
import fs from 'node:fs';
import { DEFAULT_TASK_QUEUE } from '../worker-config';
import { statePaths } from './layout';
import { LOCAL_USERS, type LocalSecrets } from './secrets';
import type { LocalSpec } from './spec';

export function writeWorkerConfig(spec: LocalSpec, secrets: LocalSecrets): string {
  const target = spec.clusters.find((c) => c.name === spec.targetCluster)!;
  const config = {
    temporal: { address: `127.0.0.1:${spec.temporal.port}`, namespace: spec.temporal.namespace, taskQueue: DEFAULT_TASK_QUEUE },
    topo: { implementation: 'etcd2', server: `127.0.0.1:${target.topo.port}`, root: target.topo.root },
    clusters: spec.clusters.map((c) => ({
      name: c.name,
      topo: { server: `127.0.0.1:${c.topo.port}`, root: c.topo.root },
      source: { user: LOCAL_USERS.source, password: secrets.sourcePassword },
      target: { user: LOCAL_USERS.target, password: secrets.targetPassword },
    })),
  };
  const file = statePaths.workerConfig(spec);
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return file;
}
