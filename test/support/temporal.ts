// Temporal client helpers for tests: a client on the test stack, and waiting on a Migrate's status.
import { Client, Connection } from '@temporalio/client';
import { statusQuery, type MigrateStatus } from '../../src/workflows/api';
import { stackAddresses } from './migration';

let client: Promise<Client> | undefined;

export function testClient(): Promise<Client> {
  client ??= (async () => new Client({ connection: await Connection.connect({ address: (await stackAddresses()).temporal }) }))();
  return client;
}

/** Polls the Migrate workflow's status until `done` holds; fails with the last status on timeout. */
export async function waitForStatus(workflowId: string, done: (s: MigrateStatus) => boolean, timeoutMs = 120_000): Promise<MigrateStatus> {
  const c = await testClient();
  const deadline = Date.now() + timeoutMs;
  let last: MigrateStatus | undefined;
  for (;;) {
    try {
      last = await c.workflow.getHandle(workflowId).query(statusQuery);
      if (done(last)) return last;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${workflowId}; last status: ${JSON.stringify(last && { phase: last.phase, details: last.details, errors: last.errors, shards: last.shards.map((s) => [s.shard, s.phase, s.lastError]) })}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
