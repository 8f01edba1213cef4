// vtmigrate-local: local Vitess-shaped clusters (etcd topology + MariaDB tablets) and the
// Temporal dev server, for the demo, tests, benchmarks and anyone trying vtmigrate.
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { findComponent } from './components';
import { describeStack, formatStack } from './describe';
import { down } from './down';
import { withStateLock } from './lock';
import { loadSpec, SpecError } from './spec';
import { checkPorts, up } from './up';

const DEFAULT_SPEC = path.resolve(__dirname, '..', '..', '..', 'examples', 'local', 'spec.json');

// `--spec` is accepted before the command (`vtmigrate-local --spec F up`) as well as after it;
// only the program's copy has the default, so a subcommand's own --spec, when given, wins.
const specOption = () => new Option('--spec <file>', 'the cluster spec (JSON) (default: examples/local/spec.json)');
const specOf = (cmd: Command): string => (cmd.optsWithGlobals() as { spec: string }).spec;
const log = (line: string) => process.stderr.write(`[vtmigrate-local] ${line}\n`);

export function buildProgram(): Command {
  const program = new Command('vtmigrate-local')
    .description('Run local Vitess-shaped clusters (etcd topology, MariaDB tablets) and the Temporal dev server from a JSON spec.')
    .addOption(new Option('--spec <file>', 'the cluster spec (JSON), before or after the command').default(DEFAULT_SPEC, 'examples/local/spec.json'))
    .showHelpAfterError();

  program.command('up')
    .description('start (idempotently) Temporal, one etcd per cluster and every tablet; write the topology and a worker configuration')
    .addOption(specOption())
    .option('--json', 'print the endpoints as one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const spec = loadSpec(specOf(cmd));
      await up(spec, log);
      const d = describeStack(spec, false);
      process.stdout.write((opts.json ? JSON.stringify(d, null, 2) : formatStack(d)) + '\n');
    });

  program.command('status')
    .description('show endpoints and which managed processes are up')
    .addOption(specOption())
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const d = describeStack(loadSpec(specOf(cmd)), true);
      process.stdout.write((opts.json ? JSON.stringify(d, null, 2) : formatStack(d)) + '\n');
    });

  program.command('stop')
    .description('stop one component: temporal, etcd:<cluster>, tablet:<alias> or worker')
    .argument('<component>')
    .addOption(specOption())
    .addOption(new Option('--signal <signal>', 'signal to send (KILL simulates a crash)').default('TERM').choices(['TERM', 'KILL', 'INT']))
    .action(async (name: string, opts: { signal: string }, cmd: Command) => {
      const spec = loadSpec(specOf(cmd));
      const c = findComponent(spec, name);
      const pid = fs.existsSync(spec.stateDir)
        ? await withStateLock(spec.stateDir, () => c.stop(`SIG${opts.signal}` as NodeJS.Signals), log)
        : undefined;
      log(pid === undefined ? `${name} was not running` : `stopped ${name} (pid ${pid})`);
    });

  program.command('start')
    .description('start one component again: temporal, etcd:<cluster>, tablet:<alias> or worker')
    .argument('<component>')
    .addOption(specOption())
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const spec = loadSpec(specOf(cmd));
      const c = findComponent(spec, name);
      await checkPorts(spec, [c]);
      const pid = await withStateLock(spec.stateDir, () => c.start(), log);
      log(`${name} is up (pid ${pid})`);
    });

  program.command('down')
    .description('stop everything this spec started (by pid); --wipe also deletes the state dir')
    .addOption(specOption())
    .option('--wipe', 'remove the state directory (data, logs, topology) too')
    .action(async (opts: { wipe?: boolean }, cmd: Command) => {
      await down(loadSpec(specOf(cmd)), { wipe: opts.wipe }, log);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const message = err instanceof SpecError ? err.message : (err as Error).message;
    process.stderr.write(`vtmigrate-local: ${message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
