// Developer aid: run a whole migration on the test stack with the Temporal client directly
// (no CLI), printing status as it goes. `node dist/scripts/dev/run-migration.js [customers] [workflow]`
// (workflow default `import`; record a history afterwards as test/workflow/replay.test.ts says).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { compareMigration } from '../../test/support/compare';
import { mountAndApplyVSchema, primaries, resetClusters, sourceWriter } from '../../test/support/migration';
import { testStack } from '../../test/support/stack';
import { seedCommerce, startLoad } from '../../src/local/commerce-load';
import { describeStack } from '../../src/local/describe';
import { loadWorkerConfig } from '../../src/worker-config';
import { createWorker } from '../../src/worker';
import { migrateWorkflowId, statusQuery, cutoverSignal, completeSignal, TASK_QUEUE, type MigrateStatus } from '../../src/workflows/api';

async function main(): Promise<void> {
  const customers = Number(process.argv[2] ?? 200);
  const spec = await testStack();
  const d = describeStack(spec, false);
  await resetClusters();
  await mountAndApplyVSchema();
  const w = await sourceWriter(7, 1);
  await seedCommerce(w, { customers, products: Math.ceil(customers / 4) });
  const config = loadWorkerConfig(d.workerConfig);
  const nc = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker(config, nc);
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: config.temporal.address }) });
  const workflow = process.argv[3] ?? 'import';
  const id = migrateWorkflowId('customer', workflow);
  await client.workflow.getHandle(id).terminate('dev restart').catch(() => undefined);
  const load = startLoad(w, 30);
  const handle = await client.workflow.start('Migrate', {
    taskQueue: TASK_QUEUE, workflowId: id,
    args: [{ workflow, targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true }],
  });
  let st: MigrateStatus;
  const t0 = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    st = await handle.query(statusQuery);
    console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${st.phase} ${st.details}`);
    if (st.phase === 'Running' || st.phase === 'Error') break;
  }
  await new Promise((r) => setTimeout(r, 3000));
  console.log('load stats', await load.stop(), load.errors.slice(0, 3));
  await handle.signal(cutoverSignal);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    st = await handle.query(statusQuery);
    console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${st.phase} ${st.details}`);
    if (st.phase === 'CutoverReady' || st.errors.length > 0) break;
  }
  console.log(JSON.stringify(st.cutover?.verification));
  await handle.signal(completeSignal, {});
  await handle.result();
  const cmp = await compareMigration(primaries(spec, 'source'), primaries(spec, 'target'));
  console.log('independent check:', cmp.rows, cmp.differences.length, 'differences', cmp.differences.slice(0, 5));
  await w.close();
  worker.shutdown();
  await running;
  await nc.close();
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
