// `Migrate show` / `Workflow show`: GetWorkflowsResponse as vtctldclient prints it (protojson,
// snake_case, every field emitted, enum names, int64 as strings; vitess-facts.md §1.3), filled
// from what the workflows know. Where Vitess reads a column we have no equivalent for (logs,
// lastpk prototext, throttler state) the field keeps its empty value.
import type { FullMigrateRequest, MigrateStatus } from '../workflows/api';
import type { JsonValue } from '../topo';
import { quoteId } from '../mysql/connect';
import { streamRows, type MigrateView, type StreamRow } from './status-model';

/** Int64 max, which Vitess reports as the transaction lag of a stream still copying. */
const MAX_INT64 = '9223372036854775807';
const MIGRATE_WORKFLOW_TYPE = 3;

const vttime = (seconds: number): JsonValue => ({ seconds: String(seconds), nanoseconds: 0 });

/** Whether a target shard name is a key range (a sharded keyspace) rather than `0` / `-`. */
function isKeyRangeShard(shard: string): boolean {
  return shard.includes('-') && shard !== '-';
}

/**
 * The stream's rule, as Vitess writes it for Migrate: every row of the table, or for a sharded
 * target the rows whose keyspace id is in the target shard (in_keyrange's one-argument form uses
 * the table's primary vindex). Skipped when the source shard is exactly the target shard.
 */
function ruleFilter(table: string, row: StreamRow): string {
  const from = `select * from ${filterTableName(table)}`;
  if (!isKeyRangeShard(row.shard) || row.sourceShard === row.shard) return from;
  return `${from} where in_keyrange('${row.shard}')`;
}

/** Reserved words seen as table names; Vitess's SQL formatter backquotes every keyword. */
const RESERVED = new Set(['order', 'group', 'key', 'keys', 'index', 'table', 'select', 'from', 'where', 'desc', 'range', 'read', 'rows',
  'check', 'condition', 'match', 'interval', 'release', 'require', 'schema', 'signal', 'limit', 'option', 'lock', 'unlock', 'change', 'usage']);

/** The table name as Vitess's SQL formatter writes it: bare when it can be, backquoted otherwise. */
function filterTableName(table: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(table) && !RESERVED.has(table.toLowerCase()) ? table : quoteId(table);
}

function binlogSource(status: MigrateStatus, request: FullMigrateRequest | undefined, row: StreamRow): JsonValue {
  return {
    keyspace: status.sourceKeyspace,
    shard: row.sourceShard,
    tablet_type: 'UNKNOWN',
    key_range: null,
    tables: [],
    filter: {
      rules: [...status.tables].sort().map((table) => ({
        match: table,
        filter: ruleFilter(table, row),
        convert_enum_to_text: {},
        convert_charset: {},
        source_unique_key_columns: '',
        target_unique_key_columns: '',
        source_unique_key_target_columns: '',
        convert_int_to_enum: {},
        force_unique_key: '',
      })),
      field_event_mode: 'ERR_ON_MISMATCH',
      workflow_type: String(MIGRATE_WORKFLOW_TYPE),
      workflow_name: status.workflow,
    },
    on_ddl: request?.onDdl ?? 'IGNORE',
    external_mysql: '',
    stop_after_copy: request?.stopAfterCopy ?? false,
    external_cluster: status.mountName,
    source_time_zone: request?.sourceTimeZone ?? '',
    target_time_zone: request?.sourceTimeZone ? 'UTC' : '',
  };
}

function streamJSON(status: MigrateStatus, row: StreamRow): JsonValue {
  const request = status.request;
  const tables = Object.keys(row.tables).sort();
  return {
    id: String(row.id),
    shard: row.shard,
    tablet: { cell: row.tablet.cell, uid: row.tablet.uid },
    binlog_source: binlogSource(status, request, row),
    position: row.position,
    stop_position: status.cutover?.positions[row.sourceShard] && row.drained ? status.cutover.positions[row.sourceShard] : '',
    state: row.state,
    db_name: `vt_${status.targetKeyspace}`,
    transaction_timestamp: vttime(row.transactionTimestamp),
    time_updated: vttime(row.timeUpdated),
    message: row.message,
    copy_states: tables.filter((t) => !row.tables[t].done).map((t) => ({ table: t, last_pk: '', stream_id: String(row.id) })),
    logs: [],
    log_fetch_error: '',
    tags: [],
    rows_copied: String(Object.values(row.tables).reduce((sum, p) => sum + p.rowsCopied, 0)),
    throttler_status: { component_throttled: '', time_throttled: vttime(0) },
    tablet_types: (request?.tabletTypes ?? ['REPLICA', 'PRIMARY']).map((t) => t.toUpperCase()),
    tablet_selection_preference: request?.tabletTypesInPreferenceOrder === false ? 'ANY' : 'INORDER',
    cells: request?.cells ?? [],
  };
}

/** Vitess's max_v_replication_lag: seconds since the stalest stream last reported. */
function maxLag(rows: StreamRow[], nowSeconds: number): number {
  const seen = rows.filter((r) => r.timeUpdated > 0);
  return seen.length === 0 ? 0 : Math.max(...seen.map((r) => Math.max(0, nowSeconds - r.timeUpdated)));
}

/** Vitess's max_v_replication_transaction_lag: MaxInt64 while copying, else the oldest transaction (or update). */
function maxTransactionLag(rows: StreamRow[], nowSeconds: number): string {
  if (rows.some((r) => r.state === 'Copying')) return MAX_INT64;
  const lags = rows.map((r) => {
    const ts = r.transactionTimestamp > 0 ? r.transactionTimestamp : r.timeUpdated;
    return ts > 0 ? Math.max(0, nowSeconds - ts) : 0;
  });
  return String(lags.length === 0 ? 0 : Math.max(...lags));
}

export function buildShowResponse(view: MigrateView, opts: { shards?: string[] } = {}): JsonValue {
  const { status } = view;
  const nowSeconds = Math.floor(view.now / 1000);
  const rows = streamRows(view).filter((r) => !opts.shards?.length || opts.shards.includes(r.shard));
  const shardStreams: Record<string, JsonValue> = {};
  const byKey = new Map<string, StreamRow[]>();
  for (const row of rows) {
    const key = `${row.shard}/${row.tablet.cell}-${String(row.tablet.uid).padStart(10, '0')}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  for (const key of [...byKey.keys()].sort()) {
    shardStreams[key] = { streams: byKey.get(key)!.map((r) => streamJSON(status, r)), tablet_controls: [], is_primary_serving: true };
  }
  const sourceShards = [...new Set(rows.map((r) => r.sourceShard))].sort();
  const targetShards = status.shards.map((s) => s.shard).filter((s) => !opts.shards?.length || opts.shards.includes(s)).sort();
  return {
    workflows: [{
      name: status.workflow,
      source: { keyspace: status.sourceKeyspace, shards: sourceShards },
      target: { keyspace: status.targetKeyspace, shards: targetShards },
      max_v_replication_lag: String(maxLag(rows, nowSeconds)),
      shard_streams: shardStreams,
      workflow_type: 'Migrate',
      workflow_sub_type: 'None',
      max_v_replication_transaction_lag: maxTransactionLag(rows, nowSeconds),
      defer_secondary_keys: status.request?.deferSecondaryKeys ?? true,
      options: {
        tenant_id: '',
        sharded_auto_increment_handling: 'LEAVE',
        shards: [],
        config: {},
        global_keyspace: '',
        lookup_vindexes: [],
      },
    }],
  };
}

/** What Vitess prints for a workflow it does not know: an empty list. */
export const NO_WORKFLOWS: JsonValue = { workflows: [] };
