// `npm run demo` (after scripts/install.sh and the build): brings up the example clusters of
// examples/local/spec.json and the Temporal dev server, then runs the lifecycle of DESIGN.md §1
// on them: mount the source cluster, apply the target VSchema, seed the sharded source the way
// vtgate places rows, keep a light write load on it, Migrate create, status, a VDiff while the
// application writes, Workflow stop/start, cutover, complete, unmount, and a summary an operator
// can read. Safe to run again: it starts from a clean slate of
// the example keyspaces' data each time (never touching anything else).
//
// The demo is a list of steps. A step either runs one of this repository's commands, shown as
// `$ node bin/... args` followed by its own output, or runs code that prints what it did. To
// extend the demo (mount, migrate, VDiff, cut over...), add steps to STEPS.
import { spawn } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { CommerceWriter, seedCommerce, startLoad } from '../src/local/commerce-load';
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

const stack = () => describeStack(loadSpec(path.join(REPO_ROOT, SPEC)), false);

function whereThingsAre(): void {
  const d = stack();
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

const WORKFLOW = ['Migrate', '--workflow', 'import', '--target-keyspace', 'customer'];
const SOURCE_TABLES = ['customer', 'corder', 'order_line', 'product'];

/** The vtmigrate CLI pointed at the example stack's Temporal and target topology. */
function vtmigrate(...args: string[]): DemoStep['command'] {
  const d = stack();
  const target = d.clusters.find((c) => c.name === 'target')!;
  return { bin: 'vtmigrate', args: ['--server', d.temporal.address, '--topo-global-server-address', target.topo.server, ...args] };
}

async function withRoot<T>(port: number, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

const primariesOf = (cluster: string) => stack().clusters.find((c) => c.name === cluster)!.tablets.filter((t) => t.type === 'PRIMARY');

/** A re-run starts clean: no earlier demo's workflow, target tables, migration state or source rows. */
async function cleanSlate(): Promise<void> {
  await runQuiet('vtmigrate', vtmigrate(...WORKFLOW, 'cancel')!.args);
  await runQuiet('vtmigrate', vtmigrate('Mount', 'unregister', '--name', 'ext1')!.args);
  for (const t of primariesOf('source')) await withRoot(t.mysql.port, async (c) => { for (const table of SOURCE_TABLES) await c.query(`TRUNCATE TABLE \`${t.db}\`.\`${table}\``); });
  for (const t of primariesOf('target')) {
    await withRoot(t.mysql.port, async (c) => {
      for (const table of SOURCE_TABLES) await c.query(`DROP TABLE IF EXISTS \`${t.db}\`.\`${table}\``);
      await c.query('DROP DATABASE IF EXISTS _vt_migrate');
    });
  }
  say('emptied the example source tables, dropped the example target tables and any migration state');
}

let writer: CommerceWriter | undefined;
let load: ReturnType<typeof startLoad> | undefined;
const phaseTimes: [string, number][] = [];
const mark = (what: string) => phaseTimes.push([what, Date.now()]);

async function seed(): Promise<void> {
  writer = new CommerceWriter(primariesOf('source').map((t) => ({ shard: t.shard, host: t.mysql.host, port: t.mysql.port, user: 'root', database: t.db })), 42, 1);
  await seedCommerce(writer, { customers: 3000, products: 800 });
  say(`seeded ${writer.stats.inserts} rows: each on the source shard its keyspace id belongs to (hash of customer_id / order_id, binary_md5 of sku)`);
}

function startWrites(): void {
  load = startLoad(writer!, 25);
  say('the application keeps writing (~25 changes/s: inserts, updates, deletes, and orders moving between customers, i.e. between shards)');
  mark('create');
}

async function waitUntilRunning(): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const { output: out } = await runCommand('vtmigrate', vtmigrate(...WORKFLOW, 'status')!.args, true);
    if (/Status: Running/.test(out) && !/Status: (Copying|Error)/.test(out)) {
      say(out.trimEnd());
      mark('running');
      return;
    }
    if (Date.now() > deadline) throw new Error(`the copy did not finish in 10 minutes:\n${out}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function stopWrites(): Promise<void> {
  await new Promise((r) => setTimeout(r, 5000));
  const stats = await load!.stop();
  if (load!.errors.length > 0) throw new Error(`the write load failed: ${load!.errors[0].message}`);
  say(`the application stopped writing (${stats.inserts} inserts, ${stats.updates} updates, ${stats.deletes} deletes, ${stats.moves} moves between shards during the migration)`);
  await writer!.close();
  mark('cutover');
}

async function summary(): Promise<void> {
  const count = async (tablets: ReturnType<typeof primariesOf>, table: string) => {
    let n = 0;
    for (const t of tablets) n += await withRoot(t.mysql.port, async (c) => Number(((await c.query(`SELECT COUNT(*) AS n FROM \`${t.db}\`.\`${table}\``))[0] as { n: number }[])[0].n));
    return n;
  };
  say('Rows per table (source: 2 shards, target: 3 shards):');
  say(`  ${'table'.padEnd(12)} ${'source'.padStart(8)} ${'target'.padStart(8)}`);
  for (const table of SOURCE_TABLES) {
    const [src, dst] = [await count(primariesOf('source'), table), await count(primariesOf('target'), table)];
    say(`  ${table.padEnd(12)} ${String(src).padStart(8)} ${String(dst).padStart(8)}${src === dst ? '' : '   <- differs'}`);
  }
  say();
  const at = (what: string) => phaseTimes.find(([w]) => w === what)![1];
  const secs = (a: string, b: string) => `${((at(b) - at(a)) / 1000).toFixed(1)} s`;
  say('Time per phase:');
  say(`  copy (create → every stream running):        ${secs('create', 'running')}`);
  say(`  catch-up while the application kept writing: ${secs('running', 'cutover')}`);
  say(`  cutover (drain + verify):                     ${secs('cutover', 'verified')}`);
  say(`  complete:                                     ${secs('verified', 'completed')}`);
  say();
  const verdict = /^Verdict: .*$/m.exec(outputs.get(CUTOVER) ?? '');
  say(`Verification (cutover): ${verdict ? verdict[0].slice('Verdict: '.length).replace(/: run complete.*$/, '') : 'no verdict printed (see the cutover output above)'}`);
  say();
  say('Look at the run in the Web UI:');
  say(`  ${stack().temporal.ui}/namespaces/default/workflows/customer.import`);
}

const CUTOVER: DemoStep = {
  title: 'Cut over: drain every stream to the source positions and verify',
  command: vtmigrate(...WORKFLOW, 'cutover'),
  action: () => { mark('verified'); },
};

export const STEPS: DemoStep[] = [
  {
    title: 'Start the example clusters (etcd topology, MariaDB tablets) and the Temporal dev server',
    command: { bin: 'vtmigrate-local', args: ['up', '--spec', SPEC] },
  },
  // Restarted, so a rebuilt checkout never runs an older worker left from an earlier demo.
  { title: 'Stop a worker left from an earlier demo', command: { bin: 'vtmigrate-local', args: ['stop', 'worker', '--spec', SPEC] } },
  { title: 'Start a vtmigrate worker in the background (log: examples/local/.vtmigrate/local/worker/worker.log)', command: { bin: 'vtmigrate-local', args: ['start', 'worker', '--spec', SPEC] } },
  { title: 'Clean slate (so the demo can run again)', action: cleanSlate },
  { title: 'Mount the source cluster in the target topology', command: vtmigrate('Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', '127.0.0.1:12379', '--topo-root', '/vitess/global') },
  { title: 'Give the sharded target keyspace its VSchema', command: vtmigrate('ApplyVSchema', '--vschema-file', 'examples/local/customer-vschema.json', 'customer') },
  { title: 'Seed the sharded source the way vtgate would place the rows', action: seed },
  { title: 'Keep a light write load on the source', action: startWrites },
  { title: 'Create the migration (workflow id customer.import)', command: vtmigrate(...WORKFLOW, 'create', '--source-keyspace', 'commerce', '--mount-name', 'ext1', '--all-tables') },
  { title: 'Follow the copy until every stream is running (catching up from the binlog)', action: waitUntilRunning },
  { title: 'Verify the target row by row while the application still writes (VDiff)', command: vtmigrate('VDiff', '--workflow', 'import', '--target-keyspace', 'customer', 'create', '--wait', '--wait-update-interval', '5s') },
  { title: 'Pause the streams at a checkpoint', command: vtmigrate('Workflow', '--keyspace', 'customer', 'stop', '--workflow', 'import') },
  { title: 'Resume them: they catch up on what the source wrote meanwhile', command: vtmigrate('Workflow', '--keyspace', 'customer', 'start', '--workflow', 'import') },
  { title: 'The application stops writing to the source', action: stopWrites },
  CUTOVER,
  { title: 'Complete: drain the streams to the source positions, stop them, update the target VSchema', command: vtmigrate(...WORKFLOW, 'complete'), action: () => { mark('completed'); } },
  { title: 'Unmount the source cluster', command: vtmigrate('Mount', 'unregister', '--name', 'ext1') },
  { title: 'Summary', action: summary },
  { title: 'Where things are', action: whereThingsAre },
];

/** Runs a command without showing it (clean-up that may legitimately fail). */
function runQuiet(bin: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join('bin', `${bin}.js`), ...args], { cwd: REPO_ROOT, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** What each command step printed, for the summary (the cutover's verdict). */
const outputs = new Map<DemoStep, string>();

/** Runs a command and keeps its output, showing it as it comes unless `quiet`. */
function runCommand(bin: string, args: string[], quiet = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join('bin', `${bin}.js`), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); if (!quiet) process.stdout.write(d); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); if (!quiet) process.stderr.write(d); });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

export async function runSteps(steps: DemoStep[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    say();
    say(`== ${i + 1}/${steps.length} ${step.title}`);
    if (step.command) {
      const { bin, args } = step.command;
      say(`$ node ${path.join('bin', `${bin}.js`)} ${args.map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
      const { code, output } = await runCommand(bin, args);
      outputs.set(step, output);
      if (code !== 0) throw new Error(`step ${i + 1} (${step.title}) failed with exit code ${code}`);
    }
    if (step.action) await step.action();
  }
}

if (require.main === module) {
  runSteps(STEPS).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`\ndemo: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
