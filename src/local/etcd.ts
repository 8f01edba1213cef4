// One etcd per local cluster: its topology service, on loopback, with its own peer port.
import path from 'node:path';
import { runningPid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
import { waitFor } from './ports';

export interface EtcdInstance { cluster: string; port: number; peerPort: number; dir: string }

export function etcdDaemon(e: EtcdInstance): DaemonSpec {
  const client = `http://127.0.0.1:${e.port}`;
  const peer = `http://127.0.0.1:${e.peerPort}`;
  return {
    name: `etcd:${e.cluster}`,
    command: 'etcd',
    args: [
      '--name', `vtmigrate-${e.cluster}`,
      '--data-dir', path.join(e.dir, 'data'),
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `vtmigrate-${e.cluster}=${peer}`,
      '--initial-cluster-state', 'new',
      '--log-outputs', 'stderr',
    ],
    pidFile: path.join(e.dir, 'etcd.pid'),
    logFile: path.join(e.dir, 'etcd.log'),
  };
}

export const etcdMarker = (e: EtcdInstance) => path.join(e.dir, 'data');

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(e: EtcdInstance): Promise<number> {
  const spec = etcdDaemon(e);
  const existing = runningPid(spec.pidFile, etcdMarker(e));
  if (existing !== undefined) return existing;
  const pid = startDaemon(spec);
  await waitFor(`etcd of cluster ${e.cluster} on port ${e.port} (log: ${spec.logFile})`, () => healthy(e.port), 30_000,
    () => runningPid(spec.pidFile, etcdMarker(e)) !== undefined);
  return pid;
}

export function stopEtcd(e: EtcdInstance, signal?: NodeJS.Signals): Promise<number | undefined> {
  return stopDaemon(etcdDaemon(e).pidFile, etcdMarker(e), { signal });
}
