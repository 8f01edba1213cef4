// SrvKeyspace, the per-cell serving view of a keyspace (partitions of shards per tablet type).
import type { RecordInput, SrvKeyspace } from './proto';
import { srvKeyspacePath } from './paths';
import { readRecord, writeRecord } from './record-io';
import type { TopoServer } from './server';

export async function getSrvKeyspace(cellTopo: TopoServer, keyspace: string): Promise<SrvKeyspace> {
  return (await readRecord<SrvKeyspace>(cellTopo, 'SrvKeyspace', srvKeyspacePath(keyspace))).record;
}

/** Create-or-update of `keyspaces/<ks>/SrvKeyspace` in a cell. */
export async function putSrvKeyspace(cellTopo: TopoServer, keyspace: string, srv: RecordInput<SrvKeyspace>): Promise<string> {
  return writeRecord<SrvKeyspace>(cellTopo, 'SrvKeyspace', srvKeyspacePath(keyspace), srv);
}
