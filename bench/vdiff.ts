// `vdiff`: rows per second of a full VDiff of the migrated tables (the streams running, the
// source quiet), beside the copy rate of the same invocation. Run the way an operator runs it:
// `vtmigrate VDiff ... create --wait --format json`, timed from the command's start to its end;
// the rows are the summary's RowsCompared.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type BenchStack } from './stack';
import { TARGET_KEYSPACE } from './schema';
import { secondsSince } from './stats';
import { CpuMeter, type CpuUse, type PidGroups } from './cpu';

export interface VdiffRun { seconds: number; rowsCompared: number; rowsPerSecond: number; state: string; hasMismatch: boolean; cpu: CpuUse }

/** Whether the build has a VDiff workflow to measure. */
export function vdiffAvailable(): boolean {
  return fs.existsSync(path.resolve(__dirname, '..', 'src', 'workflows', 'vdiff.js')) && fs.existsSync(path.resolve(__dirname, '..', 'src', 'client', 'vdiff.js'));
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'vtmigrate.js'), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One full VDiff of the running migration `workflow`. */
export async function measureVdiff(stack: BenchStack, workflow: string, pids: PidGroups): Promise<VdiffRun> {
  const target = stack.d.clusters.find((c) => c.name === 'target')!.topo.server;
  const meter = new CpuMeter(pids);
  const t0 = process.hrtime.bigint();
  const r = await run(['--server', stack.temporalAddress, '--topo-global-server-address', target,
    'VDiff', '--workflow', workflow, '--target-keyspace', TARGET_KEYSPACE, 'create', '--wait', '--wait-update-interval', '24h', '--format', 'json']);
  const seconds = secondsSince(t0);
  const cpu = meter.stop();
  const start = r.stdout.lastIndexOf('\n{');
  let summary: { State?: string; RowsCompared?: number; HasMismatch?: boolean } = {};
  try {
    summary = JSON.parse(r.stdout.slice(start < 0 ? 0 : start).trim()) as typeof summary;
  } catch {
    throw new Error(`VDiff create --wait printed no summary (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  if (r.code !== 0 || summary.State !== 'completed') {
    throw new Error(`VDiff did not complete (exit ${r.code}, state ${summary.State}): ${r.stderr.trim()}`);
  }
  const rowsCompared = Number(summary.RowsCompared ?? 0);
  return { seconds, rowsCompared, rowsPerSecond: rowsCompared / seconds, state: summary.State, hasMismatch: summary.HasMismatch === true, cpu };
}
