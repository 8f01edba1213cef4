// `Migrate create`: every flag of vtctldclient's Migrate create with its default and validation
// text (vitess-facts.md §1.3; go/cmd/vtctldclient/command/vreplication/migrate/migrate.go and
// common/utils.go), checked in cobra's order before anything connects: flag values as they are
// parsed, then PreRunE (table selection, on-ddl, cells, tablet types), then required flags.
//
// Vitess's create is synchronous: bad input fails the command. Here the input is checked by the
// workflow's planning activity, so create waits until the run leaves the Validating phase and
// prints its failure (which names the culprit) as the error. On success it prints nothing, as
// Vitess does.
import { Option, type Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  MigrationPhaseAttr,
  migrateWorkflowId,
  statusQuery,
  TargetKeyspaceAttr,
  TASK_QUEUE,
  type MigrateRequest,
  type MigrateStatus,
  type OnDdl,
} from '../workflows/api';
import { parseTabletType, tabletTypeName } from '../topo';
import { boolOption, durationOption, flagGiven, requireFlagsWithParents } from './flags';
import { collectList } from './output';
import { closedRunFailure, describeExecution, noWorkerText, queryWithDeadline, sleep, workerPolling, type TemporalSession } from './temporal';
import { formatDuration } from './eta';

const ON_DDL: readonly OnDdl[] = ['IGNORE', 'STOP', 'EXEC', 'EXEC_IGNORE'];

interface CreateFlags {
  sourceKeyspace?: string;
  mountName?: string;
  allTables: boolean;
  tables?: string[];
  excludeTables?: string[];
  sourceTimeZone: string;
  noRoutingRules: boolean;
  cells?: string[];
  allCells: boolean;
  tabletTypes?: string[];
  tabletTypesInPreferenceOrder: boolean;
  onDdl: string;
  deferSecondaryKeys: boolean;
  autoStart: boolean;
  stopAfterCopy: boolean;
  configOverrides?: string[];
  copyBatchRows?: number;
  copyBatchBytes?: number;
  waitTimeout: number;
  verbose: boolean;
}

/** pflag's TabletTypeListFlag: a comma-separated list that replaces (not extends) the value. */
function parseTabletTypeList(value: string): string[] {
  if (value === '') return [];
  try {
    return value.split(',').map((t) => tabletTypeName(parseTabletType(t)));
  } catch (err) {
    throw new Error(`invalid argument "${value}" for "--tablet-types" flag: ${(err as Error).message}`);
  }
}

function positiveInt(flag: string) {
  return (value: string): number => {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
    const n = Number(value);
    if (!(n > 0) || !Number.isSafeInteger(n)) throw new Error(`${flag} must be a positive value`);
    return n;
  };
}

export function addCreateOptions(create: Command): Command {
  return create
    .option('--source-keyspace <keyspace>', 'Keyspace where the tables are being moved from. (required)')
    .option('--mount-name <name>', 'Name external cluster is mounted as. (required)')
    .addOption(boolOption('--all-tables', 'Copy all tables from the source.', false))
    .option('--tables <tables>', 'Source tables to copy (comma-separated, repeatable).', collectList)
    .option('--exclude-tables <tables>', 'Source tables to exclude from copying (with --all-tables).', collectList)
    .option('--source-time-zone <tz>', 'Specifying this causes any DATETIME fields to be converted from the given time zone into UTC.', '')
    .addOption(boolOption('--no-routing-rules', '(Advanced) Do not create routing rules while creating the workflow (Migrate never creates any).', false))
    .option('-c, --cells <cells>', 'Cells and/or CellAliases to copy table data from (comma-separated, repeatable).', collectList)
    .addOption(boolOption('-a, --all-cells', 'Copy table data from any existing cell.', false))
    .addOption(new Option('--tablet-types <types>', 'Source tablet types to replicate table data from (e.g. PRIMARY,REPLICA,RDONLY). (default REPLICA,PRIMARY)').argParser(parseTabletTypeList))
    .addOption(boolOption('--tablet-types-in-preference-order', 'When performing source tablet selection, look for candidates in the type order as they are listed in the tablet-types flag.', true))
    .option('--on-ddl <action>', 'What to do when DDL is encountered in the VReplication stream. Possible values are IGNORE, STOP, EXEC, and EXEC_IGNORE.', 'IGNORE')
    .addOption(boolOption('--defer-secondary-keys', 'Defer secondary index creation for a table until after it has been copied.', true))
    .addOption(boolOption('--auto-start', 'Start the workflow after creating it.', true))
    .addOption(boolOption('--stop-after-copy', "Stop the workflow after it's finished copying the existing rows and before it starts replicating changes.", false))
    .option('--config-overrides <overrides>', 'Specify one or more VReplication config flags to override as a comma-separated list of key=value pairs (accepted and ignored, as Vitess\'s Migrate does).', collectList)
    .addOption(new Option('--copy-batch-rows <n>', 'vtmigrate: rows written per copy batch (one target transaction with its checkpoint); a shard keeping part of a source shard reads up to 4x as many per batch. (default 5000)').argParser(positiveInt('--copy-batch-rows')))
    .addOption(new Option('--copy-batch-bytes <n>', 'vtmigrate: bytes per copy batch, whichever limit comes first. (default 2097152)').argParser(positiveInt('--copy-batch-bytes')))
    .addOption(durationOption('--wait-timeout', 'vtmigrate: how long to wait for the workflow to validate its input before giving up.', '2m'))
    .option('--verbose', 'vtmigrate: say on stderr what was started and how to follow it.', false);
}

/**
 * The request the flags describe, or the first error in cobra's order (the flag values themselves
 * were checked while parsing). Needs no server.
 */
export function createRequest(command: Command): MigrateRequest {
  const f = command.opts<CreateFlags>();
  // PreRunE (migrate.go): which tables.
  const tablesGiven = flagGiven(command, 'tables');
  const allTablesGiven = flagGiven(command, 'allTables');
  if (!tablesGiven && !allTablesGiven) throw new Error('tables or all-tables are required to specify which tables to move');
  if (tablesGiven && allTablesGiven) throw new Error('--tables and --all-tables are mutually exclusive');
  if ((f.excludeTables ?? []).length > 0 && !f.allTables) throw new Error('--exclude-tables can only be used together with --all-tables');
  // ParseAndValidateCreateOptions (common/utils.go): on-ddl, cells, tablet types.
  const onDdl = f.onDdl.toUpperCase() as OnDdl;
  if (!ON_DDL.includes(onDdl)) throw new Error(`invalid on-ddl value: ${f.onDdl}`);
  if (flagGiven(command, 'cells') && flagGiven(command, 'allCells')) throw new Error('cannot specify both --cells and --all-cells');
  if (flagGiven(command, 'tabletTypes') && (f.tabletTypes ?? []).length === 0) {
    throw new Error('invalid tablet-types value, at least one valid tablet type must be specified');
  }
  requireFlagsWithParents(command, ['mount-name', 'source-keyspace', 'target-keyspace', 'workflow']);

  const base = command.optsWithGlobals<{ targetKeyspace: string; workflow: string }>();
  return {
    workflow: base.workflow,
    targetKeyspace: base.targetKeyspace,
    sourceKeyspace: f.sourceKeyspace!,
    mountName: f.mountName!,
    allTables: f.allTables,
    tables: f.tables ?? [],
    excludeTables: f.excludeTables ?? [],
    sourceTimeZone: f.sourceTimeZone,
    noRoutingRules: f.noRoutingRules,
    cells: (f.cells ?? []).map((c) => c.trim()),
    allCells: f.allCells,
    tabletTypes: flagGiven(command, 'tabletTypes') ? f.tabletTypes : ['REPLICA', 'PRIMARY'],
    tabletTypesInPreferenceOrder: f.tabletTypesInPreferenceOrder,
    onDdl,
    deferSecondaryKeys: f.deferSecondaryKeys,
    autoStart: f.autoStart,
    stopAfterCopy: f.stopAfterCopy,
    // --config-overrides is not forwarded: Vitess's Migrate RunE drops it too.
    copyBatchRows: f.copyBatchRows,
    copyBatchBytes: f.copyBatchBytes,
  };
}

async function startMigrate(client: Client, req: MigrateRequest): Promise<WorkflowHandle> {
  const workflowId = migrateWorkflowId(req.targetKeyspace, req.workflow);
  try {
    return await client.workflow.start('Migrate', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [req],
      // One live migration per <ks>.<wf>, as Vitess has one set of streams; a closed run's id is reusable.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: TargetKeyspaceAttr, value: req.targetKeyspace },
        { key: MigrationPhaseAttr, value: 'Validating' },
      ],
      staticSummary: `Migrate ${req.sourceKeyspace} (mount ${req.mountName}) into ${req.targetKeyspace}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(`workflow ${req.workflow} already exists in keyspace ${req.targetKeyspace}`);
    }
    const message = (err as Error).message ?? String(err);
    if (/search attribute/i.test(message)) {
      throw new Error(`cannot start workflow ${workflowId}: ${message} (register them with: temporal operator search-attribute create --name TargetKeyspace --type Keyword --name MigrationPhase --type Keyword)`);
    }
    throw err;
  }
}

/** Polls until the run has validated its input (phase past Validating) or failed. */
async function waitForValidation(client: Client, handle: WorkflowHandle, timeoutMs: number): Promise<MigrateStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let workerChecked = false;
  for (;;) {
    const info = await describeExecution(handle);
    if (info && info.state !== 'RUNNING') {
      if (info.state === 'COMPLETED') return (await handle.result()) as MigrateStatus;
      throw new Error(await closedRunFailure(handle, info.state));
    }
    try {
      const status = await queryWithDeadline(client, handle, statusQuery, Math.max(1000, Math.min(5000, deadline - Date.now())), false);
      if (status.phase !== 'Validating' && status.phase !== 'Error') return status;
      last = status.details;
    } catch (err) {
      last = (err as Error).message;
      // Without a worker the run cannot even validate: say so now rather than at the deadline.
      if (!workerChecked) {
        workerChecked = true;
        if ((await workerPolling(client)) === false) {
          last = noWorkerText(client);
          process.stderr.write(`workflow ${handle.workflowId} was created, but ${last}\n`);
        }
      }
    }
    if (Date.now() >= deadline) {
      throw new Error(`workflow ${handle.workflowId} was created but has not finished validating after ${formatDuration(timeoutMs / 1000)}: ${last || 'no answer yet'}; it continues in the background (see Migrate status)`);
    }
    await sleep(500);
  }
}

export async function createCommand(temporal: TemporalSession, command: Command): Promise<void> {
  const req = createRequest(command);
  const { waitTimeout, verbose } = command.opts<CreateFlags>();
  const client = await temporal.client();
  const handle = await startMigrate(client, req);
  const status = await waitForValidation(client, handle, waitTimeout);
  if (verbose) {
    process.stderr.write(`Started workflow ${handle.workflowId} (phase ${status.phase}): follow it with vtmigrate Migrate --workflow ${req.workflow} --target-keyspace ${req.targetKeyspace} status\n`);
  }
}
