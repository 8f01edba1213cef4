// npm run bench [-- --rows N --shards S:T --only copy|catchup|lag|vdiff ...]
//
// Sets up the bench's own local clusters (bench/stack.ts), loads the dataset onto the source
// (bench/dataset.ts), and measures vtmigrate beside baselines run in the same invocation on the
// same data, each measurement at least --runs times (median, min, max):
//   copy, copy_vs_load_data   bench/copy.ts       worker_rss, history_events  (recorded during the copy)
//   catchup                   bench/catchup.ts    lag_p99                     bench/lag.ts
//   vdiff                     bench/vdiff.ts
// Before each timed run every tablet flushes its dirty pages and the kernel writes back
// (bench/settle.ts), so no run pays for the one before it. Prints the table and writes
// bench/results/latest.json. The worker under test is a child process
// (bench/worker-process.ts); --profile runs it under node --cpu-prof.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { vtmigrateCatchup, decodeBaseline, type CatchupRun, type DecodeRun } from './catchup';
import { formatCpu, type PidGroups } from './cpu';
import { dumpPipeCopy, loadDataCopy, purgeSourceBinlogs, resetTarget, vtmigrateCopy, type CopyRun, type VtmigrateCopyRun } from './copy';
import { ensureDataset, markDirty, totalRows, type Dataset } from './dataset';
import { measureLag, type LagRun } from './lag';
import { cancelAndDrop, connectClient, historySizes, type HistorySizes, type Migration } from './migration';
import { parseOptions, UsageError, type BenchOptions } from './options';
import { PositionReader } from './positions';
import { formatProfile, summarizeProfile } from './profile-summary';
import { machine, markdownTable, result, textTable, writeJson, type Result } from './report';
import { settle } from './settle';
import { SourceWriter } from './source-writes';
import { BENCH_DIR, bufferPoolMb, ensureStack, lockBench, REPO_ROOT, stackPids, stopStack, type BenchStack } from './stack';
import { summarize, type Summary } from './stats';
import { measureVdiff, vdiffAvailable, type VdiffRun } from './vdiff';
import { WorkerProcess } from './worker-process';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');

interface Collected {
  copy: VtmigrateCopyRun[];
  dump: CopyRun[];
  load: CopyRun[];
  catchup: { run: CatchupRun; decode: DecodeRun }[];
  lag: LagRun[];
  vdiff: VdiffRun[];
  /** Worker RSS peaks (MB) during each catch-up window and each lag run. */
  catchupRss: number[];
  lagRss: number[];
  /** The copy of the migration the streaming measurements use (one of c.copy when copy is measured). */
  streamCopy?: VtmigrateCopyRun;
  historyAfterCatchup?: HistorySizes;
  /** Per phase, when its worker was spawned (µs, monotonic): profile windows are offsets from it. */
  workerSpawnedUs: Record<string, number>;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Processes whose CPU each measurement accounts: the worker under test, this process, the stack. */
function pidGroups(stack: BenchStack, worker: WorkerProcess): PidGroups {
  return { worker: [worker.pid], bench: [process.pid], ...stackPids(stack) };
}

async function startWorker(stack: BenchStack, o: BenchOptions, phase: string): Promise<WorkerProcess> {
  return WorkerProcess.start(stack.workerConfig, {
    logFile: path.join(BENCH_DIR, 'worker.log'),
    profileDir: o.profile ? path.join(BENCH_DIR, 'profiles') : undefined,
    profileName: o.profile ? `${phase}-${stamp()}.cpuprofile` : undefined,
  });
}

/** Brings every tablet of the stack to the same quiet state before a timed run (settle.ts). */
const settler = (stack: BenchStack) => () => settle([...stack.sourcePrimaries, ...stack.targetPrimaries].map((p) => p.port), log);

async function copyPhase(client: Client, stack: BenchStack, d: Dataset, o: BenchOptions, c: Collected, keepLast: boolean): Promise<Migration | undefined> {
  const worker = await startWorker(stack, o, 'copy');
  const quiet = settler(stack);
  c.workerSpawnedUs.copy = worker.spawnedUs;
  let kept: Migration | undefined;
  try {
    const runs = o.only.has('copy') ? o.runs : 1;
    for (let i = 1; i <= runs; i++) {
      const keep = keepLast && i === runs;
      log(`copy run ${i}/${runs}: vtmigrate Migrate ${stack.sourceShards.length} → ${stack.targetShards.length} shards`);
      const pids = pidGroups(stack, worker);
      const { run, migration } = await vtmigrateCopy(client, stack, d, worker, keep ? 'stream' : `copy${i}`, { keep, log, pids, settle: quiet, request: o.request });
      log(`  ${run.seconds.toFixed(1)} s, ${Math.round(run.rowsPerSecond).toLocaleString('en-US')} rows/s, ${run.mbPerSecond.toFixed(1)} MB/s, ` +
        `worker RSS peak ${Math.round(run.rssPeak)} MB, history ${JSON.stringify(run.history)}`);
      log(`  ${formatCpu(run.cpu!)}`);
      if (o.only.has('copy')) c.copy.push(run);
      if (keep) {
        kept = migration;
        c.streamCopy = run;
      }
      if (!o.only.has('copy')) continue;
      log(`copy run ${i}/${runs}: mariadb-dump | mariadb`);
      const dump = await dumpPipeCopy(stack, d, pids, quiet);
      log(`  ${dump.seconds.toFixed(1)} s, ${Math.round(dump.rowsPerSecond).toLocaleString('en-US')} rows/s; ${formatCpu(dump.cpu!)}`);
      c.dump.push(dump);
      log(`copy run ${i}/${runs}: LOAD DATA LOCAL INFILE`);
      const load = await loadDataCopy(stack, d, pids, quiet);
      log(`  ${load.seconds.toFixed(1)} s, ${Math.round(load.rowsPerSecond).toLocaleString('en-US')} rows/s; ${formatCpu(load.cpu!)}`);
      c.load.push(load);
    }
  } finally {
    await worker.stop();
  }
  return kept;
}

async function streamingPhase(m: Migration, stack: BenchStack, d: Dataset, o: BenchOptions, c: Collected): Promise<void> {
  const worker = await startWorker(stack, o, 'catchup');
  c.workerSpawnedUs.catchup = worker.spawnedUs;
  const positions = await PositionReader.open(stack.sourcePrimaries, stack.targetPrimaries);
  const writer = await SourceWriter.open(stack.sourcePrimaries, d.rows.narrow, d.rows.wide);
  const pids = pidGroups(stack, worker);
  const quiet = settler(stack);
  markDirty(stack);
  try {
    if (o.only.has('catchup')) {
      for (let i = 1; i <= o.runs; i++) {
        log(`catch-up run ${i}/${o.runs}: stop, backlog of ${o.backlog.toLocaleString('en-US')} changes, start`);
        const run = await vtmigrateCatchup(m, positions, writer, o.backlog, pids, log, quiet);
        c.catchupRss.push(worker.peakMb(run.startedAt, run.endedAt));
        log(`  applied in ${run.seconds.toFixed(2)} s: ${Math.round(run.eventsPerSecond).toLocaleString('en-US')} row events/s, worker RSS peak ${Math.round(c.catchupRss[c.catchupRss.length - 1])} MB; ${formatCpu(run.cpu)}`);
        log(`  targets: ${run.target.commits.toLocaleString('en-US')} transactions (${Math.round(run.changes / Math.max(1, run.target.commits))} changes each), ` +
          `${run.target.writes.toLocaleString('en-US')} row-writing statements, ${(run.target.bytesReceived / 1e6).toFixed(1)} MB received, ${run.target.pageReads.toLocaleString('en-US')} pages read from disk; ` +
          `target mysqld CPU ${((run.cpu.cores['target mysqld'] ?? 0) * run.seconds * 1e6 / run.changes).toFixed(0)} µs and worker CPU ${((run.cpu.cores.worker ?? 0) * run.seconds * 1e6 / run.changes).toFixed(0)} µs per change`);
        await quiet();
        const decode = await decodeBaseline(stack.sourcePrimaries, run, pids);
        log(`  decode only (baseline): ${Math.round(decode.eventsPerSecond).toLocaleString('en-US')} row events/s; ${formatCpu(decode.cpu)}`);
        c.catchup.push({ run, decode });
      }
    }
    if (o.only.has('lag')) {
      for (let i = 1; i <= o.runs; i++) {
        log(`lag run ${i}/${o.runs}: ${o.writeRate.toLocaleString('en-US')} writes/s for ${o.lagSeconds} s`);
        await quiet();
        const from = Date.now();
        const run = await measureLag(m, positions, writer, o.writeRate, o.lagSeconds, pids);
        c.lagRss.push(worker.peakMb(from));
        log(`  heartbeat lag p50 ${run.heartbeatP50} s p99 ${run.heartbeatP99} s (${run.heartbeatSamples} samples); ` +
          `position lag p50 ${run.positionP50.toFixed(2)} s p99 ${run.positionP99.toFixed(2)} s; achieved ${Math.round(run.writeRate)} writes/s; ${formatCpu(run.cpu)}`);
        c.lag.push(run);
      }
    }
    if (o.only.has('vdiff') && vdiffAvailable()) {
      for (let i = 1; i <= o.runs; i++) {
        log(`vdiff run ${i}/${o.runs}: VDiff create --wait`);
        await quiet();
        const run = await measureVdiff(stack, m.workflowId.slice(m.workflowId.indexOf('.') + 1), pids);
        log(`  ${run.rowsCompared.toLocaleString('en-US')} rows compared in ${run.seconds.toFixed(1)} s: ${Math.round(run.rowsPerSecond).toLocaleString('en-US')} rows/s` +
          `${run.hasMismatch ? ' (MISMATCH reported)' : ''}; ${formatCpu(run.cpu)}`);
        c.vdiff.push(run);
      }
    }
    c.historyAfterCatchup = await historySizes(m);
    log('cancelling the bench migration (dropping its tables)');
    await cancelAndDrop(m);
  } finally {
    await writer.close();
    await positions.close();
    await worker.stop();
  }
}

function buildResults(d: Dataset, o: BenchOptions, c: Collected): Result[] {
  const s = (xs: number[]): Summary | undefined => (xs.length > 0 ? summarize(xs) : undefined);
  const out: Result[] = [];
  const copy = s(c.copy.map((r) => r.rowsPerSecond));
  const copyMb = s(c.copy.map((r) => r.mbPerSecond));
  const shape = `${d.rows.narrow.toLocaleString('en-US')} + ${d.rows.wide.toLocaleString('en-US')} rows, ${o.sourceShards} → ${o.targetShards} shards`;
  if (o.only.has('copy')) {
    const dump = s(c.dump.map((r) => r.rowsPerSecond));
    const load = s(c.load.map((r) => r.rowsPerSecond));
    const mb = (x: Summary | undefined) => (x ? `${x.median.toFixed(1)} MB/s` : '');
    const details = { rows: totalRows(d), shape, seconds: c.copy.map((r) => r.seconds), mbPerSecond: copyMb?.runs,
      dumpSeconds: c.dump.map((r) => r.seconds), loadDataSeconds: c.load.map((r) => r.seconds),
      cpu: c.copy.map((r) => r.cpu), dumpCpu: c.dump.map((r) => r.cpu), loadDataCpu: c.load.map((r) => r.cpu) };
    out.push(result('copy', 'rows/s', copy, dump && { name: 'mariadb-dump | mariadb', s: dump },
      { note: `${mb(copyMb)} (dump ${mb(s(c.dump.map((r) => r.mbPerSecond)))}); ${shape}`, details }));
    out.push(result('copy_vs_load_data', 'rows/s', copy, load && { name: 'LOAD DATA LOCAL INFILE', s: load },
      { note: `LOAD DATA ${mb(s(c.load.map((r) => r.mbPerSecond)))}`, details }));
  }
  if (o.only.has('catchup')) {
    out.push(result('catchup', 'row events/s', s(c.catchup.map((r) => r.run.eventsPerSecond)),
      c.catchup.length > 0 ? { name: 'binlog decode only (zongji), same backlog', s: summarize(c.catchup.map((r) => r.decode.eventsPerSecond)) } : undefined,
      { note: `backlog of ${o.backlog.toLocaleString('en-US')} single-row transactions`,
        details: { seconds: c.catchup.map((r) => r.run.seconds), backlogWriteSeconds: c.catchup.map((r) => r.run.writeSeconds),
          cpu: c.catchup.map((r) => r.run.cpu), decodeCpu: c.catchup.map((r) => r.decode.cpu) } }));
  }
  if (o.only.has('lag')) {
    // The value is the position lag, sampled every 100 ms: how long the source had a change the
    // target had not committed yet. The heartbeat lag is what `status` shows (whole seconds from
    // the source's commit timestamps, so 1 s can be 0.1 s rounded up); it is in the note.
    const hb99 = s(c.lag.map((r) => r.heartbeatP99));
    const hb50 = s(c.lag.map((r) => r.heartbeatP50));
    const pos99 = s(c.lag.map((r) => r.positionP99));
    const pos50 = s(c.lag.map((r) => r.positionP50));
    const rate = s(c.lag.map((r) => r.writeRate));
    out.push(result('lag_p99', 's', pos99, undefined, {
      note: `p50 ${pos50?.median.toFixed(2) ?? '—'} s (position lag, sampled every 100 ms); status heartbeat lag p99 ${hb99?.median ?? '—'} s, p50 ${hb50?.median ?? '—'} s (whole seconds); ` +
        `at ${Math.round(rate?.median ?? 0).toLocaleString('en-US')} writes/s`,
      details: { runs: c.lag },
    }));
  }
  if (o.only.has('vdiff')) {
    const v = s(c.vdiff.map((r) => r.rowsPerSecond));
    const copyRate = copy ?? (c.streamCopy ? summarize([c.streamCopy.rowsPerSecond]) : undefined);
    out.push(result('vdiff', 'rows/s', v, copyRate && { name: 'copy rate (this invocation)', s: copyRate }, {
      note: v ? `${c.vdiff[0].rowsCompared.toLocaleString('en-US')} rows compared${c.vdiff.some((r) => r.hasMismatch) ? '; MISMATCH reported' : ''}` : 'VDiff is not in the build',
      details: { seconds: c.vdiff.map((r) => r.seconds), cpu: c.vdiff.map((r) => r.cpu) },
    }));
  }
  const copies = c.copy.length > 0 ? c.copy : c.streamCopy ? [c.streamCopy] : [];
  if (copies.length > 0) {
    const tables = [...new Set(copies.flatMap((r) => Object.keys(r.rssByTable)))].sort();
    const perTable = tables.map((t) => `${t} ${Math.round(summarize(copies.map((r) => r.rssByTable[t] ?? 0)).median)} MB`).join(', ');
    const later = [
      c.catchupRss.length > 0 ? `catch-up ${Math.round(summarize(c.catchupRss).median)} MB` : '',
      c.lagRss.length > 0 ? `steady writes ${Math.round(summarize(c.lagRss).median)} MB` : '',
    ].filter((x) => x !== '');
    out.push(result('worker_rss', 'MB', s(copies.map((r) => r.rssPeak)), undefined, {
      // A copy shorter than the once-a-second look at its heartbeats has no per-table peaks.
      note: `peak during copy${perTable ? ` (${perTable})` : ''}${later.length > 0 ? `; peak during ${later.join(', ')}` : ''}`,
      details: { byTable: copies.map((r) => r.rssByTable), catchup: c.catchupRss, lag: c.lagRss },
    }));
    const childMax = (h: HistorySizes) => Math.max(...Object.values(h.children));
    const afterCatchup = c.historyAfterCatchup;
    const atRunning = summarize(copies.map((r) => childMax(r.history))).median;
    const value = afterCatchup ? summarize([childMax(afterCatchup)]) : s(copies.map((r) => childMax(r.history)));
    out.push(result('history_events', 'events', value, undefined, {
      note: `per shard child (max) ${afterCatchup ? `after copy and ${c.catchup.length} stop/backlog/start cycles, ${c.lag.length} lag runs${c.vdiff.length > 0 ? `, ${c.vdiff.length} VDiffs` : ''}` : 'after copy'}; ` +
        `at Running: child ${atRunning}, Migrate ${summarize(copies.map((r) => r.history.parent)).median}` +
        (afterCatchup ? `; Migrate after all runs ${afterCatchup.parent}` : ''),
      details: { atRunning: copies.map((r) => r.history), afterCatchup },
    }));
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const date = new Date().toISOString();
  log(`options: ${JSON.stringify({ ...o, only: [...o.only] })}`);
  const unlock = lockBench();
  process.once('exit', unlock);
  const stack = await ensureStack(o.sourceShards, o.targetShards, bufferPoolMb(o.rows, o.wideRows), log);
  const d = await ensureDataset(stack, { narrow: o.rows, wide: o.wideRows }, o.only.has('copy'), log);
  await purgeSourceBinlogs(stack);
  const client = await connectClient(stack.temporalAddress);
  const c: Collected = { copy: [], dump: [], load: [], catchup: [], lag: [], vdiff: [], workerSpawnedUs: {}, catchupRss: [], lagRss: [] };
  try {
    await resetTarget(stack);
    const streaming = o.only.has('catchup') || o.only.has('lag') || (o.only.has('vdiff') && vdiffAvailable());
    const m = await copyPhase(client, stack, d, o, c, streaming);
    if (m) await streamingPhase(m, stack, d, o, c);
  } finally {
    await client.connection.close();
    if (o.down) await stopStack(log);
  }
  const results = buildResults(d, o, c);
  const machineText = machine();
  console.log(`\nvtmigrate bench, ${date}, ${machineText}\n`);
  console.log(textTable(results));
  console.log(`\nMarkdown:\n\n${markdownTable(results)}\n`);
  writeJson(RESULTS_FILE, date, machineText, results, {
    rows: d.rows, bytes: d.bytes, shards: `${o.sourceShards}:${o.targetShards}`, runs: o.runs, backlog: o.backlog,
    writeRate: o.writeRate, lagSeconds: o.lagSeconds, profile: o.profile, request: o.request,
  });
  log(`wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}`);
  if (o.profile) {
    // Each worker's profile, cut to the timed windows (copy: create → Running; catch-up: start → caught up).
    const fs = await import('node:fs');
    const dir = path.join(BENCH_DIR, 'profiles');
    const offsets = (phase: string, ws: [number, number][]) => ws.map(([a, b]): [number, number] => [a - c.workerSpawnedUs[phase], b - c.workerSpawnedUs[phase]]);
    const windows: Record<string, [number, number][]> = {
      copy: offsets('copy', c.copy.map((r) => r.window)),
      catchup: offsets('catchup', c.catchup.map((r) => r.run.window)),
    };
    for (const phase of ['copy', 'catchup']) {
      const f = fs.readdirSync(dir).filter((n) => n.startsWith(`${phase}-`) && n.endsWith('.cpuprofile')).sort().pop();
      if (!f || windows[phase].length === 0) continue;
      const file = path.join(dir, f);
      fs.writeFileSync(file.replace(/\.cpuprofile$/, '.windows.json'), JSON.stringify(windows[phase]) + '\n');
      console.log('\n' + formatProfile(summarizeProfile(file, 20, windows[phase]), `${file} (timed windows only)`));
    }
  }
  if (!o.down) log(`the bench stack keeps running; stop it with: node bin/vtmigrate-local.js down --spec ${path.relative(REPO_ROOT, path.join(BENCH_DIR, 'spec.json'))}`);
}

// Exits when done: a driver's idle socket or timer left open must not keep a finished bench alive.
main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
