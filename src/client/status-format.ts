// `Migrate status` output: Vitess's WorkflowStatusResponse (text and protojson, vitess-facts.md
// §1.3, byte for byte where Vitess defines it) plus what Vitess leaves out for Migrate, always as
// additions: the Table Copy Status block (Vitess skips it for Migrate), copy progress with rate
// and ETA, lag and retries per stream, the migration phase, errors and the cutover result.
// The text additions come after Vitess's last line; the JSON ones are extra keys.
import type { CutoverResult } from '../workflows/api';
import type { JsonValue } from '../topo';
import { cutoverSummaryLine, cutoverToJSON, utcTime } from './cutover-format';
import { estimateCopy, formatDuration } from './eta';
import {
  copyInProgress,
  liveCopyRate,
  percentage,
  STALE_HEARTBEAT_SECONDS,
  streamRows,
  tableRows,
  type MigrateView,
  type StreamRow,
  type TableRow,
  type TabletAlias,
} from './status-model';

/** Migrate never switches traffic (vitess-facts.md §1.3: State.String() with nothing switched). */
export const MIGRATE_TRAFFIC_STATE = 'Reads Not Switched. Writes Not Switched';

export interface ShardStreamState {
  id: number;
  tablet: TabletAlias;
  sourceShard: string;
  position: string;
  status: string;
  info: string;
  // additions
  lagSeconds?: number;
  lastError?: string;
  retryAttempt?: number;
  rowsCopied?: number;
}

export interface MigrationSummary {
  phase: string;
  details: string;
  startedAt: number;
  phaseStartedAt?: number;
  rowsCopied: number;
  rowsTotal: number;
  rowsPercentage: number;
  copyComplete: boolean;
  rowsPerSecond?: number;
  etaSeconds?: number;
  errors: string[];
  /** When each error was noted (absent for runs from before the workflow recorded it). */
  errorTimes: (number | undefined)[];
  cutover?: CutoverResult;
}

export interface StatusResponse {
  /** Only while the copy is under way, as Vitess reports it. */
  tableCopyState: TableRow[];
  /** Keyed `<target keyspace>/<shard>`. */
  shardStreams: Record<string, ShardStreamState[]>;
  trafficState: string;
  /** Ours; absent in a pure Vitess response. */
  migration?: MigrationSummary;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.ANSIC layout (`Mon Jan _2 15:04:05 2006`), in UTC. */
export function ansicTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function rowsCopiedOf(row: StreamRow): number {
  return Object.values(row.tables).reduce((sum, p) => sum + p.rowsCopied, 0);
}

/**
 * The info text of one stream, built as Vitess builds it (error message; `VStream has not
 * started`; else `VStream Lag: <n>s` and `; Tx time: <ANSIC>` joined by "; ") with our items
 * after Vitess's: what is being copied and how fast, a retry in progress, a held-up copy.
 */
export function streamInfo(row: StreamRow, nowMs: number): string {
  if (row.state === 'Error') {
    return row.retryAttempt !== undefined ? `${row.message} (attempt ${row.retryAttempt}, retrying)` : row.message;
  }
  const items: string[] = [];
  if (row.position === '') {
    items.push('VStream has not started');
  } else {
    const heartbeatAge = row.timeUpdated > 0 ? nowMs / 1000 - row.timeUpdated : 0;
    if ((row.state === 'Running' || row.state === 'Copying') && heartbeatAge > STALE_HEARTBEAT_SECONDS) items.push('VStream may not be running');
    if (row.lagSeconds !== undefined) items.push(`VStream Lag: ${Math.round(row.lagSeconds)}s`);
    if (row.transactionTimestamp > 0) items.push(`; Tx time: ${ansicTime(row.transactionTimestamp)}`);
  }
  if (row.state === 'Copying') {
    const tables = Object.values(row.tables);
    const done = tables.filter((t) => t.done).length;
    if (row.copying) {
      items.push(`Copying ${row.copying.table}: ${row.copying.rowsCopied} rows copied, ${Math.round(row.copying.rowsPerSecond)} rows/s scanned`);
    }
    items.push(`${done} of ${tables.length} tables copied`);
  }
  if (row.drained) items.push('Drained to the cutover positions');
  if (row.message) items.push(row.message);
  if (items.length === 0) items.push(row.state === 'Running' ? 'VStream Lag: unknown (no catch-up heartbeat yet)' : 'Stopped; Workflow start resumes it');
  return items.join('; ');
}

function summarize(view: MigrateView, tables: TableRow[], inCopy: boolean): MigrationSummary {
  const { status } = view;
  const rowsCopied = tables.reduce((sum, t) => sum + t.rowsCopied, 0);
  const rowsTotal = tables.reduce((sum, t) => sum + t.rowsTotal, 0);
  const copying = tables.filter((t) => t.phase !== 'COMPLETE');
  const eta = estimateCopy({
    rowsCopied: copying.reduce((sum, t) => sum + t.rowsCopied, 0),
    rowsTotal: copying.reduce((sum, t) => sum + t.rowsTotal, 0),
    liveRate: liveCopyRate(view),
    copyStartedAt: status.phaseTimes.Copying,
    rowsCopiedSinceStart: rowsCopied,
    now: view.now,
  });
  return {
    phase: status.phase,
    details: status.details,
    startedAt: status.startedAt,
    phaseStartedAt: status.phaseTimes[status.phase],
    rowsCopied,
    rowsTotal,
    rowsPercentage: percentage(rowsCopied, rowsTotal),
    copyComplete: !inCopy && tables.length > 0 && tables.every((t) => t.phase === 'COMPLETE'),
    rowsPerSecond: inCopy ? eta.rate : undefined,
    etaSeconds: inCopy ? eta.seconds : undefined,
    errors: [...status.errors],
    errorTimes: status.errors.map((_, i) => status.errorTimes?.[i]),
    cutover: status.cutover,
  };
}

export function buildStatusResponse(view: MigrateView): StatusResponse {
  const rows = streamRows(view);
  const tables = tableRows(view, rows);
  const inCopy = copyInProgress(view, tables);
  const shardStreams: Record<string, ShardStreamState[]> = {};
  for (const row of rows) {
    const key = `${view.status.targetKeyspace}/${row.shard}`;
    (shardStreams[key] ??= []).push({
      id: row.id,
      tablet: row.tablet,
      sourceShard: `${view.status.sourceKeyspace}/${row.sourceShard}`,
      position: row.position,
      status: row.state,
      info: streamInfo(row, view.now),
      lagSeconds: row.lagSeconds,
      lastError: row.state === 'Error' ? row.message : '',
      retryAttempt: row.retryAttempt,
      rowsCopied: rowsCopiedOf(row),
    });
  }
  return {
    tableCopyState: inCopy ? tables : [],
    shardStreams,
    trafficState: MIGRATE_TRAFFIC_STATE,
    migration: summarize(view, tables, inCopy),
  };
}

// ---- text ----

function tableLine(t: TableRow): string {
  return `\t${t.table}: RowsCopied:${t.rowsCopied}, RowsTotal:${t.rowsTotal}, RowsPercentage:${t.rowsPercentage.toFixed(2)}, ` +
    `BytesCopied:${t.bytesCopied}, BytesTotal:${t.bytesTotal}, BytesPercentage:${t.bytesPercentage.toFixed(2)}, Phase:${t.phase}`;
}

function addendum(m: MigrationSummary): string[] {
  const lines = ['', `Migration Phase: ${m.phase}${m.phaseStartedAt ? ` (since ${utcTime(m.phaseStartedAt)})` : ''}`];
  if (m.details) lines.push(`Details: ${m.details}`);
  if (m.copyComplete) {
    lines.push(`Copy Progress: complete, ${m.rowsCopied} rows copied`);
  } else if (m.rowsPerSecond !== undefined) {
    const eta = m.etaSeconds !== undefined ? formatDuration(m.etaSeconds) : 'unknown';
    lines.push(`Copy Progress: ${m.rowsCopied} of ~${m.rowsTotal} rows (${m.rowsPercentage.toFixed(2)}%), ${Math.round(m.rowsPerSecond)} rows/s, ETA: ${eta}`);
  }
  if (m.errors.length > 0) {
    lines.push('Errors:');
    // Oldest first, each with its time: a refusal noted before a later clean cutover stays in
    // the list, and its time tells it from the latest.
    m.errors.forEach((e, i) => {
      const at = m.errorTimes[i];
      lines.push(`\t${at !== undefined ? `${utcTime(at)}: ` : ''}${e}`);
    });
  }
  if (m.cutover) lines.push(`Cutover: ${cutoverSummaryLine(m.cutover)}`);
  return lines;
}

/** The text vtctldclient prints (with a final newline), then our addendum when there is one. */
export function formatStatusText(resp: StatusResponse, targetKeyspace: string, workflow: string): string {
  let out = `The following vreplication streams exist for workflow ${targetKeyspace}.${workflow}:\n\n`;
  for (const key of Object.keys(resp.shardStreams).sort()) {
    for (const s of resp.shardStreams[key]) {
      out += `id=${s.id} on ${targetKeyspace}/${s.tablet.cell}-${s.tablet.uid}: Status: ${s.status}. ${s.info}.\n`;
    }
  }
  if (resp.tableCopyState.length > 0) {
    out += '\nTable Copy Status:';
    for (const t of resp.tableCopyState) out += `\n${tableLine(t)}`;
    out += '\n';
  }
  out += `\nTraffic State: ${resp.trafficState}`;
  if (resp.migration) out += `\n${addendum(resp.migration).join('\n')}`;
  return `${out}\n`;
}

// ---- JSON ----

/** protojson prints float32 with its shortest round-tripping form (Go's FormatFloat(v, 'g', -1, 32)). */
export function float32JSON(value: number): number {
  const f = Math.fround(value);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function migrationJSON(m: MigrationSummary): JsonValue {
  return {
    phase: m.phase,
    details: m.details,
    started_at: new Date(m.startedAt).toISOString(),
    phase_started_at: m.phaseStartedAt !== undefined ? new Date(m.phaseStartedAt).toISOString() : null,
    rows_copied: m.rowsCopied,
    rows_total: m.rowsTotal,
    rows_percentage: float32JSON(m.rowsPercentage),
    copy_complete: m.copyComplete,
    rows_per_second: m.rowsPerSecond !== undefined ? Math.round(m.rowsPerSecond) : null,
    eta_seconds: m.etaSeconds ?? null,
    errors: m.errors,
    error_times: m.errorTimes.map((t) => (t !== undefined ? new Date(t).toISOString() : null)),
    cutover: m.cutover ? cutoverToJSON(m.cutover) : null,
  };
}

/**
 * WorkflowStatusResponse as vtctldclient's MarshalJSONPretty prints it (snake_case, unpopulated
 * fields emitted, int64 as strings, maps sorted by key), plus our keys: per stream `lag_seconds`,
 * `last_error`, `retry_attempt`, `rows_copied`, and a top-level `migration` object.
 */
export function statusToJSON(resp: StatusResponse): JsonValue {
  const tableCopyState: Record<string, JsonValue> = {};
  for (const t of resp.tableCopyState) {
    tableCopyState[t.table] = {
      rows_copied: String(t.rowsCopied),
      rows_total: String(t.rowsTotal),
      rows_percentage: float32JSON(t.rowsPercentage),
      bytes_copied: String(t.bytesCopied),
      bytes_total: String(t.bytesTotal),
      bytes_percentage: float32JSON(t.bytesPercentage),
      phase: t.phase,
    };
  }
  const shardStreams: Record<string, JsonValue> = {};
  for (const key of Object.keys(resp.shardStreams).sort()) {
    shardStreams[key] = {
      streams: resp.shardStreams[key].map((s) => {
        const stream: Record<string, JsonValue> = {
          id: s.id,
          tablet: { cell: s.tablet.cell, uid: s.tablet.uid },
          source_shard: s.sourceShard,
          position: s.position,
          status: s.status,
          info: s.info,
        };
        if (resp.migration) {
          stream.lag_seconds = s.lagSeconds ?? null;
          stream.last_error = s.lastError ?? '';
          stream.retry_attempt = s.retryAttempt ?? null;
          stream.rows_copied = s.rowsCopied ?? 0;
        }
        return stream;
      }),
    };
  }
  const out: Record<string, JsonValue> = {
    table_copy_state: tableCopyState,
    shard_streams: shardStreams,
    traffic_state: resp.trafficState,
  };
  if (resp.migration) out.migration = migrationJSON(resp.migration);
  return out;
}

