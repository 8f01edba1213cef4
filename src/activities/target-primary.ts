// The target shard primaries the activities write to, found through the target topology.
import { getShard, getTablet, openCellTopo, tabletAliasShortString, type TopoServer } from '../topo';
import { connectMysql, type Connection } from '../mysql/connect';
import { WRITER_SQL_MODE } from '../mysql/sql';
import { ROW_READER_CONNECT_OPTIONS } from '../mysql/values';
import type { TopoRef } from '../workflows/api';
import { openTargetTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';

export interface PrimaryRef { alias: string; host: string; port: number }

export async function findPrimary(topo: TopoServer, keyspace: string, shard: string): Promise<PrimaryRef> {
  const record = await getShard(topo, keyspace, shard);
  if (!record.primaryAlias || !record.primaryAlias.cell) throw new Error(`shard does not have a primary: ${keyspace}/${shard}`);
  const cellTopo = await openCellTopo(topo, record.primaryAlias.cell);
  try {
    const tablet = await getTablet(cellTopo, record.primaryAlias);
    return { alias: tabletAliasShortString(tablet.alias), host: tablet.mysqlHostname, port: tablet.mysqlPort };
  } finally {
    if (cellTopo !== topo) await cellTopo.close();
  }
}

export function targetTopoRef(deps: ActivityDeps): TopoRef {
  return { server: deps.config.topo.server, root: deps.config.topo.root };
}

/** A connection to the target shard's primary as the worker's target user, in vt_<keyspace>. */
export async function connectTargetPrimary(deps: ActivityDeps, keyspace: string, shard: string, opts: { multipleStatements?: boolean; localInfile?: boolean } = {}): Promise<{ conn: Connection; primary: PrimaryRef }> {
  const primary = await withTopo(openTargetTopo(deps), (topo) => findPrimary(topo, keyspace, shard));
  const conn = await connectMysql(tabletEndpoint(deps, targetTopoRef(deps), 'target', primary.host, primary.port, `vt_${keyspace}`), { ...ROW_READER_CONNECT_OPTIONS, ...opts })
    .catch((err: unknown) => {
      // Say which server ("connect ETIMEDOUT" alone does not); code and errno stay for the callers.
      if (err instanceof Error) err.message = `cannot connect to target primary ${primary.alias} (${primary.host}:${primary.port}) of ${keyspace}/${shard}: ${err.message}`;
      throw err;
    });
  // Migrated rows are written as they were on the source: no FK cascades, no re-checks.
  await conn.query('SET SESSION foreign_key_checks = 0');
  await conn.query(`SET SESSION sql_mode = '${WRITER_SQL_MODE}'`);
  return { conn, primary };
}
