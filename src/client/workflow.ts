// `Workflow --keyspace <ks> <start|stop|show|list> --workflow <wf>`: vtctldclient's generic
// workflow commands, which is how Vitess pauses and resumes a Migrate (Migrate itself has no
// start/stop). start and stop signal the Migrate workflow and print WorkflowUpdateResponse as
// vtctldclient does (workflow/state.go): a summary and one entry per target primary, `changed`
// when that shard's streams were not already in the requested state.
import type { Command } from 'commander';
import { migrateWorkflowId, startSignal, statusQuery, stopSignal, TargetKeyspaceAttr, type MigrateStatus, type ShardStatus } from '../workflows/api';
import { formatGoJSON, type JsonValue } from '../topo';
import { boolOption, requireFlagsWithParents } from './flags';
import { collectList, printJSON, printLine } from './output';
import { loadView } from './live';
import { buildShowResponse, NO_WORKFLOWS } from './show-format';
import { parseAlias } from './status-model';
import { describeExecution, queryWithDeadline, withTemporal, type TemporalSession } from './temporal';

interface WorkflowFlags {
  keyspace: string;
  workflow: string;
  shards?: string[];
}

function flags(command: Command, required: string[]): WorkflowFlags {
  requireFlagsWithParents(command, required);
  return command.optsWithGlobals<WorkflowFlags>();
}

/** Whether a state change reaches this shard (Vitess: rows affected on its primary). */
export function shardChanges(action: 'start' | 'stop', shard: ShardStatus, workflow: MigrateStatus): boolean {
  if (action === 'stop') return !['Stopped', 'Drained', 'Finished'].includes(shard.phase);
  return ['Stopped', 'Drained', 'Error'].includes(shard.phase) || (shard.phase === 'Pending' && workflow.phase === 'Stopped');
}

/** WorkflowUpdateResponse as MarshalJSONPretty prints it, details sorted by tablet. */
export function updateResponse(action: 'start' | 'stop', status: MigrateStatus): JsonValue {
  const details = status.shards
    .map((s) => ({ tablet: parseAlias(s.primaryAlias), changed: shardChanges(action, s, status) }))
    .sort((a, b) => (a.tablet.cell === b.tablet.cell ? a.tablet.uid - b.tablet.uid : a.tablet.cell < b.tablet.cell ? -1 : 1));
  return {
    summary: `Successfully updated the ${status.workflow} workflow on (${details.length}) target primary tablets in the ${status.targetKeyspace} keyspace`,
    details: details.map((d) => ({ tablet: { cell: d.tablet.cell, uid: d.tablet.uid }, changed: d.changed })),
  };
}

async function updateState(temporal: TemporalSession, command: Command, action: 'start' | 'stop'): Promise<void> {
  const f = flags(command, ['keyspace', 'workflow']);
  if (f.shards?.length) throw new Error(`--shards is not supported by vtmigrate: ${action} acts on every shard of the workflow`);
  const client = await temporal.client();
  const handle = client.workflow.getHandle(migrateWorkflowId(f.keyspace, f.workflow));
  const info = await describeExecution(handle);
  if (!info || info.state !== 'RUNNING') throw new Error(`the ${f.workflow} workflow does not exist in the ${f.keyspace} keyspace`);
  const status = await queryWithDeadline(client, handle, statusQuery);
  await handle.signal(action === 'start' ? startSignal : stopSignal);
  printJSON(updateResponse(action, status));
}

async function show(temporal: TemporalSession, command: Command): Promise<void> {
  const f = flags(command, ['keyspace', 'workflow']);
  const client = await temporal.client();
  const handle = client.workflow.getHandle(migrateWorkflowId(f.keyspace, f.workflow));
  const info = await describeExecution(handle);
  if (!info || info.state !== 'RUNNING') {
    printJSON(NO_WORKFLOWS);
    return;
  }
  const status = await queryWithDeadline(client, handle, statusQuery);
  printJSON(buildShowResponse(await loadView(client, { handle, status }), { shards: f.shards }));
}

/** The names of the running Migrate workflows of the keyspace, as Go's MarshalIndent prints a []string. */
async function list(temporal: TemporalSession, command: Command): Promise<void> {
  const f = flags(command, ['keyspace']);
  const client = await temporal.client();
  const keyspace = f.keyspace.replace(/'/g, "\\'");
  const names: string[] = [];
  const query = `WorkflowType = 'Migrate' AND ExecutionStatus = 'Running' AND ${TargetKeyspaceAttr.name} = '${keyspace}'`;
  for await (const wf of client.workflow.list({ query })) {
    const prefix = `${f.keyspace}.`;
    if (wf.workflowId.startsWith(prefix)) names.push(wf.workflowId.slice(prefix.length));
  }
  printLine(formatGoJSON([...new Set(names)].sort()));
}

export function registerWorkflowCommands(program: Command): void {
  const workflow = program
    .command('Workflow')
    .description('Administer VReplication workflows (here: Migrate workflows) in the given keyspace.')
    .option('-k, --keyspace <keyspace>', 'Keyspace context for the workflow. (required)')
    .addHelpText('after', `
Examples:
  vtmigrate Workflow --keyspace customer stop --workflow import
  vtmigrate Workflow --keyspace customer start --workflow import
  vtmigrate Workflow --keyspace customer show --workflow import
  vtmigrate Workflow --keyspace customer list`);

  for (const action of ['start', 'stop'] as const) {
    workflow
      .command(action)
      .description(action === 'start' ? 'Start a VReplication workflow (resume its streams; retries a failed shard now).' : 'Stop a VReplication workflow (pause its streams at a checkpoint).')
      .option('-w, --workflow <workflow>', `The workflow you want to ${action}. (required)`)
      .option('--shards <shards>', '(Optional) Specifies a comma-separated list of shards to operate on (not supported by vtmigrate).', collectList)
      .action(withTemporal((temporal, command) => updateState(temporal, command, action)));
  }

  workflow
    .command('show')
    .description('Show the details for a VReplication workflow (GetWorkflows JSON).')
    .option('-w, --workflow <workflow>', 'The workflow you want the details for. (required)')
    .addOption(boolOption('--include-logs', 'Include recent logs for the workflow (accepted; vtmigrate keeps no stream logs).', true))
    .option('--shards <shards>', '(Optional) Specifies a comma-separated list of shards to show.', collectList)
    .action(withTemporal((temporal, command) => show(temporal, command)));

  workflow
    .command('list')
    .description('List the running Migrate workflows in the given keyspace, as a JSON list of names.')
    .action(withTemporal((temporal, command) => list(temporal, command)));
}
