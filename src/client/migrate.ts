// `Migrate --workflow <wf> --target-keyspace <ks> <create|show|status|cutover|complete|cancel>`:
// vtctldclient's Migrate grammar over the Temporal workflow `Migrate` with id `<ks>.<wf>`.
// create, show, status, complete and cancel keep Vitess's flags and outputs; cutover, status
// --watch and the status addendum, complete --force and cancel --keep-data are additions.
import type { Command } from 'commander';
import { migrateWorkflowId, statusQuery } from '../workflows/api';
import { formatJSON } from '../topo';
import { boolOption, durationOption } from './flags';
import { printJSON } from './output';
import { addCreateOptions, createCommand } from './migrate-create';
import { cancelCommand, completeCommand, cutoverCommand } from './migrate-actions';
import { baseFlags } from './migrate-common';
import { loadView, runningMigration, NoStreamsError } from './live';
import { buildStatusResponse, formatStatusText, statusToJSON } from './status-format';
import { buildShowResponse, NO_WORKFLOWS } from './show-format';
import { describeExecution, queryWithDeadline, withTemporal, type TemporalSession } from './temporal';
import { watchStatus } from './watch';

async function showCommand(temporal: TemporalSession, command: Command): Promise<void> {
  // show ignores --format and always prints protojson (common/show.go).
  const base = baseFlags(command, { checkFormat: false });
  const client = await temporal.client();
  const handle = client.workflow.getHandle(migrateWorkflowId(base.targetKeyspace, base.workflow));
  const info = await describeExecution(handle);
  if (!info || info.state !== 'RUNNING') {
    // GetWorkflows finds no streams for a workflow that does not exist (or has finished).
    printJSON(NO_WORKFLOWS);
    return;
  }
  const status = await queryWithDeadline(client, handle, statusQuery);
  printJSON(buildShowResponse(await loadView(client, { handle, status })));
}

async function statusCommand(temporal: TemporalSession, command: Command): Promise<void> {
  const base = baseFlags(command);
  const { watch, interval } = command.opts<{ watch: boolean; interval: number }>();
  const client = await temporal.client();
  const render = async (): Promise<string> => {
    const migration = await runningMigration(client, base.targetKeyspace, base.workflow).catch((err: Error) => {
      if (err instanceof NoStreamsError && watch) throw err;
      throw new Error(`failed to get workflow state for ${base.targetKeyspace}.${base.workflow} workflow: ${err.message}`);
    });
    const resp = buildStatusResponse(await loadView(client, migration));
    return base.format === 'json' ? `${formatJSON(statusToJSON(resp))}\n` : formatStatusText(resp, base.targetKeyspace, base.workflow);
  };
  if (watch) await watchStatus(render, interval);
  else process.stdout.write(await render());
}

function waitOptions(command: Command, defaultTimeout: string, what: string): Command {
  return command
    .option('--no-wait', `vtmigrate: send the signal and return without waiting for ${what}.`)
    .addOption(durationOption('--wait-timeout', `vtmigrate: how long to wait for ${what}.`, defaultTimeout))
    .option('--verbose', 'vtmigrate: print what the workflow is doing while waiting, on stderr.', false);
}

export function registerMigrateCommands(program: Command): void {
  const migrate = program
    .command('Migrate')
    .description('Migrate is used to import data from an external cluster into the current cluster.')
    .option('--target-keyspace <keyspace>', 'Target keyspace for this workflow. (required)')
    .option('-w, --workflow <workflow>', 'The workflow you want to perform the command on. (required)')
    .option('--format <format>', 'The format of the output; supported formats are: text,json.', 'text')
    .addHelpText('after', `
The workflow runs in Temporal as workflow type Migrate, id <target-keyspace>.<workflow>, task queue vtmigrate.

Examples:
  vtmigrate Migrate --workflow import --target-keyspace customer create --source-keyspace commerce --mount-name ext1 --tablet-types replica --all-tables
  vtmigrate Migrate --workflow import --target-keyspace customer status [--watch]
  vtmigrate Migrate --workflow import --target-keyspace customer show
  vtmigrate Migrate --workflow import --target-keyspace customer cutover
  vtmigrate Migrate --workflow import --target-keyspace customer complete
  vtmigrate Migrate --workflow import --target-keyspace customer cancel [--keep-data]`);

  addCreateOptions(migrate.command('create').description('Create and optionally run a Migrate VReplication workflow (prints nothing on success, as Vitess).'))
    .action(withTemporal((temporal, command) => createCommand(temporal, command)));

  migrate
    .command('show')
    .description('Show the details for a Migrate VReplication workflow (GetWorkflows JSON).')
    .addOption(boolOption('--include-logs', 'Include recent logs for the workflow (accepted; vtmigrate keeps no stream logs, see the workflow history).', true))
    .action(withTemporal((temporal, command) => showCommand(temporal, command)));

  migrate
    .command('status')
    .alias('progress')
    .description('Show the current status for a Migrate VReplication workflow, with copy progress, ETA, lag and errors.')
    .option('--watch', 'vtmigrate: redraw the status every --interval until Ctrl-C or until the workflow closes.', false)
    .addOption(durationOption('--interval', 'vtmigrate: how often --watch redraws.', '1s'))
    .action(withTemporal((temporal, command) => statusCommand(temporal, command)));

  waitOptions(migrate
    .command('cutover')
    .description('vtmigrate: drain every stream to the source primaries\' current positions and verify the target (stop writes to the source first). Exits 1 on a mismatch or refusal.'), '1h', 'the cutover to finish')
    .action(withTemporal((temporal, command) => cutoverCommand(temporal, command)));

  waitOptions(migrate
    .command('complete')
    .description('Complete a Migrate VReplication workflow: stop the streams, add the tables to the target VSchema, leave the source untouched.')
    .addOption(boolOption('--force', 'vtmigrate: complete without draining the streams to the source positions first, even when the copy is unfinished, a shard fails, the cutover verification found mismatches or the source took writes after the cutover.', false)), '30m', 'the workflow to complete')
    .action(withTemporal((temporal, command) => completeCommand(temporal, command)));

  waitOptions(migrate
    .command('cancel')
    .description('Cancel a Migrate VReplication workflow: stop the streams and drop the copied tables. vtmigrate: of a run that already ended (failed, or terminated or cancelled from Temporal), removes what it left on the target.')
    .addOption(boolOption('--keep-data', 'vtmigrate: keep the copied tables and their rows in the target keyspace.', false)), '30m', 'the workflow to cancel')
    .action(withTemporal((temporal, command) => cancelCommand(temporal, command)));
}
