// Source shards of one keyspace should hold the same table definitions. Where they do not (an
// ALTER applied to some shards only, or still rolling out), the target, made from the first
// shard's definition, cannot take every shard's rows: create says so up front rather than
// letting a shard's copy or catch-up fail on it later.
import type { ColumnSchema, TableSchema } from '../mysql/schema';

const columnText = (c: ColumnSchema) => `${c.columnType}${c.nullable ? ' NULL' : ' NOT NULL'}${c.collation ? ` ${c.collation}` : ''}${c.generated ? ' GENERATED' : ''}`;

/**
 * How `other` (a table on another source shard) differs from `first` in what the copy and the
 * binlog reader depend on: column names, types, nullability, collation, generation, and the
 * primary key. Undefined when they agree (column order, defaults, secondary keys and comments
 * may differ: rows are matched by column name).
 */
export function schemaDrift(first: TableSchema, other: TableSchema): string | undefined {
  const problems: string[] = [];
  const key = (c: ColumnSchema) => c.name.toLowerCase();
  const theirs = new Map(other.columns.map((c) => [key(c), c]));
  const ours = new Set(first.columns.map(key));
  const missing = first.columns.filter((c) => !theirs.has(key(c))).map((c) => c.name);
  const extra = other.columns.filter((c) => !ours.has(key(c))).map((c) => c.name);
  if (missing.length > 0) problems.push(`no column(s) ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`extra column(s) ${extra.join(', ')}`);
  for (const c of first.columns) {
    const o = theirs.get(key(c));
    if (o && columnText(o) !== columnText(c)) problems.push(`column ${c.name} is ${columnText(o)}, not ${columnText(c)}`);
  }
  const pk = (t: TableSchema) => t.primaryKey.map((c) => c.toLowerCase()).join(', ');
  if (pk(first) !== pk(other)) problems.push(`primary key (${other.primaryKey.join(', ')}), not (${first.primaryKey.join(', ')})`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
