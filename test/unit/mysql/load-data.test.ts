// The copy's text path: LOAD DATA input encoding and text-protocol value decoding.
import { strict as assert } from 'node:assert';
import { loadDataStatement, RowEncoder } from '../../../src/mysql/load-data';
import { RawRow } from '../../../src/mysql/raw-rows';
import type { TextValue } from '../../../src/mysql/text-values';
import { textCopyObstacle, textFieldDecoder, textSelectExpression, textValueDecoder } from '../../../src/mysql/text-values';
import { valueKind } from '../../../src/mysql/values';
import { col } from './columns';

function encodeRows(rows: TextValue[][], mayNeedEscaping: boolean[]): Buffer {
  const e = new RowEncoder(mayNeedEscaping, 4); // a tiny first buffer, so growing is exercised too
  for (const row of rows) e.append(row);
  return e.finish();
}

const b = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

describe('LOAD DATA encoding', () => {
  it('separates fields with tabs, ends rows with newlines and writes NULL as \\N', () => {
    const out = encodeRows([[b('1'), null, b('x')], [b('2'), b(''), null]], [false, true, true]);
    assert.equal(out.toString('latin1'), '1\t\\N\tx\n2\t\t\\N\n');
  });

  it('escapes backslash, tab, newline and NUL, and nothing else (bytes pass through unchanged)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const out = encodeRows([[all]], [true]);
    const want = Buffer.concat([
      b('\\0'), Buffer.from(Array.from({ length: 8 }, (_, i) => i + 1)), b('\\t\\n'),
      Buffer.from(Array.from({ length: 0x5c - 11 }, (_, i) => i + 11)), b('\\\\'),
      Buffer.from(Array.from({ length: 255 - 0x5c }, (_, i) => i + 0x5d)), b('\n'),
    ]);
    assert.deepEqual(out, want);
  });

  it('keeps a value that reads like NULL as text (\\N escaped), and 4-byte characters as they are', () => {
    assert.equal(encodeRows([[b('\\N'), b('😀\r\x1a')]], [true, true]).toString('utf8'), '\\\\N\t😀\r\x1a\n');
  });

  it('copies columns that need no scan as they are', () => {
    assert.equal(encodeRows([[b('-12.50'), b('2024-01-01 00:00:00')]], [false, false]).toString(), '-12.50\t2024-01-01 00:00:00\n');
  });

  it('refuses a row of the wrong width', () => {
    assert.throws(() => encodeRows([[b('1')]], [false, false]), /1 values for 2 columns/);
  });

  it('names the target table and columns, quoted, and loads bytes without conversion', () => {
    assert.equal(loadDataStatement('vt_c', 'ta`b', ['id', 'select']),
      "LOAD DATA LOCAL INFILE 'vtmigrate-rows' INTO TABLE `vt_c`.`ta``b` CHARACTER SET binary FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`,`select`)");
  });
});

/** A text-protocol row packet's payload: each value length-encoded, NULL as 0xfb. */
function rowPacket(row: TextValue[]): Buffer {
  return Buffer.concat(row.map((v) => {
    if (v === null) return Buffer.from([0xfb]);
    const n = v.length;
    const head = n < 251 ? Buffer.from([n]) : n < 1 << 16 ? Buffer.from([0xfc, n & 0xff, n >> 8])
      : n < 1 << 24 ? Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]) : Buffer.concat([Buffer.from([0xfe]), Buffer.from(new BigUint64Array([BigInt(n)]).buffer)]);
    return Buffer.concat([head, v]);
  }));
}

describe('LOAD DATA encoding of raw text-protocol rows', () => {
  const rows: TextValue[][] = [
    [b('1'), null, b('x'), b('')],
    [b('18446744073709551615'), b('tab\there'), Buffer.alloc(300, 'a'), b('é'.repeat(100) + '\\')],
    // Long values take the native scan: with and without bytes to escape, and lengths past 2 and 3 length bytes.
    [b('2'), Buffer.concat([Buffer.alloc(70_000, 'z'), Buffer.from([0])]), Buffer.alloc(64, 'q'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    [null, null, null, null],
  ];
  const escape = [false, true, true, true];

  it('writes exactly what append() writes for the same values, and counts their bytes as rowBytes does', () => {
    const want = new RowEncoder(escape, 4);
    for (const r of rows) want.append(r);
    const got = new RowEncoder(escape, 4);
    const raw = new RawRow();
    const counted = rows.map((r) => {
      // The packet sits inside a larger buffer, as mysql2 hands it over.
      const packet = Buffer.concat([b('junk'), rowPacket(r), b('more')]);
      return got.appendRaw(raw.reset(packet, 4, packet.length - 4));
    });
    assert.deepEqual(got.finish(), want.finish());
    assert.equal(got.rows, rows.length);
    assert.deepEqual(counted, rows.map((r) => r.reduce((n, v) => n + (v === null ? 1 : v.length), 0)));
  });

  it('reads fields one by one, NULL apart from an empty value, and refuses to read past the packet', () => {
    const packet = rowPacket([b('ab'), null, b(''), Buffer.alloc(70_000, 'x')]);
    const raw = new RawRow().reset(packet, 0, packet.length);
    const seen: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      raw.next();
      const v = raw.value();
      seen.push(v === null ? null : v.length > 10 ? `${v.length} bytes` : v.toString());
    }
    assert.deepEqual(seen, ['ab', null, '', '70000 bytes']);
    assert.throws(() => raw.next(), /ended before its last field/);
  });
});

describe('text-protocol values', () => {
  const decode = (columnType: string, text: string | null, extra = {}) => {
    const c = col('c', columnType, extra);
    return textValueDecoder(c, valueKind(c))(text === null ? null : b(text));
  };

  it('decodes into the binary protocol\'s canonical forms', () => {
    assert.equal(decode('int(11)', '-42'), -42);
    assert.equal(decode('bigint(20) unsigned', '18446744073709551615'), '18446744073709551615');
    assert.equal(decode('bigint(20) unsigned zerofill', '00000000000000000042'), '42');
    assert.equal(decode('decimal(10,2)', '-0.50'), '-0.50');
    assert.equal(decode('year(4)', '0000'), 0);
    assert.equal(decode('datetime(6)', '2024-01-02 03:04:05.000000'), '2024-01-02 03:04:05');
    assert.equal(decode('datetime(6)', '2024-01-02 03:04:05.500000'), '2024-01-02 03:04:05.500000');
    assert.equal(decode('date', '0000-00-00'), '0000-00-00');
    assert.equal(decode('time(6)', '-00:00:01.500000'), '-00:00:01.5');
    assert.equal(decode('time(6)', '838:59:59.000000'), '838:59:59');
    assert.equal(decode('double', '0.30000000000000004'), 0.30000000000000004);
    assert.equal(decode('varchar(10)', 'Zoë 😀'), 'Zoë 😀');
    assert.equal(decode('int(11)', null), null);
    const bytes = decode('varbinary(10)', '\x00\xff');
    assert.ok(Buffer.isBuffer(bytes));
  });

  it('decodes a field inside a larger buffer exactly as the value on its own', () => {
    const cases: [string, string][] = [
      ['int(11)', '-42'], ['bigint(20) unsigned', '18446744073709551615'], ['bigint(20) unsigned zerofill', '00000000000000000042'],
      ['decimal(10,2)', '-0.50'], ['year(4)', '0000'], ['datetime(6)', '2024-01-02 03:04:05.000000'], ['time(6)', '-00:00:01.500000'],
      ['double', '0.30000000000000004'], ['varchar(10)', 'Zoë 😀'], ['varbinary(10)', '\x00\xff'],
    ];
    for (const [type, text] of cases) {
      const c = col('c', type);
      const packet = Buffer.concat([b('<<'), b(text), b('>>')]);
      assert.deepEqual(textFieldDecoder(c, valueKind(c))(packet, 2, packet.length - 2), decode(type, text), type);
    }
  });

  it('reads FLOAT through DOUBLE (its exact value) and refuses floats with fixed decimals', () => {
    assert.equal(textSelectExpression(col('f', 'float'), 't'), 'CAST(`t`.`f` AS DOUBLE) AS `f`');
    assert.equal(textSelectExpression(col('d', 'double'), 't'), '`t`.`d`');
    assert.equal(textCopyObstacle(col('f', 'float'), valueKind(col('f', 'float'))), undefined);
    assert.match(textCopyObstacle(col('d', 'double(10,2)', { dataType: 'double' }), valueKind(col('d', 'double(10,2)', { dataType: 'double' }))) ?? '', /rounded to its decimals/);
  });

  it('takes ENUM/SET only in a utf8 charset (labels arrive converted to utf8mb4)', () => {
    const utf8 = col('e', "enum('a','é')");
    const latin1 = col('e', "enum('a','é')", { charset: 'latin1', collation: 'latin1_swedish_ci' });
    assert.equal(textCopyObstacle(utf8, valueKind(utf8)), undefined);
    assert.match(textCopyObstacle(latin1, valueKind(latin1)) ?? '', /ENUM\/SET in latin1/);
  });
});
