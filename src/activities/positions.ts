// Where the source primaries are now: the positions cutover drains every stream to.
import { connectMysql } from '../mysql/connect';
import { formatPosition } from '../mysql/gtid';
import { currentPosition, serverFlavor } from '../mysql/positions';
import type { MigrationRef } from '../workflows/tasks';
import { openSourceTopo, tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { findPrimary } from './target-primary';

export async function sourcePositions(deps: ActivityDeps, ref: MigrationRef): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await withTopo(openSourceTopo(ref.sourceTopo), async (topo) => {
    for (const shard of ref.sourceShards) {
      const primary = await findPrimary(topo, ref.sourceKeyspace, shard);
      const conn = await connectMysql(tabletEndpoint(deps, ref.sourceTopo, 'source', primary.host, primary.port));
      try {
        out[shard] = formatPosition(await currentPosition(conn, await serverFlavor(conn)));
      } finally {
        conn.destroy();
      }
    }
  });
  return out;
}
