// DDL seen in a source binlog: which tables it touches (to decide whether --on-ddl applies) and
// how to run it on the target keyspace's database.

const IDENT = '(?:`(?:[^`]|``)+`|[\\w$]+)';
/** A table name, maybe qualified by its database. */
const NAME = `${IDENT}(?:\\s*\\.\\s*${IDENT})?`;

const TABLE_DDL = new RegExp(`^\\s*(?:ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE|CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE|DROP\\s+(?:TEMPORARY\\s+)?TABLES?|RENAME\\s+TABLES?|TRUNCATE(?:\\s+TABLE)?|CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\\S+\\s+ON|DROP\\s+INDEX\\s+(?:IF\\s+EXISTS\\s+)?\\S+\\s+ON)\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?(${NAME})`, 'i');

/** DROP TABLE a, b and RENAME TABLE a TO b, c TO d name more than one table. */
const NAME_LIST = /^\s*(?:DROP\s+(?:TEMPORARY\s+)?TABLES?|RENAME\s+TABLES?)\s/i;
const NEXT_NAME = new RegExp(`^\\s*(?:,|\\bTO\\b|(?:WAIT\\s+\\d+|NOWAIT)\\s+TO\\b)\\s*(${NAME})`, 'i');
/** ALTER TABLE a ... RENAME [TO|AS] b (not RENAME COLUMN, INDEX or KEY). */
const ALTER_RENAME = new RegExp(`\\bRENAME\\s+(?!(?:COLUMN|INDEX|KEY)\\b)(?:(?:TO|AS)\\s+)?(${NAME})`, 'i');

function unquote(part: string): string {
  const p = part.trim();
  return p.startsWith('`') ? p.slice(1, -1).replace(/``/g, '`') : p;
}

function tableRef(name: string, defaultDb: string): { db: string; table: string } {
  const parts = name.split(/\s*\.\s*(?=[`\w$])/);
  return parts.length === 2 ? { db: unquote(parts[0]), table: unquote(parts[1]) } : { db: defaultDb, table: unquote(parts[0]) };
}

/**
 * Every `{db, table}` a table DDL statement names (first the one it acts on; for DROP TABLE and
 * RENAME TABLE all in the list, renames' new names too; ALTER TABLE … RENAME TO's new name), or
 * undefined for other statements. As Vitess's vstreamer, a DDL concerns a migration when any of
 * them is a migrated table (`DROP TABLE other, migrated` too, not only when it comes first).
 */
export function ddlTables(sql: string, defaultDb: string): { db: string; table: string }[] | undefined {
  const stripped = sql.replace(/^\s*\/\*.*?\*\/\s*/s, '');
  const m = TABLE_DDL.exec(stripped);
  if (!m) return undefined;
  const out = [tableRef(m[1], defaultDb)];
  if (NAME_LIST.test(stripped)) {
    let rest = stripped.slice(m.index + m[0].length);
    for (let next = NEXT_NAME.exec(rest); next; next = NEXT_NAME.exec(rest)) {
      out.push(tableRef(next[1], defaultDb));
      rest = rest.slice(next[0].length);
    }
  } else if (/^\s*ALTER\s/i.test(stripped)) {
    const renamed = ALTER_RENAME.exec(stripped.slice(m.index + m[0].length));
    if (renamed) out.push(tableRef(renamed[1], defaultDb));
  }
  return out;
}

/** The statement with the source database's name, where it qualifies a table, replaced by the target's. */
export function retargetDdl(sql: string, sourceDb: string, targetDb: string): string {
  const quoted = '`' + sourceDb.replace(/`/g, '``') + '`';
  return sql.split(`${quoted}.`).join(`\`${targetDb.replace(/`/g, '``')}\`.`).replace(new RegExp(`\\b${sourceDb.replace(/[$]/g, '\\$')}\\.`, 'g'), `\`${targetDb}\`.`);
}
