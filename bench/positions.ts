// Where the source primaries' binlogs are, and how far each target stream has committed (read
// from _vt_migrate.streams on the target primaries: exact, unlike the once-a-second heartbeats).
import type { Connection } from '../src/mysql/connect';
import { parsePosition, positionAtLeast, type GtidPosition } from '../src/mysql/gtid';
import { globalStatus, rootConnection } from './dataset';

export class PositionReader {
  private constructor(private readonly sources: { shard: string; conn: Connection }[], private readonly targets: Connection[]) {}

  static async open(sourcePrimaries: { shard: string; port: number }[], targetPrimaries: { port: number }[]): Promise<PositionReader> {
    const sources = await Promise.all(sourcePrimaries.map(async (p) => ({ shard: p.shard, conn: await rootConnection(p.port) })));
    const targets = await Promise.all(targetPrimaries.map((p) => rootConnection(p.port)));
    return new PositionReader(sources, targets);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.map((s) => s.conn), ...this.targets].map((c) => c.end().catch(() => c.destroy())));
  }

  /** Each source primary's current binlog position, by shard. */
  async sourcePositions(): Promise<Map<string, GtidPosition>> {
    const out = new Map<string, GtidPosition>();
    await Promise.all(this.sources.map(async (s) => {
      const [rows] = await s.conn.query('SELECT @@GLOBAL.gtid_binlog_pos AS p');
      out.set(s.shard, parsePosition(String((rows as { p: string }[])[0].p ?? ''), 'MariaDB'));
    }));
    return out;
  }

  /** Every stream's committed position, with its source shard. */
  async streamPositions(workflowId: string): Promise<{ sourceShard: string; pos: GtidPosition }[]> {
    const all = await Promise.all(this.targets.map(async (c) => {
      const [rows] = await c.query('SELECT source_shard, pos FROM _vt_migrate.streams WHERE workflow_id = ?', [workflowId]);
      return (rows as { source_shard: Buffer | string; pos: Buffer | string }[]).map((r) => ({
        sourceShard: r.source_shard.toString(),
        pos: parsePosition(r.pos.toString(), 'MariaDB'),
      }));
    }));
    return all.flat();
  }

  /**
   * Server counters summed over the target primaries: how many transactions (COMMIT
   * statements: the applier's batches), row-writing statements and bytes they received, and
   * pages InnoDB had to read from disk (not in the buffer pool).
   */
  async targetCounters(): Promise<TargetCounters> {
    const out: TargetCounters = { commits: 0, writes: 0, bytesReceived: 0, pageReads: 0 };
    for (const c of this.targets) {
      const status = await globalStatus(c, ['Com_commit', 'Com_insert', 'Com_update', 'Com_delete', 'Com_replace', 'Bytes_received', 'Innodb_buffer_pool_reads']);
      for (const [name, v] of status) {
        if (name === 'Com_commit') out.commits += v;
        else if (name === 'Bytes_received') out.bytesReceived += v;
        else if (name === 'Innodb_buffer_pool_reads') out.pageReads += v;
        else out.writes += v;
      }
    }
    return out;
  }

  /** True when every stream has committed at least `want` of its source shard. */
  async streamsReached(workflowId: string, want: Map<string, GtidPosition>): Promise<boolean> {
    const streams = await this.streamPositions(workflowId);
    return streams.length > 0 && streams.every((s) => positionAtLeast(s.pos, want.get(s.sourceShard)!));
  }
}

export interface TargetCounters { commits: number; writes: number; bytesReceived: number; pageReads: number }

export function countersSince(a: TargetCounters, b: TargetCounters): TargetCounters {
  return { commits: b.commits - a.commits, writes: b.writes - a.writes, bytesReceived: b.bytesReceived - a.bytesReceived, pageReads: b.pageReads - a.pageReads };
}

/** The sequence number of a single-domain MariaDB position (0 when empty). */
export function sequenceOf(pos: GtidPosition): number {
  const gtids = (pos as { gtids?: { sequence: number | bigint }[] }).gtids ?? [];
  return gtids.reduce((n, g) => Math.max(n, Number(g.sequence)), 0);
}
