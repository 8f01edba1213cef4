// The copy path end to end on a real server: read in chunks with selectChunkSql through the
// binary protocol, write with multiRowInsertSql, and check that the target holds exactly the
// source's values, byte for byte, for every type.
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import type { RowDataPacket } from 'mysql2/promise';
import { connectMysql, quoteId, type Connection } from '../../../src/mysql/connect';
import { readTableSchema } from '../../../src/mysql/schema';
import { multiRowInsertSql, WRITER_SQL_MODE } from '../../../src/mysql/sql';
import { ROW_READER_CONNECT_OPTIONS, valueKind, type RowValue } from '../../../src/mysql/values';
import { loadDataStatement, RowEncoder } from '../../../src/mysql/load-data';
import { textCopyObstacle, textSelectExpression, textValueDecoder, type TextValue } from '../../../src/mysql/text-values';
import { copyRead, diffTables } from './copy-helpers';
import { ALL_TYPES_DDL, ALL_TYPES_ROWS, MORE_TYPES_DDL, MORE_TYPES_ROWS } from './fixtures';
import { createScratchDb, scratchName, startPrivatePair, type PrivatePair } from './scratch';

describe('copy path values (MariaDB)', function () {
  this.timeout(60_000);
  let pair: PrivatePair;
  let conn: Connection;
  const src = scratchName('vsrc');
  const dst = scratchName('vdst');

  before(async () => {
    pair = await startPrivatePair({ replica: false });
    await createScratchDb(pair.primary, src);
    await createScratchDb(pair.primary, dst);
    conn = await connectMysql(pair.primary, ROW_READER_CONNECT_OPTIONS);
    // Lax, as a legacy source may be: '' ENUM members, zero dates, invalid dates exist.
    await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
    await conn.query(ALL_TYPES_DDL(`${quoteId(src)}.t`));
    await conn.query(ALL_TYPES_DDL(`${quoteId(dst)}.t`));
    for (const sql of ALL_TYPES_ROWS(`${quoteId(src)}.t`)) await conn.query(sql);
    await conn.query(MORE_TYPES_DDL(`${quoteId(src)}.m`));
    await conn.query(MORE_TYPES_DDL(`${quoteId(dst)}.m`));
    for (const sql of MORE_TYPES_ROWS(`${quoteId(src)}.m`)) await conn.query(sql);
    await conn.query(`SET SESSION sql_mode = '${WRITER_SQL_MODE}'`);
  });
  after(async () => {
    await conn?.end();
    await pair?.stop();
  });

  it('reads the canonical forms through the binary protocol', async () => {
    const s = await readTableSchema(conn, src, 't');
    const rows = await copyRead(conn, src, s, 1000);
    const row = (id: number) => {
      const r = rows.find((x) => x[0] === id);
      assert.ok(r);
      return Object.fromEntries(s.columns.map((c, i) => [c.name, r[i]]));
    };
    const r1 = row(1);
    assert.equal(r1.bi, '-9223372036854775808');
    assert.equal(r1.bu, '18446744073709551615');
    assert.equal(r1.d, '-12345678901234567890.0123456789');
    assert.equal(r1.f, 0.10000000149011612);
    assert.equal(r1.db, 0.1);
    assert.equal(r1.dtm, '2024-02-29 23:59:59.000001');
    assert.equal(r1.dtm3, '1999-12-31 23:59:59.999');
    assert.equal(r1.ts, '2038-01-19 03:14:07.999999');
    assert.equal(r1.tm, '-838:59:59');
    assert.equal(r1.u8, "héllo 😀 𝄞 'quote' \\ back");
    assert.equal(r1.t8, 'multi\nline\ttab\0nul');
    assert.equal(r1.c8, 'ab');
    assert.deepEqual(r1.lc, Buffer.from('caf\xe9', 'latin1'));
    assert.equal((r1.l1 as Buffer).length, 255);
    assert.equal((r1.sj as Buffer).length, 255);
    assert.equal(r1.j, '{"a": 1.50, "b":[1,2,  3], "c": "é\\u00e9", "big": 18446744073709551616}');
    assert.equal(r1.e, 'é');
    assert.equal(r1.s, 'x,z');
    assert.deepEqual(r1.b10, Buffer.from('02aa', 'hex'));
    assert.deepEqual(r1.bn, Buffer.from('00010000', 'hex'));
    assert.equal(r1.g, -2147483648); // i * 2 overflows INT; lax mode clamps it
    assert.deepEqual([r1.inv, row(2).inv], [-7, 42]);
    assert.equal(r1.gs, "héllo 😀 𝄞 'quote' \\ back!");
    const r2 = row(2);
    assert.deepEqual([r2.dt, r2.dtm, r2.dtm3, r2.tm, r2.tm0, r2.y, r2.e, r2.s], ['0000-00-00', '2020-01-01 00:00:00', '0000-00-00 00:00:00', '-00:00:01.5', '-01:00:00', 0, '', '']);
    assert.equal(r2.f, 3.4028234663852886e38);
    assert.equal(r2.bu, '9007199254740993');
    const r3 = row(3);
    assert.deepEqual([r3.dt, r3.tm, r3.tm0, r3.dtm, r3.f, r3.db], ['2020-02-30', '123:45:06.1', '-00:01:00', '2020-01-01 00:00:00.500000', 1.401298464324817e-45, 5e-324]);
    assert.deepEqual(rows.map((r) => r[0]), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual([row(6).tm, row(6).tm0, row(6).dtm3, row(6).ts], ['-00:59:59.999999', '-00:10:00', '2020-01-01 00:00:00.100', '2020-01-01 00:00:00.000010']);
  });

  it('copies every type byte for byte, in chunks, through multiRowInsertSql', async () => {
    const s = await readTableSchema(conn, src, 't');
    for (const limit of [1, 2, 1000]) {
      await conn.query(`DELETE FROM ${quoteId(dst)}.t`);
      const rows = await copyRead(conn, src, s, limit);
      assert.equal(rows.length, 7);
      for (let i = 0; i < rows.length; i += 4) {
        await conn.query(multiRowInsertSql(dst, 't', s.columns, rows.slice(i, i + 4), { upsert: false }));
      }
      assert.deepEqual(await diffTables(conn, `${quoteId(src)}.t`, `${quoteId(dst)}.t`, s), []);
    }
    // Replaying the same rows as upserts changes nothing.
    const rows = await copyRead(conn, src, s, 1000);
    await conn.query(multiRowInsertSql(dst, 't', s.columns, rows, { upsert: true, primaryKey: s.primaryKey }));
    assert.deepEqual(await diffTables(conn, `${quoteId(src)}.t`, `${quoteId(dst)}.t`, s), []);
    const [n] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteId(dst)}.t`);
    assert.equal(String(n[0].n), '7');
  });

  it('copies the TEXT/BLOB sizes, wide CHAR, DECIMAL limits, wide ENUM/SET, negative TIME fractions, spatial, INET and UUID types byte for byte, through INSERTs and LOAD DATA', async () => {
    const s = await readTableSchema(conn, src, 'm');
    for (const limit of [1, 1000]) {
      await conn.query(`DELETE FROM ${quoteId(dst)}.m`);
      const rows = await copyRead(conn, src, s, limit);
      assert.equal(rows.length, 3);
      await conn.query(multiRowInsertSql(dst, 'm', s.columns, rows, { upsert: false }));
      assert.deepEqual(await diffTables(conn, `${quoteId(src)}.m`, `${quoteId(dst)}.m`, s), []);
    }
    const rows = await copyRead(conn, src, s, 1000);
    await conn.query(multiRowInsertSql(dst, 'm', s.columns, rows, { upsert: true, primaryKey: s.primaryKey }));
    assert.deepEqual(await diffTables(conn, `${quoteId(src)}.m`, `${quoteId(dst)}.m`, s), []);

    // The text path: the text protocol's bytes into LOAD DATA, and decoded to the same values.
    await conn.query(`DELETE FROM ${quoteId(dst)}.m`);
    const kinds = s.columns.map((c) => valueKind(c));
    assert.deepEqual(s.columns.map((c, i) => textCopyObstacle(c, kinds[i])).filter(Boolean), ['dd is double(10,3), whose text form is rounded to its decimals',
      'i4 is inet4, whose text LOAD DATA would read as binary', 'i6 is inet6, whose text LOAD DATA would read as binary',
      'u1 is uuid, whose text LOAD DATA would read as binary', 'u2 is uuid, whose text LOAD DATA would read as binary']);
    const textOnly = (c: { name: string }) => !['dd', 'i4', 'i6', 'u1', 'u2'].includes(c.name);
    const textCols = s.columns.filter(textOnly);
    const [text] = await conn.query<RowDataPacket[]>({
      sql: `SELECT ${textCols.map((c) => textSelectExpression(c)).join(', ')} FROM ${quoteId(src)}.m ORDER BY id`, rowsAsArray: true, typeCast: false,
    });
    const encoder = new RowEncoder(textCols.map(() => true));
    for (const r of text as unknown as TextValue[][]) encoder.append(r);
    await conn.query({ sql: loadDataStatement(dst, 'm', textCols.map((c) => c.name)), infileStreamFactory: () => Readable.from([encoder.finish()]) });
    await conn.query(`UPDATE ${quoteId(dst)}.m d JOIN ${quoteId(src)}.m s USING (id) SET d.dd = s.dd, d.i4 = s.i4, d.i6 = s.i6, d.u1 = s.u1, d.u2 = s.u2`);
    assert.deepEqual(await diffTables(conn, `${quoteId(src)}.m`, `${quoteId(dst)}.m`, s), []);
    const decoded = (text as unknown as TextValue[][]).map((r) => r.map((v, i) => textValueDecoder(textCols[i], valueKind(textCols[i]))(v)));
    assert.deepEqual(decoded, rows.map((r) => r.filter((_, i) => textOnly(s.columns[i]))));
  });

  // Each key type gets values whose collation or numeric order differs from a naive comparison;
  // chunked reads must return exactly what one ORDER BY pk query returns.
  const keyTables: [string, string, string[]][] = [
    ['k_bigu', 'k BIGINT UNSIGNED NOT NULL', ['0', '1', '9007199254740992', '9007199254740993', '9007199254740994', '18446744073709551614', '18446744073709551615']],
    ['k_big', 'k BIGINT NOT NULL', ['-9223372036854775808', '-9007199254740993', '-1', '0', '9007199254740993', '9223372036854775807']],
    ['k_dec', 'k DECIMAL(30,10) NOT NULL', ["'-1.5'", "'-1.4999999999'", "'0'", "'0.0000000001'", "'12345678901234567890.0000000001'", "'12345678901234567890.0000000002'"]],
    ['k_lat', 'k VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_german1_ci NOT NULL', ["X'4141'", "X'62'", "X'e4'", "X'4f4f'", "X'f6'", "X'5a'", "X'81'", "X'6162'", "X'9d'"]],
    ['k_u3', 'k VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL', ["'a'", "'B'", "'c'", "'é'", "'Z'", "'ß'"]],
    ['k_u4', 'k VARCHAR(20) NOT NULL', ["'a'", "'B'", "'c'", "'😀'", "'Z'", "'e'"]],
    ['k_enum', "k ENUM('zz','aa','mm') NOT NULL", ["'zz'", "'aa'", "'mm'"]],
    ['k_bit', 'k BIT(16) NOT NULL', ["b'1'", "b'1111111111111111'", "b'100000000'"]],
    ['k_dt', 'k DATETIME(6) NOT NULL', ["'0000-00-00 00:00:00'", "'2020-01-01 00:00:00'", "'2020-01-01 00:00:00.000001'", "'1999-12-31 23:59:59.5'"]],
    ['k_time', 'k TIME(3) NOT NULL', ["'-838:59:59'", "'-00:00:00.5'", "'00:00:00'", "'25:00:00'", "'838:59:59'"]],
    ['k_dbl', 'k DOUBLE NOT NULL', ['-1e300', '-0.1', '0', '5e-324', '0.1', '0.30000000000000004', '1e300']],
    ['k_vb', 'k VARBINARY(10) NOT NULL', ["X''", "X'00'", "X'0000'", "X'01'", "X'ff'", "X'ff00'"]],
    ['k_comp', 'a INT NOT NULL, k VARCHAR(10) CHARACTER SET latin1 NOT NULL, c BIGINT UNSIGNED NOT NULL', []],
  ];

  for (const [name, colDef, values] of keyTables) {
    it(`pages through a ${colDef.replace(/ NOT NULL/g, '')} primary key without skipping or repeating rows`, async () => {
      const table = `${quoteId(src)}.${quoteId(name)}`;
      const pk = name === 'k_comp' ? 'a, k, c' : 'k';
      await conn.query(`CREATE TABLE ${table} (${colDef}, pad INT, PRIMARY KEY (${pk}))`);
      await conn.query("SET SESSION sql_mode = ''");
      if (name === 'k_comp') {
        const ks = ["X'41'", "X'61e4'", "X'e4'", "X'5a'"];
        const cs = ['0', '18446744073709551615', '9007199254740993'];
        for (const a of [-1, 0, 2]) for (const k of ks) for (const c of cs) await conn.query(`INSERT INTO ${table} VALUES (${a}, ${k}, ${c}, 0)`);
      } else {
        for (const v of values) await conn.query(`INSERT INTO ${table} VALUES (${v}, 0)`);
      }
      await conn.query(`SET SESSION sql_mode = '${WRITER_SQL_MODE}'`);
      const s = await readTableSchema(conn, src, name);
      const [all] = await conn.execute<RowDataPacket[]>({
        sql: `SELECT ${s.columns.map((c) => c.charset === 'latin1' ? `CAST(${quoteId(c.name)} AS BINARY)` : quoteId(c.name)).join(', ')} FROM ${table} ORDER BY ${pk}`,
        rowsAsArray: true,
      });
      const expected = all as unknown as RowValue[][];
      assert.equal(expected.length, name === 'k_comp' ? 36 : values.length);
      for (const limit of [1, 2, 3]) {
        const got = await copyRead(conn, src, s, limit);
        assert.deepEqual(got, expected, `limit ${limit}`);
      }
    });
  }
});
