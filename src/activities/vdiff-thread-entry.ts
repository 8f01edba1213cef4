// The worker thread a shard's VDiff runs in (vdiff-thread.ts): the same vdiffShard, its heartbeats
// posted to the activity's thread, cancellation heard from it.
import { parentPort, workerData } from 'node:worker_threads';
import type { VDiffHeartbeat } from '../workflows/vdiff-api';
import { heartbeatVia, setThreadCancellation } from './heartbeat';
import { encodeThreadError, type FromThread, type ToThread, type VDiffThreadInput } from './vdiff-thread';
import { vdiffShard } from './vdiff-shard';

const port = parentPort!;
const { deps, task } = workerData as VDiffThreadInput;
const cancel = new AbortController();
port.on('message', (m: ToThread) => {
  if (m.kind === 'cancel') cancel.abort(m.reason);
});
setThreadCancellation(cancel.signal);
const post = (m: FromThread) => port.postMessage(m);
const hb = heartbeatVia<VDiffHeartbeat>((details) => post({ kind: 'beat', details }), cancel.signal);

vdiffShard(deps, task, hb).then(
  (result) => post({ kind: 'done', result }),
  (err: unknown) => post({ kind: 'failed', error: encodeThreadError(err) }),
)
  // Nothing more to hear: the thread ends once what it started has closed.
  .finally(() => port.unref());
