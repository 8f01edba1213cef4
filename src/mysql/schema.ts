// Table introspection from information_schema (names are bound, never interpolated), the binlog
// settings validation needs, and the DDL for --defer-secondary-keys.
import type { RowDataPacket } from 'mysql2/promise';
import { quoteId, type Connection } from './connect';
import { flavorOf, type Flavor } from './gtid';
import { primaryKeyEquivalent } from './pk-equivalent';

export interface ColumnSchema {
  name: string;
  /** 1-based, as in information_schema. */
  ordinal: number;
  /** Lower-case base type: 'bigint', 'varchar', 'json' (also MariaDB's LONGTEXT JSON), 'enum', ... */
  dataType: string;
  /** The full type, e.g. 'bigint(20) unsigned', 'decimal(10,2)', "enum('a','b')". */
  columnType: string;
  unsigned: boolean;
  nullable: boolean;
  /** VIRTUAL or STORED generated: never written by the copy or the applier. */
  generated: boolean;
  invisible: boolean;
  charset: string | null;
  collation: string | null;
  /** DECIMAL precision and scale (null for other types). */
  numericPrecision: number | null;
  numericScale: number | null;
  /** Fractional-second digits of TIME/DATETIME/TIMESTAMP (0 when none; null for other types). */
  datetimePrecision: number | null;
  /** ENUM/SET members in definition order, as the server shows them (null for other types). */
  enumValues: string[] | null;
}

export interface KeySchema {
  name: string;
  unique: boolean;
  columns: string[];
  /** Per column: prefix length (KEY (c(10))) or null. */
  prefixLengths: (number | null)[];
  /** Per column: descending (MariaDB 10.8+, MySQL 8). */
  descending: boolean[];
  /** Per column: a functional key part's expression (MySQL 8), else null. */
  expressions: (string | null)[];
  /** BTREE, HASH, FULLTEXT, SPATIAL, ... */
  indexType: string;
  comment: string;
  /** MariaDB IGNORED / MySQL INVISIBLE index. */
  ignored: boolean;
}

export interface ForeignKeySchema {
  name: string;
  columns: string[];
  referencedDb: string;
  referencedTable: string;
  referencedColumns: string[];
}

export interface TableSchema {
  name: string;
  /** Ordinal order. */
  columns: ColumnSchema[];
  /**
   * Key order. For a table without a PRIMARY KEY, the columns of its primary key equivalent
   * (pk-equivalent.ts); empty when it has neither (validation rejects those).
   */
  primaryKey: string[];
  /** The index primaryKey comes from: 'PRIMARY', a PKE's name, or '' (none). */
  primaryKeyIndex?: string;
  /** Sorted by name (bytewise). A PKE is not among them: it is the table's key. */
  secondaryKeys: KeySchema[];
  foreignKeys: ForeignKeySchema[];
  /** SHOW CREATE TABLE text. */
  createTable: string;
  engine: string;
  /** information_schema estimates (InnoDB statistics), for progress only. */
  estimatedRows: number;
  estimatedBytes: number;
}

type Row = RowDataPacket & Record<string, unknown>;

async function rows(conn: Connection, sql: string, params: string[]): Promise<Row[]> {
  const [r] = await conn.execute<Row[]>(sql, params);
  return r;
}

const placeholders = (n: number) => new Array(n).fill('?').join(', ');

/** Sorted bytewise (code unit order), as Vitess sorts table names, not by a server collation. */
function sortNames(names: string[]): string[] {
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function listBaseTables(conn: Connection, db: string): Promise<string[]> {
  return listTablesOfType(conn, db, 'BASE TABLE');
}

/** MariaDB's tables WITH SYSTEM VERSIONING (information_schema lists them apart from base tables). */
export async function listSystemVersionedTables(conn: Connection, db: string): Promise<string[]> {
  return listTablesOfType(conn, db, 'SYSTEM VERSIONED');
}

/** TABLE_TYPE (VIEW, SEQUENCE, BASE TABLE, ...) of those of `names` that exist in `db`. */
export async function tableTypes(conn: Connection, db: string, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const r = await rows(conn, `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${placeholders(names.length)})`, [db, ...names]);
  return new Map(r.map((x) => [String(x.name), String(x.type)]));
}

async function listTablesOfType(conn: Connection, db: string, type: string): Promise<string[]> {
  const r = await rows(conn, 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = ?', [db, type]);
  return sortNames(r.map((x) => String(x.name)));
}

/** Members of an information_schema enum/set type: `enum('a','b''c')`, quotes doubled. */
export function parseEnumValues(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const out: string[] = [];
  let i = open + 1;
  while (i < columnType.length && columnType[i] === "'") {
    let v = '';
    i++;
    for (;;) {
      const ch = columnType[i];
      if (ch === undefined) throw new Error(`unterminated value in column type ${columnType}`);
      if (ch === "'" && columnType[i + 1] === "'") { v += "'"; i += 2; continue; }
      if (ch === '\\' && i + 1 < columnType.length) { v += columnType[i + 1]; i += 2; continue; }
      if (ch === "'") { i++; break; }
      v += ch;
      i++;
    }
    out.push(v);
    if (columnType[i] === ',') i++;
  }
  return out;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function isJsonCheck(clause: string, column: string): boolean {
  // MariaDB writes JSON columns as LONGTEXT with CHECK (json_valid(`col`)).
  return clause.replace(/\s+/g, '').toLowerCase() === `json_valid(${quoteId(column)})`.toLowerCase();
}

/**
 * The table is not in the schema (or is a view). Callers tell it from a server that did not
 * answer (a connection reset, a restart): only this one is a schema problem worth stopping for.
 */
export class TableMissing extends Error {}

/**
 * Schemas of several tables of one database, read with one information_schema query per kind
 * (plus SHOW CREATE TABLE per table). `tables` defaults to every base table. A missing table is
 * an error naming it.
 */
export async function readTableSchemas(conn: Connection, db: string, tables?: string[]): Promise<Map<string, TableSchema>> {
  const names = tables ?? await listBaseTables(conn, db);
  const result = new Map<string, TableSchema>();
  if (names.length === 0) return result;
  const [versionRows] = await conn.query<Row[]>('SELECT VERSION() AS v');
  const flavor: Flavor = flavorOf(String(versionRows[0].v));
  const inList = placeholders(names.length);
  const params = [db, ...names];

  const tableRows = await rows(conn,
    `SELECT TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${inList}) AND TABLE_TYPE = 'BASE TABLE'`, params);
  const colRows = await rows(conn,
    `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, GENERATION_EXPRESSION,
            CHARACTER_SET_NAME, COLLATION_NAME, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${inList}) ORDER BY TABLE_NAME, ORDINAL_POSITION`, params);
  const statCols = flavor === 'MariaDB' ? 'IGNORED AS IGNORED_' : "IF(IS_VISIBLE = 'NO', 'YES', 'NO') AS IGNORED_, EXPRESSION";
  const keyRows = await rows(conn,
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, COLLATION, SUB_PART, INDEX_TYPE, INDEX_COMMENT, ${statCols}
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${inList}) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, params);
  const fkRows = await rows(conn,
    `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${inList}) AND REFERENCED_TABLE_NAME IS NOT NULL
     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`, params);
  // MySQL's CHECK_CONSTRAINTS has no TABLE_NAME, and MySQL has a real JSON type anyway.
  const checkRows = flavor === 'MariaDB'
    ? await rows(conn, `SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME IN (${inList})`, params)
    : [];

  for (const name of names) {
    const t = tableRows.find((r) => r.TABLE_NAME === name);
    if (!t) throw new TableMissing(`table ${db}.${name} does not exist (or is not a base table)`);
    const checks = checkRows.filter((r) => r.TABLE_NAME === name).map((r) => String(r.CHECK_CLAUSE));
    const columns: ColumnSchema[] = colRows.filter((r) => r.TABLE_NAME === name).map((r) => {
      const colName = String(r.COLUMN_NAME);
      const columnType = String(r.COLUMN_TYPE);
      const extra = String(r.EXTRA ?? '').toUpperCase();
      let dataType = String(r.DATA_TYPE).toLowerCase();
      if (dataType === 'longtext' && checks.some((c) => isJsonCheck(c, colName))) dataType = 'json';
      const isDecimal = dataType === 'decimal' || dataType === 'numeric';
      const isTemporal = dataType === 'time' || dataType === 'datetime' || dataType === 'timestamp';
      return {
        name: colName,
        ordinal: Number(r.ORDINAL_POSITION),
        dataType,
        columnType,
        unsigned: /\bunsigned\b/i.test(columnType),
        nullable: r.IS_NULLABLE === 'YES',
        generated: extra.includes('VIRTUAL') || extra.includes('STORED') || extra.includes('PERSISTENT') ||
          (r.GENERATION_EXPRESSION !== null && r.GENERATION_EXPRESSION !== undefined && String(r.GENERATION_EXPRESSION) !== ''),
        invisible: extra.includes('INVISIBLE'),
        charset: r.CHARACTER_SET_NAME === null ? null : String(r.CHARACTER_SET_NAME),
        collation: r.COLLATION_NAME === null ? null : String(r.COLLATION_NAME),
        numericPrecision: isDecimal ? num(r.NUMERIC_PRECISION) : null,
        numericScale: isDecimal ? num(r.NUMERIC_SCALE) : null,
        datetimePrecision: isTemporal ? (num(r.DATETIME_PRECISION) ?? 0) : null,
        enumValues: dataType === 'enum' || dataType === 'set' ? parseEnumValues(columnType) : null,
      };
    });

    const keys = new Map<string, KeySchema>();
    for (const r of keyRows.filter((x) => x.TABLE_NAME === name)) {
      const keyName = String(r.INDEX_NAME);
      let k = keys.get(keyName);
      if (!k) {
        k = {
          name: keyName, unique: Number(r.NON_UNIQUE) === 0, columns: [], prefixLengths: [], descending: [], expressions: [],
          indexType: String(r.INDEX_TYPE), comment: String(r.INDEX_COMMENT ?? ''), ignored: r.IGNORED_ === 'YES',
        };
        keys.set(keyName, k);
      }
      k.columns.push(r.COLUMN_NAME === null ? '' : String(r.COLUMN_NAME));
      k.prefixLengths.push(num(r.SUB_PART));
      k.descending.push(r.COLLATION === 'D');
      k.expressions.push(r.EXPRESSION === null || r.EXPRESSION === undefined ? null : String(r.EXPRESSION));
    }
    let primary = keys.get('PRIMARY');
    keys.delete('PRIMARY');
    if (!primary) {
      primary = primaryKeyEquivalent([...keys.values()], columns);
      if (primary) keys.delete(primary.name);
    }

    const fks = new Map<string, ForeignKeySchema>();
    for (const r of fkRows.filter((x) => x.TABLE_NAME === name)) {
      const fkName = String(r.CONSTRAINT_NAME);
      let fk = fks.get(fkName);
      if (!fk) {
        fk = { name: fkName, columns: [], referencedDb: String(r.REFERENCED_TABLE_SCHEMA), referencedTable: String(r.REFERENCED_TABLE_NAME), referencedColumns: [] };
        fks.set(fkName, fk);
      }
      fk.columns.push(String(r.COLUMN_NAME));
      fk.referencedColumns.push(String(r.REFERENCED_COLUMN_NAME));
    }

    const [created] = await conn.query<Row[]>(`SHOW CREATE TABLE ${quoteId(db)}.${quoteId(name)}`);
    result.set(name, {
      name,
      columns,
      primaryKey: primary ? primary.columns : [],
      primaryKeyIndex: primary ? primary.name : '',
      secondaryKeys: [...keys.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      foreignKeys: [...fks.values()],
      createTable: String(created[0]['Create Table']),
      engine: String(t.ENGINE ?? ''),
      estimatedRows: Number(t.TABLE_ROWS ?? 0),
      estimatedBytes: Number(t.DATA_LENGTH ?? 0),
    });
  }
  return result;
}

export async function readTableSchema(conn: Connection, db: string, table: string): Promise<TableSchema> {
  const one = (await readTableSchemas(conn, db, [table])).get(table);
  if (!one) throw new TableMissing(`table ${db}.${table} does not exist`);
  return one;
}

export interface BinlogSettings {
  flavor: Flavor;
  version: string;
  logBin: boolean;
  /** ROW, MIXED or STATEMENT. */
  binlogFormat: string;
  /** FULL, MINIMAL or NOBLOB. */
  binlogRowImage: string;
  /** FULL lets the binlog reader decode rows without schema queries; null on servers without it. */
  binlogRowMetadata: string | null;
  /** MySQL @@gtid_mode (ON required); null on MariaDB, whose GTIDs are always on. */
  gtidMode: string | null;
  /** MariaDB @@gtid_strict_mode; null on MySQL. */
  gtidStrictMode: boolean | null;
  serverId: number;
  /** MySQL 8.0.20+ compressed transactions, which the binlog reader cannot decode; null if absent. */
  binlogTransactionCompression: boolean | null;
}

/** The settings a source must have for catch-up (ROW, FULL image, GTIDs), for validation to check. */
export async function binlogSettings(conn: Connection): Promise<BinlogSettings> {
  const [r] = await conn.query<Row[]>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'gtid_mode', 'gtid_strict_mode', 'server_id', 'binlog_transaction_compression')");
  const v = new Map(r.map((x) => [String(x.Variable_name).toLowerCase(), String(x.Value)]));
  const on = (s: string | undefined) => (s === undefined ? null : s.toUpperCase() === 'ON' || s === '1');
  const version = v.get('version') ?? '';
  const flavor = flavorOf(version);
  return {
    flavor,
    version,
    logBin: on(v.get('log_bin')) === true,
    binlogFormat: (v.get('binlog_format') ?? '').toUpperCase(),
    binlogRowImage: (v.get('binlog_row_image') ?? '').toUpperCase(),
    binlogRowMetadata: v.has('binlog_row_metadata') ? String(v.get('binlog_row_metadata')).toUpperCase() : null,
    gtidMode: flavor === 'MySQL56' ? (v.get('gtid_mode') ?? 'OFF').toUpperCase() : null,
    gtidStrictMode: flavor === 'MariaDB' ? on(v.get('gtid_strict_mode')) : null,
    serverId: Number(v.get('server_id') ?? 0),
    binlogTransactionCompression: on(v.get('binlog_transaction_compression')),
  };
}

// --defer-secondary-keys. Like Vitess (vreplicator.stashSecondaryKeys), every key except the
// primary key and FULLTEXT keys is created after the copy: unique keys too, which also keeps
// catch-up's idempotent upserts from colliding on a secondary unique key while rows are in
// intermediate states. FULLTEXT keys stay (adding one later rebuilds the table, and only one can
// be added per ALTER). We also keep any key that is the leading index of a foreign key, since
// InnoDB needs one (it would otherwise create its own and the re-added key would be a duplicate).

/** The secondary keys created after the copy under --defer-secondary-keys. */
export function deferrableSecondaryKeys(schema: TableSchema): KeySchema[] {
  return schema.secondaryKeys.filter((k) => {
    if (k.indexType.toUpperCase() === 'FULLTEXT') return false;
    return !schema.foreignKeys.some((fk) => fk.columns.every((c, i) => k.columns[i] === c && k.expressions[i] === null));
  });
}

function escapeComment(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}

/** One key as an ALTER TABLE ADD clause, built from information_schema rather than DDL text. */
export function keyDefinitionSql(k: KeySchema): string {
  const type = k.indexType.toUpperCase();
  const kind = type === 'FULLTEXT' ? 'FULLTEXT KEY' : type === 'SPATIAL' ? 'SPATIAL KEY' : k.unique ? 'UNIQUE KEY' : 'KEY';
  const parts = k.columns.map((c, i) => {
    const expr = k.expressions[i];
    let part = expr !== null ? `(${expr})` : quoteId(c);
    const prefix = k.prefixLengths[i];
    // information_schema gives a SPATIAL key's column a SUB_PART (32) it cannot be created with.
    if (prefix !== null && expr === null && type !== 'SPATIAL') part += `(${prefix})`;
    if (k.descending[i]) part += ' DESC';
    return part;
  });
  let sql = `${kind} ${quoteId(k.name)} (${parts.join(',')})`;
  // HASH is MariaDB's long unique key; BTREE is InnoDB's default and needs no clause.
  if (type === 'HASH') sql += ' USING HASH';
  if (k.comment !== '') sql += ` COMMENT ${escapeComment(k.comment)}`;
  if (k.ignored) sql += ' IGNORED';
  return sql;
}

/** `ALTER TABLE t ADD KEY ..., ADD UNIQUE KEY ...` re-adding the deferred keys; '' if none. */
export function addSecondaryKeysSql(table: string, schema: TableSchema, db?: string): string {
  // In the source's order, so that the target's SHOW CREATE TABLE (which schema diff tools
  // compare) lists them as the source's does.
  const at = (k: KeySchema) => schema.createTable.indexOf(` KEY ${quoteId(k.name)} (`);
  const keys = deferrableSecondaryKeys(schema).sort((a, b) => at(a) - at(b));
  if (keys.length === 0) return '';
  const name = db ? `${quoteId(db)}.${quoteId(table)}` : quoteId(table);
  return `ALTER TABLE ${name} ${keys.map((k) => `ADD ${keyDefinitionSql(k)}`).join(', ')}`;
}

/**
 * The SHOW CREATE TABLE text without the deferrable secondary keys. SHOW CREATE TABLE prints one
 * definition per line, so each key's line is found by its exact `KEY \`name\`` head (not by
 * parsing the DDL); a key whose line is not found exactly once is an error, never a silent skip.
 */
export function createTableWithoutSecondaryKeys(createTable: string, schema: TableSchema): string {
  const keys = deferrableSecondaryKeys(schema);
  if (keys.length === 0) return createTable;
  const lines = createTable.split('\n');
  const close = lines.findIndex((l, i) => i > 0 && l.startsWith(')'));
  if (!lines[0].startsWith('CREATE TABLE') || close < 0) throw new Error(`unexpected CREATE TABLE layout for ${schema.name}`);
  const drop = new Set<number>();
  for (const k of keys) {
    const heads = ['KEY', 'UNIQUE KEY', 'SPATIAL KEY'].map((kind) => `  ${kind} ${quoteId(k.name)} (`);
    const found = lines.flatMap((l, i) => (i > 0 && i < close && heads.some((h) => l.startsWith(h)) ? [i] : []));
    if (found.length !== 1) throw new Error(`cannot find the definition of key ${k.name} of table ${schema.name} in its CREATE TABLE (found ${found.length})`);
    drop.add(found[0]);
  }
  const body = lines.slice(1, close).filter((_, i) => !drop.has(i + 1)).map((l) => l.replace(/,$/, ''));
  return [lines[0], ...body.map((l, i) => (i < body.length - 1 ? `${l},` : l)), ...lines.slice(close)].join('\n');
}
