// `vtmigrate-local down`: stop everything the spec's stack started, by pid, and check that no
// port of it is still listening.
import fs from 'node:fs';
import { components } from './components';
import { withStateLock } from './lock';
import { isPortOpen } from './ports';
import type { LocalSpec } from './spec';

export async function down(spec: LocalSpec, opts: { wipe?: boolean }, log: (line: string) => void = () => {}): Promise<void> {
  // Without a state dir there are no pid files, so nothing of ours can be running.
  if (!fs.existsSync(spec.stateDir)) return;
  await withStateLock(spec.stateDir, () => stopAll(spec, opts, log), log);
}

async function stopAll(spec: LocalSpec, opts: { wipe?: boolean }, log: (line: string) => void): Promise<void> {
  const comps = components(spec);
  // Worker first (it drains), then the tablets and topology it talks to, Temporal last.
  const order = ['worker', 'tablet', 'etcd', 'temporal'] as const;
  for (const kind of order) {
    const stopped = await Promise.all(comps.filter((c) => c.kind === kind).map(async (c) => ({ name: c.name, pid: await c.stop() })));
    for (const s of stopped) if (s.pid !== undefined) log(`stopped ${s.name} (pid ${s.pid})`);
  }
  const open: number[] = [];
  for (const port of comps.flatMap((c) => c.ports)) if (await isPortOpen(port, 200)) open.push(port);
  if (open.length > 0) throw new Error(`after stopping, these ports still accept connections: ${open.join(', ')}; some other process owns them`);
  if (opts.wipe) {
    fs.rmSync(spec.stateDir, { recursive: true, force: true });
    log(`removed ${spec.stateDir}`);
  }
}
