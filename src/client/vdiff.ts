// `VDiff --workflow <wf> --target-keyspace <ks> <create|show|resume|stop|delete>`: vtctldclient's
// VDiff grammar (command/vreplication/vdiff/vdiff.go): every create flag with its default, the
// PreRunE checks and their texts, then the command (vdiff-commands.ts).
import { Option, type Command } from 'commander';
import { parseTabletType, tabletTypeName } from '../topo';
import { vdiffOptionsWithDefaults, type VDiffOptions } from '../workflows/vdiff-api';
import { boolOption, durationOption, flagGiven, requireFlagsWithParents } from './flags';
import { outputFormat } from './migrate-common';
import { collectList } from './output';
import { withTemporal } from './temporal';
import { createVDiff, deleteVDiff, resumeVDiff, showVDiff, stopVDiff, type VDiffBase } from './vdiff-commands';
import { isUuid, parseUuid } from './uuid';

interface CreateFlags {
  sourceCells?: string[];
  targetCells?: string[];
  tabletTypes?: string[];
  tabletTypesInPreferenceOrder: boolean;
  filteredReplicationWaitTime: number;
  limit: number;
  debugQuery: boolean;
  maxReportSampleRows: number;
  onlyPks: boolean;
  tables?: string[];
  maxExtraRowsToCompare: number;
  wait: boolean;
  waitUpdateInterval: number;
  autoRetry: boolean;
  updateTableStats: boolean;
  maxDiffDuration: number;
  rowDiffColumnTruncateAt: number;
  autoStart: boolean;
  batchRows?: number;
}

/** pflag's Int64 flag value. */
function int64(flag: string) {
  return (value: string): number => {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
    return Math.max(Math.min(Number(value), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
  };
}

/** Vitess's TabletTypeListFlag: comma-separated, each a known type. */
function tabletTypeList(value: string): string[] {
  try {
    return value.split(',').filter((t) => t.trim() !== '').map((t) => tabletTypeName(parseTabletType(t)));
  } catch (err) {
    throw new Error(`invalid argument "${value}" for "--tablet-types" flag: ${(err as Error).message}`);
  }
}

function base(command: Command): VDiffBase {
  requireFlagsWithParents(command, ['target-keyspace', 'workflow']);
  const o = command.optsWithGlobals<{ targetKeyspace: string; workflow: string; format?: string }>();
  return { targetKeyspace: o.targetKeyspace, workflow: o.workflow, format: outputFormat(o.format ?? 'text') };
}

/** PreRunE of create: the uuid, then the limits (vdiff.go parseAndValidateCreate). */
export function createOptions(command: Command, uuidArg: string | undefined): { uuid?: string; options: Partial<VDiffOptions> } {
  const f = command.opts<CreateFlags>();
  let uuid: string | undefined;
  if (uuidArg !== undefined) {
    try {
      uuid = parseUuid(uuidArg);
    } catch (err) {
      throw new Error(`invalid UUID provided: ${(err as Error).message}`);
    }
  }
  if (f.limit < 1) throw new Error('--limit must be a positive value');
  if (f.maxReportSampleRows < 0) throw new Error('--max-report-sample-rows must not be a negative value');
  if (f.maxExtraRowsToCompare < 0) throw new Error('--max-extra-rows-to-compare must not be a negative value');
  if (f.batchRows !== undefined && f.batchRows < 1) throw new Error('--batch-rows must be a positive value');
  const trim = (l?: string[]) => (l ?? []).map((x) => x.trim());
  const defaults = vdiffOptionsWithDefaults();
  return {
    uuid,
    options: {
      sourceCells: trim(f.sourceCells),
      targetCells: trim(f.targetCells),
      tabletTypes: flagGiven(command, 'tabletTypes') ? f.tabletTypes : defaults.tabletTypes,
      tabletTypesInPreferenceOrder: f.tabletTypesInPreferenceOrder,
      tables: trim(f.tables),
      limit: f.limit,
      filteredReplicationWaitTimeMs: f.filteredReplicationWaitTime,
      debugQuery: f.debugQuery,
      onlyPks: f.onlyPks,
      updateTableStats: f.updateTableStats,
      maxExtraRowsToCompare: f.maxExtraRowsToCompare,
      autoRetry: f.autoRetry,
      maxReportSampleRows: f.maxReportSampleRows,
      maxDiffDurationMs: f.maxDiffDuration,
      rowDiffColumnTruncateAt: f.rowDiffColumnTruncateAt,
      autoStart: f.autoStart,
      batchRows: f.batchRows,
    },
  };
}

function uuidArgument(arg: string): string {
  try {
    return parseUuid(arg);
  } catch (err) {
    throw new Error(`invalid UUID provided: ${(err as Error).message}`);
  }
}

export function registerVDiffCommands(program: Command): void {
  const vdiff = program
    .command('VDiff')
    .alias('vdiff')
    .description('Perform commands related to diffing tables involved in a VReplication workflow between the source and target.')
    .option('--target-keyspace <keyspace>', 'Target keyspace for this workflow. (required)')
    .option('-w, --workflow <workflow>', 'The workflow you want to perform the command on. (required)')
    .option('--format <format>', 'The format of the output; supported formats are: text,json.', 'text')
    .addHelpText('after', `
Each VDiff runs in Temporal as workflow type VDiff, id <target-keyspace>.<workflow>.vdiff.<uuid>, task queue vtmigrate.

Examples:
  vtmigrate VDiff --workflow import --target-keyspace customer create --wait --wait-update-interval 5s
  vtmigrate VDiff --workflow import --target-keyspace customer show last --verbose --format json
  vtmigrate VDiff --workflow import --target-keyspace customer stop a037a9e2-5628-11ee-8c99-0242ac120002
  vtmigrate VDiff --workflow import --target-keyspace customer resume a037a9e2-5628-11ee-8c99-0242ac120002
  vtmigrate VDiff --workflow import --target-keyspace customer delete all`);

  vdiff
    .command('create')
    .alias('Create')
    .argument('[uuid]', 'The VDiff id (default: a new random UUID).')
    .description('Create and run a VDiff to compare the tables involved in a VReplication workflow between the source and target.')
    .option('--source-cells <cells>', 'The source cell(s) to compare from; default is any available cell.', collectList)
    .option('--target-cells <cells>', 'The target cell(s) to compare with; default is any available cell.', collectList)
    .addOption(new Option('--tablet-types <types>', 'Tablet types to use on the source and target. (default RDONLY,REPLICA,PRIMARY)').argParser(tabletTypeList))
    .addOption(boolOption('--tablet-types-in-preference-order', 'When performing source tablet selection, look for candidates in the type order as they are listed in the tablet-types flag.', true))
    .addOption(durationOption('--filtered-replication-wait-time', 'Specifies the maximum time to wait, in seconds, for replication to catch up when syncing tablet streams.', '30s'))
    .addOption(new Option('--limit <n>', 'Max rows to stop comparing after.').argParser(int64('--limit')).default(Number.MAX_SAFE_INTEGER, '9223372036854775807'))
    .addOption(boolOption('--debug-query', 'Adds a mysql query to the report that can be used for further debugging.', false))
    .addOption(new Option('--max-report-sample-rows <n>', 'Maximum number of row differences to report (0 for all differences; vtmigrate keeps at most 1000 per kind, table and shard). NOTE: when increasing this value it is highly recommended to also specify --only-pks').argParser(int64('--max-report-sample-rows')).default(10))
    .addOption(boolOption('--only-pks', 'When reporting row differences, only show primary keys in the report.', false))
    .option('--tables <tables>', 'Only run vdiff for these tables in the workflow.', collectList)
    .addOption(new Option('--max-extra-rows-to-compare <n>', 'If there are collation differences between the source and target, you can have rows that are identical but simply returned in a different order from MySQL. We will do a second pass to compare the rows for any actual differences in this case and this flag allows you to control the resources used for this operation.').argParser(int64('--max-extra-rows-to-compare')).default(1000))
    .addOption(boolOption('--wait', 'When creating or resuming a vdiff, wait for it to finish before exiting.', false))
    .addOption(durationOption('--wait-update-interval', 'When waiting on a vdiff to finish, check and display the current status this often.', '1m'))
    .addOption(boolOption('--auto-retry', 'Should this vdiff automatically retry and continue in case of recoverable errors.', true))
    .addOption(boolOption('--update-table-stats', 'Update the table statistics, using ANALYZE TABLE, on each table involved in the vdiff during initialization. This will ensure that progress estimates are as accurate as possible -- but it does involve locks and can potentially impact query processing on the target keyspace.', false))
    .addOption(durationOption('--max-diff-duration', 'How long should an individual table diff run before being stopped and restarted in order to lessen the impact on tablets due to holding open database snapshots for long periods of time (0 is the default and means no time limit).', '0'))
    .addOption(new Option('--row-diff-column-truncate-at <n>', 'When showing row differences, truncate the non Primary Key column values to this length. A value less than 1 means do not truncate.').argParser(int64('--row-diff-column-truncate-at')).default(128))
    .addOption(boolOption('--auto-start', 'Start the vdiff upon creation. When false, the vdiff will be created but will not run until resumed.', true))
    .addOption(new Option('--batch-rows <n>', 'vtmigrate: rows held in memory per tablet connection before the server is held back (a chunk per query where rows come through the binary protocol). (default 1000)').argParser(int64('--batch-rows')))
    .action(withTemporal(async (temporal, command, uuidArg?: string) => {
      const { uuid, options } = createOptions(command, uuidArg);
      const b = base(command);
      const f = command.opts<CreateFlags>();
      await createVDiff(temporal, b, uuid, options, { wait: f.wait, intervalMs: f.waitUpdateInterval });
    }));

  vdiff
    .command('show')
    .alias('Show')
    .argument('<arg>', "'last', 'all' or a VDiff UUID.")
    .description('Show the status of a VDiff.')
    .option('--verbose', 'Show verbose output in summaries', false)
    .action(withTemporal(async (temporal, command, arg: string) => {
      const a = arg.toLowerCase();
      if (a !== 'last' && a !== 'all' && !isUuid(arg)) throw new Error(`invalid argument provided (${arg}), valid arguments are 'all', 'last', or a valid UUID`);
      const b = base(command);
      await showVDiff(temporal, b, a === 'last' || a === 'all' ? a : parseUuid(arg), command.opts<{ verbose: boolean }>().verbose);
    }));

  for (const action of ['resume', 'stop'] as const) {
    vdiff
      .command(action)
      .alias(action === 'resume' ? 'Resume' : 'Stop')
      .argument('<uuid>', 'The VDiff UUID.')
      .description(action === 'resume' ? 'Resume a VDiff.' : 'Stop a running VDiff.')
      .option('--target-shards <shards>', `The target shards to ${action} the vdiff on; default is all shards.`, collectList)
      .action(withTemporal(async (temporal, command, arg: string) => {
        const uuid = uuidArgument(arg);
        const b = base(command);
        const shards = (command.opts<{ targetShards?: string[] }>().targetShards ?? []).map((s) => s.trim());
        if (action === 'resume') await resumeVDiff(temporal, b, uuid, shards);
        else await stopVDiff(temporal, b, uuid, shards);
      }));
  }

  vdiff
    .command('delete')
    .alias('Delete')
    .argument('<arg>', "'all' or a VDiff UUID.")
    .description('Delete VDiffs.')
    .action(withTemporal(async (temporal, command, arg: string) => {
      const a = arg.toLowerCase();
      if (a !== 'all' && !isUuid(arg)) throw new Error(`invalid argument provided (${arg}), valid arguments are 'all' or a valid UUID`);
      const b = base(command);
      await deleteVDiff(temporal, b, a === 'all' ? a : parseUuid(arg));
    }));
}
