// The order a stream copies its tables in: a table a foreign key references before the tables
// that reference it. The source's binlog has a parent's delete or key change but not what its
// ON DELETE / ON UPDATE action did to the children; catch-up has the target's own foreign keys
// redo it (catchup.ts), which works only on rows the target has. Each table is copied from its
// own, later snapshot: a child copied before its parent can keep a row whose parent was deleted
// (with a cascade) before the parent's copy, and no replayed event removes it. Copied after its
// parent, the child's snapshot already lacks such rows, and a cascade replayed over rows it
// should not touch is undone by the later events that made them.
import type { TableSchema } from '../mysql/schema';

/**
 * Per table, its depth in the foreign keys among `schemas` (same database): 0 for a table that
 * references none of them, else one more than the deepest table it references. Self-references
 * do not count, nor does the reference that closes a cycle (any order within a cycle is as good).
 */
export function copyRanks(schemas: Map<string, TableSchema>, db: string): Map<string, number> {
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  const rankOf = (name: string): number => {
    const known = rank.get(name);
    if (known !== undefined) return known;
    visiting.add(name);
    let r = 0;
    for (const fk of schemas.get(name)!.foreignKeys) {
      const parent = fk.referencedTable;
      if (fk.referencedDb !== db || parent === name || !schemas.has(parent) || visiting.has(parent)) continue;
      r = Math.max(r, rankOf(parent) + 1);
    }
    visiting.delete(name);
    rank.set(name, r);
    return r;
  };
  for (const name of [...schemas.keys()].sort()) rankOf(name);
  return rank;
}
