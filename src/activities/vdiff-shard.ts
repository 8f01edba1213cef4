// The VDiff of one target shard: every table of the diff in name order, each from its stored
// lastpk, on snapshots taken at a consistent point (vdiff-point.ts) and refreshed after
// --max-diff-duration. Progress commits to `_vt_migrate.vdiff_table` every second or 10,000 rows
// and is heartbeated; a stop (cancellation), the end of a slice or a crash loses nothing but the
// rows compared since the last checkpoint, which the next run compares again.
import { CancelledFailure } from '@temporalio/common';
import type { Connection } from '../mysql/connect';
import { readTableSchema, TableMissing } from '../mysql/schema';
import { decodeRowFromJson, encodeRowForJson, type RowValue } from '../mysql/values';
import type { TablePlan } from '../workflows/api';
import type { VDiffHeartbeat, VDiffShardStatus, VDiffTableStatus } from '../workflows/vdiff-api';
import type { VDiffShardResult, VDiffShardTask } from '../workflows/vdiff-tasks';
import type { ActivityDeps } from './deps';
import { errorText, invalidInput, schemaError } from './errors';
import { makeHeartbeat } from './heartbeat';
import { readStopPositions, setStopPosition } from './state';
import { loadTableTarget, targetFilter, targetValueFilter, type TableTarget } from './table-target';
import { connectTargetPrimary } from './target-primary';
import { buildKeyOrder, valuesEqual, type KeyOrder } from './vdiff-keys';
import { takeConsistentPoint, type ConsistentPoint } from './vdiff-point';
import { chunkedRows, completeTextRow, mergedRows, streamedRows, textRowBytesIndex, type RowStream, type TextRows } from './vdiff-reader';
import { serverFlavor } from '../mysql/positions';
import { textFieldDecoder, textValueDecoder, type TextValue } from '../mysql/text-values';
import { textPathObstacle } from './copy-rows';
import { ReportBuilder, reportLimits, rowFormatter } from './vdiff-report';
import { watchSource, type SourceWatchdog } from './source-watchdog';
import { readVDiff, releaseLock, setVDiffState, tryLock, vdiffLockName, writeTableProgress, type VDiffRow } from './vdiff-state';
import { walkTable } from './vdiff-table';

const CHECKPOINT_ROWS = 10_000;
const CHECKPOINT_MS = 1_000;

export function shardStatusOf(row: VDiffRow): VDiffShardStatus {
  return {
    shard: row.shard,
    state: row.state,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    lastError: row.lastError,
    tables: row.tables.map((t): VDiffTableStatus => ({ table: t.table, state: t.state, tableRows: t.tableRows, lastUpdated: t.updatedAt, report: t.report })),
  };
}

/**
 * Stop requests are only ever left on streams by a diff that died holding them; with the shard's
 * VDiff lock held, none of ours runs, so they are cleared (a held stream would stall the migration).
 */
export async function clearStaleStops(state: Connection, workflowId: string): Promise<void> {
  for (const [id, stop] of await readStopPositions(state, workflowId)) {
    if (stop !== '') await setStopPosition(state, workflowId, id, '');
  }
}

/** The source's key columns must order like the target's, or the two streams cannot be walked together. */
async function checkSourceKeys(conn: Connection, db: string, t: TableTarget, source: string): Promise<void> {
  const schema = await readTableSchema(conn, db, t.name).catch((err: unknown) => {
    if (err instanceof TableMissing) throw schemaError(`table ${t.name} is missing on source shard ${source}: ${err.message}`);
    throw err;
  });
  for (const i of t.pkIndexes) {
    const want = t.columnSchemas[i];
    const have = schema.columns.find((c) => c.name.toLowerCase() === want.name.toLowerCase());
    if (!have || have.dataType !== want.dataType || have.collation !== want.collation) {
      throw schemaError(`table ${t.name}: key column ${want.name} is ${have ? `${have.columnType} ${have.collation ?? ''}` : 'missing'} on source shard ${source} but ${want.columnType} ${want.collation ?? ''} on the target; VDiff cannot order both sides alike`);
    }
  }
}

export async function vdiffShard(deps: ActivityDeps, task: VDiffShardTask): Promise<VDiffShardResult> {
  const { ref, shard, uuid, options } = task;
  const wf = ref.workflowId;
  const started = Date.now();
  const hb = makeHeartbeat<VDiffHeartbeat>();
  const { conn: state } = await connectTargetPrimary(deps, ref.targetKeyspace, shard);
  const lockName = vdiffLockName(wf, shard);
  let point: ConsistentPoint | undefined;
  /** Watch the point's source tablets while rows are read from them (source-watchdog.ts). */
  let watchdogs: SourceWatchdog[] = [];
  /** Closes the snapshots (and stops watching their sources); the next table or slice takes new ones. */
  const dropPoint = () => {
    for (const w of watchdogs) w.stop();
    watchdogs = [];
    point?.close();
    point = undefined;
  };
  let tables: VDiffTableStatus[] = [];
  let rate = { at: Date.now(), rows: 0, perSecond: 0 };
  const processed = () => tables.reduce((n, t) => n + t.report.ProcessedRows, 0);
  const beat = (message: string, force = false) => {
    const now = Date.now();
    if (now - rate.at >= 1000) rate = { at: now, rows: processed(), perSecond: Math.round(((processed() - rate.rows) * 1000) / (now - rate.at)) };
    hb.beat({ kind: 'vdiff', shard, tables: tables.map((t) => ({ ...t, report: counts(t.report) })), rowsPerSecond: rate.perSecond, message }, force);
  };
  try {
    while (!(await tryLock(state, lockName, 5))) {
      beat(`waiting for another VDiff of ${wf} on shard ${shard} to finish`, true);
      hb.throwIfCancelled();
    }
    await clearStaleStops(state, wf);
    const row = await readVDiff(state, wf, uuid);
    if (!row) throw invalidInput(`vdiff with UUID ${uuid} not found on tablet ${task.primaryAlias}`);
    await setVDiffState(state, wf, uuid, 'started');
    const current = async () => shardStatusOf((await readVDiff(state, wf, uuid))!);
    tables = (await current()).tables;
    rate = { at: Date.now(), rows: processed(), perSecond: 0 };
    const sliceOver = () => Date.now() - started > task.sliceMs;
    const limits = reportLimits(options);

    for (const plan of [...task.tables].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const status = tables.find((t) => t.table === plan.name);
      const stored = row.tables.find((t) => t.table === plan.name);
      if (!status || !stored || status.state === 'completed') continue;
      const tt = await loadTableTarget(state, `vt_${ref.targetKeyspace}`, plan);
      const order = await buildKeyOrder(state, plan.name, tt.pkIndexes.map((i) => tt.columnSchemas[i]), tt.pkIndexes, tt.columns.length);
      const report = new ReportBuilder(status.report, limits, rowFormatter(tt, options));
      let lastpk: RowValue[] | null = stored.lastpk ? decodeRowFromJson(stored.lastpk) : null;
      status.state = 'started';
      const save = async () => writeTableProgress(state, wf, uuid, plan.name, { state: status.state, lastpk: lastpk ? encodeRowForJson(lastpk) : null, report: report.report });
      await save();
      let checkedSources = false;
      for (;;) {
        if (!point || expired(point, options.maxDiffDurationMs)) {
          dropPoint();
          beat(`taking a consistent snapshot of ${ref.targetKeyspace}/${shard} and its sources`, true);
          point = await takeConsistentPoint({
            deps, ref, shard, primaryAlias: task.primaryAlias, streams: task.streams, tables: task.tables.map((t) => t.name),
            state, options, say: (m) => beat(m), cancelled: hb.cancelled,
          });
          watchdogs = point.sources.map((s) => watchSource({
            endpoint: s.endpoint, tablet: `${s.tablet} (${s.endpoint.host}:${s.endpoint.port})`, mark: processed,
            connections: () => [s.conn], onSlow: () => beat(`comparing ${plan.name}`, true),
          }));
          checkedSources = false;
        }
        const p = point;
        if (!checkedSources) {
          for (const s of p.sources) await checkSourceKeys(s.conn, `vt_${ref.sourceKeyspace}`, tt, s.stream.sourceShard);
          checkedSources = true;
        }
        const text = await textReading(p, tt, plan, shard, order);
        const source = await sourceRows(task, p, tt, order, lastpk, plan, text?.rows);
        const target = rowsOn(p.target.conn, tt, `vt_${ref.targetKeyspace}`, order, lastpk, options.batchRows, `target shard ${shard} (${p.target.tablet})`, () => true, text?.rows, tt.sourceTimeZone);
        const end = await walkTable({
          table: tt, order, report, limit: options.limit,
          source,
          target,
          text,
          checkpoint: async (key) => {
            lastpk = key;
            await save();
            beat(`comparing ${plan.name}`);
          },
          shouldPause: () => sliceOver() || hb.cancelled() || expired(p, options.maxDiffDurationMs),
          checkpointRows: CHECKPOINT_ROWS,
          checkpointMs: CHECKPOINT_MS,
        });
        if (end === 'done') {
          report.finish();
          status.state = 'completed';
          await save();
          // Stopped by --limit with rows still streaming: the next table needs idle connections.
          if (!source.finished() || !target.finished()) {
            dropPoint();
          }
          break;
        }
        hb.throwIfCancelled();
        if (sliceOver()) return { status: await current(), done: false };
        // Otherwise the snapshots are older than --max-diff-duration: take new ones and go on.
      }
    }
    await setVDiffState(state, wf, uuid, 'completed');
    const status = await current();
    beat('completed', true);
    return { status, done: true };
  } catch (caught) {
    // A source that stopped answering: its dropped connection's error says less than why.
    const err = watchdogs.map((w) => w.failure()).find((f) => f !== undefined) ?? caught;
    if (!(err instanceof CancelledFailure) && !hb.cancelled()) {
      await setVDiffState(state, wf, uuid, 'error', errorText(err)).catch(() => undefined);
    }
    throw err;
  } finally {
    dropPoint();
    await releaseLock(state, lockName).catch(() => undefined);
    state.destroy();
  }
}

function expired(point: ConsistentPoint, maxMs: number): boolean {
  return maxMs > 0 && Date.now() - point.takenAt > maxMs;
}

function counts(r: VDiffTableStatus['report']): VDiffTableStatus['report'] {
  return { TableName: r.TableName, ProcessedRows: r.ProcessedRows, MatchingRows: r.MatchingRows, MismatchedRows: r.MismatchedRows, ExtraRowsSource: r.ExtraRowsSource, ExtraRowsTarget: r.ExtraRowsTarget };
}

/** Text rows are streamed (one SELECT per side); rows read through the binary protocol come a chunk per query. */
function rowsOn(conn: Connection, tt: TableTarget, db: string, order: KeyOrder, from: RowValue[] | null, batchRows: number, name: string,
  keep: (row: readonly RowValue[]) => boolean, text?: TextRows, zone?: string): RowStream {
  return text
    ? streamedRows(conn, tt, db, order, from, batchRows, name, keep, text, zone)
    : chunkedRows(conn, tt, db, order, from, batchRows, name, keep, undefined, zone);
}

/** The source rows belonging to this target shard, merged from every stream's source shard. */
async function sourceRows(task: VDiffShardTask, p: ConsistentPoint, tt: TableTarget, order: KeyOrder, lastpk: RowValue[] | null, plan: TablePlan, text?: TextRows) {
  const db = `vt_${task.ref.sourceKeyspace}`;
  const streams = await Promise.all(p.sources.map(async (s) => {
    // Rows no shard owns stay in: each shard's diff reports them missing on the target.
    const keep = s.stream.filterRows ? await targetFilter(plan, tt, task.shard, { keepUnplaced: true }) : () => true;
    return rowsOn(s.conn, tt, db, order, lastpk, task.options.batchRows, `source shard ${s.stream.sourceShard} (${s.tablet})`, (row) => keep(row as RowValue[]), text);
  }));
  return streams.length === 1 ? streams[0] : mergedRows(streams, order);
}

/**
 * Reading both sides as text bytes (vdiff-reader.ts TextRows) when every server is MariaDB and
 * the table's text forms are exact (as for the copy's text path); undefined otherwise. Values are
 * equal when their bytes are, else when their decoded values compare equal by type, exactly as
 * the binary-protocol diff compares them.
 */
async function textReading(p: ConsistentPoint, tt: TableTarget, plan: TablePlan, shard: string, order: KeyOrder): Promise<(TableWalkText & { rows: TextRows }) | undefined> {
  for (const conn of [p.target.conn, ...p.sources.map((s) => s.conn)]) {
    if ((await textPathObstacle(conn, await serverFlavor(conn), tt)) !== undefined) return undefined;
  }
  const decoders = tt.columnSchemas.map((c, i) => textValueDecoder(c, tt.kinds[i]));
  const vindexColumn = (await targetValueFilter(plan, tt, shard))?.column;
  const decoded = new Set([...tt.pkIndexes, ...(vindexColumn === undefined ? [] : [vindexColumn])]);
  const value = (v: RowValue, i: number): RowValue => (decoded.has(i) ? v : decoders[i](v as TextValue));
  const bytesIndex = textRowBytesIndex(tt, order);
  return {
    rows: { decoders, fieldDecoders: tt.columnSchemas.map((c, i) => textFieldDecoder(c, tt.kinds[i])), decode: [...decoded] },
    // Rows with the same bytes (columns and key weights, as the servers sent them) are equal.
    sameRow: (a, b) => (a[bytesIndex] as Buffer).equals(b[bytesIndex] as Buffer),
    complete: (row) => completeTextRow(row, bytesIndex),
    equal: (a, b, i) => {
      if (a === null || b === null) return a === b;
      if (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b)) return true;
      return valuesEqual(value(a, i), value(b, i), tt.kinds[i], tt.columnSchemas[i]);
    },
    present: (row) => {
      completeTextRow(row, bytesIndex);
      return row.slice(0, tt.columns.length).map(value);
    },
  };
}

type TableWalkText = NonNullable<Parameters<typeof walkTable>[0]['text']>;
