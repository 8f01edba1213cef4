// VSchema records: each keyspace's VSchema and the routing rules in the global topology, and the
// SrvVSchema roll-up that vtgates read from every cell.
import type {
  KeyspaceRoutingRules,
  MirrorRules,
  RecordInput,
  RoutingRules,
  ShardRoutingRules,
  SrvVSchema,
  VSchema,
} from './proto';
import type { RecordKind } from './proto';
import {
  keyspaceRoutingRulesPath,
  mirrorRulesPath,
  routingRulesPath,
  shardRoutingRulesPath,
  srvVSchemaPath,
  vschemaPath,
} from './paths';
import { readRecord, writeRecord } from './record-io';
import { isBadVersion, isNoNode } from './errors';
import type { TopoServer } from './server';
import { listKeyspaces } from './keyspaces';
import { listCells, withCellTopo } from './cells';

export async function getVSchema(global: TopoServer, keyspace: string): Promise<VSchema> {
  return (await readRecord<VSchema>(global, 'VSchema', vschemaPath(keyspace))).record;
}

/**
 * Read-modify-write of a keyspace's VSchema that loses no concurrent change: `edit` changes the
 * record in place and says whether it did; the write is conditional on the version read, and a
 * write in between (another complete, an ApplyVSchema) makes it read and edit again.
 */
export async function updateVSchema(global: TopoServer, keyspace: string, edit: (vschema: VSchema) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { record, version } = await readRecord<VSchema>(global, 'VSchema', vschemaPath(keyspace));
    if (!edit(record)) return;
    try {
      await writeRecord<VSchema>(global, 'VSchema', vschemaPath(keyspace), record, version);
      return;
    } catch (err) {
      if (!isBadVersion(err)) throw err;
    }
  }
  throw new Error(`could not update the VSchema of keyspace ${keyspace}: too many concurrent updates`);
}

/** Create-or-update of `keyspaces/<ks>/VSchema`. */
export async function putVSchema(global: TopoServer, keyspace: string, vschema: RecordInput<VSchema>): Promise<string> {
  return writeRecord<VSchema>(global, 'VSchema', vschemaPath(keyspace), vschema);
}

// Vitess reads absent rules as empty rules, not as an error.
async function getRules<T>(global: TopoServer, kind: RecordKind, relPath: string): Promise<T> {
  try {
    return (await readRecord<T>(global, kind, relPath)).record;
  } catch (err) {
    if (isNoNode(err)) return { rules: [] } as T;
    throw err;
  }
}

export const getRoutingRules = (global: TopoServer): Promise<RoutingRules> => getRules(global, 'RoutingRules', routingRulesPath());
export const getShardRoutingRules = (global: TopoServer): Promise<ShardRoutingRules> => getRules(global, 'ShardRoutingRules', shardRoutingRulesPath());
export const getKeyspaceRoutingRules = (global: TopoServer): Promise<KeyspaceRoutingRules> => getRules(global, 'KeyspaceRoutingRules', keyspaceRoutingRulesPath());
export const getMirrorRules = (global: TopoServer): Promise<MirrorRules> => getRules(global, 'MirrorRules', mirrorRulesPath());

export async function putRoutingRules(global: TopoServer, rules: RecordInput<RoutingRules>): Promise<string> {
  return writeRecord<RoutingRules>(global, 'RoutingRules', routingRulesPath(), rules);
}

export async function getSrvVSchema(cellTopo: TopoServer): Promise<SrvVSchema> {
  return (await readRecord<SrvVSchema>(cellTopo, 'SrvVSchema', srvVSchemaPath())).record;
}

/** Create-or-update of `SrvVSchema` in a cell. */
export async function putSrvVSchema(cellTopo: TopoServer, srv: RecordInput<SrvVSchema>): Promise<string> {
  return writeRecord<SrvVSchema>(cellTopo, 'SrvVSchema', srvVSchemaPath(), srv);
}

/** The SrvVSchema Vitess would build now: every keyspace's VSchema ({} if it has none) and all rules. */
export async function buildSrvVSchema(global: TopoServer): Promise<SrvVSchema> {
  const keyspaces = await listKeyspaces(global);
  const entries = await Promise.all(keyspaces.map(async (ks) => {
    try {
      return [ks, await getVSchema(global, ks)] as const;
    } catch (err) {
      if (isNoNode(err)) return [ks, {} as VSchema] as const;
      throw err;
    }
  }));
  return {
    keyspaces: Object.fromEntries(entries),
    routingRules: await getRoutingRules(global),
    shardRoutingRules: await getShardRoutingRules(global),
    keyspaceRoutingRules: await getKeyspaceRoutingRules(global),
    mirrorRules: await getMirrorRules(global),
  };
}

/**
 * Rebuilds the SrvVSchema in the given cells (default: every cell), as Vitess's
 * RebuildSrvVSchema does. An unknown cell fails on its CellInfo (`node doesn't exist: ...`).
 * Returns the cells written.
 */
export async function rebuildSrvVSchema(global: TopoServer, cells: string[] = []): Promise<string[]> {
  const targets = cells.length > 0 ? cells : await listCells(global);
  const srv = await buildSrvVSchema(global);
  await Promise.all(targets.map((cell) => withCellTopo(global, cell, (cellTopo) => putSrvVSchema(cellTopo, srv))));
  return targets;
}
