// The contract of the VDiff workflow (vitess-facts.md §1.4, §5.3): its request and options, the
// report shapes Vitess prints (Go field names, so the JSON the CLI prints is Vitess's), the status
// its query returns, and its messages. Deterministic code only: bundled into workflows and
// imported by the client and the activities.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MigrationPlan } from './api';

export type VDiffState = 'pending' | 'started' | 'stopped' | 'completed' | 'error';

/** `VDiff create` flags as data; defaults are Vitess's (vdiffOptionsWithDefaults). */
export interface VDiffOptions {
  /** Cells of the source cluster to pick source tablets from; empty: every cell. */
  sourceCells: string[];
  /** Cells of the target cluster to pick target tablets from; empty: every cell. */
  targetCells: string[];
  tabletTypes: string[];
  tabletTypesInPreferenceOrder: boolean;
  /** Only these tables; empty: every table of the workflow. */
  tables: string[];
  /** Stop comparing a table (on each shard) after this many rows. */
  limit: number;
  /** How long to wait for tablets and streams to reach the positions of a consistent point. */
  filteredReplicationWaitTimeMs: number;
  debugQuery: boolean;
  onlyPks: boolean;
  updateTableStats: boolean;
  maxExtraRowsToCompare: number;
  autoRetry: boolean;
  /** 0: all (vtmigrate keeps at most MAX_SAMPLES_WHEN_ALL per kind, table and shard). */
  maxReportSampleRows: number;
  /** Refresh the snapshots after this long (0: never). */
  maxDiffDurationMs: number;
  rowDiffColumnTruncateAt: number;
  autoStart: boolean;
  /** Ours: rows held in memory per connection on each side (a chunk per query on the binary path). */
  batchRows: number;
  /** Ours: with autoRetry, give up on a shard after this many attempts (0: never). */
  maxAttempts: number;
}

/** What `--max-report-sample-rows 0` (all) keeps per kind of difference, table and shard. */
export const MAX_SAMPLES_WHEN_ALL = 1000;

export function vdiffOptionsWithDefaults(given: Partial<VDiffOptions> = {}): VDiffOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<VDiffOptions>;
  return {
    sourceCells: [],
    targetCells: [],
    tabletTypes: ['RDONLY', 'REPLICA', 'PRIMARY'],
    tabletTypesInPreferenceOrder: true,
    tables: [],
    limit: Number.MAX_SAFE_INTEGER,
    filteredReplicationWaitTimeMs: 30_000,
    debugQuery: false,
    onlyPks: false,
    updateTableStats: false,
    maxExtraRowsToCompare: 1000,
    autoRetry: true,
    maxReportSampleRows: 10,
    maxDiffDurationMs: 0,
    rowDiffColumnTruncateAt: 128,
    autoStart: true,
    batchRows: 1000,
    maxAttempts: 0,
    ...defined,
  };
}

/** Vitess's checks of the create flags (vdiff.go parseAndValidateCreate); '' when fine. */
export function vdiffOptionsProblem(o: VDiffOptions): string {
  if (!(o.limit >= 1)) return '--limit must be a positive value';
  if (o.maxReportSampleRows < 0) return '--max-report-sample-rows must not be a negative value';
  if (o.maxExtraRowsToCompare < 0) return '--max-extra-rows-to-compare must not be a negative value';
  if (o.maxDiffDurationMs < 0) return '--max-diff-duration must not be a negative value';
  if (o.filteredReplicationWaitTimeMs <= 0) return '--filtered-replication-wait-time must be a positive duration';
  if (o.tabletTypes.length === 0) return 'invalid tablet-types value, at least one valid tablet type must be specified';
  if (!(o.batchRows >= 1)) return 'the batch size must be a positive number of rows';
  return '';
}

/** `<target keyspace>.<workflow>.vdiff.<uuid>`: one Temporal workflow id per VDiff. */
export const vdiffWorkflowId = (targetKeyspace: string, workflow: string, uuid: string): string => `${targetKeyspace}.${workflow}.vdiff.${uuid}`;
export const vdiffWorkflowIdPrefix = (targetKeyspace: string, workflow: string): string => `${targetKeyspace}.${workflow}.vdiff.`;

export interface VDiffRequest {
  targetKeyspace: string;
  workflow: string;
  uuid: string;
  /**
   * create: new rows on every target primary; resume: continue the stored ones (with their stored
   * options); continue: this VDiff's next run after continue-as-new (nothing is checked or reset);
   * delete: remove the stored rows (the run then records that the VDiff is gone).
   */
  action: 'create' | 'resume' | 'continue' | 'delete';
  options?: Partial<VDiffOptions>;
  /** resume: only these target shards (empty: all). */
  shards?: string[];
  /** Given by Migrate at cutover; otherwise read from the running Migrate workflow. */
  plan?: MigrationPlan;
}

// ---- Vitess's report shapes (Go field names) ----

export interface RowDiff { Row?: Record<string, string>; Query?: string }
export interface DiffMismatch { Source?: RowDiff; Target?: RowDiff }

export interface DiffReport {
  TableName: string;
  ProcessedRows: number;
  MatchingRows: number;
  MismatchedRows: number;
  ExtraRowsSource: number;
  ExtraRowsTarget: number;
  ExtraRowsSourceSample?: RowDiff[];
  ExtraRowsTargetSample?: RowDiff[];
  MismatchedRowsSample?: DiffMismatch[];
}

export function emptyReport(table: string): DiffReport {
  return { TableName: table, ProcessedRows: 0, MatchingRows: 0, MismatchedRows: 0, ExtraRowsSource: 0, ExtraRowsTarget: 0 };
}

export interface VDiffTableSummary {
  TableName: string;
  State: VDiffState | '';
  RowsCompared: number;
  MatchingRows: number;
  MismatchedRows: number;
  ExtraRowsSource: number;
  ExtraRowsTarget: number;
  LastUpdated?: string;
}

/** Vitess's VDiff show summary (workflow.Summary), plus RowsPerSecond (ours). */
export interface VDiffSummary {
  Workflow: string;
  Keyspace: string;
  State: VDiffState | '';
  UUID: string;
  RowsCompared: number;
  HasMismatch: boolean;
  Shards: string;
  StartedAt?: string;
  CompletedAt?: string;
  TableSummary?: Record<string, VDiffTableSummary>;
  Reports?: Record<string, Record<string, DiffReport>>;
  Errors?: Record<string, string>;
  Progress?: { Percentage: number; ETA?: string };
  /** Ours: rows compared per second, live while started, else the average of the run. */
  RowsPerSecond?: number;
}

// ---- the workflow's state ----

export interface VDiffTableStatus {
  table: string;
  state: VDiffState;
  /** information_schema estimate on the target shard (progress). */
  tableRows: number;
  /** `2006-01-02 15:04:05` UTC, '' before the first update. */
  lastUpdated: string;
  report: DiffReport;
}

export interface VDiffShardStatus {
  shard: string;
  state: VDiffState;
  /** `2006-01-02 15:04:05` UTC or ''. */
  startedAt: string;
  completedAt: string;
  lastError: string;
  tables: VDiffTableStatus[];
}

export interface VDiffStatus {
  uuid: string;
  workflow: string;
  targetKeyspace: string;
  /** 'scheduling' until every target primary has the VDiff's rows (or a problem was found). */
  phase: 'scheduling' | 'scheduled' | 'done';
  /** Why scheduling failed (unknown workflow, copy not finished, bad options, unknown uuid). */
  problem: string;
  /** True for the run that deleted this VDiff (`VDiff delete`): it has no state any more. */
  deleted?: boolean;
  options: VDiffOptions;
  /** Primary alias per target shard, for Vitess's messages. */
  primaries: Record<string, string>;
  shards: VDiffShardStatus[];
}

/** What a shard's diff activity heartbeats: its tables' counts so far (no samples). */
export interface VDiffHeartbeat {
  kind: 'vdiff';
  shard: string;
  tables: VDiffTableStatus[];
  /** Rows compared per second over the last interval. */
  rowsPerSecond: number;
  /** What the diff is doing or waiting for. */
  message: string;
}

// ---- messages ----

/** Stop the diff on these shards (empty: all): state `stopped`, progress kept for resume. */
export const vdiffStopSignal = defineSignal<[{ shards?: string[] }?]>('vdiffStop');
/** Resume stopped shards of a running VDiff (a closed one is resumed by a new run). */
export const vdiffResumeSignal = defineSignal<[{ shards?: string[] }?]>('vdiffResume');
export const vdiffStatusQuery = defineQuery<VDiffStatus>('vdiffStatus');
/** Resolves once the VDiff is scheduled on every target shard; fails with the reason it cannot be. */
export const vdiffScheduledUpdate = defineUpdate<{ uuid: string }>('vdiffScheduled');

/** `VDiff delete <uuid|all>`: removes the stored diffs from every target primary. */
export interface VDiffDeleteRequest {
  targetKeyspace: string;
  workflow: string;
  /** A uuid, or 'all'. */
  arg: string;
}
