import { strict as assert } from 'node:assert';
import {
  binlogValueNeedsNormalizing, decodeRowFromJson, decodeValueFromJson, encodeRowForJson, encodeValueForJson, escapeValue, normalizeBinlogValue, numberLiteral, quoteString,
  selectExpression, valueKind, ValueKind, type RowValue,
} from '../../../src/mysql/values';
import { col, latin1 } from './columns';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('row values', () => {
  describe('valueKind and selectExpression', () => {
    it('classifies every supported type', () => {
      const vectors: [string, Partial<Parameters<typeof col>[2]>, ValueKind][] = [
        ['tinyint(4)', {}, ValueKind.Integer], ['bigint(20) unsigned', {}, ValueKind.Integer], ['decimal(10,2)', {}, ValueKind.Decimal],
        ['float', {}, ValueKind.Float], ['double', {}, ValueKind.Float], ['year(4)', {}, ValueKind.Year], ['date', {}, ValueKind.Temporal],
        ['datetime(6)', {}, ValueKind.Temporal], ['timestamp(6)', {}, ValueKind.Temporal], ['time(3)', {}, ValueKind.Time],
        ['varchar(10)', {}, ValueKind.Utf8Text], ['text', { charset: 'utf8mb3', collation: 'utf8mb3_general_ci' }, ValueKind.Utf8Text],
        ['longtext', { dataType: 'json' }, ValueKind.Utf8Text], ['varchar(10)', latin1, ValueKind.TextBytes],
        ['char(3)', { charset: 'ascii', collation: 'ascii_general_ci' }, ValueKind.TextBytes], ['varbinary(4)', {}, ValueKind.Bytes],
        ['binary(4)', {}, ValueKind.Bytes], ['longblob', {}, ValueKind.Bytes], ['bit(10)', {}, ValueKind.Bit], ["enum('a')", {}, ValueKind.Enum],
        ["set('a')", {}, ValueKind.Enum], ['point', {}, ValueKind.Bytes], ['geometry', {}, ValueKind.Bytes], ['multipolygon', {}, ValueKind.Bytes],
        ['inet6', {}, ValueKind.FixedBinary], ['uuid', {}, ValueKind.FixedBinary], ['inet4', {}, ValueKind.FixedBinary],
      ];
      for (const [type, extra, kind] of vectors) assert.equal(valueKind(col('c', type, extra)), kind, type);
    });

    it('selects non-utf8 text as its bytes, everything else as is', () => {
      assert.equal(selectExpression(col('a', 'int(11)')), '`a`');
      assert.equal(selectExpression(col('a`b', 'varchar(3)'), 't'), '`t`.`a``b`');
      assert.equal(selectExpression(col('l', 'varchar(3)', latin1), 't'), 'CAST(`t`.`l` AS BINARY) AS `l`');
      // mysql2 would parse a spatial value into an object; its stored bytes are the exact value.
      assert.equal(selectExpression(col('g', 'point')), 'CAST(`g` AS BINARY) AS `g`');
      assert.equal(selectExpression(col('u', 'uuid')), '`u`');
      // A type the value model does not know (MariaDB 11.7's VECTOR, say) is refused, not guessed at.
      assert.throws(() => selectExpression(col('v', 'vector(4)')), /column v has type vector\(4\), which vtmigrate cannot copy exactly/);
    });
  });

  describe('SQL literals', () => {
    it('writes doubles in a form that parses back to the same double', () => {
      const vectors: [number, string][] = [
        [0, '0'], [3, '3'], [-17, '-17'], [0.1, '0.1e0'], [-2.5, '-2.5e0'], [0.10000000149011612, '0.10000000149011612e0'],
        [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [1e21, '1e+21'], [123456789012345680000, '123456789012345680000'],
        [3.4028234663852886e38, '3.4028234663852886e+38'], [-0, '-0e0'], [1.401298464324817e-45, '1.401298464324817e-45'],
      ];
      for (const [n, want] of vectors) {
        assert.equal(numberLiteral(n), want);
        assert.ok(Object.is(Number(want), n), `${want} round-trips to ${n}`);
      }
      assert.throws(() => numberLiteral(NaN), /not a finite number/);
      assert.throws(() => numberLiteral(Infinity), /not a finite number/);
    });

    it('quotes strings with the escapes the server needs', () => {
      assert.equal(quoteString('plain é 😀'), "'plain é 😀'");
      assert.equal(quoteString("it's"), "'it\\'s'");
      assert.equal(quoteString('a\\b'), "'a\\\\b'");
      assert.equal(quoteString('nul\0cr\rlf\nz\x1a'), "'nul\\0cr\\rlf\\nz\\Z'");
      assert.equal(quoteString(''), "''");
      assert.equal(quoteString('tab\t"q"'), "'tab\t\"q\"'");
    });

    it('writes each kind exactly, numbers unquoted', () => {
      const vectors: [RowValue, Parameters<typeof col>, string][] = [
        [null, ['a', 'int(11)'], 'NULL'],
        [42, ['a', 'int(11)'], '42'],
        ['18446744073709551615', ['a', 'bigint(20) unsigned'], '18446744073709551615'],
        ['-9223372036854775808', ['a', 'bigint(20)'], '-9223372036854775808'],
        [18446744073709551615n, ['a', 'bigint(20) unsigned'], '18446744073709551615'],
        ['-12345678901234567890.0123456789', ['a', 'decimal(30,10)'], '-12345678901234567890.0123456789'],
        [0.1, ['a', 'double'], '0.1e0'],
        [0.10000000149011612, ['a', 'float'], '0.10000000149011612e0'],
        [2155, ['a', 'year(4)'], '2155'],
        ['2024-02-29 23:59:59.000001', ['a', 'datetime(6)'], "'2024-02-29 23:59:59.000001'"],
        ['-838:59:59', ['a', 'time'], "'-838:59:59'"],
        ["l'œuvre 😀", ['a', 'varchar(20)'], "'l\\'œuvre 😀'"],
        ['{"a": 1.50}', ['a', 'longtext', { dataType: 'json' }], "'{\"a\": 1.50}'"],
        ['y,z', ['a', "set('x','y','z')"], "'y,z'"],
        [hex('00ff10'), ['a', 'varbinary(4)'], "X'00ff10'"],
        [hex(''), ['a', 'blob'], "X''"],
        [hex('02aa'), ['a', 'bit(10)'], "X'02aa'"],
        [hex('63616681e9'), ['a', 'varchar(9)', latin1], "_latin1 X'63616681e9' COLLATE latin1_swedish_ci"],
        [hex('82a0'), ['a', 'text', { charset: 'sjis', collation: 'sjis_japanese_ci' }], "_sjis X'82a0' COLLATE sjis_japanese_ci"],
      ];
      for (const [v, args, want] of vectors) assert.equal(escapeValue(v, col(...args)), want, `${args[1]}`);
    });

    it('refuses values that do not fit the column instead of guessing', () => {
      assert.throws(() => escapeValue('1; DROP TABLE t', col('a', 'bigint(20)')), /value '1; DROP TABLE t' for column a \(bigint\(20\)\) is not a number/);
      assert.throws(() => escapeValue('1.5', col('a', 'int(11)')), /is not a number/);
      assert.throws(() => escapeValue('0x10', col('a', 'decimal(10,2)')), /is not a number/);
      assert.throws(() => escapeValue(2 ** 53 + 2, col('a', 'bigint(20)')), /is not an exact integer/);
      assert.throws(() => escapeValue(hex('00'), col('a', 'varchar(3)')), /value of JS type Buffer does not fit column a \(varchar\(3\)\)/);
      assert.throws(() => escapeValue('x', col('a', 'blob')), /value of JS type string does not fit column a/);
      assert.throws(() => escapeValue(hex('00'), col('a', 'varchar(3)', { charset: 'latin1;', collation: 'x' })), /unexpected charset/);
    });

    it('writes values without a column by their JS type', () => {
      assert.equal(escapeValue('x'), "'x'");
      assert.equal(escapeValue(1.5), '1.5e0');
      assert.equal(escapeValue(-5n), '-5');
      assert.equal(escapeValue(hex('ab')), "X'ab'");
      assert.equal(escapeValue(null), 'NULL');
    });
  });

  describe('binlog values', () => {
    const norm = (v: unknown, ...args: Parameters<typeof col>) => normalizeBinlogValue(v, col(...args));

    it('gives BIGINT as a decimal string like the copy reader', () => {
      assert.equal(norm(5, 'a', 'bigint(20)'), '5');
      assert.equal(norm(-9007199254740991, 'a', 'bigint(20)'), '-9007199254740991');
      assert.equal(norm('18446744073709551615', 'a', 'bigint(20) unsigned'), '18446744073709551615');
      assert.equal(norm(-128, 'a', 'tinyint(4)'), -128);
      assert.equal(norm(null, 'a', 'bigint(20)'), null);
    });

    it('maps YEAR 0000 and the invalid ENUM member', () => {
      assert.equal(norm(1900, 'y', 'year(4)'), 0);
      assert.equal(norm(2155, 'y', 'year(4)'), 2155);
      assert.equal(norm(undefined, 'e', "enum('a','b')"), '');
      assert.equal(norm('b', 'e', "enum('a','b')"), 'b');
    });

    it('leaves out a zero fraction of DATETIME/TIMESTAMP, as mysql2 does', () => {
      assert.equal(norm('2020-01-01 00:00:00.000000', 'a', 'datetime(6)'), '2020-01-01 00:00:00');
      assert.equal(norm('2020-01-01 00:00:00.500000', 'a', 'datetime(6)'), '2020-01-01 00:00:00.500000');
      assert.equal(norm('2020-01-01 00:00:00.000', 'a', 'timestamp(3)'), '2020-01-01 00:00:00');
      assert.equal(norm('0000-00-00 00:00:00.000000', 'a', 'datetime(6)'), '0000-00-00 00:00:00');
      assert.equal(norm('2024-02-29', 'a', 'date'), '2024-02-29');
    });

    it('trims TIME fractions and repairs zongji\'s negative TIME carry', () => {
      assert.equal(norm('-838:59:59.000000', 'a', 'time(6)'), '-838:59:59');
      assert.equal(norm('123:45:06.100000', 'a', 'time(6)'), '123:45:06.1');
      assert.equal(norm('-00:00:01.500000', 'a', 'time(6)'), '-00:00:01.5');
      assert.equal(norm('-12:00:00.000001', 'a', 'time(6)'), '-12:00:00.000001');
      assert.equal(norm('-00:63:64', 'a', 'time'), '-01:00:00');
      assert.equal(norm('-00:00:64', 'a', 'time'), '-00:01:00');
      assert.equal(norm('-837:63:64', 'a', 'time'), '-838:00:00');
      assert.equal(norm('-00:63:64.000', 'a', 'time(3)'), '-01:00:00');
      assert.equal(norm('-00:00:02', 'a', 'time'), '-00:00:02');
      assert.equal(norm('838:59:59', 'a', 'time'), '838:59:59');
    });

    it('knows which columns need normalizing at all', () => {
      const vectors: [Parameters<typeof col>, boolean][] = [
        [['a', 'int(11)'], false], [['a', 'bigint(20)'], true], [['a', 'decimal(10,2)'], false], [['a', 'double'], false],
        [['a', 'datetime'], false], [['a', 'datetime(6)'], true], [['a', 'timestamp(3)'], true], [['a', 'date'], false], [['a', 'time'], true],
        [['a', 'year(4)'], true], [['a', 'varchar(3)'], false], [['a', 'varchar(3)', latin1], true], [['a', 'blob'], false],
        [['a', 'bit(3)'], false], [['a', "enum('x')"], true], [['a', "set('x')"], true], [['a', 'point'], true],
      ];
      for (const [args, want] of vectors) assert.equal(binlogValueNeedsNormalizing(col(...args)), want, args[1]);
    });

    it('turns binary-decoded non-utf8 text back into its bytes', () => {
      const v = normalizeBinlogValue(Buffer.from([0x63, 0x81, 0xe9, 0xff]).toString('latin1'), col('l', 'varchar(9)', latin1));
      assert.deepEqual(v, hex('6381e9ff'));
      assert.deepEqual(normalizeBinlogValue(hex('00ff'), col('b', 'varbinary(4)')), hex('00ff'));
      assert.throws(() => normalizeBinlogValue({ x: 1 }, col('g', 'point')), /cannot represent binlog value for column g \(point\) exactly: zongji decodes spatial values/);
    });
  });

  describe('JSON', () => {
    it('round-trips every RowValue type exactly', () => {
      const row: RowValue[] = [null, 'text 😀', 0.1, -0, 5e-324, 42, 18446744073709551615n, -9223372036854775808n, hex('00ff'), hex(''), ''];
      const text = encodeRowForJson(row);
      assert.equal(text, '[null,"text 😀",0.1,{"f":"-0"},5e-324,42,{"i":"18446744073709551615"},{"i":"-9223372036854775808"},{"b64":"AP8="},{"b64":""},""]');
      const back = decodeRowFromJson(text);
      assert.equal(back.length, row.length);
      back.forEach((v, i) => {
        if (Buffer.isBuffer(row[i])) assert.deepEqual(v, row[i]);
        else assert.ok(Object.is(v, row[i]), `${i}: ${String(v)}`);
      });
      assert.deepEqual(encodeValueForJson(hex('ff')), { b64: '/w==' });
    });

    it('rejects what it did not encode', () => {
      assert.throws(() => decodeValueFromJson({ i: '1.5' }), /not an encoded row value/);
      assert.throws(() => decodeValueFromJson({ b64: 'AA==', x: 1 }), /not an encoded row value/);
      assert.throws(() => decodeValueFromJson(true), /not an encoded row value/);
      assert.throws(() => decodeRowFromJson('{"a":1}'), /must be a JSON array/);
      assert.throws(() => encodeValueForJson(NaN), /cannot store NaN/);
    });
  });
});
