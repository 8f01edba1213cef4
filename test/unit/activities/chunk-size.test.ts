// The copy's chunk sizing (chunk-size.ts): a batch of kept rows per write, however many of the
// scanned rows the target shard keeps.
import { strict as assert } from 'node:assert';
import { MAX_SCAN_FACTOR, nextChunkRows } from '../../../src/activities/chunk-size';

const text = { batchRows: 5000, batchBytes: 2 << 20, holdsScanned: false };

describe('copy chunk size', () => {
  it('reads batchRows when every scanned row is kept', () => {
    assert.equal(nextChunkRows({ scanned: 1000, keptCount: 1000, keptBytes: 100_000 }, 1000, text), 5000);
  });

  it('reads three times as many rows for a shard that keeps a third of them (the middle of 2 -> 3)', () => {
    assert.equal(nextChunkRows({ scanned: 5000, keptCount: 1667, keptBytes: 166_700 }, 5000, text), 14_900);
  });

  it('sizes wide rows by batchBytes of kept rows, then by the share kept', () => {
    // 2 KB rows: 1024 kept per batch; two thirds kept -> 1536 scanned.
    assert.equal(nextChunkRows({ scanned: 300, keptCount: 200, keptBytes: 200 * 2048 }, 300, text), 1500);
  });

  it('never reads more than MAX_SCAN_FACTOR batches of rows', () => {
    assert.equal(nextChunkRows({ scanned: 5000, keptCount: 10, keptBytes: 1000 }, 5000, text), 5000 * MAX_SCAN_FACTOR);
  });

  it('doubles the chunk when nothing was kept, and keeps it when nothing was read', () => {
    assert.equal(nextChunkRows({ scanned: 1000, keptCount: 0, keptBytes: 0 }, 1000, text), 2000);
    assert.equal(nextChunkRows({ scanned: 0, keptCount: 0, keptBytes: 0 }, 1000, text), 1000);
  });

  it('keeps a reader that holds scanned rows within batchBytes of them', () => {
    const binary = { ...text, holdsScanned: true };
    // 1 KB rows, a third kept: 2048 scanned rows are batchBytes; the text path reads 3 × 2048.
    assert.equal(nextChunkRows({ scanned: 1500, keptCount: 500, keptBytes: 500 * 1024 }, 1500, binary), 2000);
    assert.equal(nextChunkRows({ scanned: 1500, keptCount: 500, keptBytes: 500 * 1024 }, 1500, text), 6100);
  });

  it('reads at least 100 rows, in steps of 100', () => {
    assert.equal(nextChunkRows({ scanned: 100, keptCount: 100, keptBytes: 100 * (64 << 20) }, 100, text), 100);
    assert.equal(nextChunkRows({ scanned: 1000, keptCount: 1000, keptBytes: 1000 * 700 }, 1000, text) % 100, 0);
  });
});
