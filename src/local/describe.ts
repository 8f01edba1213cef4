// What `up --json` and `status --json` print: endpoints an operator or a test needs, in one object.
import { components } from './components';
import { allTablets, statePaths } from './layout';
import type { LocalSpec } from './spec';

export interface StackDescription {
  temporal: { address: string; ui: string; namespace: string };
  workerConfig: string;
  clusters: {
    name: string;
    cell: string;
    topo: { server: string; root: string };
    tablets: { alias: string; keyspace: string; shard: string; type: string; mysql: { host: string; port: number }; db: string; pid: number | null }[];
  }[];
  processes?: { name: string; pid: number | null; up: boolean }[];
}

export function describeStack(spec: LocalSpec, withProcesses: boolean): StackDescription {
  const comps = components(spec);
  const pidOf = (name: string) => comps.find((c) => c.name === name)?.pid() ?? null;
  const tablets = allTablets(spec);
  const out: StackDescription = {
    temporal: { address: `127.0.0.1:${spec.temporal.port}`, ui: `http://127.0.0.1:${spec.temporal.uiPort}`, namespace: spec.temporal.namespace },
    workerConfig: statePaths.workerConfig(spec),
    clusters: spec.clusters.map((c) => ({
      name: c.name,
      cell: c.cell,
      topo: { server: `127.0.0.1:${c.topo.port}`, root: c.topo.root },
      tablets: tablets.filter((t) => t.cluster === c.name).map((t) => ({
        alias: t.alias,
        keyspace: t.keyspace,
        shard: t.shard,
        type: t.type,
        mysql: { host: '127.0.0.1', port: t.port },
        db: t.db,
        pid: pidOf(`tablet:${t.alias}`),
      })),
    })),
  };
  if (withProcesses) {
    out.processes = comps.map((c) => {
      const pid = c.pid() ?? null;
      return { name: c.name, pid, up: pid !== null };
    });
  }
  return out;
}

export function formatStack(d: StackDescription): string {
  const lines = [
    `Temporal:      ${d.temporal.address} (namespace ${d.temporal.namespace})`,
    `Temporal UI:   ${d.temporal.ui}`,
    `Worker config: ${d.workerConfig}`,
  ];
  for (const c of d.clusters) {
    lines.push('', `Cluster ${c.name} (cell ${c.cell}): topology etcd2 ${c.topo.server} ${c.topo.root}`);
    for (const t of c.tablets) {
      lines.push(`  ${t.alias.padEnd(12)} ${`${t.keyspace}/${t.shard}`.padEnd(20)} ${t.type.toLowerCase().padEnd(8)} mysql ${t.mysql.host}:${t.mysql.port}  ${t.pid ? `pid ${t.pid}` : 'down'}`);
    }
  }
  if (d.processes) {
    lines.push('', 'Processes:');
    for (const p of d.processes) lines.push(`  ${p.name.padEnd(20)} ${p.up ? `up (pid ${p.pid})` : 'down'}`);
  }
  return lines.join('\n');
}
