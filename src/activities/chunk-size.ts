// How many source rows the copy reads per chunk. A chunk's kept rows are written in one
// transaction with its checkpoint (copy.ts), so a chunk should carry about a batch of kept rows:
// a target shard fed by part of a source shard keeps only a share of what it scans (a third, for
// the middle shard of a 2 -> 3 reshard), and sized by scanned rows it wrote that many more, smaller
// batches, each with its lock, transaction and checkpoint round trips.

/** A chunk reads at most this many times batchRows, however few of its rows the shard keeps. */
export const MAX_SCAN_FACTOR = 4;

export interface ChunkCounts {
  scanned: number;
  keptCount: number;
  keptBytes: number;
}

export interface ChunkBudget {
  batchRows: number;
  batchBytes: number;
  /** The reader holds every scanned row until the chunk is written (binary path), not only the kept ones. */
  holdsScanned: boolean;
}

/**
 * The row count of the next chunk, from the one just read: about batchRows kept rows and
 * batchBytes kept bytes (wide rows get fewer per chunk, so memory stays bounded), divided by the
 * share of rows kept; a chunk that kept nothing doubles it. A reader that holds scanned rows
 * stays within batchBytes of them. Steps of 100, at least 100, at most MAX_SCAN_FACTOR × batchRows.
 */
export function nextChunkRows(last: ChunkCounts, limit: number, budget: ChunkBudget): number {
  if (last.scanned === 0) return limit;
  let rows: number;
  if (last.keptCount === 0) {
    rows = limit * 2;
  } else {
    const rowBytes = Math.max(1, last.keptBytes / last.keptCount);
    const kept = Math.min(budget.batchRows, budget.batchBytes / rowBytes);
    rows = (kept * last.scanned) / last.keptCount;
    if (budget.holdsScanned) rows = Math.min(rows, budget.batchBytes / rowBytes);
  }
  return Math.max(100, Math.min(budget.batchRows * MAX_SCAN_FACTOR, Math.floor(rows / 100) * 100));
}
