// The key a table without a PRIMARY KEY is copied, replayed and compared by: Vitess's
// "primary key equivalent" (PKE), a UNIQUE key whose columns are all NOT NULL, the cheapest by
// its columns' types and then the fewest columns (mysqlctl GetPrimaryKeyEquivalentColumns).
// InnoDB clusters such a table by its first unique NOT NULL key, so reading in its order is cheap.
import type { ColumnSchema, KeySchema } from './schema';

// Vitess's per-type costs (smaller types first); any other type costs 1000.
const TYPE_COST: Readonly<Record<string, number>> = {
  enum: 0, tinyint: 1, year: 2, smallint: 3, date: 4, mediumint: 5, time: 6, int: 7, set: 8, timestamp: 9,
  bigint: 10, float: 11, double: 12, decimal: 13, datetime: 14, binary: 30, char: 31, varbinary: 60, varchar: 61,
  tinyblob: 80, tinytext: 81,
};

/**
 * The PKE among `keys` (secondary keys of a table with no PRIMARY KEY), or undefined when none
 * qualifies. Beyond Vitess's test, keys over generated columns or expressions are passed over:
 * their values cannot be written or read back as columns. Ties go to the first name, bytewise.
 */
export function primaryKeyEquivalent(keys: readonly KeySchema[], columns: readonly ColumnSchema[]): KeySchema | undefined {
  let best: { key: KeySchema; cost: number } | undefined;
  for (const key of keys) {
    if (!key.unique || key.columns.length === 0) continue;
    const cols = key.columns.map((name, i) => (key.expressions[i] === null ? columns.find((c) => c.name === name) : undefined));
    if (cols.some((c) => c === undefined || c.nullable || c.generated)) continue;
    const cost = cols.reduce((sum, c) => sum + (TYPE_COST[c!.dataType] ?? 1000), 0);
    const better = !best || cost < best.cost || (cost === best.cost && (key.columns.length < best.key.columns.length ||
      (key.columns.length === best.key.columns.length && key.name < best.key.name)));
    if (better) best = { key, cost };
  }
  return best?.key;
}
