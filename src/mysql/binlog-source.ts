// What the binlog stream (binlog.ts) and its two event sources share: the plan of a table's
// columns, the check that a binlog's columns fit it, and the callbacks a source drives.
// Sources: binlog-mariadb.ts (our own decoder, MariaDB) and binlog-zongji.ts (MySQL, and
// MariaDB tables with types our decoder does not read).
import type { BinlogStreamOptions, RowChange } from './binlog';
import type { Connection } from './connect';
import type { ColumnSchema, TableSchema } from './schema';
import { binlogValueNeedsNormalizing, valueKind, ValueKind } from './values';

/** RowChange.kept: the images a stream's row filter keeps. */
export const KEPT_BEFORE = 1;
export const KEPT_AFTER = 2;

/** A table's columns in binlog order (information_schema order), with their value kinds. */
export interface TablePlan {
  schema: TableSchema;
  names: string[];
  cols: ColumnSchema[];
  kinds: ValueKind[];
  /** Indexes of the columns whose zongji values need normalizing. */
  normalize: number[];
}

export function planFor(schema: TableSchema): TablePlan {
  const kinds = schema.columns.map(valueKind);
  const normalize = schema.columns.flatMap((c, i) => (binlogValueNeedsNormalizing(c, kinds[i]) ? [i] : []));
  return { schema, names: schema.columns.map((c) => c.name), cols: schema.columns, kinds, normalize };
}

/**
 * The plan of rows logged when the table had the columns `names` (its binlog table map's, in
 * their order), each found by name among today's: rows logged before a later ALTER added,
 * reordered or renamed columns decode into the columns they had, and the consumer fills in what
 * they lack as it does for any narrower source row. Undefined when a column is gone from today's
 * schema (dropped, or renamed since): there is no definition to decode it with.
 */
export function planForNames(plan: TablePlan, names: readonly string[]): TablePlan | undefined {
  const at = names.map((n) => plan.names.findIndex((m) => m.toLowerCase() === n.toLowerCase()));
  if (at.some((i) => i < 0) || new Set(at).size !== at.length) return undefined;
  const normalize = new Set(plan.normalize);
  return {
    schema: plan.schema,
    names: at.map((i) => plan.names[i]),
    cols: at.map((i) => plan.cols[i]),
    kinds: at.map((i) => plan.kinds[i]),
    normalize: at.flatMap((i, j) => (normalize.has(i) ? [j] : [])),
  };
}

const TEXTS = [ValueKind.Utf8Text, ValueKind.TextBytes, ValueKind.Bytes];
/** Binlog column type codes and the value kinds each may carry. */
const TYPE_KINDS: Record<number, ValueKind[]> = {
  1: [ValueKind.Integer], 2: [ValueKind.Integer], 3: [ValueKind.Integer], 8: [ValueKind.Integer], 9: [ValueKind.Integer],
  246: [ValueKind.Decimal], 4: [ValueKind.Float], 5: [ValueKind.Float], 13: [ValueKind.Year],
  10: [ValueKind.Temporal], 7: [ValueKind.Temporal], 12: [ValueKind.Temporal], 17: [ValueKind.Temporal], 18: [ValueKind.Temporal],
  11: [ValueKind.Time], 19: [ValueKind.Time], 16: [ValueKind.Bit], 247: [ValueKind.Enum], 248: [ValueKind.Enum],
  15: TEXTS, 253: TEXTS, 254: [...TEXTS, ValueKind.FixedBinary], 141: TEXTS, 249: TEXTS, 250: TEXTS, 251: TEXTS, 252: TEXTS, 140: TEXTS, 245: [ValueKind.Utf8Text],
};

/**
 * Why a binlog's columns for a table (type codes, ENUM/SET as such; names when the source
 * knows them) do not match our schema of it, or '' if they do.
 */
export function shapeMismatch(plan: TablePlan, types: readonly number[], names?: readonly string[]): string {
  if (types.length !== plan.names.length || (names && names.some((n, i) => n !== plan.names[i]))) {
    return names ? `columns (${names.join(', ')}) vs (${plan.names.join(', ')})` : `${types.length} columns in the binlog vs ${plan.names.length} in the schema`;
  }
  for (let i = 0; i < types.length; i++) {
    const allowed = TYPE_KINDS[types[i]];
    if (allowed && !allowed.includes(plan.kinds[i])) return `column ${plan.names[i]} binlog type ${types[i]} vs ${plan.cols[i].columnType}`;
  }
  return '';
}

/** A group of row changes being collected for one source transaction. */
export interface OpenGroup {
  gtid: string;
  positionBefore: string;
  changes: RowChange[];
  bytes: number;
  ddl?: { db: string; sql: string };
  touched: boolean;
}

/** What a source calls as it reads events (timestamps in epoch ms). */
export interface SourceHandlers {
  /** False once the stream failed or closed: the source ignores further events. */
  live(): boolean;
  /** Any event or heartbeat arrived (the idle watchdog). */
  touch(): void;
  onGtid(gtid: string, timestampMs: number): void;
  /** A table map of `tableId`; calls the source's prepareTable when the table is in scope. */
  onTableMap(tableId: number, schemaName: string, tableName: string): void;
  /** The open transaction for rows of `table`, or undefined after failing the stream. */
  rowsGroup(tableId: number, table: string): OpenGroup | undefined;
  /** Rows were pushed onto `group` (`size`: their binlog bytes). */
  rowsAdded(group: OpenGroup, size: number, timestampMs: number): void;
  onCommit(timestampMs: number): void;
  onXaPrepare(timestampMs: number): void;
  onQuery(sql: string, schema: string, timestampMs: number): void;
  onHeartbeat(): void;
  fail(err: unknown, what?: string): void;
}

export interface EventSource {
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /**
   * Gets a table's rows ready to decode against `plan` (after its table map): '' when ready,
   * else why the binlog's columns do not fit the plan (the stream re-reads the schema).
   */
  prepareTable(tableId: number, plan: TablePlan): string;
}

export interface SourceStart {
  opts: BinlogStreamOptions;
  /** Bare GTID position text to start after. */
  startText: string;
  heartbeatSeconds: number;
  db: string;
  inScope: Set<string>;
  plans: Map<string, TablePlan>;
  handlers: SourceHandlers;
  /** The stream's control connection to the same server (schema reads; KILL of a dump thread). */
  control: Connection;
}
