// `copy`: a whole Migrate copy phase (create → every stream Running; 2 → 3 shards by default)
// beside the same rows moved by `mariadb-dump --single-transaction | mariadb` into one target
// primary, and by LOAD DATA LOCAL INFILE of the data files into one target primary (the
// practical ceiling). Worker RSS per table and history sizes are recorded during the copy.
import { spawn } from 'node:child_process';
import { rootConnection, totalBytes, totalRows, type Dataset } from './dataset';
import { cancelAndDrop, historySizes, shardHeartbeats, startMigrate, terminateIfRunning, waitForPhase, type HistorySizes, type Migration } from './migration';
import type { Client } from '@temporalio/client';
import type { MigrateRequest } from '../src/workflows/api';
import { SOURCE_DB, TABLE_COLUMNS, TABLE_DDL, TABLES, TARGET_DB, type TableName } from './schema';
import type { BenchStack } from './stack';
import { monotonicUs, secondsSince, sleep } from './stats';
import type { WorkerProcess } from './worker-process';
import { CpuMeter, type CpuUse, type PidGroups } from './cpu';

const BASELINE_DB = 'bench_baseline';

export interface CopyRun {
  seconds: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  cpu?: CpuUse;
}

export interface VtmigrateCopyRun extends CopyRun {
  /** Peak worker RSS (MB) while each table was being copied, and over the whole copy. */
  rssByTable: Record<string, number>;
  rssPeak: number;
  history: HistorySizes;
  /** The timed window on the monotonic clock (µs), to cut the worker's CPU profile to it. */
  window: [number, number];
}

function rates(d: Dataset, seconds: number): CopyRun {
  return { seconds, rowsPerSecond: totalRows(d) / seconds, mbPerSecond: totalBytes(d) / 1e6 / seconds };
}

/** Drops the bench's target tables and migration state, so a Migrate create finds an empty target. */
/**
 * Deletes the source primaries' old binlogs (earlier invocations' backlogs and lag runs). Only at
 * the start of an invocation: later, a stopped stream may still need them.
 */
export async function purgeSourceBinlogs(stack: BenchStack): Promise<void> {
  await Promise.all(stack.sourcePrimaries.map(async (p) => {
    const conn = await rootConnection(p.port);
    try {
      await conn.query('FLUSH BINARY LOGS');
      await conn.query('PURGE BINARY LOGS BEFORE NOW()');
    } finally {
      await conn.end();
    }
  }));
}

/** Drops what earlier runs left on the target primaries, and their binlogs. */
export async function resetTarget(stack: BenchStack): Promise<void> {
  await Promise.all(stack.targetPrimaries.map(async (p) => {
    const conn = await rootConnection(p.port);
    try {
      for (const t of TABLES) await conn.query(`DROP TABLE IF EXISTS \`${TARGET_DB}\`.\`${t}\``);
      await conn.query('DROP DATABASE IF EXISTS _vt_migrate');
      await conn.query(`DROP DATABASE IF EXISTS ${BASELINE_DB}`);
      // Every run writes the whole dataset into the targets' binlogs, which nothing here reads
      // (the bench's targets have no replicas): without this, repeated runs fill the disk.
      await conn.query('FLUSH BINARY LOGS');
      await conn.query('PURGE BINARY LOGS BEFORE NOW()');
    } finally {
      await conn.end();
    }
  }));
}

/**
 * One Migrate copy: wall time from create until the status query says Running. `keep`: leave
 * the migration running (for catch-up); otherwise cancel it, dropping the copied tables.
 */
export async function vtmigrateCopy(client: Client, stack: BenchStack, d: Dataset, worker: WorkerProcess, workflow: string,
  opts: { keep: boolean; log: (line: string) => void; pids: PidGroups; settle: () => Promise<void>; request?: Partial<MigrateRequest> }): Promise<{ run: VtmigrateCopyRun; migration: Migration }> {
  await terminateIfRunning(client, workflow);
  await resetTarget(stack);
  await opts.settle();
  const tablesAt: { at: number; tables: Set<string> }[] = [];
  let polling = true;
  const meter = new CpuMeter(opts.pids);
  const t0 = process.hrtime.bigint();
  const window: [number, number] = [monotonicUs(), 0];
  const startedAt = Date.now();
  const m = await startMigrate(client, workflow, stack.targetShards, opts.request);
  // Which tables are being copied, from the shard children's copy heartbeats (for RSS per table).
  const poller = (async () => {
    while (polling) {
      const hbs = await shardHeartbeats(m).catch(() => new Map());
      const tables = new Set<string>();
      for (const hb of hbs.values()) if (hb.kind === 'copy') tables.add(hb.table);
      tablesAt.push({ at: Date.now(), tables });
      await sleep(1000);
    }
  })();
  let lastDetails = '';
  let running: number | undefined;
  try {
    // Polled once a second, as an operator's `status` would be: each look is a workflow query,
    // which costs Temporal and the worker CPU the copy competes for (every 100 ms, 6% of the
    // copy's CPU). The end is when the run itself says it became Running (phaseTimes), exact
    // to its workflow task, not when the next look saw it.
    const s = await waitForPhase(m, ['Running'], {
      timeoutMs: 3 * 3600_000, pollMs: 1000,
      onPoll: (s) => { if (s.details !== lastDetails) { lastDetails = s.details; opts.log(`  ${secondsSince(t0).toFixed(1)} s: ${s.phase} ${s.details}`); } },
    });
    running = s.phaseTimes.Running;
  } finally {
    polling = false;
    await poller;
  }
  const polled = secondsSince(t0);
  const seconds = running !== undefined && running > startedAt && (running - startedAt) / 1000 <= polled ? (running - startedAt) / 1000 : polled;
  window[1] = monotonicUs();
  const cpu = meter.stop();
  const endedAt = Date.now();
  const rssByTable: Record<string, number> = {};
  for (const s of worker.samples) {
    if (s.at < startedAt || s.at > endedAt) continue;
    let current: Set<string> | undefined;
    for (const p of tablesAt) if (p.at <= s.at) current = p.tables;
    for (const t of current ?? []) rssByTable[t] = Math.max(rssByTable[t] ?? 0, s.kb / 1024);
  }
  const history = await historySizes(m);
  if (!opts.keep) await cancelAndDrop(m);
  return { run: { ...rates(d, seconds), cpu, window, rssByTable, rssPeak: worker.peakMb(startedAt, endedAt), history }, migration: m };
}

async function prepareBaselineDb(port: number): Promise<void> {
  const conn = await rootConnection(port);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${BASELINE_DB}`);
    await conn.query(`CREATE DATABASE ${BASELINE_DB}`);
    for (const t of TABLES) await conn.query(`CREATE TABLE ${BASELINE_DB}.${t} ${TABLE_DDL[t].slice(TABLE_DDL[t].indexOf('('))}`);
  } finally {
    await conn.end();
  }
}

async function baselineCounts(port: number): Promise<Record<TableName, number>> {
  const conn = await rootConnection(port);
  try {
    const out = {} as Record<TableName, number>;
    for (const t of TABLES) {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${BASELINE_DB}.${t}`);
      out[t] = Number((rows as { n: number }[])[0].n);
    }
    await conn.query(`DROP DATABASE ${BASELINE_DB}`);
    return out;
  } finally {
    await conn.end();
  }
}

function shell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; ${script}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script.slice(0, 200)}: exit ${code}: ${err.slice(0, 2000)}`))));
  });
}

async function checkedBaseline(stack: BenchStack, d: Dataset, pids: PidGroups, settle: () => Promise<void>, what: string, run: (targetPort: number) => Promise<void>): Promise<CopyRun> {
  const target = stack.targetPrimaries[0].port;
  await prepareBaselineDb(target);
  await settle();
  const meter = new CpuMeter(pids);
  const t0 = process.hrtime.bigint();
  await run(target);
  const seconds = secondsSince(t0);
  const cpu = meter.stop();
  const counts = await baselineCounts(target);
  for (const t of TABLES) {
    if (counts[t] !== d.rows[t]) throw new Error(`${what} baseline copied ${counts[t]} ${t} rows, expected ${d.rows[t]}`);
  }
  return { ...rates(d, seconds), cpu };
}

/** mariadb-dump --single-transaction of every source shard, each piped into mariadb on one target primary (shards in parallel). */
export function dumpPipeCopy(stack: BenchStack, d: Dataset, pids: PidGroups, settle: () => Promise<void>): Promise<CopyRun> {
  return checkedBaseline(stack, d, pids, settle, 'mariadb-dump', (target) => Promise.all(stack.sourcePrimaries.map((p) => shell(
    `mariadb-dump -h127.0.0.1 -P${p.port} -uroot --single-transaction --no-create-info --skip-add-locks ${SOURCE_DB} ${TABLES.join(' ')}` +
    ` | mariadb -h127.0.0.1 -P${target} -uroot ${BASELINE_DB}`,
  ))).then(() => undefined));
}

/** LOAD DATA LOCAL INFILE of the data files into one target primary (one mariadb client per source shard's files, in parallel). */
export function loadDataCopy(stack: BenchStack, d: Dataset, pids: PidGroups, settle: () => Promise<void>): Promise<CopyRun> {
  return checkedBaseline(stack, d, pids, settle, 'LOAD DATA', (target) => Promise.all(stack.sourceShards.map((shard) => {
    const stmts = d.files.filter((f) => f.shard === shard).map((f) =>
      `LOAD DATA LOCAL INFILE '${f.file}' INTO TABLE ${f.table} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (${TABLE_COLUMNS[f.table].join(',')})`);
    if (stmts.length === 0) return Promise.resolve();
    return shell(`mariadb -h127.0.0.1 -P${target} -uroot --local-infile=1 ${BASELINE_DB} <<'SQL'\n${stmts.join(';\n')};\nSQL`);
  })).then(() => undefined));
}
