// The vtmigrate worker: polls the `vtmigrate` task queue, runs the workflows and activities.
// Run it as `vtmigrate worker --config FILE` (the file `vtmigrate-local up` writes is one). More
// workers on the same task queue, on more machines, scale it out. SIGTERM drains it gracefully.
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadWorkerConfig, type WorkerConfig } from './worker-config';

/** Prebuilt by `npm run build` (scripts/bundle-workflows); bundling at start otherwise takes seconds. */
export const WORKFLOW_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle.js');

export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (fs.existsSync(WORKFLOW_BUNDLE)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE } };
  return { workflowsPath: require.resolve('./workflows') };
}

export async function createWorker(config: WorkerConfig, connection: NativeConnection, overrides: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowSource(),
    activities: createActivities({ config }),
    maxConcurrentActivityTaskExecutions: 64,
    // Heartbeats carry progress and bring cancellation (stop, drain): send them within a second.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // On SIGTERM, running activities get this long to commit their batch and stop; they resume
    // from their checkpoints wherever they are retried.
    shutdownGraceTime: '10s',
    ...overrides,
  });
}

export async function runWorker(configFile: string): Promise<void> {
  const config = loadWorkerConfig(configFile);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: config.temporal.address });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (from ${configFile}): ${(err as Error).message}`);
  }
  try {
    const worker = await createWorker(config, connection);
    process.stderr.write(`vtmigrate worker: polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} (namespace ${config.temporal.namespace}); target topology ${config.topo.server} ${config.topo.root}\n`);
    await worker.run();
  } finally {
    await connection.close();
  }
}
