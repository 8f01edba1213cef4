// The binlog row decoder on byte layouts the server documents (strings/decimal.c, the DATE and
// YEAR storage formats, the STRING metadata packing). Every type against a real server:
// test/integration/mysql/binlog.test.ts.
import { strict as assert } from 'node:assert';
import { columnReader, compileRowDecoder, parseTableMap, BinlogType, UnsupportedBinlogColumn, type MapColumn } from '../../../src/mysql/binlog-rows';
import type { ColumnSchema } from '../../../src/mysql/schema';
import { valueKind, type RowValue } from '../../../src/mysql/values';

function column(name: string, dataType: string, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name, ordinal: 1, dataType, columnType: dataType, unsigned: false, nullable: true, generated: false, invisible: false,
    charset: null, collation: null, numericPrecision: null, numericScale: null, datetimePrecision: null, enumValues: null, ...extra,
  };
}

function read(m: MapColumn, col: ColumnSchema, hex: string): { value: RowValue; used: number } {
  const c = { buf: Buffer.from(hex, 'hex'), pos: 0 };
  const value = columnReader(m, col, valueKind(col))(c);
  return { value, used: c.pos };
}

describe('binlog row decoder', () => {
  it('reads DECIMAL(14,4) as in strings/decimal.c: 1234567890.1234 and its negative', () => {
    const dec = column('d', 'decimal', { numericPrecision: 14, numericScale: 4 });
    const m = { type: BinlogType.NewDecimal, meta: 14, meta2: 4 };
    assert.deepEqual(read(m, dec, '810dfb38d204d2'), { value: '1234567890.1234', used: 7 });
    assert.deepEqual(read(m, dec, '7ef204c72dfb2d'), { value: '-1234567890.1234', used: 7 });
  });

  it('reads DECIMAL zero and fractions-only values with the scale the server prints', () => {
    const dec = column('d', 'decimal', { numericPrecision: 5, numericScale: 2 });
    const m = { type: BinlogType.NewDecimal, meta: 5, meta2: 2 };
    // 3 integer digits (2 bytes) + 2 fraction digits (1 byte); the sign bit set means positive.
    assert.deepEqual(read(m, dec, '800000'), { value: '0.00', used: 3 });
    assert.deepEqual(read(m, dec, '800005'), { value: '0.05', used: 3 });
    assert.deepEqual(read(m, dec, '7ffffa'), { value: '-0.05', used: 3 });
    assert.deepEqual(read(m, dec, '807b2d'), { value: '123.45', used: 3 });
  });

  it('reads DATE (day | month << 5 | year << 9), YEAR (1900 + n, 0 as 0) and integers by signedness', () => {
    const date = column('dt', 'date');
    assert.equal(read({ type: BinlogType.Date, meta: 0, meta2: 0 }, date, Buffer.from([(2024 * 512 + 2 * 32 + 29) & 0xff, ((2024 * 512 + 2 * 32 + 29) >> 8) & 0xff, (2024 * 512 + 2 * 32 + 29) >> 16]).toString('hex')).value, '2024-02-29');
    assert.equal(read({ type: BinlogType.Date, meta: 0, meta2: 0 }, date, '000000').value, '0000-00-00');
    const year = column('y', 'year');
    assert.equal(read({ type: BinlogType.Year, meta: 0, meta2: 0 }, year, '00').value, 0);
    assert.equal(read({ type: BinlogType.Year, meta: 0, meta2: 0 }, year, 'ff').value, 2155);
    assert.equal(read({ type: BinlogType.Tiny, meta: 0, meta2: 0 }, column('t', 'tinyint'), 'ff').value, -1);
    assert.equal(read({ type: BinlogType.Tiny, meta: 0, meta2: 0 }, column('t', 'tinyint', { unsigned: true }), 'ff').value, 255);
    assert.equal(read({ type: BinlogType.LongLong, meta: 0, meta2: 0 }, column('b', 'bigint'), '0000000000000080').value, '-9223372036854775808');
    assert.equal(read({ type: BinlogType.LongLong, meta: 0, meta2: 0 }, column('b', 'bigint', { unsigned: true }), 'ffffffffffffffff').value, '18446744073709551615');
    assert.equal(read({ type: BinlogType.LongLong, meta: 0, meta2: 0 }, column('b', 'bigint'), 'ffffffffffffffff').value, '-1');
  });

  it('reads negative TIME2 fractions as my_time_packed_to_binary stores them (unsigned bytes, one second borrowed)', () => {
    // TIME(3) -100:00:00.5: int part (-(100 << 12) - 1) + 0x800000 = 0x79bfff, fraction 0x10000 - 5000 = 0xec78.
    const tm = (fsp: number) => column('tm', 'time', { datetimePrecision: fsp });
    assert.deepEqual(read({ type: BinlogType.Time2, meta: 3, meta2: 0 }, tm(3), '79bfffec78'), { value: '-100:00:00.5', used: 5 });
    // TIME(1) -00:00:00.1: int part -1 + 0x800000 = 0x7fffff, fraction 0x100 - 10 = 0xf6.
    assert.deepEqual(read({ type: BinlogType.Time2, meta: 1, meta2: 0 }, tm(1), '7ffffff6'), { value: '-00:00:00.1', used: 4 });
    // TIME(4) 12:00:00.0001: int part (12 << 12) + 0x800000 = 0x80c000, fraction 1.
    assert.deepEqual(read({ type: BinlogType.Time2, meta: 4, meta2: 0 }, tm(4), '80c0000001'), { value: '12:00:00.0001', used: 5 });
  });

  it('reads DATETIME2 and TIMESTAMP2 right however values repeat and alternate (the last text is reused only for the same stored value)', () => {
    // DATETIME2: ((year * 13 + month) << 5 | day) << 17 | hour << 12 | minute << 6 | second, plus 2^39, 5 bytes big-endian.
    const dt = (y: number, mo: number, d: number, h: number, mi: number, s: number) => {
      const packed = ((y * 13 + mo) * 32 + d) * 0x20000 + (h * 4096 + mi * 64 + s) + 0x8000000000;
      return packed.toString(16).padStart(10, '0');
    };
    const datetime = columnReader({ type: BinlogType.DateTime2, meta: 0, meta2: 0 }, column('d', 'datetime'), valueKind(column('d', 'datetime')));
    const a = dt(2024, 2, 29, 23, 59, 58);
    const b = dt(1999, 12, 31, 0, 0, 1);
    const c = { buf: Buffer.from(a + a + b + a + b + b, 'hex'), pos: 0 };
    assert.deepEqual(Array.from({ length: 6 }, () => datetime(c)),
      ['2024-02-29 23:59:58', '2024-02-29 23:59:58', '1999-12-31 00:00:01', '2024-02-29 23:59:58', '1999-12-31 00:00:01', '1999-12-31 00:00:01']);
    // TIMESTAMP2(2): seconds big-endian, then one fraction byte (hundredths); only the fraction differs.
    const ts = columnReader({ type: BinlogType.Timestamp2, meta: 2, meta2: 0 }, column('t', 'timestamp', { datetimePrecision: 2 }), valueKind(column('t', 'timestamp')));
    const t = { buf: Buffer.from('5a0b2f80' + '07' + '5a0b2f80' + '08' + '5a0b2f80' + '08' + '00000000' + '00', 'hex'), pos: 0 };
    assert.deepEqual(Array.from({ length: 4 }, () => ts(t)), ['2017-11-14 18:01:36.07', '2017-11-14 18:01:36.08', '2017-11-14 18:01:36.08', '0000-00-00 00:00:00']);
  });

  it('unpacks STRING metadata: CHAR over 255 bytes, ENUM and SET sizes', () => {
    // A table map of db.t with CHAR(100) utf8mb4 (400 bytes: 0xee 0x90), ENUM (1 byte), SET (1 byte).
    const body = Buffer.concat([
      Buffer.from('010000000000' + '0100', 'hex'), // table id 1, flags
      Buffer.from([2]), Buffer.from('db\0'), Buffer.from([1]), Buffer.from('t\0'),
      Buffer.from([3, 254, 254, 254]), // 3 columns, all logged as STRING
      Buffer.from([6, 0xee, 0x90, 247, 1, 248, 1]), // metadata
      Buffer.from([0x07]), // nullable bits
    ]);
    const map = parseTableMap(body, 0, body.length);
    assert.deepEqual({ db: map.db, table: map.table, tableId: map.tableId }, { db: 'db', table: 't', tableId: 1 });
    assert.deepEqual(map.columns, [{ type: 254, meta: 400, meta2: 0 }, { type: BinlogType.Enum, meta: 1, meta2: 0 }, { type: BinlogType.Set, meta: 1, meta2: 0 }]);
    const cols = [
      column('c', 'char', { charset: 'utf8mb4' }),
      column('e', 'enum', { enumValues: ['a', 'b'] }),
      column('s', 'set', { enumValues: ['x', 'y', 'z'] }),
    ];
    const decoder = compileRowDecoder(map, cols, cols.map(valueKind));
    // Null bitmap 0; CHAR with a 2-byte length; ENUM index 0 (the invalid member); SET x,z.
    const c = { buf: Buffer.concat([Buffer.from([0]), Buffer.from([3, 0]), Buffer.from('hé'), Buffer.from([0, 0b101])]), pos: 0 };
    assert.deepEqual(decoder.row(c), { c: 'hé', e: '', s: 'x,z' });
    assert.equal(c.pos, c.buf.length);
  });

  it('refuses types it does not read, so the stream can hand the table to zongji', () => {
    assert.throws(() => columnReader({ type: BinlogType.VarCharCompressed, meta: 100, meta2: 0 }, column('v', 'varchar', { charset: 'utf8mb4' }), valueKind(column('v', 'varchar', { charset: 'utf8mb4' }))),
      (err: unknown) => err instanceof UnsupportedBinlogColumn && /column v/.test((err as Error).message));
    assert.throws(() => columnReader({ type: BinlogType.DateTime, meta: 0, meta2: 0 }, column('d', 'datetime'), valueKind(column('d', 'datetime'))), UnsupportedBinlogColumn);
  });
});
