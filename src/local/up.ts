// `vtmigrate-local up`: start, idempotently, everything a spec describes. Nothing starts until the
// spec and its ports have been checked, so bad input leaves the machine as it was.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { components, type Component } from './components';
import { allTablets, statePaths, tabletPortOwners } from './layout';
import { setupPrimary, setupReplica } from './mariadb';
import { withStateLock } from './lock';
import { isPortFree } from './ports';
import { loadOrCreateSecrets } from './secrets';
import { specPorts, type LocalSpec } from './spec';
import { temporalCli } from './temporal';
import { writeClusterTopology } from './topology';
import { writeWorkerConfig } from './worker-config-file';

function requireProgram(program: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${program} is not installed (Debian package ${pkg}); run: npm run setup`);
  }
}

/**
 * The spec must not give one port to two components, and the ports of the given components that
 * are not running yet must be free. Errors name the port and the component that should own it.
 */
export async function checkPorts(spec: LocalSpec, comps: Component[]): Promise<void> {
  const all = specPorts(spec, tabletPortOwners(spec));
  const problems: string[] = [];
  const owners = new Map<number, string>();
  for (const { port, owner } of all) {
    const other = owners.get(port);
    if (other) problems.push(`port ${port} is given to both ${other} and ${owner}`);
    else owners.set(port, owner);
  }
  for (const c of comps.filter((c) => c.pid() === undefined)) {
    for (const port of c.ports) {
      if (!(await isPortFree(port))) problems.push(`port ${port} is already in use by another process; it should belong to ${owners.get(port) ?? c.name}`);
    }
  }
  if (problems.length > 0) throw new Error(`cannot start the local stack of ${spec.file}:\n  ${problems.join('\n  ')}`);
}

export async function up(spec: LocalSpec, log: (line: string) => void = () => {}): Promise<void> {
  requireProgram('mariadbd', 'mariadb-server');
  requireProgram('mariadb-install-db', 'mariadb-server');
  requireProgram('etcd', 'etcd-server');
  temporalCli();
  const comps = components(spec).filter((c) => c.kind !== 'worker');
  // Ports are checked under the lock: a racing up would otherwise see the other's processes
  // half-started, and its probe binds could steal a port from a server that is binding it.
  // Refused input leaves no directory behind: only what this call created is removed.
  const created = fs.mkdirSync(spec.stateDir, { recursive: true });
  await withStateLock(spec.stateDir, async () => {
    try {
      await checkPorts(spec, comps);
    } catch (err) {
      if (created) fs.rmSync(created, { recursive: true, force: true });
      throw err;
    }
    await startAll(spec, comps, log);
  }, log);
}

async function startAll(spec: LocalSpec, comps: Component[], log: (line: string) => void): Promise<void> {
  log(`starting ${comps.filter((c) => c.pid() === undefined).map((c) => c.name).join(', ') || 'nothing (all running)'}`);
  await Promise.all(comps.map((c) => c.start()));

  const secrets = loadOrCreateSecrets(statePaths.secrets(spec));
  const tablets = allTablets(spec);
  const keyspaceSpec = (cluster: string, ks: string) => spec.clusters.find((c) => c.name === cluster)!.keyspaces.find((k) => k.name === ks)!;
  await Promise.all(tablets.filter((t) => t.type === 'PRIMARY').map((t) => {
    const cluster = spec.clusters.find((c) => c.name === t.cluster)!;
    return setupPrimary(t, secrets, { schemaFile: keyspaceSpec(t.cluster, t.keyspace).schemaFile, keyspaces: cluster.keyspaces.map((k) => k.name) });
  }));
  await Promise.all(tablets.filter((t) => t.type !== 'PRIMARY').map((t) => setupReplica(t, secrets)));

  for (const cluster of spec.clusters) {
    await writeClusterTopology(spec, cluster);
    log(`topology of cluster ${cluster.name} written to etcd 127.0.0.1:${cluster.topo.port} ${cluster.topo.root}`);
  }
  writeWorkerConfig(spec, secrets);
}
