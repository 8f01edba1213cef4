import { strict as assert } from 'node:assert';
import { buildShowResponse } from '../../../src/client/show-format';
import { cutoverOk, cutoverToJSON, formatCutoverText } from '../../../src/client/cutover-format';
import { estimateCopy, formatDuration } from '../../../src/client/eta';
import { updateResponse } from '../../../src/client/workflow';
import type { MigrateView } from '../../../src/client/status-model';
import type { CutoverResult } from '../../../src/workflows/api';
import { catchUpHeartbeat, copyHeartbeat, GTID, migrateStatus, NOW, progress, shard, stream } from './fixtures';

type Json = Record<string, unknown>;

function showView(): MigrateView {
  return {
    now: NOW,
    status: migrateStatus({
      phase: 'Copying',
      shards: [
        shard('-80', 'zone1-100', 'Copying', [stream('-80', 'Copying', { corder: progress(200, true), customer: progress(40, false) })]),
        shard('80-', 'zone1-200', 'Running', [
          { ...stream('-80', 'Running', { corder: progress(10, true), customer: progress(5, true) }), id: 1 },
          { ...stream('80-', 'Running', { corder: progress(190, true), customer: progress(95, true) }), id: 2 },
        ]),
      ],
    }),
    live: [
      { shard: '-80', copies: [{ details: copyHeartbeat('-80', 'customer', 50, 25), at: NOW - 2000 }] },
      { shard: '80-', catchUp: { details: { ...catchUpHeartbeat('-80', 3, 1761829500), streams: [
        catchUpHeartbeat('-80', 3, 1761829500).streams[0],
        { ...catchUpHeartbeat('80-', 1, 1761829505).streams[0], id: 2 },
      ] }, at: NOW - 4000 } },
    ],
  };
}

describe('show: GetWorkflowsResponse', () => {
  it('prints one Migrate workflow with its source, target and Vitess fields', () => {
    const wf = (buildShowResponse(showView()) as { workflows: Json[] }).workflows[0];
    assert.deepEqual(Object.keys(wf), [
      'name', 'source', 'target', 'max_v_replication_lag', 'shard_streams', 'workflow_type', 'workflow_sub_type',
      'max_v_replication_transaction_lag', 'defer_secondary_keys', 'options',
    ]);
    assert.equal(wf.name, 'commerce2customer');
    assert.deepEqual(wf.source, { keyspace: 'commerce', shards: ['-80', '80-'] });
    assert.deepEqual(wf.target, { keyspace: 'customer', shards: ['-80', '80-'] });
    assert.equal(wf.workflow_type, 'Migrate');
    assert.equal(wf.workflow_sub_type, 'None');
    assert.equal(wf.max_v_replication_lag, '4');
    // A stream still copying makes the transaction lag MaxInt64, as Vitess reports it.
    assert.equal(wf.max_v_replication_transaction_lag, '9223372036854775807');
    assert.equal(wf.defer_secondary_keys, true);
    assert.deepEqual(Object.keys(wf.shard_streams as Json), ['-80/zone1-0000000100', '80-/zone1-0000000200']);
  });

  it('fills each stream from status and heartbeats: positions, states, copy_states, rows, times', () => {
    const wf = (buildShowResponse(showView()) as { workflows: Json[] }).workflows[0];
    const copying = ((wf.shard_streams as Json)['-80/zone1-0000000100'] as { streams: Json[]; tablet_controls: unknown[]; is_primary_serving: boolean });
    assert.deepEqual(copying.tablet_controls, []);
    assert.equal(copying.is_primary_serving, true);
    const s = copying.streams[0];
    assert.equal(s.id, '1');
    assert.equal(s.shard, '-80');
    assert.deepEqual(s.tablet, { cell: 'zone1', uid: 100 });
    assert.equal(s.position, GTID);
    assert.equal(s.state, 'Copying');
    assert.equal(s.db_name, 'vt_customer');
    assert.deepEqual(s.copy_states, [{ table: 'customer', last_pk: '', stream_id: '1' }]);
    assert.equal(s.rows_copied, '250');
    assert.deepEqual(s.time_updated, { seconds: String((NOW - 2000) / 1000), nanoseconds: 0 });
    assert.deepEqual(s.tablet_types, ['REPLICA', 'PRIMARY']);
    assert.equal(s.tablet_selection_preference, 'INORDER');
    const source = s.binlog_source as Json;
    assert.equal(source.external_cluster, 'ext1');
    assert.equal(source.keyspace, 'commerce');
    assert.equal(source.on_ddl, 'IGNORE');
    const rules = (source.filter as { rules: Json[]; workflow_type: string }).rules;
    // Source shard -80 into target shard -80: every row goes there, no in_keyrange.
    assert.deepEqual(rules.map((r) => r.filter), ['select * from corder', 'select * from customer']);
    assert.equal((source.filter as Json).workflow_type, '3');
  });

  it('filters rows by the target shard\'s key range when a source shard feeds several target shards', () => {
    const wf = (buildShowResponse(showView()) as { workflows: Json[] }).workflows[0];
    const streams = ((wf.shard_streams as Json)['80-/zone1-0000000200'] as { streams: Json[] }).streams;
    const rules = ((streams[0].binlog_source as Json).filter as { rules: Json[] }).rules;
    assert.equal(rules[0].filter, "select * from corder where in_keyrange('80-')");
    // Names that are no bare identifier, or are keywords, are backquoted, as Vitess writes them.
    const view = showView();
    view.status.tables = ['price history', 'order', 'we`ird', 'Orders_2'];
    const quoted = (buildShowResponse(view) as { workflows: Json[] }).workflows[0];
    const qStreams = ((quoted.shard_streams as Json)['80-/zone1-0000000200'] as { streams: Json[] }).streams;
    assert.deepEqual(((qStreams[0].binlog_source as Json).filter as { rules: Json[] }).rules.map((r) => r.filter), [
      "select * from Orders_2 where in_keyrange('80-')",
      "select * from `order` where in_keyrange('80-')",
      "select * from `price history` where in_keyrange('80-')",
      "select * from `we``ird` where in_keyrange('80-')",
    ]);
    assert.deepEqual(streams[1].transaction_timestamp, { seconds: '1761829505', nanoseconds: 0 });
    assert.deepEqual(streams[1].copy_states, []);
  });

  it('restricts shard_streams and target shards to --shards', () => {
    const wf = (buildShowResponse(showView(), { shards: ['80-'] }) as { workflows: Json[] }).workflows[0];
    assert.deepEqual(Object.keys(wf.shard_streams as Json), ['80-/zone1-0000000200']);
    assert.deepEqual(wf.target, { keyspace: 'customer', shards: ['80-'] });
    // Everything replicates: the transaction lag is the oldest transaction's age (NOW is 13:05:10).
    assert.equal(wf.max_v_replication_transaction_lag, '10');
  });
});

const CUTOVER: CutoverResult = {
  positions: { '80-': 'MariaDB/0-2-600', '-80': 'MariaDB/0-1-500' },
  sourceMoved: false,
  verification: [
    { table: 'customer', shard: '80-', sourceRows: 100, targetRows: 100, sourceChecksum: '3f2a', targetChecksum: '3f2a', match: true },
    { table: 'corder', shard: '-80', sourceRows: 200, targetRows: 199, sourceChecksum: '99e1', targetChecksum: '12ab', match: false },
  ],
  mismatches: 1,
  finishedAt: NOW,
};

describe('cutover summary', () => {
  it('prints positions, whether the source moved, the verification table and the verdict', () => {
    assert.equal(formatCutoverText(CUTOVER, 'customer', 'import'), `Cutover of workflow customer.import at 2025-10-30 13:05:10 UTC

Drained every stream to the source positions:
\t-80: MariaDB/0-1-500
\t80-: MariaDB/0-2-600

Source moved during the cutover: no

Verification (rows and checksums per table and target shard):
\tTABLE     SHARD  SOURCE ROWS  TARGET ROWS  SOURCE CHECKSUM  TARGET CHECKSUM  RESULT
\tcorder    -80    200          199          99e1             12ab             MISMATCH
\tcustomer  80-    100          100          3f2a             3f2a             match

Verdict: 1 of 2 table shard(s) MISMATCH: complete is refused until they are fixed (or complete --force)
`);
    assert.equal(cutoverOk(CUTOVER), false);
  });

  it('is ready only when everything matches and the source did not move', () => {
    const clean = { ...CUTOVER, mismatches: 0, verification: [CUTOVER.verification[0]] };
    assert.equal(cutoverOk(clean), true);
    assert.equal(cutoverOk({ ...clean, sourceMoved: true }), false);
    assert.match(formatCutoverText({ ...clean, sourceMoved: true }, 'customer', 'import'), /Verdict: all 1 table shard\(s\) match, but the source took writes to the migrated tables during the cutover/);
  });

  it('has a snake_case JSON form', () => {
    assert.deepEqual(cutoverToJSON(CUTOVER), {
      positions: { '-80': 'MariaDB/0-1-500', '80-': 'MariaDB/0-2-600' },
      source_moved: false,
      verification: [
        { table: 'customer', shard: '80-', source_rows: 100, target_rows: 100, source_checksum: '3f2a', target_checksum: '3f2a', match: true },
        { table: 'corder', shard: '-80', source_rows: 200, target_rows: 199, source_checksum: '99e1', target_checksum: '12ab', match: false },
      ],
      mismatches: 1,
      finished_at: '2025-10-30T13:05:10.000Z',
      vdiff: null,
      vdiff_error: '',
      ready: false,
      verdict: '1 of 2 table shard(s) MISMATCH: complete is refused until they are fixed (or complete --force)',
    });
  });

  const VDIFF_CUTOVER: CutoverResult = {
    positions: { '-80': 'MariaDB/0-1-500' },
    sourceMoved: false,
    verification: [
      { table: 'customer', shard: '-80', sourceRows: 100, targetRows: 101, sourceChecksum: '-', targetChecksum: '-', match: false },
      { table: 'corder', shard: '-80', sourceRows: 200, targetRows: 200, sourceChecksum: '-', targetChecksum: '-', match: true },
    ],
    mismatches: 1,
    finishedAt: NOW,
    vdiff: {
      Workflow: 'import', Keyspace: 'customer', State: 'completed', UUID: 'a1b2c3d4-0000-4000-8000-000000000001', RowsCompared: 300, HasMismatch: true, Shards: '-80',
      TableSummary: {
        corder: { TableName: 'corder', State: 'completed', RowsCompared: 200, MatchingRows: 200, MismatchedRows: 0, ExtraRowsSource: 0, ExtraRowsTarget: 0 },
        customer: { TableName: 'customer', State: 'completed', RowsCompared: 100, MatchingRows: 100, MismatchedRows: 0, ExtraRowsSource: 0, ExtraRowsTarget: 1 },
      },
    },
    vdiffError: '',
  };

  it('shows a cutover VDiff: rows per table and shard (no checksums), the differing tables, where to see the rows', () => {
    assert.equal(formatCutoverText(VDIFF_CUTOVER, 'customer', 'import'), `Cutover of workflow customer.import at 2025-10-30 13:05:10 UTC

Drained every stream to the source positions:
\t-80: MariaDB/0-1-500

Source moved during the cutover: no

Verification (rows per table and target shard):
\tTABLE     SHARD  SOURCE ROWS  TARGET ROWS  RESULT
\tcorder    -80    200          200          match
\tcustomer  -80    100          101          MISMATCH

VDiff a1b2c3d4-0000-4000-8000-000000000001: State: completed, RowsCompared: 300, HasMismatch: true
\tcustomer: MismatchedRows:0, ExtraRowsSource:0, ExtraRowsTarget:1
The differing rows: vtmigrate VDiff --workflow import --target-keyspace customer show a1b2c3d4-0000-4000-8000-000000000001 --format json

Verdict: 1 of 2 table shard(s) MISMATCH: complete is refused until they are fixed (or complete --force)
`);
  });

  it('is not ready when the cutover VDiff did not complete', () => {
    const failed: CutoverResult = { ...VDIFF_CUTOVER, verification: [], mismatches: 0, vdiff: undefined, vdiffError: 'shard -80: tablet zone1-101 is gone' };
    assert.equal(cutoverOk(failed), false);
    const text = formatCutoverText(failed, 'customer', 'import');
    assert.match(text, /\nVerification \(rows per table and target shard\):\n\t\(none\)\n\nVDiff did not complete: shard -80: tablet zone1-101 is gone\n/);
    assert.match(text, /Verdict: the cutover VDiff did not complete \(shard -80: tablet zone1-101 is gone\), so the target is not verified: run cutover again \(complete needs --force\)\n$/);
  });
});

describe('copy ETA', () => {
  it('uses the live rate when heartbeats report one', () => {
    assert.deepEqual(estimateCopy({ rowsCopied: 400, rowsTotal: 1000, liveRate: 50, copyStartedAt: NOW - 1000, now: NOW }), { rate: 50, seconds: 12 });
  });

  it('falls back to the average rate since the copy started', () => {
    assert.deepEqual(estimateCopy({ rowsCopied: 400, rowsTotal: 1000, copyStartedAt: NOW - 100_000, now: NOW }), { rate: 4, seconds: 150 });
  });

  it('gives no ETA without a rate, or once the estimate is passed', () => {
    assert.deepEqual(estimateCopy({ rowsCopied: 0, rowsTotal: 1000, now: NOW }), { rate: 0 });
    assert.deepEqual(estimateCopy({ rowsCopied: 1200, rowsTotal: 1000, liveRate: 10, now: NOW }), { rate: 10 });
  });

  it('prints durations as Go does, rounded to seconds', () => {
    assert.deepEqual([0, 45, 725, 10807].map(formatDuration), ['0s', '45s', '12m5s', '3h0m7s']);
  });
});

describe('Workflow start/stop response', () => {
  it('lists every target primary, sorted, with changed when the state changes there', () => {
    const status = migrateStatus({
      phase: 'Running',
      workflow: 'import',
      shards: [
        shard('80-', 'zone1-200', 'Stopped', []),
        shard('-80', 'zone1-100', 'Running', []),
      ],
    });
    assert.deepEqual(updateResponse('stop', status), {
      summary: 'Successfully updated the import workflow on (2) target primary tablets in the customer keyspace',
      details: [
        { tablet: { cell: 'zone1', uid: 100 }, changed: true },
        { tablet: { cell: 'zone1', uid: 200 }, changed: false },
      ],
    });
    assert.deepEqual((updateResponse('start', status) as { details: Json[] }).details.map((d) => d.changed), [false, true]);
  });
});
