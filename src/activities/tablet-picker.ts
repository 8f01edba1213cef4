// Picks the source tablet a stream reads from, as Vitess's tablet picker does (vitess-facts.md
// §6): tablets of the shard in the given cells, of the given types (in preference order when
// asked), usable when their mysqld answers and, for replicas, replication runs.
import { answerWithin, connectMysql, type Connection } from '../mysql/connect';
import { replicaStatus } from '../mysql/replication';
import {
  findShardTablets,
  getShard,
  resolveCells,
  tabletAliasShortString,
  tabletTypeName,
  TabletType,
  parseTabletType,
  type TopoServer,
  type Tablet,
} from '../topo';
import type { TopoRef } from '../workflows/api';
import { tabletEndpoint, type ActivityDeps } from './deps';

export interface PickedTablet {
  /** `<cell>-<uid>` as Vitess prints it. */
  alias: string;
  host: string;
  port: number;
  type: string;
}

export interface PickOptions {
  cluster: TopoRef;
  keyspace: string;
  shard: string;
  cells: string[];
  tabletTypes: string[];
  inOrder: boolean;
  /** Aliases to skip (a tablet that just failed). */
  exclude?: string[];
}

export class NoHealthyTabletError extends Error {}

/** Vitess's test of a tablet: its mysqld answers and, for a replica, replication runs. */
export async function tabletUsable(deps: ActivityDeps, cluster: TopoRef, role: 'source' | 'target', t: Tablet): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    // Bounded as a whole: a server that hangs after the handshake would hold the pick for ever.
    return await answerWithin((async () => {
      conn = await connectMysql(tabletEndpoint(deps, cluster, role, t.mysqlHostname, t.mysqlPort), { connectTimeoutMs: 3000 });
      await conn.query('SELECT 1');
      if (t.type === TabletType.PRIMARY) return true;
      const rs = await replicaStatus(conn);
      return rs !== undefined && rs.ioRunning && rs.sqlRunning;
    })(), 5_000, `health check of tablet ${tabletAliasShortString(t.alias)}`);
  } catch {
    return false;
  } finally {
    conn?.destroy();
  }
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export async function pickTablet(deps: ActivityDeps, topo: TopoServer, opts: PickOptions): Promise<PickedTablet> {
  const cells = await resolveCells(topo, opts.cells);
  const types = opts.tabletTypes.map((t) => parseTabletType(t));
  let tablets = await findShardTablets(topo, opts.keyspace, opts.shard, cells);
  // A PRIMARY is found through the Shard record as well (Vitess does this for PRIMARY-only picks).
  if (types.includes(TabletType.PRIMARY) && !tablets.some((t) => t.type === TabletType.PRIMARY)) {
    const shard = await getShard(topo, opts.keyspace, opts.shard).catch(() => undefined);
    if (shard?.primaryAlias) {
      const all = await findShardTablets(topo, opts.keyspace, opts.shard, [shard.primaryAlias.cell]).catch(() => []);
      tablets = tablets.concat(all.filter((t) => t.type === TabletType.PRIMARY));
    }
  }
  const candidates = tablets.filter((t) => types.includes(t.type) && !(opts.exclude ?? []).includes(tabletAliasShortString(t.alias)));
  const ordered = opts.inOrder
    ? types.flatMap((type) => shuffle(candidates.filter((t) => t.type === type)))
    : shuffle(candidates);
  for (const t of ordered) {
    if (await tabletUsable(deps, opts.cluster, 'source', t)) {
      return { alias: tabletAliasShortString(t.alias), host: t.mysqlHostname, port: t.mysqlPort, type: tabletTypeName(t.type) };
    }
  }
  throw new NoHealthyTabletError(
    `No healthy serving tablet found for streaming, shard ${opts.keyspace}.${opts.shard}, cells [${cells.join(' ')}], tabletTypes [${types.map(tabletTypeName).join(' ')}]`,
  );
}
