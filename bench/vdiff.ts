// `vdiff`: rows per second of a full VDiff of the migrated tables, beside the copy rate of the
// same invocation. The hook for the VDiff workflow: until it exists in the build, the
// measurement reports "not available".
import fs from 'node:fs';
import path from 'node:path';

export interface VdiffRun { seconds: number; rowsPerSecond: number }

/** Whether the build has a VDiff workflow to measure. */
export function vdiffAvailable(): boolean {
  return fs.existsSync(path.resolve(__dirname, '..', 'src', 'workflows', 'vdiff.js'));
}

/**
 * One full VDiff of a running migration, timed from create to completion. Written against the
 * VDiff workflow once it lands: start it for the migration, wait for its result, return the
 * rows compared per second. Until then callers check vdiffAvailable() first.
 */
export function measureVdiff(): Promise<VdiffRun | undefined> {
  return Promise.resolve(undefined);
}
