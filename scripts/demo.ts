// `npm run demo` (after scripts/install.sh and the build): brings up the example clusters of
// examples/local/spec.json and the Temporal dev server, then says where everything is and how to
// stop it. Safe to run again: `up` finds what already runs.
//
// The demo is a list of steps. A step either runs one of this repository's commands, shown as
// `$ node bin/... args` followed by its own output, or runs code that prints what it did. To
// extend the demo (mount, migrate, VDiff, cut over...), add steps to STEPS.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describeStack } from '../src/local/describe';
import { loadSpec } from '../src/local/spec';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SPEC = path.join('examples', 'local', 'spec.json');

export interface DemoStep {
  title: string;
  /** A command of this repository (bin/<bin>.js) and its arguments, run from the repository root. */
  command?: { bin: 'vtmigrate-local' | 'vtmigrate'; args: string[] };
  /** Or code, for steps that are not one command. */
  action?: () => Promise<void> | void;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

function whereThingsAre(): void {
  const d = describeStack(loadSpec(path.join(REPO_ROOT, SPEC)), false);
  say(`Temporal Web UI:   ${d.temporal.ui}`);
  say(`Temporal frontend: ${d.temporal.address} (namespace ${d.temporal.namespace}, task queue vtmigrate)`);
  for (const c of d.clusters) {
    const keyspaces = [...new Set(c.tablets.map((t) => t.keyspace))].join(', ');
    say(`Cluster ${c.name.padEnd(8)} topology etcd2 ${c.topo.server} ${c.topo.root} (cell ${c.cell}; keyspaces ${keyspaces}; ${c.tablets.length} tablets)`);
  }
  say(`Worker config:     ${path.relative(REPO_ROOT, d.workerConfig)}`);
  say();
  say('Stop everything:   node bin/vtmigrate-local.js down');
  say('... and delete its data, logs and topology: node bin/vtmigrate-local.js down --wipe');
}

export const STEPS: DemoStep[] = [
  {
    title: 'Start the example clusters (etcd topology, MariaDB tablets) and the Temporal dev server',
    command: { bin: 'vtmigrate-local', args: ['up', '--spec', SPEC] },
  },
  { title: 'Where things are', action: whereThingsAre },
];

function runCommand(bin: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join('bin', `${bin}.js`), ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export async function runSteps(steps: DemoStep[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    say();
    say(`== ${i + 1}/${steps.length} ${step.title}`);
    if (step.command) {
      const { bin, args } = step.command;
      say(`$ node ${path.join('bin', `${bin}.js`)} ${args.join(' ')}`);
      const code = await runCommand(bin, args);
      if (code !== 0) throw new Error(`step ${i + 1} (${step.title}) failed with exit code ${code}`);
    }
    if (step.action) await step.action();
  }
}

if (require.main === module) {
  runSteps(STEPS).catch((err: unknown) => {
    process.stderr.write(`\ndemo: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
