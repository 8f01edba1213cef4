// The worker thread an activity's work runs in (activity-thread.ts): the same function, its
// heartbeats posted to the activity's thread, cancellation heard from it.
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadActivity } from './heartbeat';
import { encodeThreadError, type FromThread, type ThreadInput, type ToThread } from './activity-thread';
import { threadedActivities } from './threaded';

const port = parentPort!;
const { name, deps, task, attempt } = workerData as ThreadInput;
const cancel = new AbortController();
port.on('message', (m: ToThread) => {
  if (m.kind === 'cancel') cancel.abort(m.reason);
});
const post = (m: FromThread) => port.postMessage(m);
setThreadActivity({ heartbeat: (details) => post({ kind: 'beat', details }), signal: cancel.signal, attempt });

(threadedActivities[name] as (d: typeof deps, t: unknown) => Promise<unknown>)(deps, task).then(
  (result) => post({ kind: 'done', result }),
  (err: unknown) => post({ kind: 'failed', error: encodeThreadError(err) }),
)
  // Nothing more to hear: the thread ends once what it started has closed.
  .finally(() => port.unref());
