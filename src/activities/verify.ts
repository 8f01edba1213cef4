// The cutover verification until VDiff replaces it (issue 4 §5): per table and target shard,
// the row count and an order-independent checksum of the target's rows against those of the
// source rows that belong to the shard. Runs after the streams were drained to the source
// positions, on snapshots that include them.
import crypto from 'node:crypto';
import { connectMysql, type Connection } from '../mysql/connect';
import { parsePosition } from '../mysql/gtid';
import { openSnapshot, serverFlavor, startConsistentSnapshot, waitForPosition } from '../mysql/positions';
import type { TableVerification } from '../workflows/api';
import type { VerifyResult, VerifyTask } from '../workflows/tasks';
import { tabletEndpoint, type ActivityDeps } from './deps';
import { makeHeartbeat } from './heartbeat';
import { connectSourceTablet } from './source-tablet';
import { readStreams } from './state';
import { fetchChunk } from './table-reader';
import { loadTableTarget, targetFilter, type RowValue, type TableTarget } from './table-target';
import { connectTargetPrimary } from './target-primary';

interface Digest { rows: number; sum: bigint }
const MASK = (1n << 128n) - 1n;

function rowDigest(row: RowValue[]): bigint {
  const h = crypto.createHash('sha256');
  for (const v of row) {
    if (v === null) h.update('\u0000N');
    else if (Buffer.isBuffer(v)) { h.update('\u0000B'); h.update(v); }
    else h.update(`\u0000S${String(v)}`);
  }
  return BigInt('0x' + h.digest('hex').slice(0, 32));
}

async function digestTable(conn: Connection, t: TableTarget, keep: (row: RowValue[]) => boolean, beat: () => void): Promise<Digest> {
  const d: Digest = { rows: 0, sum: 0n };
  let lastpk: RowValue[] | null = null;
  for (;;) {
    const rows = await fetchChunk(conn, t, lastpk, 5000);
    for (const row of rows) {
      if (!keep(row)) continue;
      d.rows++;
      d.sum = (d.sum + rowDigest(row)) & MASK;
    }
    beat();
    if (rows.length < 5000) return d;
    lastpk = t.pkIndexes.map((i) => rows[rows.length - 1][i]);
  }
}

export async function verifyShard(deps: ActivityDeps, task: VerifyTask): Promise<VerifyResult> {
  const { ref, shard } = task;
  const hb = makeHeartbeat<{ message: string }>();
  const { conn: target } = await connectTargetPrimary(deps, ref.targetKeyspace, shard);
  const out: TableVerification[] = [];
  try {
    const positions = new Map((await readStreams(target, ref.workflowId)).map((s) => [s.id, s.pos]));
    const targetDb = `vt_${ref.targetKeyspace}`;
    await openSnapshot(target);
    const targets = new Map<string, TableTarget>();
    const targetDigests = new Map<string, Digest>();
    for (const table of task.tables) {
      const tt = await loadTableTarget(target, targetDb, table);
      targets.set(table.name, tt);
      targetDigests.set(table.name, await digestTable(target, tt, () => true, () => hb.beat({ message: `checksumming ${table.name} on the target` })));
    }
    await target.query('ROLLBACK');

    const sourceDigests = new Map<string, Digest>(task.tables.map((t) => [t.name, { rows: 0, sum: 0n }]));
    for (const stream of task.streams) {
      const source = await connectSourceTablet(deps, ref, stream.sourceShard, { onWait: (message) => hb.beat({ message }), cancelled: hb.cancelled });
      try {
        // The snapshot must include everything the stream applied.
        const pos = positions.get(stream.id);
        if (pos) await waitForPosition(source.conn, parsePosition(pos), 60_000);
        // Under a brief lock of the tables: on a replica that just reached the position, its
        // last transaction may still be committing.
        const lockConn = await connectMysql(tabletEndpoint(deps, ref.sourceTopo, 'source', source.tablet.host, source.tablet.port));
        try {
          await startConsistentSnapshot(source.conn, await serverFlavor(source.conn), { lockConn, tables: task.tables.map((t) => ({ db: `vt_${ref.sourceKeyspace}`, table: t.name })) });
        } finally {
          lockConn.destroy();
        }
        for (const table of task.tables) {
          const tt = { ...targets.get(table.name)!, db: `vt_${ref.sourceKeyspace}` };
          const keep = stream.filterRows ? await targetFilter(table, tt, shard) : () => true;
          const d = await digestTable(source.conn, tt, keep, () => hb.beat({ message: `checksumming ${table.name} on source shard ${stream.sourceShard}` }));
          const acc = sourceDigests.get(table.name)!;
          acc.rows += d.rows;
          acc.sum = (acc.sum + d.sum) & MASK;
        }
      } finally {
        source.conn.destroy();
      }
    }
    for (const table of task.tables) {
      const s = sourceDigests.get(table.name)!;
      const t = targetDigests.get(table.name)!;
      const hex = (d: Digest) => d.sum.toString(16).padStart(32, '0');
      out.push({ table: table.name, shard, sourceRows: s.rows, targetRows: t.rows, sourceChecksum: hex(s), targetChecksum: hex(t), match: s.rows === t.rows && s.sum === t.sum });
    }
    return out;
  } finally {
    target.destroy();
  }
}
