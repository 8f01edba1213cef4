// insertStatements for rows too large for one statement: large BLOB and text values are built in
// session variables piece by piece (so no statement nears the target's max_allowed_packet), and
// pieces put back together give the value exactly.
import { strict as assert } from 'node:assert';
import { insertStatements } from '../../../src/activities/sql-text';
import type { TableTarget } from '../../../src/activities/table-target';
import { valueKind } from '../../../src/mysql/values';
import { col } from './columns';

const schemas = [col('id', 'bigint'), col('b', 'longblob'), col('t', 'longtext'), col('n', 'int')];
const table: TableTarget = {
  db: 'vt_x', name: 'big', columns: schemas.map((c) => c.name), columnSchemas: schemas, kinds: schemas.map(valueKind),
  pkIndexes: [0], keyIndex: 'PRIMARY', upsertVerb: 'INSERT', uniqueKeys: [], sharedByStreams: false, exactKeys: true,
};
const MB = 1 << 20;

/** The value a piece literal stands for (X'hex' or a quoted string with MySQL escapes). */
function unquote(lit: string): Buffer {
  if (lit.startsWith("X'")) return Buffer.from(lit.slice(2, -1), 'hex');
  const body = lit.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ 0: '\0', n: '\n', r: '\r', Z: '\x1a' } as Record<string, string>)[c] ?? c);
  return Buffer.from(body, 'utf8');
}

describe('insertStatements: rows larger than a statement', () => {
  it('writes ordinary rows as before, several to a statement', () => {
    const out = insertStatements(table, [['1', Buffer.from('ab'), 'x', '1'], ['2', null, 'y', '2']], 'upsert', 8 * MB);
    assert.deepEqual(out, ["INSERT INTO `vt_x`.`big` (`id`,`b`,`t`,`n`) VALUES (1,X'6162','x',1),(2,NULL,'y',2) ON DUPLICATE KEY UPDATE `b`=VALUES(`b`),`t`=VALUES(`t`),`n`=VALUES(`n`)"]);
  });

  it('builds a 21 MB BLOB and 13 MB of text in variables, each statement under 9 MB, and frees them', () => {
    const blob = Buffer.alloc(21 * MB, 0xab);
    blob[5 * MB] = 0x27; // a quote, to be sure hex pieces do not care
    // '😀' is a surrogate pair: a piece boundary must not fall inside one.
    const text = "it's " + '😀'.repeat(3 * MB) + '\n\\ end';
    const out = insertStatements(table, [['1', Buffer.from('small'), 's', '0'], ['7', blob, text, '3'], ['8', null, 'after', '4']], 'upsert', 8 * MB);
    for (const sql of out) assert.ok(sql.length < 9 * MB, `a statement of ${sql.length} characters`);
    // The small row before goes alone; then the big row's pieces, its insert, the release; then the row after.
    assert.match(out[0], /VALUES \(1,X'736d616c6c','s',0\) ON DUPLICATE/);
    const insert = out.findIndex((s) => s.startsWith('INSERT') && s.includes('(7,'));
    assert.match(out[insert], /VALUES \(7,@vtm_piece0,@vtm_piece1,3\) ON DUPLICATE KEY UPDATE/);
    assert.equal(out[insert + 1], 'SET @vtm_piece0 = NULL, @vtm_piece1 = NULL');
    assert.match(out[insert + 2], /VALUES \(8,NULL,'after',4\)/);
    const built = new Map<string, Buffer>();
    for (const sql of out.slice(1, insert)) {
      const m = /^SET (@vtm_piece\d) = (?:CONCAT\(\1, )?([\s\S]*?)\)?$/.exec(sql)!;
      const lit = sql.startsWith(`SET ${m[1]} = CONCAT(`) ? sql.slice(`SET ${m[1]} = CONCAT(${m[1]}, `.length, -1) : sql.slice(`SET ${m[1]} = `.length);
      built.set(m[1], Buffer.concat([built.get(m[1]) ?? Buffer.alloc(0), unquote(lit)]));
    }
    assert.ok(built.get('@vtm_piece0')!.equals(blob));
    assert.equal(built.get('@vtm_piece1')!.toString('utf8'), text);
    assert.ok(out.slice(1, insert).length >= 6 + 2, 'pieces of at most 4 MB of literal');
  });
});
