// VDiff's comparisons in JS: key order of non-collated types, values by type, and the report's
// samples, limits and second pass.
import { strict as assert } from 'node:assert';
import type { Connection } from '../../../src/mysql/connect';
import { valueKind, type RowValue } from '../../../src/mysql/values';
import { buildKeyOrder, compareDecimals, compareIntegerText, jsonTextEqual, normalizeDecimal, timeMicros, valuesEqual } from '../../../src/activities/vdiff-keys';
import { ReportBuilder, reportLimits, reportValue, rowFormatter } from '../../../src/activities/vdiff-report';
import { walkTable } from '../../../src/activities/vdiff-table';
import { canonicalJson, exactDecimal } from '../../../src/activities/vdiff-json';
import type { RowStream } from '../../../src/activities/vdiff-reader';
import type { TableTarget } from '../../../src/activities/table-target';
import { emptyReport, vdiffOptionsWithDefaults } from '../../../src/workflows/vdiff-api';
import { parseUuid } from '../../../src/client/uuid';
import { col } from '../mysql/columns';

const noConn = {} as Connection; // keys without a collation never ask the server

function table(columns: ReturnType<typeof col>[], pk: number[]): TableTarget {
  return { db: 'd', name: 't', columns: columns.map((c) => c.name), columnSchemas: columns, kinds: columns.map(valueKind), pkIndexes: pk, keyIndex: 'PRIMARY', upsertVerb: 'INSERT', uniqueKeys: [], sharedByStreams: false, exactKeys: true };
}

describe('VDiff key order without collations', () => {
  it('orders integers (BIGINT text beyond 2^53), decimals, TIME, ENUM and binary by value', async () => {
    const cols = [col('big', 'bigint(20) unsigned'), col('d', 'decimal(20,4)'), col('t', 'time(2)'), col('e', "enum('b','a')", { enumValues: ['b', 'a'] }), col('v', 'varbinary(8)')];
    const order = await buildKeyOrder(noConn, 't', cols, [0, 1, 2, 3, 4], 5);
    assert.deepEqual(order.weightSelects, []);
    const row = (big: string, d: string, t: string, e: string, v: number[]): RowValue[] => [big, d, t, e, Buffer.from(v)];
    const base = row('18446744073709551614', '1.5', '10:00:00', 'a', [1]);
    assert.equal(order.compare(base, row('18446744073709551615', '1.5', '10:00:00', 'a', [1])), -1);
    assert.equal(order.compare(base, row('18446744073709551614', '1.4999', '10:00:00', 'a', [1])), 1);
    assert.equal(order.compare(base, row('18446744073709551614', '1.5000', '10:00:00', 'a', [1])), 0);
    assert.equal(order.compare(base, row('18446744073709551614', '1.5', '-100:00:00', 'a', [1])), 1);
    assert.equal(order.compare(base, row('18446744073709551614', '1.5', '10:00:00', 'b', [1])), 1, 'ENUM sorts by index: b before a');
    assert.equal(order.compare(base, row('18446744073709551614', '1.5', '10:00:00', 'a', [1, 0])), -1);
  });

  it('compares decimals, times exactly', () => {
    assert.equal(compareDecimals('-0.10', '-0.1'), 0);
    assert.equal(compareDecimals('-2', '-10'), 1);
    assert.equal(compareDecimals('99999999999999999999.5', '99999999999999999999.49'), 1);
    assert.equal(timeMicros('-838:59:59.000001'), -3020399000001n);
    assert.equal(normalizeDecimal('-000.000'), '0');
    assert.equal(normalizeDecimal('0012.3400'), '12.34');
  });
});

describe('VDiff values by type', () => {
  const eq = (a: RowValue, b: RowValue, type: string) => valuesEqual(a, b, valueKind(col('c', type)), col('c', type));
  it('matches by value what differs only in form, and nothing else', () => {
    assert.ok(eq('1.50', '1.5', 'decimal(10,2)'));
    assert.ok(!eq('1.50', '1.51', 'decimal(10,2)'));
    assert.ok(eq(0.1, 0.1, 'double'));
    assert.ok(!eq(0.1, 0.10000000000000002, 'double'));
    assert.ok(eq('2024-01-01 00:00:01.500000', '2024-01-01 00:00:01.5', 'datetime(6)'));
    assert.ok(!eq('2024-01-01 00:00:01', '2024-01-01 00:00:02', 'datetime'));
    assert.ok(eq('{"a":1,"b":[1,2]}', '{"b": [1, 2], "a": 1.0}', 'json'));
    assert.ok(!eq('{"a":1}', '{"a":"1"}', 'json'));
    assert.ok(!eq('Apple', 'apple', 'varchar(10)'), 'a case change in a value is a difference');
    assert.ok(!eq('', null, 'varchar(10)'));
    assert.ok(eq(null, null, 'varchar(10)'));
    assert.ok(eq(Buffer.from([0, 1]), Buffer.from([0, 1]), 'varbinary(4)'));
    assert.ok(!eq(Buffer.from([0, 1]), Buffer.from([0, 1, 0]), 'varbinary(4)'));
    assert.ok(eq('18446744073709551615', '18446744073709551615', 'bigint(20) unsigned'));
    assert.ok(!jsonTextEqual('{"a":1}', 'not json'));
  });

  it('compares JSON documents losslessly: numbers exactly, duplicate keys kept, spacing and key order aside', () => {
    assert.ok(jsonTextEqual('{"a": 1, "b": [1.0, 2e2, "x\\u00e9"]}', '{"b":[1,200,"xé"],"a":1}'));
    assert.ok(jsonTextEqual('[0.5, -0.0, 1E+2, 12.300]', '[5e-1,0,100,12.3]'));
    assert.ok(!jsonTextEqual('{"id":9007199254740993}', '{"id":9007199254740992}'), 'integers beyond 2^53');
    assert.ok(!jsonTextEqual('{"a":1,"a":2}', '{"a":2}'), 'a duplicate key is not dropped');
    assert.ok(!jsonTextEqual('{"a":1,"a":2}', '{"a":2,"a":1}'), 'duplicate keys keep their order');
    assert.ok(!jsonTextEqual('[1e400]', '[2e400]'));
    assert.ok(!jsonTextEqual('0.1000000000000000000001', '0.1'));
    assert.ok(!jsonTextEqual('[1,2]', '[2,1]'));
    assert.ok(!jsonTextEqual('{"a":null}', '{}'));
    for (const bad of ['{"a":1', '[1,]', '01', '{"a" 1}', '"\u0001\u0001', 'nul', '[1] x']) assert.equal(canonicalJson(bad), undefined, bad);
    assert.equal(exactDecimal('-12.3400e2'), '-1234e0');
    assert.equal(exactDecimal('0.000'), '0');
    assert.equal(exactDecimal('1200'), '12e2');
  });
});

describe('VDiff report', () => {
  const t = table([col('id', 'int(11)'), col('name', 'varchar(300)'), col('blob', 'blob')], [0]);
  const opts = vdiffOptionsWithDefaults();

  it('renders rows as Vitess does: key first and never cut, values cut with the notation, binary as hex', () => {
    const long = 'x'.repeat(200);
    const fmt = rowFormatter(t, { ...opts, debugQuery: true });
    assert.deepEqual(fmt([7, long, Buffer.from('ab')]), {
      Row: { blob: '0x6162', id: '7', name: `${'x'.repeat(128)}...[TRUNCATED]` },
      Query: "select id, name, blob from t where id=7;",
    });
    assert.deepEqual(rowFormatter(t, { ...opts, onlyPks: true })([7, 'a', null]), { Row: { id: '7' } });
    assert.equal(reportValue(null, valueKind(col('c', 'int')), null, 128), 'NULL');
    // Not worth cutting below the notation plus 20 characters.
    assert.equal(reportValue('y'.repeat(160), valueKind(col('c', 'varchar(300)')), 'utf8mb4', 128), 'y'.repeat(160));
  });

  it('keeps samples within --max-report-sample-rows, and pairs identical extra rows in the second pass', () => {
    const b = new ReportBuilder(emptyReport('t'), reportLimits({ maxReportSampleRows: 2, maxExtraRowsToCompare: 1000 }), rowFormatter(t, opts));
    for (let i = 0; i < 5; i++) b.mismatched([i, 'a', null], [i, 'b', null]);
    for (let i = 0; i < 4; i++) b.extraSource([100 + i, 'x', null]);
    b.extraTarget([102, 'x', null]);
    b.matching();
    const r = b.finish();
    assert.equal(r.MismatchedRowsSample!.length, 2);
    assert.deepEqual([r.ProcessedRows, r.MatchingRows, r.MismatchedRows, r.ExtraRowsSource, r.ExtraRowsTarget], [11, 2, 5, 3, 0]);
    assert.deepEqual(r.ExtraRowsSourceSample!.map((d) => d.Row!.id), ['100', '101']);
    assert.equal(r.ExtraRowsTargetSample, undefined);
  });

  it('keeps at most MAX_SAMPLES_WHEN_ALL with 0 (all), and bounds the samples\' bytes', () => {
    const b = new ReportBuilder(emptyReport('t'), reportLimits({ maxReportSampleRows: 0, maxExtraRowsToCompare: 0 }), rowFormatter(t, { ...opts, rowDiffColumnTruncateAt: 0 }));
    for (let i = 0; i < 3000; i++) b.extraTarget([i, 'z'.repeat(250), null]);
    const r = b.finish();
    assert.equal(r.ExtraRowsTarget, 3000);
    assert.ok(JSON.stringify(r).length < 70 * 1024, `report is ${JSON.stringify(r).length} bytes`);
  });
});

describe('VDiff uuids (Go uuid.Parse)', () => {
  it('accepts its forms and says why not', () => {
    assert.equal(parseUuid('A037A9E2-5628-11EE-8C99-0242AC120002'), 'a037a9e2-5628-11ee-8c99-0242ac120002');
    assert.equal(parseUuid('{a037a9e2-5628-11ee-8c99-0242ac120002}'), 'a037a9e2-5628-11ee-8c99-0242ac120002');
    assert.equal(parseUuid('urn:uuid:a037a9e2-5628-11ee-8c99-0242ac120002'), 'a037a9e2-5628-11ee-8c99-0242ac120002');
    assert.equal(parseUuid('a037a9e2562811ee8c990242ac120002'), 'a037a9e2-5628-11ee-8c99-0242ac120002');
    assert.throws(() => parseUuid('abc'), /^Error: invalid UUID length: 3$/);
    assert.throws(() => parseUuid('g037a9e2-5628-11ee-8c99-0242ac120002'), /^Error: invalid UUID format$/);
  });
});

describe('VDiff integer keys as text', () => {
  it('orders canonical integer text by value, as BigInt does', () => {
    const values = ['-9223372036854775808', '-100', '-99', '-10', '-9', '-1', '0', '1', '9', '10', '99', '100', '9223372036854775807', '18446744073709551615'];
    for (const a of values) {
      for (const b of values) {
        const want = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        assert.equal(compareIntegerText(a, b), want, `${a} vs ${b}`);
      }
    }
  });
});

describe('VDiff table walk', () => {
  const rows = (list: RowValue[][]): RowStream => {
    let i = 0;
    return { ready: () => true, head: () => list[i], peek: () => Promise.resolve(list[i]), take: () => { i++; } } as unknown as RowStream;
  };
  // A case-insensitive PAD SPACE key: the order compares weights (upper case, no trailing spaces, at index 2).
  const weight = (s: string) => Buffer.from(s.toUpperCase().replace(/ +$/, ''));
  const order = { weightSelects: ['w'], compare: (a: readonly RowValue[], b: readonly RowValue[]) => Buffer.compare(a[2] as Buffer, b[2] as Buffer) } as never;
  const t = table([col('k', 'varchar(10)', { collation: 'utf8mb4_general_ci' }), col('v', 'int(11)')], [0]);

  it('reports a target row whose key equals the source\'s only by collation (case, trailing spaces) as mismatched', async () => {
    const report = new ReportBuilder(emptyReport('t'), reportLimits(vdiffOptionsWithDefaults({})), rowFormatter(t, vdiffOptionsWithDefaults({})));
    const end = await walkTable({
      table: t, order, report, limit: Number.MAX_SAFE_INTEGER, checkpoint: () => Promise.resolve(), shouldPause: () => false, checkpointRows: 1e9, checkpointMs: 1e9,
      source: rows([['Apple', 1, weight('Apple')], ['pear', 2, weight('pear')], ['x', 3, weight('x')]]),
      target: rows([['APPLE', 1, weight('APPLE')], ['pear ', 2, weight('pear ')], ['x', 3, weight('x')]]),
    });
    assert.equal(end, 'done');
    const r = report.finish();
    assert.equal(r.MatchingRows, 1);
    assert.equal(r.MismatchedRows, 2);
  });
});
