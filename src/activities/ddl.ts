// DDL seen in a source binlog: which table it touches (to decide whether --on-ddl applies) and
// how to run it on the target keyspace's database.

const TABLE_DDL = /^\s*(?:ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE|DROP\s+(?:TEMPORARY\s+)?TABLE|RENAME\s+TABLE|TRUNCATE\s+(?:TABLE\s+)?|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+\S+\s+ON|DROP\s+INDEX\s+\S+\s+ON)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?)/i;

function unquote(part: string): string {
  const p = part.trim();
  return p.startsWith('`') ? p.slice(1, -1).replace(/``/g, '`') : p;
}

/** The `{db, table}` a table DDL statement names first, or undefined for other statements. */
export function ddlTable(sql: string, defaultDb: string): { db: string; table: string } | undefined {
  const stripped = sql.replace(/^\s*\/\*.*?\*\/\s*/s, '');
  const m = TABLE_DDL.exec(stripped);
  if (!m) return undefined;
  const parts = m[1].split(/\s*\.\s*(?=[`\w$])/);
  return parts.length === 2 ? { db: unquote(parts[0]), table: unquote(parts[1]) } : { db: defaultDb, table: unquote(parts[0]) };
}

/** The statement with the source database's name, where it qualifies a table, replaced by the target's. */
export function retargetDdl(sql: string, sourceDb: string, targetDb: string): string {
  const quoted = '`' + sourceDb.replace(/`/g, '``') + '`';
  return sql.split(`${quoted}.`).join(`\`${targetDb.replace(/`/g, '``')}\`.`).replace(new RegExp(`\\b${sourceDb.replace(/[$]/g, '\\$')}\\.`, 'g'), `\`${targetDb}\`.`);
}
