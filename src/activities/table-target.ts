// How rows of one table are written on a target shard: which columns, the primary key, which
// statement upserts safely, and (when several streams write the shard) which source shard owns
// a row. Built once per table per activity run from the target table's own schema.
import type { Connection } from '../mysql/connect';
import { readTableSchema, TableMissing, type ColumnSchema } from '../mysql/schema';
import { charsetTextDecoder } from '../mysql/charset-text';
import { ValueKind, valueKind, type RowValue } from '../mysql/values';
import { createVindex, keyRangeContains, parseShardName, shardFinder, type Vindex } from '../vindex';
import type { TablePlan } from '../workflows/api';
import { schemaError, vindexError } from './errors';

export type { RowValue };

export interface TableTarget {
  db: string;
  name: string;
  /** Written columns in order (generated columns are never written). */
  columns: string[];
  columnSchemas: ColumnSchema[];
  /** Per written column, how its values are represented and written (values.ts). */
  kinds: ValueKind[];
  pkIndexes: number[];
  /** 'PRIMARY', or the unique key a table without one is keyed by (pk-equivalent.ts). */
  keyIndex: string;
  /**
   * Unique secondary keys make `INSERT ... ON DUPLICATE KEY UPDATE` unsafe (a clash on the
   * secondary key would update another row); REPLACE then converges instead.
   */
  upsertVerb: 'INSERT' | 'REPLACE';
  /** Names of the unique secondary keys (why upsertVerb is REPLACE). */
  uniqueKeys: string[];
  /** Several streams (source shards) write this table on this shard. */
  sharedByStreams: boolean;
  /**
   * True when primary-key equality is byte equality (integers, binary strings): rows can then
   * be matched by key in memory. Collated strings ('a' = 'A'), decimals and temporal keys are
   * compared by the server instead, one statement at a time.
   */
  exactKeys: boolean;
  /** --source-time-zone: the zone the source's DATETIMEs are in (the target keeps UTC). */
  sourceTimeZone?: string;
  /** With sourceTimeZone: per written column, whether it is a DATETIME (converted on write). */
  zoned?: boolean[];
  /** The source shard (index into sourceShards) owning a row, for shards written by several streams. */
  owner?: (row: RowValue[]) => number;
  /** With owner: the one column it reads (the source vindex column). */
  ownerColumn?: number;
}

const EXACT_KEY_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit', 'year']);

function isExactKeyColumn(c: ColumnSchema): boolean {
  if (EXACT_KEY_TYPES.has(c.dataType)) return true;
  // CHAR/VARCHAR with a binary collation compare bytewise too (but PAD SPACE still trims).
  return false;
}

export async function loadTableTarget(conn: Connection, db: string, table: TablePlan, opts: { sourceShards?: string[] } = {}): Promise<TableTarget> {
  const schema = await readTableSchema(conn, db, table.name).catch((err: unknown) => {
    // A target that does not answer is retried; only a table that is not there stops the shard.
    if (err instanceof TableMissing) throw schemaError(`table ${table.name} is missing on the target (${db}): ${err.message}`);
    throw err;
  });
  const written = schema.columns.filter((c) => !c.generated);
  const columns = written.map((c) => c.name);
  const pkIndexes = table.pkColumns.map((pk) => {
    const i = columns.findIndex((c) => c.toLowerCase() === pk.toLowerCase());
    if (i < 0) throw schemaError(`primary key column ${pk} of table ${table.name} is missing or generated on the target`);
    return i;
  });
  if (schema.primaryKey.join(',').toLowerCase() !== table.pkColumns.join(',').toLowerCase()) {
    throw schemaError(`table ${table.name}: the target's primary key (${schema.primaryKey.join(', ')}) differs from the source's (${table.pkColumns.join(', ')})`);
  }
  const uniqueKeys = schema.secondaryKeys.filter((k) => k.unique).map((k) => k.name);
  const target: TableTarget = {
    db,
    name: table.name,
    columns,
    columnSchemas: written,
    kinds: written.map(valueKind),
    pkIndexes,
    keyIndex: schema.primaryKeyIndex || 'PRIMARY',
    upsertVerb: uniqueKeys.length > 0 ? 'REPLACE' : 'INSERT',
    uniqueKeys,
    sharedByStreams: (opts.sourceShards?.length ?? 0) > 1,
    exactKeys: pkIndexes.every((i) => isExactKeyColumn(written[i])),
  };
  if (table.sourceTimeZone) {
    target.sourceTimeZone = table.sourceTimeZone;
    target.zoned = written.map((c) => c.dataType === 'datetime');
  }
  if (opts.sourceShards && opts.sourceShards.length > 1 && table.sourceVindex) {
    const { column, owner } = await ownerFunction(table, target, opts.sourceShards);
    target.owner = owner;
    target.ownerColumn = column;
  }
  return target;
}

async function ownerFunction(table: TablePlan, columns: VindexColumns, sourceShards: string[]): Promise<{ column: number; owner: (row: RowValue[]) => number }> {
  const vindex: Vindex = await createVindex(table.sourceVindex!.type, table.sourceVindex!.params);
  const { index: col, map } = vindexMapper(vindex, columns, table.name, table.sourceVindex!.columns[0]);
  const finder = shardFinder(sourceShards.map((name, index) => ({ name, index, keyRange: parseShardName(name) })));
  const owner = (row: RowValue[]) => {
    const ksid = map(row[col]);
    if (ksid === null) return -1;
    try {
      return finder(ksid).index;
    } catch {
      return -1;
    }
  };
  return { column: col, owner };
}

/** The written columns of a table, as a vindex needs them to find and read its column. */
export type VindexColumns = Pick<TableTarget, 'columns' | 'columnSchemas'>;

/**
 * vindex.map of a column's values, its errors naming the table and column (they stop the stream,
 * as in Vitess). A value of a non-utf8 string column (its own bytes here) is mapped as the text a
 * utf8mb4 client wrote, which is what vtgate routed it by (charset-text.ts).
 */
function vindexMapper(vindex: Vindex, t: VindexColumns, table: string, column: string): { index: number; map: (value: RowValue) => Buffer | null } {
  const index = t.columns.findIndex((c) => c.toLowerCase() === column.toLowerCase());
  if (index < 0) throw schemaError(`vindex column ${column} of table ${table} is not a written column`);
  const c = t.columnSchemas[index];
  const text = valueKind(c) === ValueKind.TextBytes ? charsetTextDecoder(c.charset!) : undefined;
  const map = (value: RowValue) => {
    try {
      return vindex.map(text && Buffer.isBuffer(value) ? text(value) : value);
    } catch (err) {
      throw vindexError(`table ${table}, column ${column} (vindex ${vindex.type}): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return { index, map };
}

export interface FilterOptions {
  /**
   * Also keep rows whose value maps to no keyspace id (NULL, a non-numeric value for hash). No
   * shard owns them and the copy leaves them out, as Vitess does; VDiff keeps them so that every
   * shard's diff reports them as source rows missing on the target, rather than not at all.
   */
  keepUnplaced?: boolean;
}

/** Keeps only the rows a target shard owns, by the table's target vindex. */
export async function targetFilter(table: TablePlan, columns: VindexColumns, targetShard: string, opts: FilterOptions = {}): Promise<(row: RowValue[]) => boolean> {
  const f = await targetValueFilter(table, columns, targetShard, opts);
  if (!f) return () => true;
  return (row) => f.keep(row[f.column]);
}

/**
 * The same filter as the vindex column's index and a test of its value, for readers that decode
 * only that column. Undefined when the table has no vindex (every row is kept).
 */
export async function targetValueFilter(table: TablePlan, columns: VindexColumns, targetShard: string, opts: FilterOptions = {}): Promise<{ column: number; keep: (v: RowValue) => boolean } | undefined> {
  if (!table.vindex) return undefined;
  const vindex = await createVindex(table.vindex.type, table.vindex.params);
  const { index, map } = vindexMapper(vindex, columns, table.name, table.vindex.columns[0]);
  const range = parseShardName(targetShard);
  return {
    column: index,
    keep: (v) => {
      const ksid = map(v);
      // A value with no keyspace id (NULL, non-numeric for hash) goes nowhere, as in Vitess.
      if (ksid === null) return opts.keepUnplaced === true;
      return keyRangeContains(range, ksid);
    },
  };
}
