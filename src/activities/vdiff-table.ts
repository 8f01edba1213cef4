// The comparison of one table on one shard (vitess-facts.md §5.3): both ordered streams walked
// side by side. A source key before the target's is a row only the source has, a target key
// before the source's one only the target has, equal keys compare their columns by type. The key
// columns too: keys equal in the order (a collation's weights, PAD SPACE) can differ in their
// bytes ('Apple' and 'APPLE '), and such a target row is not the source's.
// Progress (the last compared key and the report) is handed to `checkpoint` every so often, so a
// stopped or killed diff continues after that key.
import type { RowValue } from '../mysql/values';
import type { KeyOrder } from './vdiff-keys';
import { valuesEqual } from './vdiff-keys';
import type { RowStream } from './vdiff-reader';
import type { ReportBuilder } from './vdiff-report';
import type { TableTarget } from './table-target';

export interface TableWalk {
  table: TableTarget;
  order: KeyOrder;
  source: RowStream;
  target: RowStream;
  report: ReportBuilder;
  /** Stop once the table's report has processed this many rows (--limit). */
  limit: number;
  /** Saves progress: the key of the last processed row (every row at or before it on both sides is counted). */
  checkpoint: (lastKey: RowValue[]) => Promise<void>;
  /** Asked between rows (cheaply): true to pause here (slice over, stop, snapshot to refresh). */
  shouldPause: () => boolean;
  /** How many rows between checkpoints at most. */
  checkpointRows: number;
  checkpointMs: number;
  /**
   * Rows read as text bytes (vdiff-reader.ts TextRows): how to compare and show their values.
   * `sameRow` says two rows with equal keys are equal as a whole (their bytes are), without
   * looking at their columns; `complete` fills in the columns a row has not decoded yet.
   */
  text?: {
    equal: (a: RowValue, b: RowValue, column: number) => boolean;
    present: (row: readonly RowValue[]) => RowValue[];
    sameRow: (a: readonly RowValue[], b: readonly RowValue[]) => boolean;
    complete: (row: readonly RowValue[]) => void;
  };
}

export type WalkEnd = 'done' | 'paused';

export async function walkTable(w: TableWalk): Promise<WalkEnd> {
  const { table: t, order, source, target, report } = w;
  const compared = [...t.columns.map((_, i) => i).filter((i) => !t.pkIndexes.includes(i)), ...t.pkIndexes];
  const key = (row: readonly RowValue[]) => t.pkIndexes.map((i) => row[i]);
  const equal = w.text?.equal ?? ((a: RowValue, b: RowValue, i: number) => valuesEqual(a, b, t.kinds[i], t.columnSchemas[i]));
  const present = w.text?.present ?? ((row: readonly RowValue[]) => row);
  let lastKey: RowValue[] | undefined;
  let sinceCheckpoint = 0;
  let checkpointAt = Date.now();
  const save = async () => {
    if (lastKey && sinceCheckpoint > 0) await w.checkpoint(lastKey);
    sinceCheckpoint = 0;
    checkpointAt = Date.now();
  };

  for (;;) {
    if (report.report.ProcessedRows >= w.limit) {
      await save();
      return 'done';
    }
    if (sinceCheckpoint >= w.checkpointRows || (sinceCheckpoint > 0 && Date.now() - checkpointAt >= w.checkpointMs)) await save();
    if (w.shouldPause()) {
      await save();
      return 'paused';
    }
    const s = source.ready() ? source.head() : await source.peek();
    const r = target.ready() ? target.head() : await target.peek();
    if (!s && !r) {
      await save();
      return 'done';
    }
    const c = !s ? 1 : !r ? -1 : order.compare(s, r);
    if (c < 0) {
      report.extraSource(present(s!));
      lastKey = key(s!);
      source.take();
    } else if (c > 0) {
      report.extraTarget(present(r!));
      lastKey = key(r!);
      target.take();
    } else {
      let same = w.text?.sameRow(s!, r!) ?? false;
      if (!same) {
        w.text?.complete(s!);
        w.text?.complete(r!);
        same = true;
        for (const i of compared) {
          if (!equal(s![i], r![i], i)) {
            same = false;
            break;
          }
        }
      }
      if (same) report.matching();
      else report.mismatched(present(s!), present(r!));
      lastKey = key(s!);
      source.take();
      target.take();
    }
    sinceCheckpoint++;
  }
}
