// Every process vtmigrate-local manages, by the name users type (`temporal`, `etcd:<cluster>`,
// `tablet:<alias>`, `worker`), with how to start it, stop it and tell whether it runs.
import path from 'node:path';
import { runningPid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
import { etcdDaemon, etcdMarker, startEtcd, stopEtcd, type EtcdInstance } from './etcd';
import { allTablets, statePaths, type LocalTablet } from './layout';
import { startTablet, stopTablet, tabletPid } from './mariadb';
import type { LocalSpec } from './spec';
import { startTemporal, stopTemporal, temporalDaemon, temporalMarker, type TemporalInstance } from './temporal';
import { waitFor } from './ports';
import { WORKER_NODE_FLAGS } from '../worker-heap';

export interface Component {
  name: string;
  kind: 'temporal' | 'etcd' | 'tablet' | 'worker';
  /** Ports this component listens on (checked before starting, and after stopping). */
  ports: number[];
  pid(): number | undefined;
  start(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | undefined>;
  tablet?: LocalTablet;
}

export function temporalInstance(spec: LocalSpec): TemporalInstance {
  return { ...spec.temporal, dir: statePaths.temporalDir(spec) };
}

export function etcdInstances(spec: LocalSpec): EtcdInstance[] {
  return spec.clusters.map((c) => ({ cluster: c.name, port: c.topo.port, peerPort: c.topo.peerPort, dir: statePaths.etcdDir(spec, c.name) }));
}

/** The worker runs the same CLI users run: `vtmigrate worker --config <state>/worker.json`. */
export function workerDaemon(spec: LocalSpec): DaemonSpec {
  const bin = path.resolve(__dirname, '..', '..', '..', 'bin', 'vtmigrate.js');
  return {
    name: 'worker',
    command: process.execPath,
    args: [...WORKER_NODE_FLAGS, bin, 'worker', '--config', statePaths.workerConfig(spec)],
    pidFile: path.join(statePaths.workerDir(spec), 'worker.pid'),
    logFile: path.join(statePaths.workerDir(spec), 'worker.log'),
  };
}

const workerMarker = (spec: LocalSpec) => statePaths.workerConfig(spec);

export function components(spec: LocalSpec): Component[] {
  const temporal = temporalInstance(spec);
  const list: Component[] = [{
    name: 'temporal',
    kind: 'temporal',
    ports: [spec.temporal.port, spec.temporal.uiPort],
    pid: () => runningPid(temporalDaemon(temporal).pidFile, temporalMarker(temporal)),
    start: () => startTemporal(temporal),
    stop: (signal) => stopTemporal(temporal, signal),
  }];
  for (const e of etcdInstances(spec)) {
    list.push({
      name: `etcd:${e.cluster}`,
      kind: 'etcd',
      ports: [e.port, e.peerPort],
      pid: () => runningPid(etcdDaemon(e).pidFile, etcdMarker(e)),
      start: () => startEtcd(e),
      stop: (signal) => stopEtcd(e, signal),
    });
  }
  for (const t of allTablets(spec)) {
    list.push({
      name: `tablet:${t.alias}`,
      kind: 'tablet',
      ports: [t.port],
      tablet: t,
      pid: () => tabletPid(t),
      start: () => startTablet(t, statePaths.template(spec)),
      stop: (signal) => stopTablet(t, signal),
    });
  }
  const worker = workerDaemon(spec);
  list.push({
    name: 'worker',
    kind: 'worker',
    ports: [],
    pid: () => runningPid(worker.pidFile, workerMarker(spec)),
    start: async () => {
      const existing = runningPid(worker.pidFile, workerMarker(spec));
      if (existing !== undefined) return existing;
      const pid = startDaemon(worker);
      // A worker that dies at once (bad config, Temporal unreachable) should fail `start`.
      await new Promise((r) => setTimeout(r, 1500));
      await waitFor(`worker (log: ${worker.logFile})`, async () => true, 1, () => runningPid(worker.pidFile, workerMarker(spec)) !== undefined);
      return pid;
    },
    // The worker drains on SIGTERM; give running activities time to checkpoint.
    stop: (signal) => stopDaemon(worker.pidFile, workerMarker(spec), { signal, graceMs: 60_000 }),
  });
  return list;
}

export function findComponent(spec: LocalSpec, name: string): Component {
  const all = components(spec);
  const found = all.find((c) => c.name === name);
  if (!found) {
    const names = all.map((c) => c.name);
    throw new Error(`unknown component "${name}"; this spec has: ${names.join(', ')}`);
  }
  return found;
}
