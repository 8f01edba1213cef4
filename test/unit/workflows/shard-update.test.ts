import { strict as assert } from 'node:assert';
import { applyShardUpdate, type ShardStatus, type ShardUpdate } from '../../../src/workflows/api';

const progress = (rows: number, done = false) => ({ rowsCopied: rows, rowsScanned: rows, bytesCopied: rows * 10, done });
const stream = (id: number, tables: ShardStatus['streams'][number]['tables']) => ({ id, sourceShard: id === 1 ? '-80' : '80-', state: 'Running', tables, position: `0-1-${id}`, tablet: 'zone1-100', message: '' });

// A shard child leaves a stream's tables out of its update while they have not changed.
describe('a shard update as the Migrate run records it', () => {
  const before: ShardStatus = {
    shard: '40-c0', primaryAlias: 'zone2-200', phase: 'Running', lastError: '',
    streams: [stream(1, { a: progress(5, true), b: progress(7, true) }), stream(2, { a: progress(3, true), b: progress(1, true) })],
  };

  it('keeps the tables it has for a stream whose update leaves them out, and takes the rest of the update', () => {
    const { tables: _left, ...withoutTables } = before.streams[0];
    const update: ShardUpdate = { ...before, phase: 'Error', lastError: 'boom', streams: [{ ...withoutTables, message: 'x' }, stream(2, { a: progress(4, true), b: progress(1, true) })] };
    assert.deepEqual(applyShardUpdate(update, before), {
      ...before, phase: 'Error', lastError: 'boom',
      streams: [{ ...before.streams[0], message: 'x' }, stream(2, { a: progress(4, true), b: progress(1, true) })],
    });
  });

  it('is the update itself when every stream carries its tables (every update before this change)', () => {
    assert.deepEqual(applyShardUpdate(before, undefined), before);
    assert.equal(JSON.stringify(applyShardUpdate(before, before)), JSON.stringify(before), 'same fields in the same order');
  });

  it('has empty tables for a stream it never heard of', () => {
    const { tables: _left, ...withoutTables } = stream(3, {});
    assert.deepEqual(applyShardUpdate({ ...before, streams: [withoutTables] }, before).streams[0].tables, {});
  });
});
