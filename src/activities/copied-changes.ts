// Catch-up replays a stream's binlog from the position recorded before any table was copied, but
// each table was copied later, from snapshots at or past the position of its first one
// (copy_state.snapshot_pos). A change that snapshot includes is already in the copied rows:
// replaying it is at best wasted work, and at worst wrong, when what undid it never reaches the
// binlog as rows: a TRUNCATE under --on-ddl IGNORE let the replay insert again rows the copy
// rightly did not have. Vitess skips such changes too (its streams start each table at its copy).
//
// Not for the tables on either side of a foreign key action (ON DELETE CASCADE, say): a parent's
// delete replayed after the parent's own, earlier snapshot cascades onto child rows copied later,
// and only the child's replayed changes (which this would skip) bring them back; and a child
// copied before its parent (a cycle) needs the parent's deletes replayed to lose its rows.
import type { Connection } from '../mysql/connect';
import type { BinlogTransaction } from '../mysql/binlog';
import { addGtid, emptyPosition, isEmptyPosition, parsePosition, positionAtLeast, type GtidPosition } from '../mysql/gtid';
import { readCopySnapshots } from './state';

/** Per table, the position of its copy's first snapshot, for the tables the stream has not passed yet. */
export type CopiedTables = Map<string, GtidPosition>;

/** The tables of a stream whose copy snapshot is past `committed`, or undefined when there are none. */
export async function loadCopiedTables(conn: Connection, workflowId: string, streamId: number, committed: GtidPosition,
  replayAll: Set<string>): Promise<CopiedTables | undefined> {
  const copied: CopiedTables = new Map();
  let stored: Map<string, string>;
  try {
    stored = await readCopySnapshots(conn, workflowId, streamId);
  } catch (err) {
    // A run prepared by an earlier version, not copied since: nothing recorded to skip by.
    if ((err as { errno?: number }).errno === 1054) return undefined;
    throw err;
  }
  for (const [table, text] of stored) {
    const at = parsePosition(text);
    if (!isEmptyPosition(at) && !positionAtLeast(committed, at) && !replayAll.has(table)) copied.set(table, at);
  }
  return copied.size > 0 ? copied : undefined;
}

/**
 * `txn` without its changes to tables whose copy snapshot includes it; forgets the tables the
 * stream has now passed (so that, once past them all, the caller stops asking).
 */
export function withoutCopiedChanges(copied: CopiedTables, txn: BinlogTransaction): BinlogTransaction {
  let out = txn;
  if (txn.changes.length > 0) {
    const one = addGtid(emptyPosition(copied.values().next().value?.flavor ?? undefined), txn.gtid);
    const included = new Set<string>();
    for (const [table, at] of copied) if (positionAtLeast(at, one)) included.add(table);
    if (included.size > 0) {
      const changes = txn.changes.filter((c) => !included.has(c.table));
      if (changes.length < txn.changes.length) {
        const bytes = txn.bytes === undefined ? undefined : Math.round((txn.bytes * changes.length) / txn.changes.length);
        out = { ...txn, changes, bytes };
      }
    }
  }
  // A part of a transaction carries the position before it: only a whole one moves past a snapshot.
  if (txn.complete) {
    const at = parsePosition(txn.position);
    for (const [table, snapshot] of copied) if (positionAtLeast(at, snapshot)) copied.delete(table);
  }
  return out;
}
