// The activities whose work runs in a worker thread of its own (activity-thread.ts). Only the
// VDiff: its diffs of several shards are bound by the worker's CPU while the machine has cores
// to spare. The copy and the catch-up were measured in threads too (npm run bench, 2 cores):
// no faster, a third more worker CPU (each thread compiles and collects on its own) and a peak
// RSS of 370-400 MB instead of 255-265, since their machine is already busy with the targets.
import { vdiffShard } from './vdiff-shard';

export const threadedActivities = { vdiffShard };

export type ThreadedActivity = keyof typeof threadedActivities;
