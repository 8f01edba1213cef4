// Finding a usable source tablet for a stream, waiting (and saying why) while there is none.
import { connectMysql, type Connection } from '../mysql/connect';
import { ROW_READER_CONNECT_OPTIONS } from '../mysql/values';
import { openTopo } from '../topo';
import type { MigrationRef } from '../workflows/tasks';
import { tabletEndpoint, withTopo, type ActivityDeps } from './deps';
import { pause } from './heartbeat';
import { NoHealthyTabletError, pickTablet, type PickedTablet } from './tablet-picker';

/** How long one activity attempt keeps looking before failing (the workflow retries it). */
const PICK_PATIENCE_MS = 120_000;
const PICK_RETRY_MS = 5_000;

export interface SourceConnection { conn: Connection; tablet: PickedTablet }

export async function connectSourceTablet(
  deps: ActivityDeps,
  ref: MigrationRef,
  sourceShard: string,
  opts: { exclude?: string[]; onWait: (message: string) => void; cancelled: () => boolean; multipleStatements?: boolean },
): Promise<SourceConnection> {
  const deadline = Date.now() + PICK_PATIENCE_MS;
  for (;;) {
    let message: string;
    try {
      const tablet = await withTopo(openTopo(ref.sourceTopo), async (topo) => {
        const pick = (exclude?: string[]) => pickTablet(deps, topo, {
          cluster: ref.sourceTopo,
          keyspace: ref.sourceKeyspace,
          shard: sourceShard,
          cells: ref.cells,
          tabletTypes: ref.tabletTypes,
          inOrder: ref.inOrder,
          exclude,
        });
        // The tablet that just failed is tried last, not never: it may be the only one and be
        // back (it is still checked like any other).
        return pick(opts.exclude).catch((err: unknown) => {
          if (err instanceof NoHealthyTabletError && opts.exclude && opts.exclude.length > 0) return pick();
          throw err;
        });
      });
      const conn = await connectMysql(tabletEndpoint(deps, ref.sourceTopo, 'source', tablet.host, tablet.port, `vt_${ref.sourceKeyspace}`), { ...ROW_READER_CONNECT_OPTIONS, multipleStatements: opts.multipleStatements });
      return { conn, tablet };
    } catch (err) {
      if (!(err instanceof NoHealthyTabletError) && Date.now() > deadline) throw err;
      message = err instanceof NoHealthyTabletError ? err.message : `cannot open a source tablet of ${ref.sourceKeyspace}/${sourceShard}: ${(err as Error).message}`;
      if (Date.now() > deadline) throw err;
    }
    opts.onWait(message);
    if (opts.cancelled()) throw new Error(message);
    await pause(PICK_RETRY_MS);
  }
}
