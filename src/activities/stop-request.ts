// A VDiff's stop request to a catch-up stream (state.ts): '' none, HOLD, or a source position the
// stream must run exactly to, applying nothing after it.
import type { BinlogTransaction } from '../mysql/binlog';
import { addGtid, parsePosition, positionAtLeast, type GtidPosition } from '../mysql/gtid';
import { HOLD } from './state';

/** Whether a stream under this stop request may apply `txn` (its position is where it then stands). */
export function mayApplyUnderStop(stopPos: string, txn: BinlogTransaction): boolean {
  if (stopPos === '') return true;
  if (stopPos === HOLD) return false;
  return positionAtLeast(parsePosition(stopPos), endOf(txn));
}

/**
 * Where the stream stands once all of `txn` is applied. A part of a transaction too large to
 * buffer whole carries the position before the transaction (binlog.ts): its rows belong after
 * that, so a stop at the position before must not let any part through.
 */
function endOf(txn: BinlogTransaction): GtidPosition {
  const at = parsePosition(txn.position);
  return txn.complete || txn.gtid === '' ? at : addGtid(at, txn.gtid);
}

/**
 * The binlog reader folds a run of empty transactions (other tables, other databases such as a
 * heartbeat, rows that other shards own) into one item carrying the run's last position. A stop
 * position strictly inside such a run can never be reached by applying whole items: the item
 * passes it. Nothing in the run changes this shard, so the shard already is what it would be at
 * the stop; this returns the empty transaction that records the stop position, to apply before
 * `txn` (which waits for the stop's release), or undefined when `txn` is not such a run.
 * `previous` is the stream's position before `txn` (its last queued or committed transaction).
 */
export function stepToStop(stopPos: string, previous: string, txn: BinlogTransaction): BinlogTransaction | undefined {
  if (stopPos === '' || stopPos === HOLD) return undefined;
  if (!txn.complete || txn.changes.length > 0 || txn.ddl) return undefined;
  const stop = parsePosition(stopPos);
  const before = parsePosition(previous);
  const after = parsePosition(txn.position);
  const inside = positionAtLeast(stop, before) && !positionAtLeast(before, stop) && positionAtLeast(after, stop) && !positionAtLeast(stop, after);
  return inside ? { ...txn, position: stopPos, bytes: 0 } : undefined;
}
