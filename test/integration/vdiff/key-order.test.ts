// The VDiff key order against a real server: for string keys under case- and accent-insensitive,
// PAD SPACE, NO PAD and binary collations, the order and equality VDiff derives from WEIGHT_STRING
// must be the server's own (its ORDER BY, its STRCMP and its =), across chunk boundaries.
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { ROW_READER_CONNECT_OPTIONS, selectExpression, type RowValue } from '../../../src/mysql/values';
import { loadTableTarget, type TableTarget } from '../../../src/activities/table-target';
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

  /**
   * Table t (k, n) walked by VDiff's reader in small chunks (each boundary resumes with the typed
   * `> lastpk`), which throws if the server's order disagrees with the key order; the key order
   * also sorts the rows exactly as the server's ORDER BY does. Returns the rows and the table.
   */
  async function walkInServerOrder(t: string): Promise<{ seen: (readonly RowValue[])[]; tt: TableTarget }> {
    const tt = await loadTableTarget(conn, DB, { name: t, pkColumns: ['k', 'n'], rowsEstimate: 0, bytesEstimate: 0 });
    const order = await buildKeyOrder(conn, t, tt.pkIndexes.map((x) => tt.columnSchemas[x]), tt.pkIndexes, tt.columns.length);
    const rows = chunkedRows(conn, tt, DB, order, null, 7, 'test');
    const seen: (readonly RowValue[])[] = [];
    for (let row = await rows.peek(); row; row = await rows.peek()) {
      seen.push(row);
      rows.take();
    }
    // k read as the reader reads it (latin1 text as its bytes), ordered by the column, not that alias.
    const [byServer] = await conn.query({ sql: `SELECT ${selectExpression(tt.columnSchemas[0], t)}, n FROM ${DB}.${t} ORDER BY ${t}.k, ${t}.n`, rowsAsArray: true });
    assert.deepEqual([...seen].reverse().sort((a, b) => order.compare(a, b)).map((x) => [x[0], x[1]]), byServer);
    return { seen, tt };
  }

  it('UUID keys: the server\'s order (time-based values are stored with their groups reversed)', async () => {
    await conn.query(`CREATE TABLE ${DB}.u (k UUID NOT NULL, n INT NOT NULL, PRIMARY KEY (k, n))`);
    // Every version and variant byte around the bounds the stored form depends on, over shared
    // and random remaining bytes; values the server refuses (version >= 8 without the variant
    // bit, for one) are left out.
    const r = prng(7);
    const edges = [0x00, 0x01, 0x0f, 0x10, 0x1f, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xbf, 0xc0, 0xef, 0xff];
    let stored = 0;
    for (const [j, b6] of edges.entries()) {
      for (const b8 of edges) {
        for (let m = 0; m < 3; m++) {
          const b = Buffer.from(Array.from({ length: 16 }, () => Math.floor(r() * 256)));
          if (m === 0) b.fill(0x11, 0, 6); // same first groups: the order rests on the rest
          if (m === 1) b.fill(0x22, 10, 16); // same node
          b[6] = b6;
          b[8] = b8;
          const h = b.toString('hex');
          const text = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
          try {
            await conn.query(`INSERT INTO ${DB}.u VALUES (?, ?)`, [text, j % 2]);
            stored++;
          } catch (err) {
            if ((err as { errno?: number }).errno !== 1292) throw err; // Incorrect uuid value
          }
        }
      }
    }
    assert.ok(stored > 400, `${stored} values stored`);
    assert.equal((await walkInServerOrder('u')).seen.length, stored);
  });

  for (const type of ['INET6', 'INET4'] as const) {
    it(`${type} keys: the server's order (address bytes), whatever the printed form`, async () => {
      const t = type.toLowerCase();
      await conn.query(`CREATE TABLE ${DB}.${t} (k ${type} NOT NULL, n INT NOT NULL, PRIMARY KEY (k, n))`);
      const r = prng(type.length);
      const byte = () => Math.floor(r() * 256);
      for (let j = 0; j < 300; j++) {
        const b = Buffer.from(Array.from({ length: type === 'INET6' ? 16 : 4 }, byte));
        // Runs of zero groups (printed with '::'), IPv4-mapped and -compatible forms.
        if (type === 'INET6' && j % 3 === 0) b.fill(0, 2 + (j % 7), 10 + (j % 5));
        if (type === 'INET6' && j % 10 === 1) { b.fill(0, 0, 10); b[10] = 0xff; b[11] = 0xff; }
        if (type === 'INET6' && j % 10 === 2) b.fill(0, 0, 12);
        await conn.query(`INSERT IGNORE INTO ${DB}.${t} VALUES (CAST(X'${b.toString('hex')}' AS ${type}), ?)`, [j % 2]);
      }
      assert.ok((await walkInServerOrder(t)).seen.length > 250);
    });
  }

  for (const [i, c] of COLLATIONS.entries()) {
    it(`${c.collation}: ORDER BY, = and STRCMP`, async () => {
      const t = `k${i}`;
      await conn.query(`CREATE TABLE ${DB}.${t} (k VARCHAR(12) CHARACTER SET ${c.charset} COLLATE ${c.collation} NOT NULL, n INT NOT NULL, PRIMARY KEY (k, n))`);
      const values = randomStrings(i + 1, 400, c.charset === 'latin1');
      // Duplicate keys under the collation are dropped: what stays is what a primary key allows.
      for (const [j, v] of values.entries()) await conn.query(`INSERT IGNORE INTO ${DB}.${t} VALUES (?, ?)`, [v, j % 2]);
      const [[{ n }]] = await conn.query(`SELECT COUNT(*) AS n FROM ${DB}.${t}`) as unknown as [{ n: number }[]];

      const { seen, tt } = await walkInServerOrder(t);
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
