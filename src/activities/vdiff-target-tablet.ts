// The target tablet a VDiff reads a shard from (--target-cells, --tablet-types): a replica keeps the
// diff's reads off the primary. Picked like the source tablet (types in preference order, then any
// healthy one), but connected with the target cluster's credentials, since the target cluster may
// have no source-role user.
import { findShardTablets, getShard, parseTabletType, resolveCells, tabletAliasShortString, TabletType, tabletTypeName } from '../topo';
import { openTargetTopo, withTopo, type ActivityDeps } from './deps';
import { tabletUsable } from './tablet-picker';
import { targetTopoRef } from './target-primary';

export interface TargetTablet { alias: string; host: string; port: number; primary: boolean }

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
      if (await tabletUsable(deps, targetTopoRef(deps), 'target', t)) {
        return { alias: tabletAliasShortString(t.alias), host: t.mysqlHostname, port: t.mysqlPort, primary: t.type === TabletType.PRIMARY };
      }
    }
    throw new Error(`No healthy serving tablet found for vdiff, shard ${keyspace}.${shard}, cells [${resolved.join(' ')}], tabletTypes [${types.map(tabletTypeName).join(' ')}]`);
  });
}
