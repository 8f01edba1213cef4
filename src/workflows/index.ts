// Workflow bundle entry: every workflow type the worker registers.
export { Migrate } from './migrate';
export { MigrateShard } from './shard';
export { VDiff, VDiffDelete } from './vdiff';
