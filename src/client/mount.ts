// Mount register|unregister|show|list: external Vitess clusters recorded in the target's global
// topology at ExternalClusters/vitess/<name> (vitess-facts.md §1.2).
//
// Beyond Vitess: register first checks that the source topology answers and has keyspaces under
// its root (--skip-validation skips that, as Vitess never checks), and re-registering a name
// says `there is already a vitess cluster named <name>` (Vitess's legacy vtctl text) instead of
// vtctld's misleading `there is no vitess cluster named <name>`.
import type { Command } from 'commander';
import {
  createExternalCluster,
  getExternalCluster,
  isNodeExists,
  listExternalClusters,
  listKeyspaces,
  openTopo,
  deleteExternalCluster,
  type TopoServer,
} from '../topo';
import { printLine, requireFlags } from './output';
import { withSession, type Session } from './session';
import { formatGoJSON } from '../topo';

interface MountFlags {
  name?: string;
  topoType?: string;
  topoServer?: string;
  topoRoot?: string;
  skipValidation?: boolean;
}

const noSuchMount = (name: string): Error => new Error(`there is no vitess cluster named ${name}`);

function checkMountName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`invalid mount name ${JSON.stringify(name)}: use letters, digits, '_', '-' and '.' only`);
  }
}

// Vitess wraps topo read failures this way (go/vt/vtctl/workflow/mount.go).
async function readMount(global: TopoServer, name: string, op: string) {
  try {
    return await getExternalCluster(global, name);
  } catch (err) {
    throw new Error(`failed to get external vitess cluster in Mount${op}: ${(err as Error).message}`);
  }
}

/** The source topology must answer and hold at least one keyspace under its root. */
async function validateSource(name: string, flags: Required<Pick<MountFlags, 'topoType' | 'topoServer' | 'topoRoot'>>): Promise<void> {
  const hint = 'use --skip-validation to register it anyway';
  let source: TopoServer;
  try {
    source = openTopo({ implementation: flags.topoType, server: flags.topoServer, root: flags.topoRoot });
  } catch (err) {
    throw new Error(`cannot register mount ${name}: ${(err as Error).message} (${hint})`);
  }
  try {
    const keyspaces = await listKeyspaces(source);
    if (keyspaces.length === 0) {
      throw new Error(
        `cannot register mount ${name}: topo server ${flags.topoServer} has no keyspaces under root ${flags.topoRoot} ` +
          `(check --topo-server and --topo-root, or ${hint})`,
      );
    }
  } catch (err) {
    if ((err as Error).message.startsWith('cannot register mount')) throw err;
    throw new Error(
      `cannot register mount ${name}: topo server ${flags.topoServer} (root ${flags.topoRoot}) did not answer: ${(err as Error).message} (${hint})`,
    );
  } finally {
    await source.close();
  }
}

async function register(session: Session, command: Command): Promise<void> {
  requireFlags(command, ['name', 'topo-type', 'topo-server', 'topo-root']);
  const flags = command.opts<MountFlags>() as Required<MountFlags>;
  checkMountName(flags.name);
  const global = await session.global();
  if (await readMount(global, flags.name, 'Register')) {
    throw new Error(`there is already a vitess cluster named ${flags.name}`);
  }
  if (!flags.skipValidation) await validateSource(flags.name, flags);
  try {
    await createExternalCluster(global, flags.name, { topoType: flags.topoType, server: flags.topoServer, root: flags.topoRoot });
  } catch (err) {
    if (isNodeExists(err)) throw new Error(`there is already a vitess cluster named ${flags.name}`);
    throw err;
  }
  printLine(`Mount ${flags.name} registered successfully`);
}

async function unregister(session: Session, command: Command): Promise<void> {
  requireFlags(command, ['name']);
  const { name } = command.opts<Required<Pick<MountFlags, 'name'>>>();
  const global = await session.global();
  if (!(await readMount(global, name, 'Unregister'))) throw noSuchMount(name);
  await deleteExternalCluster(global, name);
  printLine(`Mount ${name} unregistered successfully`);
}

async function show(session: Session, command: Command): Promise<void> {
  requireFlags(command, ['name']);
  const { name } = command.opts<Required<Pick<MountFlags, 'name'>>>();
  const mount = await readMount(await session.global(), name, 'Show');
  if (!mount) throw noSuchMount(name);
  const cfg = mount.topoConfig;
  // Go's json.Marshal of MountShowResponse: one line, empty fields omitted.
  const out: Record<string, string> = {};
  if (cfg?.topoType) out.topo_type = cfg.topoType;
  if (cfg?.server) out.topo_server = cfg.server;
  if (cfg?.root) out.topo_root = cfg.root;
  out.name = name;
  printLine(formatGoJSON(out, false));
}

async function list(session: Session): Promise<void> {
  let names: string[];
  try {
    names = await listExternalClusters(await session.global());
  } catch (err) {
    throw new Error(`failed to get external vitess cluster in MountList: ${(err as Error).message}`);
  }
  printLine(formatGoJSON(names.length > 0 ? { names } : {}, false));
}

export function registerMountCommands(program: Command): void {
  const mount = program
    .command('Mount')
    .description('Mount is used to link an external Vitess cluster in order to migrate data from it.')
    .addHelpText('after', `
The mount is stored in the target cluster's global topology at ExternalClusters/vitess/<name>.

Examples:
  vtmigrate Mount register --name ext1 --topo-type etcd2 --topo-server localhost:12379 --topo-root /vitess/global
  vtmigrate Mount show --name ext1
  vtmigrate Mount list
  vtmigrate Mount unregister --name ext1`);

  mount
    .command('register')
    .description('Register an external Vitess Cluster.')
    .option('--name <name>', 'Name to use for the mount. (required)')
    .option('--topo-type <type>', 'Topo server implementation to use (only etcd2). (required)')
    .option('--topo-server <address>', 'Topo server address, e.g. localhost:12379. (required)')
    .option('--topo-root <root>', 'Topo server root path, e.g. /vitess/global. (required)')
    .option('--skip-validation', 'Register without first checking that the topo server answers and holds keyspaces under the root (Vitess never checks).', false)
    .action(withSession((session, command) => register(session, command)));

  mount
    .command('unregister')
    .description('Unregister a previously mounted external Vitess Cluster.')
    .option('--name <name>', 'Name of the mount. (required)')
    .action(withSession((session, command) => unregister(session, command)));

  mount
    .command('show')
    .description('Show attributes of a previously mounted external Vitess Cluster, as one line of JSON.')
    .option('--name <name>', 'Name of the mount. (required)')
    .action(withSession((session, command) => show(session, command)));

  mount
    .command('list')
    .description('List all mounted external Vitess Clusters, as one line of JSON ({} when there are none).')
    .action(withSession((session) => list(session)));
}
