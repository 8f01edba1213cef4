// A table's diff report on one shard, as Vitess keeps it (vdiff/report.go, workflow_differ.go):
// counts, and sample rows of each kind of difference rendered as {column: text} with the key
// columns first and never truncated, the others cut at --row-diff-column-truncate-at, plus the
// query to look the row up with --debug-query. The report is stored with each checkpoint, so its
// size is bounded: samples per kind by --max-report-sample-rows (and MAX_SAMPLES_WHEN_ALL for 0),
// extra rows kept for the second pass by --max-extra-rows-to-compare, and bytes by REPORT_BYTES.
import { escapeForKind, ValueKind, type RowValue } from '../mysql/values';
import type { DiffReport, RowDiff, VDiffOptions } from '../workflows/vdiff-api';
import { MAX_SAMPLES_WHEN_ALL } from '../workflows/vdiff-api';
import type { TableTarget } from './table-target';

const TRUNCATED = '...[TRUNCATED]';
/** Samples stop being added once a report's samples take this much (reports travel through Temporal). */
const REPORT_BYTES = 64 * 1024;

function columnSql(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}

/** A value as the report shows it: text as is, binary as 0x<hex> (as the mysql client does), NULL as NULL. */
export function reportValue(v: RowValue, kind: ValueKind, charset: string | null, truncateAt: number): string {
  if (v === null) return 'NULL';
  const binary = Buffer.isBuffer(v) && (kind !== ValueKind.TextBytes || !(charset === 'latin1' || charset === 'ascii'));
  if (binary) {
    const b = v as Buffer;
    const cut = truncateAt > 0 && b.length >= truncateAt + TRUNCATED.length + 20;
    return '0x' + (cut ? b.subarray(0, truncateAt) : b).toString('hex') + (cut ? TRUNCATED : '');
  }
  const s = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
  // Vitess cuts only when it is worth it: at least 20 characters more than the notation.
  if (truncateAt > 0 && s.length >= truncateAt + TRUNCATED.length + 20) return [...s].slice(0, truncateAt).join('') + TRUNCATED;
  return s;
}

export interface RowFormatter {
  (row: readonly RowValue[]): RowDiff;
}

/** Renders rows of a table as Vitess's RowDiff under the report options. */
export function rowFormatter(t: TableTarget, o: Pick<VDiffOptions, 'onlyPks' | 'debugQuery' | 'rowDiffColumnTruncateAt'>): RowFormatter {
  const pk = new Set(t.pkIndexes);
  const order = [...t.pkIndexes, ...(o.onlyPks ? [] : t.columns.map((_, i) => i).filter((i) => !pk.has(i)))];
  const selected = o.onlyPks ? t.pkIndexes : t.columns.map((_, i) => i);
  return (row) => {
    const entries = order.map((i) => [t.columns[i], reportValue(row[i], t.kinds[i], t.columnSchemas[i].charset, pk.has(i) ? 0 : o.rowDiffColumnTruncateAt)] as const);
    // encoding/json writes map keys sorted.
    const diff: RowDiff = { Row: Object.fromEntries([...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) };
    if (o.debugQuery) {
      const where = t.pkIndexes.map((i) => `${columnSql(t.columns[i])}=${escapeForKind(row[i], t.kinds[i], t.columnSchemas[i])}`).join(' AND ');
      diff.Query = `select ${selected.map((i) => columnSql(t.columns[i])).join(', ')} from ${columnSql(t.name)} where ${where};`;
    }
    return diff;
  };
}

export interface ReportLimits {
  /** Samples kept per kind (0 in the options means all, up to MAX_SAMPLES_WHEN_ALL). */
  samples: number;
  /** Extra rows kept for the second pass. */
  extra: number;
}

export function reportLimits(o: Pick<VDiffOptions, 'maxReportSampleRows' | 'maxExtraRowsToCompare'>): ReportLimits {
  const samples = o.maxReportSampleRows === 0 ? MAX_SAMPLES_WHEN_ALL : Math.min(o.maxReportSampleRows, MAX_SAMPLES_WHEN_ALL);
  return { samples, extra: Math.min(o.maxExtraRowsToCompare, MAX_SAMPLES_WHEN_ALL) };
}

function sampleBytes(r: DiffReport): number {
  return JSON.stringify([r.ExtraRowsSourceSample ?? [], r.ExtraRowsTargetSample ?? [], r.MismatchedRowsSample ?? []]).length;
}

/** Counts and samples of one table on one shard; continues a stored report on resume. */
export class ReportBuilder {
  private bytes: number;

  constructor(readonly report: DiffReport, private readonly limits: ReportLimits, private readonly format: RowFormatter) {
    this.bytes = sampleBytes(report);
  }

  private room(sample: RowDiff | { Source?: RowDiff; Target?: RowDiff }): boolean {
    const n = JSON.stringify(sample).length;
    if (this.bytes + n > REPORT_BYTES) return false;
    this.bytes += n;
    return true;
  }

  matching(): void {
    this.report.ProcessedRows++;
    this.report.MatchingRows++;
  }

  mismatched(source: readonly RowValue[], target: readonly RowValue[]): void {
    const r = this.report;
    if (r.MismatchedRows < this.limits.samples) {
      const sample = { Source: this.format(source), Target: this.format(target) };
      if (this.room(sample)) (r.MismatchedRowsSample ??= []).push(sample);
    }
    r.ProcessedRows++;
    r.MismatchedRows++;
  }

  /** A row only the source has. Samples are kept up to the larger of both limits, for the second pass. */
  extraSource(row: readonly RowValue[]): void {
    this.extra(row, 'ExtraRowsSource', 'ExtraRowsSourceSample');
  }

  extraTarget(row: readonly RowValue[]): void {
    this.extra(row, 'ExtraRowsTarget', 'ExtraRowsTargetSample');
  }

  private extra(row: readonly RowValue[], count: 'ExtraRowsSource' | 'ExtraRowsTarget', samples: 'ExtraRowsSourceSample' | 'ExtraRowsTargetSample'): void {
    const r = this.report;
    if (r[count] < Math.max(this.limits.extra, this.limits.samples)) {
      const sample = this.format(row);
      if (this.room(sample)) (r[samples] ??= []).push(sample);
    }
    r.ProcessedRows++;
    r[count]++;
  }

  /**
   * The second pass (workflow_differ.go reconcileExtraRows): an extra source row identical to an
   * extra target row, among the first --max-extra-rows-to-compare of each, is one row the two
   * sides merely returned in different orders; it counts as matching. Then samples are trimmed to
   * --max-report-sample-rows.
   */
  finish(): DiffReport {
    const r = this.report;
    const src = r.ExtraRowsSourceSample ?? [];
    const tgt = r.ExtraRowsTargetSample ?? [];
    if (r.ExtraRowsSource > 0 && r.ExtraRowsTarget > 0 && this.limits.extra > 0) {
      const key = (d: RowDiff) => JSON.stringify(d.Row ?? {});
      const unmatchedTarget = new Map<string, number[]>();
      tgt.slice(0, this.limits.extra).forEach((d, i) => unmatchedTarget.set(key(d), [...(unmatchedTarget.get(key(d)) ?? []), i]));
      const goneSource = new Set<number>();
      const goneTarget = new Set<number>();
      src.slice(0, this.limits.extra).forEach((d, i) => {
        const candidates = unmatchedTarget.get(key(d));
        const j = candidates?.shift();
        if (j !== undefined) {
          goneSource.add(i);
          goneTarget.add(j);
        }
      });
      const matched = goneSource.size;
      if (matched > 0) {
        r.ExtraRowsSourceSample = src.filter((_, i) => !goneSource.has(i));
        r.ExtraRowsTargetSample = tgt.filter((_, i) => !goneTarget.has(i));
        r.ExtraRowsSource -= matched;
        r.ExtraRowsTarget -= matched;
        r.MatchingRows += matched;
      }
    }
    const trim = <T>(a: T[] | undefined) => (a && a.length > this.limits.samples ? a.slice(0, this.limits.samples) : a);
    r.ExtraRowsSourceSample = trim(r.ExtraRowsSourceSample);
    r.ExtraRowsTargetSample = trim(r.ExtraRowsTargetSample);
    for (const k of ['ExtraRowsSourceSample', 'ExtraRowsTargetSample', 'MismatchedRowsSample'] as const) {
      if (r[k] && r[k]!.length === 0) delete r[k];
    }
    return r;
  }
}
