// The CLI's status queries against the test stack's Temporal: a workflow that no worker serves
// does not answer, and the CLI says so in its own words (not the SDK's "Failed to query Workflow").
import { strict as assert } from 'node:assert';
import { queryWithDeadline } from '../../../src/client/temporal';
import { statusQuery } from '../../../src/workflows/api';
import { testStack } from '../../support/stack';
import { testClient } from '../../support/temporal';

describe('CLI queries: a workflow no worker answers', function () {
  this.timeout(60_000);

  it('names the workflow, the query and the missing worker', async () => {
    await testStack();
    const client = await testClient();
    // No worker ever polls this task queue, so nothing can answer.
    const handle = await client.workflow.start('Migrate', { taskQueue: 'vtmigrate-test-nobody-polls', workflowId: `query-deadline-${Date.now()}`, args: [] });
    try {
      // Temporal says no worker ever polled the run's task queue, so it does not ask again.
      await assert.rejects(queryWithDeadline(client, handle, statusQuery, 500),
        new RegExp(`^Error: workflow ${handle.workflowId} did not answer the status query within 0\\.5s: no vtmigrate worker has polled task queue vtmigrate-test-nobody-polls \\(namespace default\\) in the last 2 minutes: start one with \`vtmigrate worker --config FILE\` \\(the workflow waits for it\\)$`));
      await assert.rejects(queryWithDeadline(client, handle, statusQuery, 500, false), /did not answer the status query within 0\.5s/);
    } finally {
      await handle.terminate('test cleanup');
    }
  });
});
