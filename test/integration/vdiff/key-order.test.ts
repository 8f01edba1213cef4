// The VDiff key order against a real server: for string keys under case- and accent-insensitive,
// PAD SPACE, NO PAD and binary collations, the order and equality VDiff derives from WEIGHT_STRING
// must be the server's own (its ORDER BY, its STRCMP and its =), across chunk boundaries.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { ROW_READER_CONNECT_OPTIONS, type RowValue } from '../../../src/mysql/values';
import { loadTableTarget } from '../../../src/activities/table-target';
import { buildKeyOrder } from '../../../src/activities/vdiff-keys';
import { chunkedRows } from '../../../src/activities/vdiff-reader';
import { prng } from '../../../src/local/commerce-load';
import { primaries } from '../../support/migration';
import { testStack } from '../../support/stack';

const DB = 'vdiff_key_order';
const ALPHABET = ['a', 'A', 'á', 'Á', 'ä', 'b', 'B', 'e', 'é', 'É', 'ß', 's', 'ss', ' ', '\t', '!', '~', 'z', 'Z', 'ø', '🎉', '李'];
const COLLATIONS = [
  { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' },
  { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
  { charset: 'utf8mb4', collation: 'utf8mb4_general_nopad_ci' },
  { charset: 'utf8mb4', collation: 'utf8mb4_bin' },
  { charset: 'latin1', collation: 'latin1_swedish_ci' },
];

function randomStrings(seed: number, n: number, latin1: boolean): string[] {
  const r = prng(seed);
  const letters = latin1 ? ALPHABET.filter((c) => c.charCodeAt(0) < 256 && c.length === 1) : ALPHABET;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    const len = 1 + Math.floor(r() * 5);
    for (let j = 0; j < len; j++) s += letters[Math.floor(r() * letters.length)];
    out.push(s);
  }
  return out;
}

describe('VDiff key order agrees with the server\'s collations', function () {
  this.timeout(60_000);
  let conn: Connection;

  before(async () => {
    const p = primaries(await testStack(), 'target')[0];
    conn = await connectMysql({ host: '127.0.0.1', port: p.port, user: 'root' }, ROW_READER_CONNECT_OPTIONS);
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query(`CREATE DATABASE ${DB}`);
  });

  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    conn.destroy();
  });

  for (const [i, c] of COLLATIONS.entries()) {
    it(`${c.collation}: ORDER BY, = and STRCMP`, async () => {
      const t = `k${i}`;
      await conn.query(`CREATE TABLE ${DB}.${t} (k VARCHAR(12) CHARACTER SET ${c.charset} COLLATE ${c.collation} NOT NULL, n INT NOT NULL, PRIMARY KEY (k, n))`);
      const values = randomStrings(i + 1, 400, c.charset === 'latin1');
      // Duplicate keys under the collation are dropped: what stays is what a primary key allows.
      for (const [j, v] of values.entries()) await conn.query(`INSERT IGNORE INTO ${DB}.${t} VALUES (?, ?)`, [v, j % 2]);
      const [[{ n }]] = await conn.query(`SELECT COUNT(*) AS n FROM ${DB}.${t}`) as unknown as [{ n: number }[]];

      const tt = await loadTableTarget(conn, DB, { name: t, pkColumns: ['k', 'n'], rowsEstimate: 0, bytesEstimate: 0 });
      const order = await buildKeyOrder(conn, t, tt.pkIndexes.map((x) => tt.columnSchemas[x]), tt.pkIndexes, tt.columns.length);
      // Small chunks: every chunk boundary resumes with the typed `> lastpk` comparison.
      const rows = chunkedRows(conn, tt, DB, order, null, 7, 'test');
      const seen: (readonly RowValue[])[] = [];
      for (let row = await rows.peek(); row; row = await rows.peek()) {
        seen.push(row);
        rows.take(); // throws if the server's order disagrees with the weights
      }
      assert.equal(seen.length, Number(n));

      // Random pairs: the weights' order is the server's STRCMP, their equality the server's =.
      const r = prng(100 + i);
      const pairs = Array.from({ length: 300 }, () => [seen[Math.floor(r() * seen.length)], seen[Math.floor(r() * seen.length)]] as const);
      const cast = (x: string) => (c.charset === 'latin1' ? `CONVERT(${x} USING latin1) COLLATE ${c.collation}` : `${x} COLLATE ${c.collation}`);
      const sql = pairs.map(() => `STRCMP(${cast('?')}, ${cast('?')})`).join(', ');
      const params = pairs.flatMap(([a, b]) => [a[0], b[0]].map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)));
      const [res] = await conn.query({ sql: `SELECT ${sql}`, rowsAsArray: true }, params);
      const server = (res as number[][])[0].map(Number);
      pairs.forEach(([a, b], j) => {
        const ours = Math.sign(Buffer.compare(a[tt.columns.length] as Buffer, b[tt.columns.length] as Buffer));
        assert.equal(ours, server[j], `${JSON.stringify(a[0])} vs ${JSON.stringify(b[0])}`);
      });
    });
  }
});
