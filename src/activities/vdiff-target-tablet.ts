// The target tablet a VDiff reads a shard from (--target-cells, --tablet-types): a replica keeps the
// diff's reads off the primary. Picked like the source tablet (types in preference order, then any
// healthy one), but connected with the target cluster's credentials, since the target cluster may
// have no source-role user.
import { connectMysql } from '../mysql/connect';
import { replicaStatus } from '../mysql/replication';
import { findShardTablets, getShard, parseTabletType, resolveCells, tabletAliasShortString, TabletType, tabletTypeName, type Tablet } from '../topo';
import { openTargetTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { targetTopoRef } from './target-primary';

export interface TargetTablet { alias: string; host: string; port: number; primary: boolean }

async function healthy(deps: ActivityDeps, t: Tablet): Promise<boolean> {
  let conn;
  try {
    conn = await connectMysql(tabletEndpoint(deps, targetTopoRef(deps), 'target', t.mysqlHostname, t.mysqlPort), { connectTimeoutMs: 3000 });
    if (t.type === TabletType.PRIMARY) return true;
    const rs = await replicaStatus(conn);
    return rs !== undefined && rs.ioRunning && rs.sqlRunning;
  } catch {
    return false;
  } finally {
    conn?.destroy();
  }
}

export async function pickTargetTablet(deps: ActivityDeps, keyspace: string, shard: string, cells: string[], tabletTypes: string[], inOrder: boolean): Promise<TargetTablet> {
  return withTopo(openTargetTopo(deps), async (topo) => {
    const types = tabletTypes.map(parseTabletType);
    const resolved = await resolveCells(topo, cells);
    let tablets = await findShardTablets(topo, keyspace, shard, resolved);
    const record = await getShard(topo, keyspace, shard);
    // The primary is found through the Shard record too (it may live in a cell not asked for).
    if (types.includes(TabletType.PRIMARY) && !tablets.some((t) => t.type === TabletType.PRIMARY) && record.primaryAlias) {
      const primaryCell = await findShardTablets(topo, keyspace, shard, [record.primaryAlias.cell]).catch(() => []);
      tablets = tablets.concat(primaryCell.filter((t) => t.type === TabletType.PRIMARY));
    }
    const candidates = tablets.filter((t) => types.includes(t.type));
    const ordered = inOrder ? types.flatMap((type) => candidates.filter((t) => t.type === type)) : candidates;
    for (const t of ordered) {
      if (await healthy(deps, t)) {
        return { alias: tabletAliasShortString(t.alias), host: t.mysqlHostname, port: t.mysqlPort, primary: t.type === TabletType.PRIMARY };
      }
    }
    throw new Error(`No healthy serving tablet found for vdiff, shard ${keyspace}.${shard}, cells [${resolved.join(' ')}], tabletTypes [${types.map(tabletTypeName).join(' ')}]`);
  });
}
