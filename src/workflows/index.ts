// Workflow bundle entry: every workflow type the worker registers.
export { Migrate } from './migrate';
export { MigrateDiscard } from './discard';
export { MigrateShard } from './shard';
export { VDiff, VDiffDelete } from './vdiff';
