// Cells: their CellInfo records in the global topology, connections to each cell's own topology,
// and finding a shard's tablets across cells (what the tablet picker starts from).
import type { CellInfo, CellsAlias, RecordInput, Tablet } from './proto';
import { CELLS_ALIASES_DIR, CELLS_DIR, cellInfoPath, cellsAliasPath } from './paths';
import { readRecord, writeRecord } from './record-io';
import { isNoNode } from './errors';
import { openTopo, topoWithRoot, type TopoServer } from './server';
import { compareAliases, getShardReplication, getTablet, listTablets } from './tablets';

export async function getCellInfo(global: TopoServer, cell: string): Promise<CellInfo> {
  return (await readRecord<CellInfo>(global, 'CellInfo', cellInfoPath(cell))).record;
}

/** Create-or-update of `cells/<cell>/CellInfo`. */
export async function putCellInfo(global: TopoServer, cell: string, info: RecordInput<CellInfo>): Promise<string> {
  return writeRecord<CellInfo>(global, 'CellInfo', cellInfoPath(cell), info);
}

/** Names of the cells with a CellInfo record, sorted; [] if there are none. */
export async function listCells(global: TopoServer): Promise<string[]> {
  return global.listDir(CELLS_DIR);
}

export async function getCellsAlias(global: TopoServer, alias: string): Promise<CellsAlias> {
  return (await readRecord<CellsAlias>(global, 'CellsAlias', cellsAliasPath(alias))).record;
}

export async function putCellsAlias(global: TopoServer, alias: string, value: RecordInput<CellsAlias>): Promise<string> {
  return writeRecord<CellsAlias>(global, 'CellsAlias', cellsAliasPath(alias), value);
}

export async function listCellsAliases(global: TopoServer): Promise<string[]> {
  return global.listDir(CELLS_ALIASES_DIR);
}

/**
 * The topology of one cell, from its CellInfo (server_address, root). When the cell lives on the
 * same server as the global topology the connection is shared; close() the result either way.
 * A missing CellInfo is NoNode (`node doesn't exist: <root>/cells/<cell>/CellInfo`).
 */
export async function openCellTopo(global: TopoServer, cell: string, opts: { timeoutMs?: number } = {}): Promise<TopoServer> {
  const info = await getCellInfo(global, cell);
  if (info.serverAddress === '' || info.serverAddress === global.server) return topoWithRoot(global, info.root);
  return openTopo({ implementation: 'etcd2', server: info.serverAddress, root: info.root }, opts);
}

/** Runs fn against a cell's topology and closes it afterwards. */
export async function withCellTopo<T>(global: TopoServer, cell: string, fn: (cellTopo: TopoServer) => Promise<T>): Promise<T> {
  const cellTopo = await openCellTopo(global, cell);
  try {
    return await fn(cellTopo);
  } finally {
    await cellTopo.close();
  }
}

/** A name that is neither a cell nor a cell alias (unlike a topology that does not answer). */
export class UnknownCell extends Error {}

/**
 * Cell names for a list of cells or cell aliases (an alias expands to its cells); [] means every
 * cell. Unknown names are an error that names them, since a silently ignored cell means no tablet
 * is ever found there.
 */
export async function resolveCells(global: TopoServer, names: string[]): Promise<string[]> {
  const all = await listCells(global);
  if (names.length === 0) return all;
  const out: string[] = [];
  for (const name of names) {
    if (all.includes(name)) {
      out.push(name);
      continue;
    }
    try {
      out.push(...(await getCellsAlias(global, name)).cells);
    } catch (err) {
      if (isNoNode(err)) throw new UnknownCell(`cell ${name} is neither a cell nor a cell alias in ${global.server} ${global.root} (cells: ${all.join(', ') || 'none'})`);
      throw err;
    }
  }
  return [...new Set(out)];
}

/**
 * The tablets of keyspace/shard in the given cells (default: every cell), sorted by alias. Each
 * cell's ShardReplication record names the tablets, as Vitess's tablet picker reads it; a cell
 * without that record falls back to listing its tablets and keeping the shard's.
 */
export async function findShardTablets(global: TopoServer, keyspace: string, shard: string, cells: string[] = []): Promise<Tablet[]> {
  const cellNames = cells.length > 0 ? cells : await listCells(global);
  const perCell = await Promise.all(cellNames.map((cell) => withCellTopo(global, cell, async (cellTopo) => {
    let aliases;
    try {
      aliases = (await getShardReplication(cellTopo, keyspace, shard)).nodes.flatMap((n) => (n.tabletAlias ? [n.tabletAlias] : []));
    } catch (err) {
      if (!isNoNode(err)) throw err;
      return (await listTablets(cellTopo)).filter((t) => t.keyspace === keyspace && t.shard === shard);
    }
    const tablets = await Promise.all(aliases.map((alias) => getTablet(cellTopo, alias).catch((e: unknown) => {
      if (isNoNode(e)) return undefined; // listed but gone: Vitess skips it too
      throw e;
    })));
    return tablets.filter((t): t is Tablet => t !== undefined);
  })));
  return perCell.flat().sort((a, b) => compareAliases(a.alias, b.alias));
}

/** Every tablet in the given cells (default: every cell), optionally of one keyspace, sorted by alias. */
export async function findTablets(global: TopoServer, opts: { keyspace?: string; cells?: string[] } = {}): Promise<Tablet[]> {
  const cellNames = opts.cells && opts.cells.length > 0 ? opts.cells : await listCells(global);
  const perCell = await Promise.all(cellNames.map((cell) => withCellTopo(global, cell, listTablets)));
  return perCell
    .flat()
    .filter((t) => !opts.keyspace || t.keyspace === opts.keyspace)
    .sort((a, b) => compareAliases(a.alias, b.alias));
}
