// The activities, built from their dependencies (the worker's configuration). Each is
// idempotent and resumable: checkpoints live in the target database (DESIGN.md §5).
import type { MigrationRef, CatchUpTask, CopyTask, FinishTask, InitStreamsTask, ShardRef, VerifyTask } from '../workflows/tasks';
import type { TablePlan } from '../workflows/api';
import { cancelMigration, completeMigration } from './cleanup';
import { catchUp } from './catchup';
import { copyTable, initStreams } from './copy';
import { discardMigration } from './discard';
import type { ActivityDeps } from './deps';
import { planMigration, type PlanRequest } from './plan';
import { appliedChanges, parkedRows, sourcePositions, streamPositions } from './positions';
import { addDeferredKeys, prepareTarget } from './schema';
import { verifyShard } from './verify';
import { vdiffDelete, vdiffSetState } from './vdiff-admin';
import { vdiffSchedule } from './vdiff-schedule';
import { inThread } from './activity-thread';
import type { VDiffScheduleTask, VDiffSetStateTask, VDiffShardTask } from '../workflows/vdiff-tasks';
import type { VDiffDeleteRequest } from '../workflows/vdiff-api';
import type { DiscardRequest, MigrationPlan } from '../workflows/api';

export function createActivities(deps: ActivityDeps) {
  return {
    planMigration: (req: PlanRequest) => planMigration(deps, req),
    prepareTarget: (plan: MigrationPlan) => prepareTarget(deps, plan),
    initStreams: (task: InitStreamsTask) => initStreams(deps, task),
    copyTable: (task: CopyTask) => copyTable(deps, task),
    addDeferredKeys: (task: ShardRef & { tables: TablePlan[] }) => addDeferredKeys(deps, task),
    catchUp: (task: CatchUpTask) => catchUp(deps, task),
    sourcePositions: (ref: MigrationRef) => sourcePositions(deps, ref),
    appliedChanges: (task: { ref: MigrationRef; shards: string[] }) => appliedChanges(deps, task),
    streamPositions: (task: ShardRef) => streamPositions(deps, task),
    parkedRows: (task: { ref: MigrationRef; shards: string[] }) => parkedRows(deps, task),
    verifyShard: (task: VerifyTask) => verifyShard(deps, task),
    completeMigration: (task: FinishTask) => completeMigration(deps, task),
    cancelMigration: (task: FinishTask) => cancelMigration(deps, task),
    discardMigration: (req: DiscardRequest) => discardMigration(deps, req),
    vdiffSchedule: (task: VDiffScheduleTask) => vdiffSchedule(deps, task),
    vdiffShard: (task: VDiffShardTask) => inThread('vdiffShard', deps, task),
    vdiffSetState: (task: VDiffSetStateTask) => vdiffSetState(deps, task),
    vdiffDelete: (req: VDiffDeleteRequest) => vdiffDelete(deps, req),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
