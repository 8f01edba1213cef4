// Inputs and results of the activities, as the workflows see them. Kept small on purpose: every
// activity input is stored in history, so tasks carry names and positions, never row data.
import type { OnDdl, TablePlan, StreamPlan, TopoRef, TableVerification, MigrationPlan } from './api';

/** What every activity needs to find the migration's clusters and state. */
export interface MigrationRef {
  workflowId: string;
  workflow: string;
  targetKeyspace: string;
  sourceKeyspace: string;
  sourceTopo: TopoRef;
  targetTopo: TopoRef;
  sourceShards: string[];
  /** Tablet picking on the source (vitess-facts.md §6). */
  cells: string[];
  tabletTypes: string[];
  inOrder: boolean;
}

export function migrationRef(plan: MigrationPlan): MigrationRef {
  return {
    workflowId: plan.workflowId,
    workflow: plan.workflow,
    targetKeyspace: plan.targetKeyspace,
    sourceKeyspace: plan.sourceKeyspace,
    sourceTopo: plan.sourceTopo,
    targetTopo: plan.targetTopo,
    sourceShards: plan.sourceShards,
    cells: plan.sourceCells,
    tabletTypes: plan.request.tabletTypes,
    inOrder: plan.request.tabletTypesInPreferenceOrder,
  };
}

export interface ShardRef { ref: MigrationRef; shard: string }

export interface CopyTask extends ShardRef {
  stream: StreamPlan;
  table: TablePlan;
  /** Whether other streams also write this shard (rows may move between source shards). */
  sharedShard: boolean;
  batchRows: number;
  batchBytes: number;
  /** Return after this long even if the table is not done (snapshots stay young). */
  sliceMs: number;
}

export interface CopyResult {
  rowsCopied: number;
  rowsScanned: number;
  bytesCopied: number;
  done: boolean;
}

export interface InitStreamsTask extends ShardRef { streams: StreamPlan[] }

export interface CatchUpTask extends ShardRef {
  streams: StreamPlan[];
  tables: TablePlan[];
  onDdl: OnDdl;
  /** Stop each stream once it reaches this source position (by source shard). */
  until?: Record<string, string>;
  /** Return after this long (history stays small; the workflow calls again). */
  sliceMs: number;
}

export interface CatchUpResult {
  /** Committed position per stream id. */
  positions: Record<number, string>;
  eventsApplied: number;
  /** True when `until` was given and every stream reached it. */
  reachedUntil: boolean;
  /** Set when --on-ddl STOP stopped a stream at a DDL. */
  stoppedAtDdl?: string;
}

export interface VerifyTask extends ShardRef { streams: StreamPlan[]; tables: TablePlan[] }
export type VerifyResult = TableVerification[];

export interface FinishTask { plan: MigrationPlan; keepData?: boolean }
