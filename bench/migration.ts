// Driving Migrate runs from the bench with the Temporal client: start, wait for a phase, stop,
// start, cancel (dropping the copied tables), the shard children's live heartbeats and the
// size of every run's history.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import {
  cancelSignal,
  migrateWorkflowId,
  shardWorkflowId,
  startSignal,
  statusQuery,
  stopSignal,
  TASK_QUEUE,
  type MigrateRequest,
  type MigrateStatus,
  type MigrationPhase,
  type ShardHeartbeat,
} from '../src/workflows/api';
import { MOUNT_NAME, SOURCE_KEYSPACE, TARGET_KEYSPACE } from './schema';
import { sleep } from './stats';

export async function connectClient(address: string): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address }) });
}

export interface Migration {
  client: Client;
  handle: WorkflowHandle;
  workflowId: string;
  shards: string[];
}

export async function startMigrate(client: Client, workflow: string, targetShards: string[], extra: Partial<MigrateRequest> = {}): Promise<Migration> {
  const workflowId = migrateWorkflowId(TARGET_KEYSPACE, workflow);
  const request: MigrateRequest = {
    workflow, targetKeyspace: TARGET_KEYSPACE, sourceKeyspace: SOURCE_KEYSPACE, mountName: MOUNT_NAME, allTables: true, ...extra,
  };
  const handle = await client.workflow.start('Migrate', { taskQueue: TASK_QUEUE, workflowId, args: [request] });
  return { client, handle, workflowId, shards: targetShards };
}

export async function status(m: Migration): Promise<MigrateStatus> {
  return m.handle.query(statusQuery);
}

/**
 * Polls the status query until the phase is one of `phases`; an Error phase, a shard error or
 * the timeout throws. `onPoll` sees every status read.
 */
export async function waitForPhase(m: Migration, phases: MigrationPhase[], opts: { timeoutMs: number; pollMs?: number; onPoll?: (s: MigrateStatus) => void }): Promise<MigrateStatus> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const s = await status(m);
    opts.onPoll?.(s);
    if (phases.includes(s.phase)) return s;
    const shardError = s.shards.find((sh) => sh.lastError);
    if (s.phase === 'Error' || shardError) {
      throw new Error(`migration ${m.workflowId} failed in phase ${s.phase}: ${[...s.errors, ...s.shards.filter((sh) => sh.lastError).map((sh) => `${sh.shard}: ${sh.lastError}`)].join('; ')}`);
    }
    if (Date.now() > deadline) throw new Error(`migration ${m.workflowId} did not reach ${phases.join('/')} within ${opts.timeoutMs / 1000} s (phase ${s.phase}: ${s.details})`);
    await sleep(opts.pollMs ?? 200);
  }
}

export async function stopStreams(m: Migration): Promise<void> {
  await m.handle.signal(stopSignal);
  await waitForPhase(m, ['Stopped'], { timeoutMs: 120_000 });
}

export async function startStreams(m: Migration): Promise<void> {
  await m.handle.signal(startSignal);
}

/** Cancel, dropping the copied tables, and wait for the run to end. */
export async function cancelAndDrop(m: Migration): Promise<void> {
  await m.handle.signal(cancelSignal, { keepData: false });
  await Promise.race([
    m.handle.result(),
    sleep(300_000).then(() => { throw new Error(`migration ${m.workflowId} did not finish cancelling within 300 s`); }),
  ]);
}

/** Ends a migration left over from an interrupted bench (terminating it; its tables are dropped separately). */
export async function terminateIfRunning(client: Client, workflow: string): Promise<void> {
  const handle = client.workflow.getHandle(migrateWorkflowId(TARGET_KEYSPACE, workflow));
  try {
    const d = await handle.describe();
    if (d.status.name === 'RUNNING') await handle.terminate('bench: left over from an interrupted run');
  } catch {
    // Not found: nothing to end.
  }
}

/** The latest heartbeat of each shard child's running activity (copy or catch-up), by shard. */
export async function shardHeartbeats(m: Migration): Promise<Map<string, ShardHeartbeat>> {
  const out = new Map<string, ShardHeartbeat>();
  const converter = m.client.options.loadedDataConverter;
  await Promise.all(m.shards.map(async (shard) => {
    const d = await m.client.workflow.getHandle(shardWorkflowId(m.workflowId, shard)).describe().catch(() => undefined);
    for (const pa of d?.raw.pendingActivities ?? []) {
      const payloads = pa.heartbeatDetails?.payloads;
      if (!payloads?.length) continue;
      const details = await decodeFromPayloadsAtIndex<ShardHeartbeat>(converter, 0, payloads).catch(() => undefined);
      if (details && (details.kind === 'copy' || details.kind === 'catchup')) out.set(shard, details);
    }
  }));
  return out;
}

export interface HistorySizes { parent: number; children: Record<string, number> }

/** Events in the current run of the Migrate workflow and of each shard child. */
export async function historySizes(m: Migration): Promise<HistorySizes> {
  const count = async (id: string) => (await m.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;
  const children: Record<string, number> = {};
  for (const shard of m.shards) children[shard] = await count(shardWorkflowId(m.workflowId, shard));
  return { parent: await count(m.workflowId), children };
}
