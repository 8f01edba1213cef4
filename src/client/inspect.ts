// Read-only commands operators run every day, printing what vtctldclient prints:
// GetKeyspaces, GetKeyspace, FindAllShardsInKeyspace, GetShard, GetTablets, GetVSchema.
// Each takes --mount-name to look at a mounted source cluster instead of the target.
import type { Command } from 'commander';
import {
  findAllShardsInKeyspace,
  findShardTablets,
  findTablets,
  getKeyspace,
  getShard,
  getVSchema,
  listKeyspaces,
  parseKeyspaceShard,
  parseTabletAlias,
  parseTabletType,
  tabletTypeLowerName,
  withCellTopo,
  getTablet,
  TabletType,
  type Tablet,
  type TopoServer,
} from '../topo';
import { checkFormat, collectList, printLine, printRecord, printRecordList } from './output';
import { withSession, type Session } from './session';

interface MountFlag {
  mountName?: string;
}

const MOUNT_HELP = 'Read the topology of this mounted external cluster (see Mount) instead of the target cluster\'s.';

async function getKeyspacesCommand(session: Session, command: Command): Promise<void> {
  const topo = await session.cluster(command.opts<MountFlag>().mountName);
  const names = await listKeyspaces(topo);
  const keyspaces = await Promise.all(names.map(async (name) => ({ name, keyspace: await getKeyspace(topo, name) })));
  printRecordList('VtctldKeyspace', keyspaces);
}

async function getKeyspaceCommand(session: Session, command: Command, keyspace: string): Promise<void> {
  const topo = await session.cluster(command.opts<MountFlag>().mountName);
  printRecord('VtctldKeyspace', { name: keyspace, keyspace: await getKeyspace(topo, keyspace) }, session.flags.compact);
}

async function findAllShardsCommand(session: Session, command: Command, keyspace: string): Promise<void> {
  const topo = await session.cluster(command.opts<MountFlag>().mountName);
  const shards = await findAllShardsInKeyspace(topo, keyspace);
  const out: Record<string, object> = {};
  for (const [name, shard] of shards) out[name] = { keyspace, name, shard };
  printRecord('FindAllShardsInKeyspaceResponse', { shards: out }, session.flags.compact);
}

async function getShardCommand(session: Session, command: Command, keyspaceShard: string): Promise<void> {
  const [keyspace, name] = parseKeyspaceShard(keyspaceShard);
  const topo = await session.cluster(command.opts<MountFlag>().mountName);
  printRecord('VtctldShard', { keyspace, name, shard: await getShard(topo, keyspace, name) }, session.flags.compact);
}

async function getVSchemaCommand(session: Session, command: Command, keyspace: string): Promise<void> {
  const topo = await session.cluster(command.opts<MountFlag>().mountName);
  printRecord('VSchema', await getVSchema(topo, keyspace), session.flags.compact);
}

interface TabletFlags extends MountFlag {
  keyspace?: string;
  shard?: string;
  cell: string[];
  tabletType?: string;
  tabletAlias: string[];
  format: string;
  strict: boolean;
}

const termStart = (t: Tablet): number => (t.primaryTermStartTime?.seconds ?? 0) * 1e9 + (t.primaryTermStartTime?.nanoseconds ?? 0);

/**
 * Vitess reports a PRIMARY whose term started before the newest primary of its shard as UNKNOWN:
 * an old primary that has not yet updated its own record.
 */
function markStalePrimaries(tablets: Tablet[]): Tablet[] {
  const newest = new Map<string, number>();
  for (const t of tablets) {
    const key = `${t.keyspace}.${t.shard}`;
    if (t.type === TabletType.PRIMARY) newest.set(key, Math.max(newest.get(key) ?? 0, termStart(t)));
  }
  return tablets.map((t) => (t.type === TabletType.PRIMARY && termStart(t) < (newest.get(`${t.keyspace}.${t.shard}`) ?? 0) ? { ...t, type: TabletType.UNKNOWN } : t));
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One line as vtctldclient's cli.MarshalTabletAWK prints it. */
export function tabletAwkLine(t: Tablet): string {
  const tags = Object.entries(t.tags).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).sort();
  const mtst = t.primaryTermStartTime && t.primaryTermStartTime.seconds > 0
    ? new Date(t.primaryTermStartTime.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : '<null>';
  return [
    `${t.alias.cell}-${String(t.alias.uid).padStart(10, '0')}`,
    t.keyspace || '<null>',
    t.shard || '<null>',
    tabletTypeLowerName(t.type),
    hostPort(t.hostname, t.portMap.vt ?? 0),
    hostPort(t.mysqlHostname, t.mysqlPort),
    `[${tags.join(' ')}]`,
    mtst,
  ].join(' ');
}

async function tabletsByAlias(topo: TopoServer, aliases: string[]): Promise<Tablet[]> {
  const parsed = aliases.map(parseTabletAlias);
  return Promise.all(parsed.map((alias) => withCellTopo(topo, alias.cell, (cellTopo) => getTablet(cellTopo, alias))));
}

async function getTabletsCommand(session: Session, command: Command): Promise<void> {
  const flags = command.opts<TabletFlags>();
  const format = checkFormat(flags.format, ['awk', 'json']);
  const given = (v: unknown): boolean => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
  if (flags.tabletAlias.length > 0) {
    const aliases = `[${flags.tabletAlias.join(' ')}]`;
    if (given(flags.keyspace)) throw new Error(`--keyspace (= ${flags.keyspace}) cannot be passed when using --tablet-alias (= ${aliases})`);
    if (given(flags.shard)) throw new Error(`--shard (= ${flags.shard}) cannot be passed when using --tablet-alias (= ${aliases})`);
    if (given(flags.cell)) throw new Error(`--cell (= [${flags.cell.join(' ')}]) cannot be passed when using --tablet-alias (= ${aliases})`);
    if (given(flags.tabletType)) throw new Error(`--tablet-type (= ${flags.tabletType}) cannot be passed when using --tablet-alias (= ${aliases})`);
  }
  if (!given(flags.keyspace) && given(flags.shard)) throw new Error(`--shard (= ${flags.shard}) cannot be passed without also passing --keyspace`);
  const type = given(flags.tabletType) ? parseTabletType(flags.tabletType ?? '') : undefined;

  const topo = await session.cluster(flags.mountName);
  let tablets: Tablet[];
  if (flags.tabletAlias.length > 0) tablets = await tabletsByAlias(topo, flags.tabletAlias);
  else if (flags.keyspace && flags.shard) tablets = await findShardTablets(topo, flags.keyspace, flags.shard, flags.cell);
  else tablets = await findTablets(topo, { keyspace: flags.keyspace, cells: flags.cell });
  if (type !== undefined) tablets = tablets.filter((t) => t.type === type);
  tablets = markStalePrimaries(tablets);

  if (format === 'json') printRecordList('Tablet', tablets);
  else for (const t of tablets) printLine(tabletAwkLine(t));
}

export function registerInspectCommands(program: Command): void {
  program
    .command('GetKeyspaces')
    .description('Returns information about every keyspace in the topology, as a JSON list.')
    .option('--mount-name <name>', MOUNT_HELP)
    .action(withSession((session, command) => getKeyspacesCommand(session, command)));

  program
    .command('GetKeyspace')
    .description('Returns information about the given keyspace from the topology, as JSON.')
    .argument('<keyspace>')
    .option('--mount-name <name>', MOUNT_HELP)
    .action(withSession((session, command, keyspace: string) => getKeyspaceCommand(session, command, keyspace)));

  program
    .command('FindAllShardsInKeyspace')
    .description('Returns a map of shard names to shard references for a given keyspace, as JSON.')
    .argument('<keyspace>')
    .option('--mount-name <name>', MOUNT_HELP)
    .action(withSession((session, command, keyspace: string) => findAllShardsCommand(session, command, keyspace)));

  program
    .command('GetShard')
    .description('Returns information about a shard in the topology, as JSON.')
    .argument('<keyspace/shard>')
    .option('--mount-name <name>', MOUNT_HELP)
    .action(withSession((session, command, keyspaceShard: string) => getShardCommand(session, command, keyspaceShard)));

  program
    .command('GetTablets')
    .description('Looks up tablets according to filter criteria.')
    .option('-k, --keyspace <keyspace>', 'Keyspace to filter tablets by.')
    .option('-s, --shard <shard>', 'Shard to filter tablets by (needs --keyspace).')
    .option('-c, --cell <cells>', 'List of cells to filter tablets by (comma-separated, repeatable).', collectList, [])
    .option('--tablet-type <type>', 'Tablet type to filter by (e.g. primary or replica).')
    .option('-t, --tablet-alias <aliases>', 'List of tablet aliases to filter by (comma-separated, repeatable); excludes the other filters.', collectList, [])
    .option('--format <format>', 'Output format to use; valid choices are (json, awk).', 'awk')
    .option('--strict', 'Require all cells to return successful tablet data (always the case in vtmigrate: any cell failing fails the command).', false)
    .option('--mount-name <name>', MOUNT_HELP)
    .addHelpText('after', `
The awk format prints one line per tablet:
  <alias> <keyspace> <shard> <type> <hostname>:<vt port> <mysql host>:<mysql port> [<tags>] <primary term start|<null>>
--format json prints the tablet records as a JSON list.`)
    .action(withSession((session, command) => getTabletsCommand(session, command)));

  program
    .command('GetVSchema')
    .description('Prints a JSON representation of a keyspace\'s VSchema.')
    .argument('<keyspace>')
    .option('--mount-name <name>', MOUNT_HELP)
    .action(withSession((session, command, keyspace: string) => getVSchemaCommand(session, command, keyspace)));
}
