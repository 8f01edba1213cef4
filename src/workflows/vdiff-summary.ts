// The VDiff summary as Vitess builds it from the per-shard rows (vtctl/workflow/vdiff.go
// BuildSummary and BuildProgressReport): overall state, counts, per table totals, per table and
// shard reports, errors and progress with ETA. Pure and deterministic: the workflow uses it for
// the cutover result and the CLI for `VDiff show`.
import type { DiffReport, VDiffState, VDiffStatus, VDiffSummary, VDiffTableSummary } from './vdiff-api';

/** Go's `2006-01-02 15:04:05` in UTC (vdiff.TimestampFormat). */
export function vdiffTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseVDiffTimestamp(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** Whether a report holds any difference (Vitess's vdiff_table.mismatch). */
export function reportHasMismatch(r: DiffReport): boolean {
  return r.MismatchedRows > 0 || r.ExtraRowsSource > 0 || r.ExtraRowsTarget > 0;
}

/** vtctl/workflow BuildProgressReport: percentage of the estimated rows and an ETA from the rate so far. */
export function progressReport(rowsCompared: number, rowsToCompare: number, startedAt: string, now: number): { Percentage: number; ETA?: string } {
  let pct = 0;
  if (rowsCompared >= 1) pct = Math.round(Math.min((rowsCompared / rowsToCompare) * 100, 100) * 100) / 100;
  if (!Number.isFinite(pct)) pct = rowsCompared >= 1 ? 100 : 0;
  const out: { Percentage: number; ETA?: string } = { Percentage: pct };
  if (pct >= 1) {
    const nowS = Math.floor(now / 1000);
    const runS = nowS - Math.floor(parseVDiffTimestamp(startedAt) / 1000);
    // Go's integer arithmetic: seconds per whole percent times the percent still to go.
    const eta = (Math.trunc(runS / Math.trunc(pct)) * Math.trunc(Math.abs(pct - 100)) + nowS) * 1000;
    if (eta < now + 365 * 86_400_000) out.ETA = vdiffTimestamp(eta);
  }
  return out;
}

/** A report with its fields in the Go struct's order (the JSON Vitess prints). */
export function canonicalReport(r: DiffReport): DiffReport {
  const out: DiffReport = {
    TableName: r.TableName,
    ProcessedRows: r.ProcessedRows,
    MatchingRows: r.MatchingRows,
    MismatchedRows: r.MismatchedRows,
    ExtraRowsSource: r.ExtraRowsSource,
    ExtraRowsTarget: r.ExtraRowsTarget,
  };
  if (r.ExtraRowsSourceSample?.length) out.ExtraRowsSourceSample = r.ExtraRowsSourceSample;
  if (r.ExtraRowsTargetSample?.length) out.ExtraRowsTargetSample = r.ExtraRowsTargetSample;
  if (r.MismatchedRowsSample?.length) out.MismatchedRowsSample = r.MismatchedRowsSample;
  return out;
}

const sortedKeys = <T>(o: Record<string, T>) => Object.keys(o).sort();

/**
 * The summary of a VDiff. `rowsPerSecond` is the live rate (from heartbeats) while it runs;
 * when it is not given the average over the run is shown.
 */
export function buildVDiffSummary(st: VDiffStatus, opts: { verbose: boolean; now: number; rowsPerSecond?: number }): VDiffSummary {
  const shardCounts: Partial<Record<VDiffState | '', number>> = {};
  const tableCounts: Partial<Record<VDiffState | '', number>> = {};
  const bump = (m: Partial<Record<VDiffState | '', number>>, s: VDiffState | '') => { m[s] = (m[s] ?? 0) + 1; };
  let startedAt = '';
  let completedAt = '';
  let rowsCompared = 0;
  let rowsToCompare = 0;
  let hasMismatch = false;
  const errors: Record<string, string> = {};
  const tables: Record<string, VDiffTableSummary> = {};
  const reports: Record<string, Record<string, DiffReport>> = {};
  const shards = st.shards.map((s) => s.shard).sort();
  for (const shard of [...st.shards].sort((a, b) => (a.shard < b.shard ? -1 : 1))) {
    if (shard.startedAt && (startedAt === '' || shard.startedAt < startedAt)) startedAt = shard.startedAt;
    if (shard.completedAt && (completedAt === '' || shard.completedAt > completedAt)) completedAt = shard.completedAt;
    if (shard.lastError) errors[shard.shard] = shard.lastError;
    bump(shardCounts, shard.state);
    for (const t of shard.tables) {
      rowsCompared += t.report.ProcessedRows;
      rowsToCompare += t.tableRows;
      if (reportHasMismatch(t.report)) hasMismatch = true;
      const ts = tables[t.table] ?? { TableName: t.table, State: '' as VDiffState | '', RowsCompared: 0, MatchingRows: 0, MismatchedRows: 0, ExtraRowsSource: 0, ExtraRowsTarget: 0 };
      bump(tableCounts, t.state);
      // Error is sticky and completed never overrides another known state (as Vitess).
      if (t.state === 'completed') { if (ts.State === '') ts.State = t.state; } else if (t.state === 'error' || ts.State !== 'error') ts.State = t.state;
      ts.RowsCompared += t.report.ProcessedRows;
      ts.MatchingRows += t.report.MatchingRows;
      ts.MismatchedRows += t.report.MismatchedRows;
      ts.ExtraRowsSource += t.report.ExtraRowsSource;
      ts.ExtraRowsTarget += t.report.ExtraRowsTarget;
      tables[t.table] = ts;
      (reports[t.table] ??= {})[shard.shard] = canonicalReport(t.report);
    }
  }
  const tableShardCount = Object.keys(tables).length * shards.length;
  let state: VDiffState | '';
  if (shardCounts.stopped) state = 'stopped';
  else if (shardCounts.error || tableCounts.error) state = 'error';
  else if (tableCounts.started) state = 'started';
  else if (tableCounts.pending) state = 'pending';
  else if ((tableCounts.completed ?? 0) === tableShardCount) state = (shardCounts.completed ?? 0) === shards.length ? 'completed' : 'started';
  else state = '';

  const summary: VDiffSummary = {
    Workflow: st.workflow,
    Keyspace: st.targetKeyspace,
    State: state,
    UUID: st.uuid,
    RowsCompared: rowsCompared,
    HasMismatch: hasMismatch,
    Shards: shards.join(','),
  };
  // Stored to the millisecond (for the rate); shown to the second, as Vitess does.
  if (startedAt) summary.StartedAt = startedAt.slice(0, 19);
  if (state === 'completed' && completedAt) summary.CompletedAt = completedAt.slice(0, 19);
  if (hasMismatch || opts.verbose) {
    summary.TableSummary = Object.fromEntries(sortedKeys(tables).map((k) => [k, tables[k]]));
    summary.Reports = Object.fromEntries(sortedKeys(reports).map((k) => [k, Object.fromEntries(sortedKeys(reports[k]).map((s) => [s, reports[k][s]]))]));
  }
  if (Object.keys(errors).length > 0) summary.Errors = errors;
  if (state === 'started') summary.Progress = progressReport(rowsCompared, rowsToCompare, startedAt.slice(0, 19), opts.now);
  const rate = state === 'started' ? opts.rowsPerSecond : state === 'completed' ? averageRate(rowsCompared, startedAt, completedAt) : undefined;
  if (rate !== undefined && rate > 0) summary.RowsPerSecond = Math.round(rate);
  return summary;
}

function averageRate(rows: number, startedAt: string, completedAt: string): number | undefined {
  if (!startedAt || !completedAt) return undefined;
  const seconds = (parseVDiffTimestamp(completedAt) - parseVDiffTimestamp(startedAt)) / 1000;
  return seconds > 0 ? rows / seconds : undefined;
}
