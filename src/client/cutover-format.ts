// The cutover result (drained positions, whether the source moved, the per table and shard
// verification, and the VDiff that produced it) as the `cutover` command and the status addendum
// print it. Vitess has no cutover command, so these shapes are ours: a table like vtctldclient's
// other tabular output, and snake_case JSON like its protojson.
import type { CutoverResult } from '../workflows/api';
import type { JsonValue } from '../topo';

export function utcTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** Why the cutover does not leave the migration ready to complete; '' when it does. */
export function cutoverProblem(c: CutoverResult): string {
  const n = c.verification.length;
  if (c.vdiffError) return `the cutover VDiff${c.vdiff ? ` ${c.vdiff.UUID}` : ''} did not complete (${c.vdiffError}), so the target is not verified: run cutover again (complete needs --force)`;
  if (c.mismatches > 0) return `${c.mismatches} of ${n} table shard(s) MISMATCH: complete is refused until they are fixed (or complete --force)`;
  if (c.vdiff?.HasMismatch) return `VDiff ${c.vdiff.UUID} found rows that differ: complete is refused until they are fixed (or complete --force)`;
  if (c.sourceMoved) return `all ${n} table shard(s) match, but the source took writes to the migrated tables during the cutover: stop the application's writes and run cutover again`;
  return '';
}

export function cutoverVerdict(c: CutoverResult): string {
  return cutoverProblem(c) || `all ${c.verification.length} table shard(s) match: run complete to finish the migration`;
}

/** Whether the cutover left the migration ready to complete. */
export function cutoverOk(c: CutoverResult): boolean {
  return cutoverProblem(c) === '';
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** VDiff compares rows, so its verification has no checksums ('-'): those columns are left out. */
function hasChecksums(c: CutoverResult): boolean {
  return c.verification.some((v) => v.sourceChecksum !== '-' || v.targetChecksum !== '-');
}

function verificationLines(c: CutoverResult): string[] {
  const checksums = hasChecksums(c);
  const lines = [checksums ? 'Verification (rows and checksums per table and target shard):' : 'Verification (rows per table and target shard):'];
  if (c.verification.length === 0) return [...lines, '\t(none)'];
  const header = checksums
    ? ['TABLE', 'SHARD', 'SOURCE ROWS', 'TARGET ROWS', 'SOURCE CHECKSUM', 'TARGET CHECKSUM', 'RESULT']
    : ['TABLE', 'SHARD', 'SOURCE ROWS', 'TARGET ROWS', 'RESULT'];
  const sorted = [...c.verification].sort((a, b) => (a.table === b.table ? (a.shard < b.shard ? -1 : 1) : a.table < b.table ? -1 : 1));
  const rows = sorted.map((v) => [
    v.table, v.shard, String(v.sourceRows), String(v.targetRows),
    ...(checksums ? [v.sourceChecksum, v.targetChecksum] : []),
    v.match ? 'match' : 'MISMATCH',
  ]);
  return [...lines, ...pad([header, ...rows]).map((l) => `\t${l}`)];
}

function vdiffLines(c: CutoverResult, targetKeyspace: string, workflow: string): string[] {
  const v = c.vdiff;
  if (!v && !c.vdiffError) return [];
  const lines = [''];
  if (v) {
    lines.push(`VDiff ${v.UUID}: State: ${v.State}, RowsCompared: ${v.RowsCompared}, HasMismatch: ${v.HasMismatch}`);
    for (const name of Object.keys(v.TableSummary ?? {}).sort()) {
      const t = v.TableSummary![name];
      if (t.MismatchedRows + t.ExtraRowsSource + t.ExtraRowsTarget > 0) {
        lines.push(`\t${t.TableName}: MismatchedRows:${t.MismatchedRows}, ExtraRowsSource:${t.ExtraRowsSource}, ExtraRowsTarget:${t.ExtraRowsTarget}`);
      }
    }
    if (v.HasMismatch) lines.push(`The differing rows: vtmigrate VDiff --workflow ${workflow} --target-keyspace ${targetKeyspace} show ${v.UUID} --format json`);
  }
  if (c.vdiffError) lines.push(`VDiff did not complete: ${c.vdiffError}`);
  return lines;
}

export function formatCutoverText(c: CutoverResult, targetKeyspace: string, workflow: string): string {
  const lines = [`Cutover of workflow ${targetKeyspace}.${workflow} at ${utcTime(c.finishedAt)}`, '', 'Drained every stream to the source positions:'];
  for (const shard of Object.keys(c.positions).sort()) lines.push(`\t${shard}: ${c.positions[shard]}`);
  lines.push('', `Source moved during the cutover: ${c.sourceMoved ? 'YES' : 'no'}`, '', ...verificationLines(c));
  lines.push(...vdiffLines(c, targetKeyspace, workflow), '', `Verdict: ${cutoverVerdict(c)}`);
  return `${lines.join('\n')}\n`;
}

export function cutoverToJSON(c: CutoverResult): JsonValue {
  return {
    positions: Object.fromEntries(Object.keys(c.positions).sort().map((k) => [k, c.positions[k]])),
    source_moved: c.sourceMoved,
    verification: c.verification.map((v) => ({
      table: v.table,
      shard: v.shard,
      source_rows: v.sourceRows,
      target_rows: v.targetRows,
      source_checksum: v.sourceChecksum,
      target_checksum: v.targetChecksum,
      match: v.match,
    })),
    mismatches: c.mismatches,
    finished_at: new Date(c.finishedAt).toISOString(),
    // VDiff's own summary, in its Go field names (as `VDiff show --format json` prints it).
    vdiff: (c.vdiff as unknown as JsonValue) ?? null,
    vdiff_error: c.vdiffError ?? '',
    ready: cutoverOk(c),
    verdict: cutoverVerdict(c),
  };
}

/** One line for the status addendum. */
export function cutoverSummaryLine(c: CutoverResult): string {
  const positions = Object.keys(c.positions).sort().map((s) => `${s}@${c.positions[s]}`).join(', ');
  return `drained to ${positions || '(no positions)'}; source moved: ${c.sourceMoved ? 'YES' : 'no'}; verification: ${cutoverVerdict(c)}`;
}
