// The shared test stack's Temporal dev server: it answers the SDK client (workflow list), has our
// search attributes registered with their types, and serves the Web UI wired to that server.
import { strict as assert } from 'node:assert';
import { Client, Connection } from '@temporalio/client';
import { describeStack, type StackDescription } from '../../../src/local/describe';
import { testStack } from '../../support/stack';

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
const KEYWORD = 2;

describe('vtmigrate-local up: the Temporal dev server of the shared test stack', function () {
  this.timeout(60_000);
  let stack: StackDescription;
  let connection: Connection;
  let client: Client;

  before(async () => {
    stack = describeStack(await testStack(), false);
    assert.equal(stack.temporal.address, '127.0.0.1:7433');
    assert.equal(stack.temporal.ui, 'http://127.0.0.1:8433');
    connection = await Connection.connect({ address: stack.temporal.address, connectTimeout: 10_000 });
    client = new Client({ connection, namespace: stack.temporal.namespace });
  });
  after(async () => {
    await connection?.close();
  });

  it('answers a workflow list', async () => {
    const found: string[] = [];
    for await (const wf of client.workflow.list({ query: "WorkflowType = 'VtmigrateLocalProbeNeverStarted'" })) found.push(wf.workflowId);
    assert.deepEqual(found, []);
    const page = await connection.workflowService.listWorkflowExecutions({ namespace: stack.temporal.namespace, pageSize: 1 });
    assert.ok(Array.isArray(page.executions));
  });

  it('has TargetKeyspace and MigrationPhase registered as Keyword search attributes', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: stack.temporal.namespace });
    assert.deepEqual({ TargetKeyspace: customAttributes?.TargetKeyspace, MigrationPhase: customAttributes?.MigrationPhase },
      { TargetKeyspace: KEYWORD, MigrationPhase: KEYWORD });
    // And visibility queries accept them (an unknown attribute would make this list fail).
    const found: string[] = [];
    for await (const wf of client.workflow.list({ query: "TargetKeyspace = 'vtm-probe' AND MigrationPhase = 'COPY'" })) found.push(wf.workflowId);
    assert.deepEqual(found, []);
  });

  it('serves the Web UI, talking to this server', async () => {
    const page = await fetch(stack.temporal.ui, { signal: AbortSignal.timeout(10_000) });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    await page.arrayBuffer();
    // The UI's own API proxies to the frontend: it lists the namespace the stack created.
    const api = await fetch(`${stack.temporal.ui}/api/v1/namespaces`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(api.status, 200);
    const body = (await api.json()) as { namespaces: { namespaceInfo: { name: string } }[] };
    assert.ok(body.namespaces.some((n) => n.namespaceInfo.name === stack.temporal.namespace), 'the UI sees the stack\'s namespace');
  });
});
