// History stays bounded: shard children continue as new (here after a few events, so it happens
// many times in one small migration) and carry their state across, through the copy, catch-up
// under load, the cutover drain and complete; the result is checked independently.
import { strict as assert } from 'node:assert';
import { NativeConnection } from '@temporalio/worker';
import { seedCommerce, startLoad } from '../../src/local/commerce-load';
import { describeStack } from '../../src/local/describe';
import { loadWorkerConfig } from '../../src/worker-config';
import { createWorker } from '../../src/worker';
import { completeSignal, cutoverSignal, migrateWorkflowId, TASK_QUEUE } from '../../src/workflows/api';
import { compareMigration } from '../support/compare';
import { localCli, mountAndApplyVSchema, primaries, resetClusters, sourceWriter } from '../support/migration';
import { testStack } from '../support/stack';
import { testClient, waitForStatus } from '../support/temporal';

describe('shard children continue as new', function () {
  this.timeout(600_000);
  const workflowId = migrateWorkflowId('customer', 'longrun');

  before(async () => {
    await testStack();
    await localCli(['stop', 'worker']);
    await resetClusters();
    await mountAndApplyVSchema();
  });

  after(async () => {
    const c = await testClient();
    await c.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
    await resetClusters();
  });

  it('keep their state across runs and finish with exactly the source rows', async () => {
    const spec = await testStack();
    const config = loadWorkerConfig(describeStack(spec, false).workerConfig);
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const worker = await createWorker(config, connection);
    const running = worker.run();
    try {
      const started = new Date();
      const writer = await sourceWriter(31, 1);
      await seedCommerce(writer, { customers: 400, products: 100 });
      const load = startLoad(writer, 30);
      const c = await testClient();
      const handle = await c.workflow.start('Migrate', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ workflow: 'longrun', targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true, shardHistoryLimit: 20, copyBatchRows: 200 }],
      });
      await waitForStatus(workflowId, (s) => s.phase === 'Running', 300_000);
      await new Promise((r) => setTimeout(r, 3000));
      await load.stop();
      assert.deepEqual(load.errors, []);
      await writer.close();
      await handle.signal(cutoverSignal);
      const cut = await waitForStatus(workflowId, (s) => s.phase === 'CutoverReady' || s.errors.length > 0, 300_000);
      assert.deepEqual(cut.errors, []);
      await handle.signal(completeSignal, {});
      await handle.result();

      for (const shard of ['-40', '40-c0', 'c0-']) {
        let continued = 0;
        const query = `WorkflowId = '${workflowId}/${shard}' AND ExecutionStatus = 'ContinuedAsNew' AND StartTime >= '${started.toISOString()}'`;
        for await (const _ of c.workflow.list({ query })) continued++;
        assert.ok(continued >= 1, `shard ${shard} never continued as new`);
      }
      const result = await compareMigration(primaries(spec, 'source'), primaries(spec, 'target'));
      assert.deepEqual(result.differences.slice(0, 10), []);
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });
});
