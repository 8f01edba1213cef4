// The one-sentence "current details" line the Web UI shows for a Migrate run.
import type { MigrateStatus } from './api';

export function describePhase(s: MigrateStatus): string {
  const what = `${s.sourceKeyspace} (mount ${s.mountName}) into ${s.targetKeyspace}`;
  const count = (phase: string) => s.shards.filter((x) => x.phase === phase).length;
  const errors = s.shards.filter((x) => x.lastError !== '');
  // Every failing shard is named (a source DDL fails them all), the first one's error shown.
  const errorText = errors.length === 0 ? ''
    : errors.length === 1 ? `; shard ${errors[0].shard} failing: ${errors[0].lastError}`
      : `; shards ${errors.map((x) => x.shard).join(', ')} failing (${errors[0].shard}: ${errors[0].lastError})`;
  // Some shards stopped beside running ones (one stopped at a DDL, say): the phase says Running
  // or Copying, so say which shards stand still and why.
  const stopped = s.shards.filter((x) => x.phase === 'Stopped');
  const why = stopped.flatMap((x) => x.streams.map((st) => st.message)).find((m) => m !== '');
  const stoppedText = stopped.length > 0
    ? `; shard(s) ${stopped.map((x) => x.shard).join(', ')} stopped${why ? ` (${why.replace(/\.$/, '')})` : ''}: signal start (Workflow start) to resume them`
    : '';
  switch (s.phase) {
    case 'Validating': return `Validating the migration of ${what}`;
    case 'Copying': return `Copying ${s.tables.length} table(s) from ${what}: ${count('Copying')} of ${s.shards.length} shard(s) copying, ${count('Running')} replicating${errorText}${stoppedText}`;
    case 'Running': return `Replicating ${what}: copy done on all ${s.shards.length} shard(s); waiting for cutover${errorText}${stoppedText}`;
    case 'Stopped': return `Stopped: streams of ${what} are paused; signal start (Workflow start) to resume${errorText}`;
    case 'CuttingOver': return `Cutting over ${what}: draining streams to the source positions and verifying`;
    case 'CutoverReady': {
      const c = s.cutover;
      if (!c) return `Cutover of ${what} done`;
      // A complete refused since (the application wrote after the cutover, say) says why, not
      // "signal complete" again.
      const last = s.errors[s.errors.length - 1];
      const lastAt = s.errorTimes?.[s.errors.length - 1];
      if (last?.startsWith('complete refused') && lastAt !== undefined && lastAt >= c.finishedAt) return `Cutover of ${what} done, but ${last}`;
      // What complete will do with this verdict (it refuses the last two without --force).
      if (c.mismatches > 0) return `Cutover of ${what} done: ${c.mismatches} table shard(s) MISMATCH; fix the target and run cutover again`;
      if (c.sourceMoved) return `Cutover of ${what} done: all tables match, but the source took writes to the migrated tables meanwhile; stop the application's writes and run cutover again`;
      return `Cutover of ${what} done: all tables match; signal complete (Migrate complete) to finish`;
    }
    case 'Completing': return `Completing ${what}: stopping streams and updating the target VSchema`;
    case 'Completed': return `Completed: ${what}`;
    case 'Cancelling': return `Cancelling ${what}`;
    case 'Cancelled': return `Cancelled: ${what}`;
    case 'Error': return `Failed: ${s.errors[s.errors.length - 1] ?? 'see the workflow history'}`;
  }
}
