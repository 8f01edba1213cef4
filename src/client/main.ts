// The vtmigrate CLI: vtctldclient's grammar (root flags, case-insensitive command names) over
// Temporal and the clusters' topologies. Each command family registers itself from its own file;
// add new families (Migrate, VDiff, Workflow, worker) to COMMAND_FAMILIES.
import { Command, Option } from 'commander';
import { registerApplyVSchemaCommand } from './apply-vschema';
import { registerInspectCommands } from './inspect';
import { registerMigrateCommands } from './migrate';
import { registerMountCommands } from './mount';
import { registerVDiffCommands } from './vdiff';
import { registerVindexCommand } from './vindex';
import { registerWorkflowCommands } from './workflow';
import { registerWorkerCommand } from './worker';

export const COMMAND_FAMILIES: Array<(program: Command) => void> = [
  registerMountCommands,
  registerMigrateCommands,
  registerWorkflowCommands,
  registerVDiffCommands,
  registerApplyVSchemaCommand,
  registerInspectCommands,
  registerVindexCommand,
  registerWorkerCommand,
];

export function buildProgram(): Command {
  const program = new Command('vtmigrate')
    .description("Vitess's Migrate workflow as a durable Temporal application: mount an external Vitess cluster and move its tables into a keyspace of this one while it keeps serving.")
    .addOption(new Option('--server <address>', 'Temporal frontend address').env('TEMPORAL_ADDRESS').default('localhost:7233'))
    .addOption(new Option('--namespace <namespace>', 'Temporal namespace of the workflows').env('TEMPORAL_NAMESPACE').default('default'))
    .addOption(new Option('--topo-implementation <impl>', 'the topology implementation to use (only etcd2)').env('VTMIGRATE_TOPO_IMPLEMENTATION').default('etcd2'))
    .addOption(new Option('--topo-global-server-address <address>', 'the address of the global topology server(s), comma-separated').env('VTMIGRATE_TOPO_GLOBAL_SERVER_ADDRESS').default('localhost:2379'))
    .addOption(new Option('--topo-global-root <root>', 'the path of the global topology data in the global topology server').env('VTMIGRATE_TOPO_GLOBAL_ROOT').default('/vitess/global'))
    .option('--compact', 'use compact format for otherwise verbose outputs (JSON without unpopulated fields)', false)
    .showHelpAfterError('(run with --help for usage)');
  for (const register of COMMAND_FAMILIES) register(program);
  program.addHelpText('after', '\nCommand names are case-insensitive (Mount, mount and MOUNT are the same command).');
  return program;
}

function findOption(command: Command | null, token: string) {
  const flag = token.split('=')[0];
  for (let c = command; c; c = c.parent) {
    const opt = c.options.find((o) => o.long === flag || o.short === flag);
    if (opt) return opt;
  }
  return undefined;
}

/**
 * Rewrites command and subcommand tokens to their declared names, case-insensitively, as Vitess
 * accepts `getkeyspaces` or `MOUNT`. Only command positions are touched: option values and
 * positional arguments (a keyspace named "mount") are left alone.
 */
export function normalizeCommandNames(args: string[], program: Command): string[] {
  const out = [...args];
  let command = program;
  for (let i = 0; i < out.length; i++) {
    const token = out[i];
    if (token === '--') break;
    if (token.startsWith('-')) {
      const opt = findOption(command, token);
      if (opt && opt.required && !token.includes('=')) i++; // skip the option's value
      continue;
    }
    const lower = token.toLowerCase();
    const sub = command.commands.find((c) => c.name().toLowerCase() === lower || c.aliases().some((a) => a.toLowerCase() === lower));
    if (!sub) break;
    out[i] = sub.name();
    command = sub;
    if (sub.commands.length === 0) break;
  }
  return out;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  const args = normalizeCommandNames(argv.slice(2), program);
  await program.parseAsync(args, { from: 'user' });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
