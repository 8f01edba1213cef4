// `catchup`: with the streams stopped (`Workflow stop`), the source takes a backlog of changes;
// then `start`, and the clock runs until every stream has committed its source shard's position
// after the backlog. Baseline: reading the same backlog (and only reading it) with zongji (+ value
// normalization: openBinlogStream with decoder 'zongji'), one reader per source shard, in
// parallel, in the bench process. (The catch-up itself reads MariaDB with our own decoder.)
import type { GtidPosition } from '../src/mysql/gtid';
import { formatPosition } from '../src/mysql/gtid';
import { binlogReaderServerId, openBinlogStream } from '../src/mysql/binlog';
import { startStreams, stopStreams, type Migration } from './migration';
import { countersSince, type PositionReader, type TargetCounters } from './positions';
import { SOURCE_DB, TABLES } from './schema';
import type { SourceWriter } from './source-writes';
import { monotonicUs, secondsSince, sleep } from './stats';
import { CpuMeter, type CpuUse, type PidGroups } from './cpu';

export interface CatchupRun {
  changes: number;
  seconds: number;
  eventsPerSecond: number;
  /** Time to write the backlog on the source (for context). */
  writeSeconds: number;
  before: Map<string, GtidPosition>;
  after: Map<string, GtidPosition>;
  cpu: CpuUse;
  /** What the target primaries received in the window: transactions (the applier's batches), writes, bytes. */
  target: TargetCounters;
  /** The timed window on the monotonic clock (µs), to cut the worker's CPU profile to it. */
  window: [number, number];
  /** The timed window in epoch ms (RSS samples). */
  startedAt: number;
  endedAt: number;
}

export interface DecodeRun { eventsPerSecond: number; cpu: CpuUse }

export async function vtmigrateCatchup(m: Migration, positions: PositionReader, writer: SourceWriter, changes: number, pids: PidGroups,
  log: (line: string) => void, settle: () => Promise<void>): Promise<CatchupRun> {
  await stopStreams(m);
  const before = await positions.sourcePositions();
  const w0 = process.hrtime.bigint();
  await writer.backlog(changes);
  const writeSeconds = secondsSince(w0);
  const after = await positions.sourcePositions();
  log(`  backlog of ${changes.toLocaleString('en-US')} changes written in ${writeSeconds.toFixed(1)} s; starting the streams`);
  await settle();
  const counters = await positions.targetCounters();
  const meter = new CpuMeter(pids);
  const t0 = process.hrtime.bigint();
  const window: [number, number] = [monotonicUs(), 0];
  const startedAt = Date.now();
  await startStreams(m);
  const deadline = Date.now() + 30 * 60_000;
  while (!(await positions.streamsReached(m.workflowId, after))) {
    if (Date.now() > deadline) throw new Error('catch-up did not reach the backlog end within 30 minutes');
    await sleep(25);
  }
  const seconds = secondsSince(t0);
  window[1] = monotonicUs();
  const cpu = meter.stop();
  const target = countersSince(counters, await positions.targetCounters());
  return { changes, seconds, eventsPerSecond: changes / seconds, writeSeconds, before, after, cpu, target, window, startedAt, endedAt: Date.now() };
}

/** Reads [before, after) of every source shard's binlog with openBinlogStream, in parallel; row changes per second. */
export async function decodeBaseline(sourcePrimaries: { shard: string; port: number }[], run: CatchupRun, pids: PidGroups): Promise<DecodeRun> {
  const meter = new CpuMeter(pids);
  const t0 = process.hrtime.bigint();
  const counts = await Promise.all(sourcePrimaries.map(async (p, i) => {
    const end = formatPosition(run.after.get(p.shard)!);
    const stream = await openBinlogStream({
      endpoint: { host: '127.0.0.1', port: p.port, user: 'root' },
      serverId: binlogReaderServerId('bench', `decode-${i}`),
      startPosition: formatPosition(run.before.get(p.shard)!),
      schemaTables: { db: SOURCE_DB, tables: [...TABLES] },
      decoder: 'zongji',
    });
    let n = 0;
    try {
      if (stream.position === end) return 0;
      for await (const item of stream) {
        if (item.type === 'transaction') n += item.changes.length;
        if (item.position === end) break;
      }
    } finally {
      await stream.close();
    }
    return n;
  }));
  const seconds = secondsSince(t0);
  const cpu = meter.stop();
  const n = counts.reduce((a, b) => a + b, 0);
  // An UPDATE that happens to change nothing logs no row; anything more is a reader problem.
  if (n > run.changes || n < run.changes * 0.99) throw new Error(`the decode baseline read ${n} row changes, expected ${run.changes}`);
  return { eventsPerSecond: n / seconds, cpu };
}
