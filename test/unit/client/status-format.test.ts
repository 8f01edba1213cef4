import { strict as assert } from 'node:assert';
import { formatJSON } from '../../../src/topo';
import {
  ansicTime,
  buildStatusResponse,
  float32JSON,
  formatStatusText,
  MIGRATE_TRAFFIC_STATE,
  statusToJSON,
  streamInfo,
  type StatusResponse,
} from '../../../src/client/status-format';
import { streamRows, tableRows, type MigrateView, type StreamRow } from '../../../src/client/status-model';
import { catchUpHeartbeat, copyHeartbeat, GTID, migrateStatus, NOW, progress, shard, stream } from './fixtures';
import type { StreamStatus } from '../../../src/workflows/api';

// The upstream vectors of go/cmd/vtctldclient/command/vreplication/common/utils_test.go
// (TestOutputStatusResponse): a pure Vitess response must print byte for byte the same.
const VITESS_RESPONSE: StatusResponse = {
  tableCopyState: [
    { table: 'table1', rowsCopied: 20, rowsTotal: 20, rowsPercentage: 100, bytesCopied: 1000, bytesTotal: 1000, bytesPercentage: 100, phase: 'COMPLETE' },
    { table: 'table2', rowsCopied: 10, rowsTotal: 50, rowsPercentage: 20, bytesCopied: 1000, bytesTotal: 5000, bytesPercentage: 20, phase: 'IN_PROGRESS' },
    { table: 'table3', rowsCopied: 0, rowsTotal: 2000, rowsPercentage: 0, bytesCopied: 0, bytesTotal: 200000, bytesPercentage: 0, phase: 'NOT_STARTED' },
  ],
  shardStreams: {
    'customer/0': [{
      id: 1,
      tablet: { cell: 'zone1', uid: 1 },
      sourceShard: 'commerce/0',
      position: GTID,
      status: 'Copying',
      info: 'VStream Lag: -1s; ; Tx time: Thu Oct 30 13:05:02 2025',
    }],
  },
  trafficState: 'Reads Not Switched. Writes Not Switched',
};

const VITESS_TEXT = `The following vreplication streams exist for workflow customer.commerce2customer:

id=1 on customer/zone1-1: Status: Copying. VStream Lag: -1s; ; Tx time: Thu Oct 30 13:05:02 2025.

Table Copy Status:
\ttable1: RowsCopied:20, RowsTotal:20, RowsPercentage:100.00, BytesCopied:1000, BytesTotal:1000, BytesPercentage:100.00, Phase:COMPLETE
\ttable2: RowsCopied:10, RowsTotal:50, RowsPercentage:20.00, BytesCopied:1000, BytesTotal:5000, BytesPercentage:20.00, Phase:IN_PROGRESS
\ttable3: RowsCopied:0, RowsTotal:2000, RowsPercentage:0.00, BytesCopied:0, BytesTotal:200000, BytesPercentage:0.00, Phase:NOT_STARTED

Traffic State: Reads Not Switched. Writes Not Switched
`;

const VITESS_JSON = `{
  "table_copy_state": {
    "table1": {
      "rows_copied": "20",
      "rows_total": "20",
      "rows_percentage": 100,
      "bytes_copied": "1000",
      "bytes_total": "1000",
      "bytes_percentage": 100,
      "phase": "COMPLETE"
    },
    "table2": {
      "rows_copied": "10",
      "rows_total": "50",
      "rows_percentage": 20,
      "bytes_copied": "1000",
      "bytes_total": "5000",
      "bytes_percentage": 20,
      "phase": "IN_PROGRESS"
    },
    "table3": {
      "rows_copied": "0",
      "rows_total": "2000",
      "rows_percentage": 0,
      "bytes_copied": "0",
      "bytes_total": "200000",
      "bytes_percentage": 0,
      "phase": "NOT_STARTED"
    }
  },
  "shard_streams": {
    "customer/0": {
      "streams": [
        {
          "id": 1,
          "tablet": {
            "cell": "zone1",
            "uid": 1
          },
          "source_shard": "commerce/0",
          "position": "f3918180-b58f-11f0-9085-360472309971:1-29655",
          "status": "Copying",
          "info": "VStream Lag: -1s; ; Tx time: Thu Oct 30 13:05:02 2025"
        }
      ]
    }
  },
  "traffic_state": "Reads Not Switched. Writes Not Switched"
}`;

/** Copy under way: -80 copies `customer` live, 80- keeps failing and Temporal retries it. */
function copyingView(): MigrateView {
  return {
    now: NOW,
    status: migrateStatus({
      shards: [
        shard('-80', 'zone1-100', 'Copying', [stream('-80', 'Copying', { corder: progress(200, true), customer: progress(40, false) })]),
        shard('80-', 'zone1-200', 'Copying', [stream('80-', 'Copying', { corder: progress(150, false), customer: progress(0, false) }, { position: '' })]),
      ],
    }),
    live: [
      { shard: '-80', copies: [{ details: copyHeartbeat('-80', 'customer', 50, 25), at: NOW - 2000 }] },
      { shard: '80-', retries: [{ activity: 'copyTable', attempt: 3, message: 'connect ECONNREFUSED 10.0.0.7:3306' }] },
    ],
  };
}

/** Copy done: -40 replicates live, 40-80's heartbeat is stale, 80- stopped after copy. */
function runningView(): MigrateView {
  const done = { corder: progress(100, true), customer: progress(50, true) };
  return {
    now: NOW,
    status: migrateStatus({
      phase: 'Running',
      details: 'Replicating commerce (mount ext1) into customer',
      phaseTimes: { Validating: NOW - 200_000, Copying: NOW - 100_000, Running: NOW - 60_000 },
      shards: [
        shard('-40', 'zone1-100', 'Running', [stream('-80', 'Running', done)]),
        shard('40-80', 'zone1-200', 'Running', [stream('-80', 'Running', done)]),
        shard('80-', 'zone2-300', 'Stopped', [stream('80-', 'Stopped', done, { message: 'Stopped after copy.' })]),
      ],
      errors: ['cutover refused: the copy is not finished on shards 80-'],
    }),
    live: [
      { shard: '-40', catchUp: { details: catchUpHeartbeat('-80', 2, 1761829502), at: NOW - 1000 } },
      { shard: '40-80', catchUp: { details: catchUpHeartbeat('-80', 0, 0), at: NOW - 120_000 } },
    ],
  };
}

describe('status: Vitess formats', () => {
  it('prints a Vitess response exactly as vtctldclient does (text)', () => {
    assert.equal(formatStatusText(VITESS_RESPONSE, 'customer', 'commerce2customer'), VITESS_TEXT);
  });

  it('prints a Vitess response exactly as vtctldclient does (protojson)', () => {
    assert.equal(formatJSON(statusToJSON(VITESS_RESPONSE)), VITESS_JSON);
  });

  it('omits the Table Copy Status block when no table is copying', () => {
    const text = formatStatusText({ ...VITESS_RESPONSE, tableCopyState: [] }, 'customer', 'commerce2customer');
    assert.equal(text, `The following vreplication streams exist for workflow customer.commerce2customer:

id=1 on customer/zone1-1: Status: Copying. VStream Lag: -1s; ; Tx time: Thu Oct 30 13:05:02 2025.

Traffic State: Reads Not Switched. Writes Not Switched
`);
  });

  it('formats Tx time as Go time.ANSIC in UTC, day padded with a space', () => {
    assert.equal(ansicTime(1761829502), 'Thu Oct 30 13:05:02 2025');
    assert.equal(ansicTime(1762160645), 'Mon Nov  3 09:04:05 2025');
  });

  it('prints float32 percentages in their shortest form, as protojson', () => {
    assert.equal(float32JSON(Math.fround((100 * 1) / 3)), 33.333332);
    assert.equal(float32JSON(20), 20);
    assert.equal(float32JSON(Math.fround(87.5)), 87.5);
  });

  it('uses the traffic state Migrate always has', () => {
    assert.equal(MIGRATE_TRAFFIC_STATE, 'Reads Not Switched. Writes Not Switched');
  });
});

describe('status: a migration copying', () => {
  it('prints stream lines, the Table Copy Status block and the progress addendum', () => {
    const view = copyingView();
    const text = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer');
    assert.equal(text, `The following vreplication streams exist for workflow customer.commerce2customer:

id=1 on customer/zone1-100: Status: Copying. Copying customer: 50 rows copied, 25 rows/s scanned; 1 of 2 tables copied.
id=1 on customer/zone1-200: Status: Error. connect ECONNREFUSED 10.0.0.7:3306 (attempt 3, retrying).

Table Copy Status:
\tcorder: RowsCopied:350, RowsTotal:400, RowsPercentage:87.50, BytesCopied:35000, BytesTotal:40000, BytesPercentage:87.50, Phase:IN_PROGRESS
\tcustomer: RowsCopied:50, RowsTotal:200, RowsPercentage:25.00, BytesCopied:5000, BytesTotal:20000, BytesPercentage:25.00, Phase:IN_PROGRESS

Traffic State: Reads Not Switched. Writes Not Switched

Migration Phase: Copying (since 2025-10-30 13:03:30 UTC)
Details: Copying 2 table(s) from commerce (mount ext1) into customer
Copy Progress: 400 of ~600 rows (66.67%), 25 rows/s, ETA: 8s
`);
  });

  it('says a copy may not be running once its heartbeat is older than Temporal waits for one (a dead worker)', () => {
    const view = copyingView();
    view.live[0].copies![0].at = NOW - 21_000;
    const line = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n')[2];
    assert.equal(line, 'id=1 on customer/zone1-100: Status: Copying. VStream may not be running; Copying customer: 50 rows copied, 25 rows/s scanned; 1 of 2 tables copied.');
    view.live[0].copies![0].at = NOW - 19_000;
    assert.doesNotMatch(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer'), /may not be running/);
  });

  it('takes live rows from the heartbeat, never going below what the child recorded', () => {
    const rows = streamRows(copyingView());
    assert.equal(rows[0].tables.customer.rowsCopied, 50);
    const stale = copyingView();
    stale.live[0].copies![0].details.rowsCopied = 10;
    assert.equal(streamRows(stale)[0].tables.customer.rowsCopied, 40);
  });

  it('classifies tables: NOT_STARTED, IN_PROGRESS, COMPLETE; 100% when the estimate is 0', () => {
    const view = copyingView();
    view.status.tables = ['corder', 'customer', 'empty'];
    view.status.shards[1].streams[0].tables.corder = progress(200, true);
    for (const s of view.status.shards) s.streams[0].tables.empty = progress(0, false);
    const tables = tableRows(view, streamRows(view));
    assert.deepEqual(tables.map((t) => [t.table, t.phase, t.rowsPercentage]), [
      ['corder', 'COMPLETE', 100],
      ['customer', 'IN_PROGRESS', 25],
      ['empty', 'NOT_STARTED', 100],
    ]);
  });

  it('emits the Vitess JSON shape with int64 strings, plus the stream and migration additions', () => {
    const json = statusToJSON(buildStatusResponse(copyingView())) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(json), ['table_copy_state', 'shard_streams', 'traffic_state', 'migration']);
    assert.deepEqual(json.table_copy_state.customer, {
      rows_copied: '50', rows_total: '200', rows_percentage: 25, bytes_copied: '5000', bytes_total: '20000', bytes_percentage: 25, phase: 'IN_PROGRESS',
    });
    assert.deepEqual(Object.keys(json.shard_streams), ['customer/-80', 'customer/80-']);
    assert.deepEqual((json.shard_streams['customer/80-'] as { streams: unknown[] }).streams[0], {
      id: 1,
      tablet: { cell: 'zone1', uid: 200 },
      source_shard: 'commerce/80-',
      position: '',
      status: 'Error',
      info: 'connect ECONNREFUSED 10.0.0.7:3306 (attempt 3, retrying)',
      lag_seconds: null,
      last_error: 'connect ECONNREFUSED 10.0.0.7:3306',
      retry_attempt: 3,
      rows_copied: 150,
    });
    assert.deepEqual(json.migration, {
      phase: 'Copying',
      details: 'Copying 2 table(s) from commerce (mount ext1) into customer',
      started_at: '2025-10-30T13:01:50.000Z',
      phase_started_at: '2025-10-30T13:03:30.000Z',
      rows_copied: 400,
      rows_total: 600,
      rows_percentage: 66.666664,
      copy_complete: false,
      rows_per_second: 25,
      eta_seconds: 8,
      errors: [],
      error_times: [],
      cutover: null,
    });
  });

  it('a shard copying two streams side by side: each shows its own live copy, the rates add up, and a retried copy is its stream\'s error only', () => {
    const view: MigrateView = {
      now: NOW,
      status: migrateStatus({
        shards: [shard('40-c0', 'zone1-300', 'Copying', [
          stream('-80', 'Copying', { corder: progress(20, false), customer: progress(0, false) }),
          stream('80-', 'Copying', { corder: progress(30, false), customer: progress(0, false) }, { id: 2, tablet: 'zone1-201' }),
        ])],
      }),
      live: [{
        shard: '40-c0',
        copies: [
          { details: copyHeartbeat('-80', 'corder', 60, 30), at: NOW - 1000 },
          { details: copyHeartbeat('80-', 'corder', 80, 20, { streamId: 2, tablet: 'zone1-201' }), at: NOW - 1000 },
        ],
      }],
    };
    const rows = streamRows(view);
    assert.deepEqual(rows.map((r) => [r.id, r.state, r.tables.corder.rowsCopied]), [[1, 'Copying', 60], [2, 'Copying', 80]]);
    assert.equal(buildStatusResponse(view).migration!.rowsPerSecond, 50);

    // The copy of stream 2 failed and Temporal retries it; its last heartbeat names the stream.
    view.live[0].copies = [view.live[0].copies![0]];
    view.live[0].retries = [{ activity: 'copyTable', attempt: 2, message: 'connect ETIMEDOUT', streamId: 2 }];
    assert.deepEqual(streamRows(view).map((r) => [r.id, r.state, r.message]), [[1, 'Copying', ''], [2, 'Error', 'connect ETIMEDOUT']]);
    // A retried activity without a stream (catch-up: one for the whole shard) is every stream's.
    view.live[0].retries = [{ activity: 'catchUp', attempt: 2, message: 'connect ETIMEDOUT' }];
    assert.deepEqual(streamRows(view).map((r) => r.state), ['Error', 'Error']);
  });

  it('falls back to the average rate since the copy started when no heartbeat is fresh', () => {
    const view = copyingView();
    view.live[0].copies![0].at = NOW - 10 * 60_000;
    const m = buildStatusResponse(view).migration!;
    // 400 rows in 100 s: 4 rows/s for the 200 left.
    assert.equal(m.rowsPerSecond, 4);
    assert.equal(m.etaSeconds, 50);
  });
});

describe('status: a migration replicating', () => {
  it('prints lag and Tx time as Vitess does, a stale stream, a stopped stream and the errors', () => {
    const text = formatStatusText(buildStatusResponse(runningView()), 'customer', 'commerce2customer');
    assert.equal(text, `The following vreplication streams exist for workflow customer.commerce2customer:

id=1 on customer/zone1-100: Status: Running. VStream Lag: 2s; ; Tx time: Thu Oct 30 13:05:02 2025.
id=1 on customer/zone1-200: Status: Running. VStream may not be running; VStream Lag: 0s.
id=1 on customer/zone2-300: Status: Stopped. Stopped after copy.

Traffic State: Reads Not Switched. Writes Not Switched

Migration Phase: Running (since 2025-10-30 13:04:10 UTC)
Details: Replicating commerce (mount ext1) into customer
Copy Progress: complete, 450 rows copied
Errors:
\tcutover refused: the copy is not finished on shards 80-
`);
  });

  it('prints when each error was noted, and the times in JSON', () => {
    // (The test above: a status from a worker before errorTimes prints the notes alone.)
    const view = runningView();
    view.status.errors.push('cutover interrupted: stopped');
    view.status.errorTimes = [Date.parse('2025-10-30T13:05:30Z'), Date.parse('2025-10-30T13:06:07Z')];
    const resp = buildStatusResponse(view);
    const text = formatStatusText(resp, 'customer', 'commerce2customer');
    assert.match(text, /\nErrors:\n\t2025-10-30 13:05:30 UTC: cutover refused: the copy is not finished on shards 80-\n\t2025-10-30 13:06:07 UTC: cutover interrupted: stopped\n$/);
    const json = statusToJSON(resp) as { migration: { errors: string[]; error_times: (string | null)[] } };
    assert.deepEqual(json.migration.errors, ['cutover refused: the copy is not finished on shards 80-', 'cutover interrupted: stopped']);
    assert.deepEqual(json.migration.error_times, ['2025-10-30T13:05:30.000Z', '2025-10-30T13:06:07.000Z']);
  });

  it('says when a stream has not started or has no heartbeat yet', () => {
    const base: StreamRow = {
      shard: '0', tablet: { cell: 'zone1', uid: 100 }, id: 1, sourceShard: '0', position: '', state: 'Running', message: '',
      tables: {}, transactionTimestamp: 0, timeUpdated: 0, sourceTablet: '', drained: false,
    };
    assert.equal(streamInfo(base, NOW), 'VStream has not started');
    assert.equal(streamInfo({ ...base, position: GTID }, NOW), 'VStream Lag: unknown (no catch-up heartbeat yet)');
    assert.equal(streamInfo({ ...base, position: GTID, state: 'Stopped', drained: true }, NOW), 'Drained to the cutover positions');
    assert.equal(streamInfo({ ...base, state: 'Error', message: 'table t has no primary key' }, NOW), 'table t has no primary key');
  });

  it('shows a shard that failed for good as Error with its last error', () => {
    const view = runningView();
    view.status.shards[2] = shard('80-', 'zone2-300', 'Error', [stream('80-', 'Error', {})], 'binlog purged: position 0-1-5 is gone');
    const line = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n')[4];
    assert.equal(line, 'id=1 on customer/zone2-300: Status: Error. binlog purged: position 0-1-5 is gone.');
  });

  it('a shard in Error because one stream\'s copy failed: only that stream is in Error; the other says what it waits for', () => {
    const view = runningView();
    const failing: StreamStatus = { ...stream('80-', 'Error', { corder: progress(10, false) }, { id: 2 }), error: 'table corder: column(s) note of the target are missing in the source' };
    view.status.shards[2] = shard('80-', 'zone2-300', 'Error', [stream('-80', 'Copying', { corder: progress(40, true) }), failing], failing.error);
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n');
    assert.equal(lines[4], 'id=1 on customer/zone2-300: Status: Copying. 1 of 1 tables copied; the shard\'s catch-up waits for the copy of stream id=2 (source shard 80-), in Error.');
    assert.equal(lines[5], 'id=2 on customer/zone2-300: Status: Error. table corder: column(s) note of the target are missing in the source.');
    // Runs from before per-stream errors carry no stream error: every stream of the shard shows it.
    delete failing.error;
    view.status.shards[2].streams[1] = failing;
    assert.deepEqual(streamRows(view).filter((r) => r.shard === '80-').map((r) => r.state), ['Error', 'Error']);
  });

  it('says how many rows of a stream are parked behind another source shard\'s row with the same key', () => {
    const view = runningView();
    view.live[0].catchUp!.details.streams[0].parkedRows = 3;
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n');
    assert.match(lines[2], /^id=1 on customer\/zone1-100: Status: Running\. VStream Lag: 2s; ; Tx time: [^;]+; 3 rows parked: another source shard has a row with the same primary key \(see README, "Parked rows"\)\.$/);
    assert.doesNotMatch(lines[3], /parked/);
    view.live[0].catchUp!.details.streams[0].parkedRows = 1;
    assert.match(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer'), /; 1 row parked: /);
    view.live[0].catchUp!.details.streams[0].parkedRows = 0;
    assert.doesNotMatch(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer'), /parked/);
  });

  it('names the target primary a stream writes to now, not the one of the plan, after a reparent', () => {
    const view = runningView();
    view.live[0].catchUp!.details.targetTablet = 'zone1-101';
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n');
    assert.match(lines[2], /^id=1 on customer\/zone1-101: Status: Running\./);
    assert.match(lines[3], /^id=1 on customer\/zone1-200: /);
    view.live[0] = { shard: '-40', copies: [{ details: copyHeartbeat('-80', 'customer', 10, 5, { targetTablet: 'zone1-102' }), at: NOW - 1000 }] };
    assert.match(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n')[2], /^id=1 on customer\/zone1-102: /);
  });

  it('shows a stream whose start position no tablet has (binlogs purged) as Error, and as Running again once it reads', () => {
    const view = runningView();
    const hb = view.live[0].catchUp!.details.streams[0];
    hb.message = "binlog stream from zone1-101 failed: binlog position '0-100-42' is not available on 127.0.0.1:17401 (binlogs purged, or the position is not in this server's history): gone; picking a tablet again";
    hb.failing = true;
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n');
    assert.equal(lines[2], `id=1 on customer/zone1-100: Status: Error. ${hb.message}.`);
    assert.match(lines[3], /Status: Running\./);
    delete hb.failing;
    hb.message = '';
    assert.match(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n')[2], /^id=1 on customer\/zone1-100: Status: Running\. VStream Lag: 2s/);
  });

  it('adds what another activity of the shard waits for (initStreams with no tablet of --tablet-types)', () => {
    const view = runningView();
    view.live[0].waiting = 'No healthy serving tablet found for streaming, shard commerce.-80, cells [zone1], tabletTypes [RDONLY]';
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').split('\n');
    assert.match(lines[2], /^id=1 on customer\/zone1-100: Status: Running\. VStream Lag: 2s; ; Tx time: [^;]+; No healthy serving tablet found for streaming, shard commerce\.-80, cells \[zone1\], tabletTypes \[RDONLY\]\.$/);
    assert.doesNotMatch(lines[3], /No healthy/);
  });

  it('prefers the child\'s own status over the parent\'s copy', () => {
    const view = runningView();
    view.live.push({ shard: '80-', status: shard('80-', 'zone2-300', 'Running', [stream('80-', 'Running', {})]) });
    assert.equal(streamRows(view).find((r) => r.shard === '80-')!.state, 'Running');
  });

  it('adds the cutover summary when there is one', () => {
    const view = runningView();
    view.status.phase = 'CutoverReady';
    view.status.phaseTimes.CutoverReady = NOW - 5000;
    view.status.errors = [];
    view.status.cutover = {
      positions: { '80-': 'MariaDB/0-2-600', '-80': 'MariaDB/0-1-500' },
      sourceMoved: false,
      verification: [
        { table: 'customer', shard: '-40', sourceRows: 10, targetRows: 10, sourceChecksum: 'a', targetChecksum: 'a', match: true },
      ],
      mismatches: 0,
      finishedAt: NOW - 5000,
    };
    const lines = formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer').trimEnd().split('\n');
    assert.equal(lines[lines.length - 1], 'Cutover: drained to -80@MariaDB/0-1-500, 80-@MariaDB/0-2-600; source moved: no; verification: all 1 table shard(s) match: run complete to finish the migration');
    assert.equal(lines[lines.length - 4], 'Migration Phase: CutoverReady (since 2025-10-30 13:05:05 UTC)');
  });

  it('prints only the header and addendum while the run is still validating', () => {
    const view: MigrateView = { now: NOW, live: [], status: migrateStatus({ phase: 'Validating', details: 'Validating', tables: [], phaseTimes: { Validating: NOW - 1000 } }) };
    assert.equal(formatStatusText(buildStatusResponse(view), 'customer', 'commerce2customer'), `The following vreplication streams exist for workflow customer.commerce2customer:


Traffic State: Reads Not Switched. Writes Not Switched

Migration Phase: Validating (since 2025-10-30 13:05:09 UTC)
Details: Validating
`);
  });
});
