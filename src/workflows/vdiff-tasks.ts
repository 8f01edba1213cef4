// Inputs and results of the VDiff activities as the workflow sees them: names, options, counts
// and bounded reports, never rows.
import type { MigrationPlan, StreamPlan, TablePlan } from './api';
import type { MigrationRef } from './tasks';
import type { VDiffOptions, VDiffRequest, VDiffShardStatus, VDiffState } from './vdiff-api';

export interface VDiffScheduleTask {
  request: VDiffRequest;
  options: VDiffOptions;
}

/** What scheduling found: the migration (for the shard tasks) and each shard's stored state. */
export interface VDiffScheduled {
  plan: MigrationPlan;
  /** The request's options on create; the stored ones on resume. */
  options: VDiffOptions;
  /** The tables this VDiff compares. */
  tables: TablePlan[];
  primaries: Record<string, string>;
  shards: VDiffShardStatus[];
}

export interface VDiffShardTask {
  /** The migration, with the VDiff's source cells and tablet types for picking source tablets. */
  ref: MigrationRef;
  uuid: string;
  shard: string;
  primaryAlias: string;
  streams: StreamPlan[];
  tables: TablePlan[];
  options: VDiffOptions;
  /** Return after about this long (the workflow calls again; history stays small). */
  sliceMs: number;
}

export interface VDiffShardResult {
  status: VDiffShardStatus;
  /** True when every table of the shard is completed. */
  done: boolean;
}

export interface VDiffSetStateTask {
  ref: MigrationRef;
  uuid: string;
  shard: string;
  state: VDiffState;
  error?: string;
}
