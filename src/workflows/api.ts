// The contract between the vtmigrate CLI (or the Temporal CLI) and the workflows: inputs,
// signals, queries, the status shapes they return and the search attributes they set.
// Deterministic code only (this file is bundled into workflows and imported by the client).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VDiffSummary } from './vdiff-api';

export const TASK_QUEUE = 'vtmigrate';

export * from './vdiff-api';

/** Vitess's identity of a workflow: `<target keyspace>.<workflow>`. */
export const migrateWorkflowId = (targetKeyspace: string, workflow: string): string => `${targetKeyspace}.${workflow}`;
export const shardWorkflowId = (migrateId: string, shard: string): string => `${migrateId}/${shard}`;
/**
 * The run that removes what an ended Migrate run left on the target (MigrateDiscard). Keyspace
 * names have no ':', so no Migrate id starts this way.
 */
export const discardWorkflowId = (migrateId: string): string => `discard:${migrateId}`;

/** `Migrate cancel` of a run that ended without cleaning up (failed, terminated, cancelled from Temporal). */
export interface DiscardRequest { targetKeyspace: string; workflow: string; keepData?: boolean }
/** The target shards where the workflow had state (now gone), and the tables dropped. */
export interface DiscardResult { shards: { shard: string; primaryAlias: string }[]; droppedTables: string[] }

export type OnDdl = 'IGNORE' | 'STOP' | 'EXEC' | 'EXEC_IGNORE';

/**
 * `Migrate create` as data. Everything but the four names is optional; defaults are Vitess's
 * (see withDefaults). This is also the JSON a Temporal CLI user passes with --input-file.
 */
export interface MigrateRequest {
  workflow: string;
  targetKeyspace: string;
  sourceKeyspace: string;
  mountName: string;
  allTables?: boolean;
  tables?: string[];
  excludeTables?: string[];
  sourceTimeZone?: string;
  noRoutingRules?: boolean;
  /** Cells (of the source cluster) to pick tablets from; empty: every cell of the source. */
  cells?: string[];
  allCells?: boolean;
  tabletTypes?: string[];
  tabletTypesInPreferenceOrder?: boolean;
  onDdl?: OnDdl;
  deferSecondaryKeys?: boolean;
  autoStart?: boolean;
  stopAfterCopy?: boolean;
  /** Tuning (ours): rows and bytes per copy batch. */
  copyBatchRows?: number;
  copyBatchBytes?: number;
  /** Tuning (ours): a shard child continues as new past this many history events. */
  shardHistoryLimit?: number;
  /**
   * Tuning (ours): attempts of each of the run's own short steps (validation, the source
   * positions at cutover, complete, cancel) before their failure is reported in status
   * (default 8: about 90 s of retries).
   */
  stepAttempts?: number;
}

export type FullMigrateRequest = Required<MigrateRequest>;

/** Attempts of a short admin step: 1 s doubling to 30 s between them, about 90 s in all. */
export const ADMIN_ATTEMPTS = 8;

export function withDefaults(req: MigrateRequest): FullMigrateRequest {
  const given = stripUndefined(req);
  return {
    allTables: false,
    tables: [],
    excludeTables: [],
    sourceTimeZone: '',
    noRoutingRules: false,
    cells: [],
    allCells: false,
    tabletTypes: ['REPLICA', 'PRIMARY'],
    tabletTypesInPreferenceOrder: true,
    onDdl: 'IGNORE',
    deferSecondaryKeys: true,
    autoStart: true,
    stopAfterCopy: false,
    copyBatchRows: 5000,
    copyBatchBytes: 2 << 20,
    shardHistoryLimit: 1500,
    stepAttempts: ADMIN_ATTEMPTS,
    ...given,
    workflow: req.workflow,
    targetKeyspace: req.targetKeyspace,
    sourceKeyspace: req.sourceKeyspace,
    mountName: req.mountName,
  };
}

/** Absent and null fields (a hand-written request's `"cells": null`) both take the default. */
function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

// ---- the plan: what the planning activity resolved (names and counts, never secrets) ----

export interface TopoRef { server: string; root: string }

export interface VindexRef { name: string; type: string; params: Record<string, string>; columns: string[] }

export interface TablePlan {
  name: string;
  pkColumns: string[];
  /** The target VSchema's primary vindex (routes rows to target shards); absent for an unsharded target. */
  vindex?: VindexRef;
  /** The source VSchema's vindex (which source shard owns a row); absent for an unsharded source. */
  sourceVindex?: VindexRef;
  /** information_schema estimates summed over source shards (progress only). */
  rowsEstimate: number;
  bytesEstimate: number;
  /**
   * --source-time-zone: DATETIME values are written converted from this zone to UTC (Vitess's
   * convert_tz on the target), and VDiff reads the target's back into it.
   */
  sourceTimeZone?: string;
  /**
   * Copy order (copy-order.ts): the tables a foreign key references first. Absent (0) for a
   * table that references none of the others, and in plans made before it existed.
   */
  copyRank?: number;
}

export interface StreamPlan {
  /** Stream id, unique within the target shard (1, 2, ...), as Vitess numbers vreplication rows. */
  id: number;
  sourceShard: string;
  /** False when every row of the source shard belongs to this target shard. */
  filterRows: boolean;
}

export interface ShardPlan {
  shard: string;
  /** The target primary's alias, for display (`zone2-100`). */
  primaryAlias: string;
  streams: StreamPlan[];
}

export interface MigrationPlan {
  workflowId: string;
  workflow: string;
  targetKeyspace: string;
  sourceKeyspace: string;
  mountName: string;
  sourceTopo: TopoRef;
  targetTopo: TopoRef;
  sourceShards: string[];
  targetShards: string[];
  targetSharded: boolean;
  sourceCells: string[];
  tables: TablePlan[];
  shards: ShardPlan[];
  request: FullMigrateRequest;
}

// ---- phases and status ----

export type MigrationPhase =
  | 'Validating' | 'Copying' | 'Running' | 'Stopped' | 'CuttingOver' | 'CutoverReady'
  | 'Completing' | 'Completed' | 'Cancelling' | 'Cancelled' | 'Error';

export type ShardPhase = 'Pending' | 'Copying' | 'Running' | 'Stopped' | 'Draining' | 'Drained' | 'Error' | 'Finished';

export interface TableCopyProgress {
  /** Rows written to this target shard. */
  rowsCopied: number;
  /** Rows read from the source (all shards' rows pass through every stream that reads them). */
  rowsScanned: number;
  bytesCopied: number;
  done: boolean;
}

export interface StreamStatus {
  id: number;
  sourceShard: string;
  /** Copying / Running / Stopped / Error, as Vitess names stream states. */
  state: string;
  /** Per table, for the copy phase. */
  tables: Record<string, TableCopyProgress>;
  /** Last committed source position (GTID set), once catch-up ran. */
  position: string;
  /** Source tablet streamed from, as `<cell>-<uid>`. */
  tablet: string;
  message: string;
  /**
   * This stream's own failure (its copy failed) while the shard waits for start or a retry;
   * absent otherwise, and always in runs from before per-stream errors.
   */
  error?: string;
}

export interface ShardStatus {
  shard: string;
  primaryAlias: string;
  phase: ShardPhase;
  streams: StreamStatus[];
  lastError: string;
  /** Epoch ms when copy finished on this shard. */
  copyFinishedAt?: number;
}

export interface TableVerification {
  table: string;
  shard: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  match: boolean;
}

export interface CutoverResult {
  /** Source primary positions the streams were drained to. */
  positions: Record<string, string>;
  /**
   * True when the source took writes to the migrated tables between the drain and the end of
   * the verification (the application had not stopped writing).
   */
  sourceMoved: boolean;
  verification: TableVerification[];
  mismatches: number;
  finishedAt: number;
  /** The cutover's VDiff: Vitess's `VDiff show --verbose` summary, when it ran to an end. */
  vdiff?: VDiffSummary;
  /** Why that VDiff did not complete ('' when it did); complete then needs --force. */
  vdiffError?: string;
  /**
   * Row changes to the migrated tables the streams had applied when the cutover ended: complete
   * refuses to go on when more were applied since (the application still writes to the source).
   */
  appliedChanges?: number;
}

export interface MigrateStatus {
  workflowId: string;
  workflow: string;
  targetKeyspace: string;
  sourceKeyspace: string;
  mountName: string;
  phase: MigrationPhase;
  /** One sentence: what the run is doing now. */
  details: string;
  startedAt: number;
  phaseTimes: Partial<Record<MigrationPhase, number>>;
  tables: string[];
  /** Source row estimates per table (for RowsTotal). */
  tableRowsEstimate: Record<string, number>;
  tableBytesEstimate: Record<string, number>;
  shards: ShardStatus[];
  cutover?: CutoverResult;
  errors: string[];
  /** When each of `errors` was noted (epoch ms, workflow time); absent in runs from before. */
  errorTimes?: number[];
  request?: FullMigrateRequest;
}

// ---- messages ----

export const cutoverSignal = defineSignal('cutover');
export const completeSignal = defineSignal<[{ force?: boolean }?]>('complete');
export const cancelSignal = defineSignal<[{ keepData?: boolean }?]>('cancel');
export const stopSignal = defineSignal('stop');
export const startSignal = defineSignal('start');
export const statusQuery = defineQuery<MigrateStatus>('status');
export const showQuery = defineQuery<MigrateStatus>('show');
/** The resolved plan (undefined while validating): what VDiff needs to find streams and tables. */
export const planQuery = defineQuery<MigrationPlan | undefined>('plan');

/** Parent → shard child. */
export const shardStopSignal = defineSignal('stop');
export const shardStartSignal = defineSignal('start');
export const shardDrainSignal = defineSignal<[{ positions: Record<string, string> }]>('drain');
export const shardFinishSignal = defineSignal('finish');
export const shardStatusQuery = defineQuery<ShardStatus>('status');

/**
 * What a shard child signals its run: its status, with a stream's `tables` left out while they are
 * unchanged since its last update (the run keeps the ones it has). A shard failing for days
 * signals twice every couple of minutes, and with every table in every update a run of hundreds
 * of tables would reach Temporal's history size limit in about a day.
 */
export type ShardUpdate = Omit<ShardStatus, 'streams'> & { streams: (Omit<StreamStatus, 'tables'> & { tables?: StreamStatus['tables'] })[] };

/** Shard child → parent: its status after a change worth recording (phase, table done, error). */
export const shardUpdateSignal = defineSignal<[ShardUpdate]>('shardUpdate');

/** The shard's status from an update, taking the tables an update left out from the one before. */
export function applyShardUpdate(update: ShardUpdate, previous: ShardStatus | undefined): ShardStatus {
  return { ...update, streams: update.streams.map((s) => ({ ...s, tables: s.tables ?? previous?.streams.find((p) => p.id === s.id)?.tables ?? {} })) };
}

// ---- search attributes ----

export const TargetKeyspaceAttr = defineSearchAttributeKey('TargetKeyspace', SearchAttributeType.KEYWORD);
export const MigrationPhaseAttr = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);

// ---- live progress: activity heartbeat details (read by the CLI through DescribeWorkflow) ----

/** What copyTable heartbeats. */
export interface CopyHeartbeat {
  kind: 'copy';
  streamId: number;
  sourceShard: string;
  table: string;
  rowsCopied: number;
  rowsScanned: number;
  bytesCopied: number;
  /** Source tablet read from (`<cell>-<uid>`), '' while none is picked. */
  tablet: string;
  /** Rows per second over the last interval. */
  rowsPerSecond: number;
  /** Empty, or what is holding the copy up (e.g. no healthy tablet). */
  message: string;
  /** The target primary written to (`<cell>-<uid>`): after a reparent, no longer the one planned. */
  targetTablet?: string;
}

export interface StreamHeartbeat {
  id: number;
  sourceShard: string;
  position: string;
  tablet: string;
  /** Seconds between the source commit of the last applied transaction and now; 0 when idle and caught up. */
  lagSeconds: number;
  /** Epoch seconds of the last applied source transaction (0 before the first). */
  transactionTimestamp: number;
  eventsApplied: number;
  message: string;
  /** Rows of this stream parked behind another source shard's row with the same key (state.ts parkedRowsBySource). */
  parkedRows?: number;
  /** The stream's last binlog reader failed and no new one has delivered yet (`message` says why). */
  failing?: boolean;
}

/** What catchUp heartbeats. */
export interface CatchUpHeartbeat {
  kind: 'catchup';
  streams: StreamHeartbeat[];
  eventsPerSecond: number;
  message: string;
  /** The target primary written to (`<cell>-<uid>`): after a reparent, no longer the one planned. */
  targetTablet?: string;
}

export type ShardHeartbeat = CopyHeartbeat | CatchUpHeartbeat;
