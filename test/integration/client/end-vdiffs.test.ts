// Migrate cancel ends the VDiffs of the workflow still running first: the cancel drops the tables
// under them, and a diff failing afterwards could write its state back for a workflow that is gone.
import { strict as assert } from 'node:assert';
import { endRunningVDiffs } from '../../../src/client/vdiff-live';
import { TargetKeyspaceAttr, vdiffWorkflowId } from '../../../src/workflows/api';
import { testStack } from '../../support/stack';
import { testClient } from '../../support/temporal';

describe('CLI: ending the running VDiffs of a workflow', function () {
  this.timeout(60_000);

  it('terminates the running VDiffs of <ks>.<wf> and leaves other workflows\' alone', async () => {
    await testStack();
    const client = await testClient();
    const stamp = Date.now();
    // No worker polls this task queue: the runs stay Running.
    const start = (workflow: string, uuid: string) => client.workflow.start('VDiff', {
      taskQueue: 'vtmigrate-test-nobody-polls', workflowId: vdiffWorkflowId('customer', workflow, uuid), args: [],
      typedSearchAttributes: [{ key: TargetKeyspaceAttr, value: 'customer' }],
    });
    const mine = [await start(`endvd${stamp}`, 'a'), await start(`endvd${stamp}`, 'b')];
    const other = await start(`endvd${stamp}x`, 'c');
    try {
      // Visibility (the list the CLI reads) follows the start by a moment.
      for (let i = 0; i < 50; i++) {
        let n = 0;
        for await (const w of client.workflow.list({ query: `WorkflowType = 'VDiff' AND TargetKeyspace = 'customer' AND ExecutionStatus = 'Running'` })) {
          if (w.workflowId.includes(`endvd${stamp}`)) n++;
        }
        if (n === 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await endRunningVDiffs(client, 'customer', `endvd${stamp}`, 'test: Migrate cancel');
      for (const h of mine) assert.equal((await h.describe()).status.name, 'TERMINATED');
      assert.equal((await other.describe()).status.name, 'RUNNING', 'a workflow whose name starts the same is another workflow');
    } finally {
      for (const h of [...mine, other]) await h.terminate('test cleanup').catch(() => undefined);
    }
  });
});
