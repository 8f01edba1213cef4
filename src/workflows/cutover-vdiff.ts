// The VDiff Migrate runs at cutover, once every stream is drained, and what `complete` makes of it.
// The result keeps the cutover's per table and shard verification list (now VDiff's counts) and
// adds VDiff's own summary, so status shows both.
import { ParentClosePolicy, executeChild, uuid4 } from '@temporalio/workflow';
import { TargetKeyspaceAttr, type CutoverResult, type MigrationPlan, type TableVerification } from './api';
import { workflowNow } from './clock';
import { failureMessage } from './failure-message';
import { VDiff } from './vdiff';
import { vdiffWorkflowId, type VDiffStatus, type VDiffSummary } from './vdiff-api';
import { buildVDiffSummary, reportHasMismatch } from './vdiff-summary';

const CUTOVER_VDIFF_ATTEMPTS = 4;

export interface CutoverVDiff {
  summary?: VDiffSummary;
  /** Why the VDiff did not complete ('' when it did). */
  error: string;
  verification: TableVerification[];
}

/** Per table and shard: rows on each side as VDiff counted them, and whether they all matched. */
function verificationOf(st: VDiffStatus): TableVerification[] {
  return st.shards.flatMap((s) => s.tables.map((t) => ({
    table: t.table,
    shard: s.shard,
    sourceRows: t.report.MatchingRows + t.report.MismatchedRows + t.report.ExtraRowsSource,
    targetRows: t.report.MatchingRows + t.report.MismatchedRows + t.report.ExtraRowsTarget,
    // VDiff compares rows, not checksums.
    sourceChecksum: '-',
    targetChecksum: '-',
    match: t.state === 'completed' && !reportHasMismatch(t.report),
  })));
}

export async function runCutoverVDiff(plan: MigrationPlan): Promise<CutoverVDiff> {
  const uuid = uuid4();
  try {
    const st = await executeChild(VDiff, {
      workflowId: vdiffWorkflowId(plan.targetKeyspace, plan.workflow, uuid),
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: plan.targetKeyspace }],
      // A crashed worker is survived, but a lasting problem (e.g. the source moved after the drain,
      // so no stream can reach its snapshot) ends the cutover with the reason instead of hanging it.
      args: [{ targetKeyspace: plan.targetKeyspace, workflow: plan.workflow, uuid, action: 'create', plan, options: { maxAttempts: CUTOVER_VDIFF_ATTEMPTS } }],
    });
    const summary = buildVDiffSummary(st, { verbose: true, now: workflowNow() });
    const error = summary.State === 'completed' ? '' : `it ended ${summary.State}${summary.Errors ? `: ${Object.entries(summary.Errors).map(([s, e]) => `(shard ${s}) ${e}`).join('; ')}` : ''}`;
    return { summary, error, verification: verificationOf(st) };
  } catch (err) {
    return { error: failureMessage(err), verification: [] };
  }
}

/** Why `complete` needs --force after this cutover ('' when it does not). */
export function completeRefusal(c: CutoverResult | undefined): string {
  if (!c) return '';
  const v = c.vdiff;
  if (c.vdiffError) return `the cutover VDiff${v ? ` ${v.UUID}` : ''} did not complete (${c.vdiffError}), so the target is not verified`;
  if (v?.HasMismatch) {
    const tables = Object.values(v.TableSummary ?? {})
      .filter((t) => t.MismatchedRows + t.ExtraRowsSource + t.ExtraRowsTarget > 0)
      .map((t) => `${t.TableName} (${t.MismatchedRows} mismatched, ${t.ExtraRowsSource} only on the source, ${t.ExtraRowsTarget} only on the target)`);
    return `the cutover VDiff ${v.UUID} found rows that differ: ${tables.join(', ')}`;
  }
  // A cutover from before VDiff: its count+checksum verification decides.
  if (!v && c.vdiffError === undefined && c.mismatches > 0) return `the cutover verification found ${c.mismatches} mismatching table shard(s)`;
  return '';
}

export function cutoverResult(positions: Record<string, string>, sourceMoved: boolean, v: CutoverVDiff): CutoverResult {
  return {
    positions,
    sourceMoved,
    verification: v.verification,
    mismatches: v.verification.filter((x) => !x.match).length,
    finishedAt: workflowNow(),
    vdiff: v.summary,
    vdiffError: v.error,
  };
}
