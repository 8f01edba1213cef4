// The VDiff summary and its outputs against Vitess's rules and texts (vtctl/workflow/vdiff.go
// BuildSummary, vtctldclient vdiff.go's template and gotabulate's grid).
import { strict as assert } from 'node:assert';
import { emptyReport, type DiffReport, type VDiffShardStatus, type VDiffState, type VDiffStatus } from '../../../src/workflows/vdiff-api';
import { vdiffOptionsWithDefaults } from '../../../src/workflows/vdiff-api';
import { buildVDiffSummary, progressReport, vdiffTimestamp } from '../../../src/workflows/vdiff-summary';
import { listingGrid, simpleResponse, summaryJSON, summaryText } from '../../../src/client/vdiff-format';

function report(table: string, counts: Partial<DiffReport> = {}): DiffReport {
  return { ...emptyReport(table), ...counts };
}

function shard(name: string, state: VDiffState, tables: [string, VDiffState, Partial<DiffReport>, number?][], extra: Partial<VDiffShardStatus> = {}): VDiffShardStatus {
  return {
    shard: name, state, startedAt: '2024-01-02 03:04:05.250', completedAt: state === 'completed' ? '2024-01-02 03:04:15.250' : '', lastError: '',
    tables: tables.map(([t, s, r, rows]) => ({ table: t, state: s, tableRows: rows ?? 100, lastUpdated: '', report: report(t, r) })),
    ...extra,
  };
}

function status(shards: VDiffShardStatus[]): VDiffStatus {
  return { uuid: 'u-1', workflow: 'import', targetKeyspace: 'customer', phase: 'scheduled', problem: '', options: vdiffOptionsWithDefaults(), primaries: {}, shards };
}

const now = Date.parse('2024-01-02T03:05:05Z');

describe('VDiff summary', () => {
  it('follows Vitess\'s state rules: stopped, then error, started, pending, completed', () => {
    const state = (shards: VDiffShardStatus[]) => buildVDiffSummary(status(shards), { verbose: false, now }).State;
    const done = (n: string) => shard(n, 'completed', [['t', 'completed', {}]]);
    assert.equal(state([done('-80'), done('80-')]), 'completed');
    assert.equal(state([done('-80'), shard('80-', 'stopped', [['t', 'stopped', {}]])]), 'stopped');
    assert.equal(state([done('-80'), shard('80-', 'started', [['t', 'error', {}]])]), 'error');
    assert.equal(state([done('-80'), shard('80-', 'error', [['t', 'started', {}]])]), 'error');
    assert.equal(state([done('-80'), shard('80-', 'started', [['t', 'started', {}]])]), 'started');
    assert.equal(state([shard('-80', 'pending', [['t', 'pending', {}]]), shard('80-', 'pending', [['t', 'pending', {}]])]), 'pending');
    // Every table completed but a shard not yet marked: still started (a shard may have more sources).
    assert.equal(state([done('-80'), shard('80-', 'started', [['t', 'completed', {}]])]), 'started');
  });

  it('sums counts per table, keeps reports per table and shard only with a mismatch or --verbose', () => {
    const st = status([
      shard('-80', 'completed', [['a', 'completed', { ProcessedRows: 10, MatchingRows: 10 }], ['b', 'completed', { ProcessedRows: 5, MatchingRows: 5 }]]),
      shard('80-', 'completed', [['a', 'completed', { ProcessedRows: 12, MatchingRows: 12 }], ['b', 'completed', { ProcessedRows: 7, MatchingRows: 7 }]]),
    ]);
    const plain = buildVDiffSummary(st, { verbose: false, now });
    assert.deepEqual(Object.keys(plain), ['Workflow', 'Keyspace', 'State', 'UUID', 'RowsCompared', 'HasMismatch', 'Shards', 'StartedAt', 'CompletedAt', 'RowsPerSecond']);
    assert.equal(plain.RowsCompared, 34);
    assert.equal(plain.Shards, '-80,80-');
    assert.equal(plain.StartedAt, '2024-01-02 03:04:05');
    assert.equal(plain.CompletedAt, '2024-01-02 03:04:15');
    assert.equal(plain.RowsPerSecond, 3); // 34 rows in 10 s
    const verbose = buildVDiffSummary(st, { verbose: true, now });
    assert.deepEqual(verbose.TableSummary!.a, { TableName: 'a', State: 'completed', RowsCompared: 22, MatchingRows: 22, MismatchedRows: 0, ExtraRowsSource: 0, ExtraRowsTarget: 0 });
    assert.deepEqual(Object.keys(verbose.Reports!.b), ['-80', '80-']);

    st.shards[1].tables[0].report = report('a', { ProcessedRows: 12, MatchingRows: 11, ExtraRowsTarget: 1, ExtraRowsTargetSample: [{ Row: { id: '7' } }] });
    const mismatch = buildVDiffSummary(st, { verbose: false, now });
    assert.equal(mismatch.HasMismatch, true);
    assert.deepEqual(Object.keys(mismatch.Reports!.a['80-']), ['TableName', 'ProcessedRows', 'MatchingRows', 'MismatchedRows', 'ExtraRowsSource', 'ExtraRowsTarget', 'ExtraRowsTargetSample']);
  });

  it('reports progress and ETA while started (BuildProgressReport)', () => {
    // 25% in 60 s: 60/25 = 2 s per percent, 75 percent to go.
    assert.deepEqual(progressReport(25, 100, '2024-01-02 03:04:05', now), { Percentage: 25, ETA: vdiffTimestamp(now + 150_000) });
    assert.deepEqual(progressReport(0, 100, '2024-01-02 03:04:05', now), { Percentage: 0 });
    assert.deepEqual(progressReport(5, 1000, '2024-01-02 03:04:05', now), { Percentage: 0.5 });
    assert.equal(progressReport(300, 100, '2024-01-02 03:04:05', now).Percentage, 100);
    const s = buildVDiffSummary(status([shard('-80', 'started', [['t', 'started', { ProcessedRows: 50 }], ['u', 'pending', {}]])]), { verbose: false, now, rowsPerSecond: 1234 });
    assert.deepEqual(s.Progress, { Percentage: 25, ETA: vdiffTimestamp(now + 150_000) });
    assert.equal(s.RowsPerSecond, 1234);
    assert.equal(s.CompletedAt, undefined);
  });

  it('prints Vitess\'s text: errors, progress, tables with only the non-zero differences', () => {
    const st = status([
      shard('-80', 'error', [['t', 'error', { ProcessedRows: 50, MatchingRows: 47, MismatchedRows: 2, ExtraRowsTarget: 1 }]], { lastError: 'boom' }),
      shard('80-', 'completed', [['t', 'completed', { ProcessedRows: 50, MatchingRows: 50 }]]),
    ]);
    assert.equal(summaryText(buildVDiffSummary(st, { verbose: false, now })), [
      '',
      'VDiff Summary for customer.import (u-1)',
      'State:        error',
      '              Error: (shard -80) boom',
      'RowsCompared: 100',
      'HasMismatch:  true',
      'StartedAt:    2024-01-02 03:04:05',
      ' ',
      'Table t:',
      '\tState:            error',
      '\tProcessedRows:    100',
      '\tMatchingRows:     97',
      '\tMismatchedRows:   2',
      '\tExtraRowsTarget:  1',
      ' ',
      'Use "--format=json" for more detailed output.',
      '',
    ].join('\n'));
    const started = status([shard('-80', 'started', [['t', 'started', { ProcessedRows: 50, MatchingRows: 50 }]])]);
    assert.match(summaryText(buildVDiffSummary(started, { verbose: false, now, rowsPerSecond: 10 })),
      /\nRowsCompared: 50\nRowsPerSecond: 10\nHasMismatch: {2}false\nStartedAt: {4}2024-01-02 03:04:05\nProgress: {5}50\.00%, ETA: 2024-01-02 03:05:55\n \nUse/);
  });

  it('prints JSON with Go\'s field order and HTML escaping', () => {
    const st = status([shard('-80', 'completed', [['t', 'completed', { ProcessedRows: 1, ExtraRowsSource: 1, ExtraRowsSourceSample: [{ Row: { id: '1' }, Query: "select id from t where id='<1>';" }] }]])]);
    const text = summaryJSON(buildVDiffSummary(st, { verbose: false, now }));
    assert.match(text, /^\{\n {2}"Workflow": "import",\n {2}"Keyspace": "customer",\n {2}"State": "completed",\n {2}"UUID": "u-1",\n {2}"RowsCompared": 1,\n {2}"HasMismatch": true,/);
    assert.match(text, /"Query": "select id from t where id='\\u003c1\\u003e';"/);
  });

  it('lists VDiffs as gotabulate\'s grid, and answers resume/stop/delete', () => {
    assert.equal(listingGrid([
      { UUID: 'a037a9e2-5628-11ee-8c99-0242ac120002', Workflow: 'import', Keyspace: 'customer', Shard: '-80', State: 'completed' },
      { UUID: 'a037a9e2-5628-11ee-8c99-0242ac120002', Workflow: 'import', Keyspace: 'customer', Shard: '80-', State: 'started' },
    ]), [
      '+-----------------------------------------+-------------+-------------+----------+--------------+',
      '|                                    UUID |    Workflow |    Keyspace |    Shard |        State |',
      '+=========================================+=============+=============+==========+==============+',
      '|    a037a9e2-5628-11ee-8c99-0242ac120002 |      import |    customer |      -80 |    completed |',
      '+-----------------------------------------+-------------+-------------+----------+--------------+',
      '|    a037a9e2-5628-11ee-8c99-0242ac120002 |      import |    customer |      80- |      started |',
      '+-----------------------------------------+-------------+-------------+----------+--------------+',
      '',
    ].join('\n'));
    assert.equal(simpleResponse('resume', 'text'), 'VDiff resume scheduled');
    assert.equal(simpleResponse('stop', 'text'), 'VDiff stop completed');
    assert.equal(simpleResponse('delete', 'json'), '{\n  "Action": "delete",\n  "Status": "completed"\n}');
  });
});
