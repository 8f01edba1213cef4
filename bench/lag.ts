// `lag_p99` / p50: the streams run while the source takes a sustained write rate; every second
// the shard children's catch-up heartbeats are read (Temporal describe → pending activity →
// CatchUpHeartbeat.streams[].lagSeconds, whole seconds, as `status` shows them). Alongside, a
// finer "position lag" is sampled every 100 ms: how long ago the source first went past each
// stream's committed position (0 when the stream has everything the source has).
import { shardHeartbeats, type Migration } from './migration';
import { sequenceOf, type PositionReader } from './positions';
import type { SourceWriter } from './source-writes';
import { percentile, sleep } from './stats';
import { CpuMeter, type CpuUse, type PidGroups } from './cpu';

export interface LagRun {
  heartbeatP50: number;
  heartbeatP99: number;
  heartbeatSamples: number;
  positionP50: number;
  positionP99: number;
  positionSamples: number;
  /** Source writes per second achieved. */
  writeRate: number;
  cpu: CpuUse;
}

const WARMUP_MS = 2000;

export async function measureLag(m: Migration, positions: PositionReader, writer: SourceWriter, rate: number, seconds: number, pids: PidGroups): Promise<LagRun> {
  const meter = new CpuMeter(pids);
  const t0 = Date.now();
  let running = true;
  const writing = writer.sustained(rate, seconds).finally(() => { running = false; });
  const heartbeatLags: number[] = [];
  const positionLags: number[] = [];

  const heartbeats = (async () => {
    while (running) {
      await sleep(1000);
      if (Date.now() - t0 < WARMUP_MS || !running) continue;
      for (const hb of (await shardHeartbeats(m)).values()) {
        if (hb.kind === 'catchup') for (const s of hb.streams) heartbeatLags.push(s.lagSeconds);
      }
    }
  })();

  const timeline = new Map<string, { at: number; seq: number }[]>();
  const precise = (async () => {
    while (running) {
      const [sources, streams] = await Promise.all([positions.sourcePositions(), positions.streamPositions(m.workflowId)]);
      const now = Date.now();
      for (const [shard, pos] of sources) {
        const line = timeline.get(shard) ?? [];
        const seq = sequenceOf(pos);
        line.push({ at: now, seq });
        timeline.set(shard, line);
      }
      if (now - t0 >= WARMUP_MS) {
        for (const s of streams) {
          const line = timeline.get(s.sourceShard) ?? [];
          const committed = sequenceOf(s.pos);
          const i = line.findIndex((e) => e.seq > committed);
          // The source went past the stream's position between the sample before the first one
          // showing it and that one; counting from the earlier makes the figure an upper bound
          // (by at most one sampling interval).
          positionLags.push(i < 0 ? 0 : (now - (i > 0 ? line[i - 1].at : line[i].at)) / 1000);
        }
      }
      await sleep(100);
    }
  })();

  const writeRate = await writing;
  await Promise.all([heartbeats, precise]);
  const cpu = meter.stop();
  return {
    cpu,
    heartbeatP50: percentile(heartbeatLags, 50),
    heartbeatP99: percentile(heartbeatLags, 99),
    heartbeatSamples: heartbeatLags.length,
    positionP50: percentile(positionLags, 50),
    positionP99: percentile(positionLags, 99),
    positionSamples: positionLags.length,
    writeRate,
  };
}
