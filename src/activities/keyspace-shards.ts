// The shards of a keyspace a migration reads or writes: every keyspace id on exactly one of them.
// A keyspace in the middle of a Vitess reshard has both the old and the new shards in its topology;
// the ones serving (Shard.is_primary_serving) are the keyspace then. Shards that leave a gap or
// overlap are refused: a gap would drop rows, an overlap copy them twice.
import type { TopoServer } from '../topo';
import { findAllShardsInKeyspace, listShards } from '../topo';
import { shardCoverageProblems } from '../vindex';
import { invalidInput } from './errors';

export async function keyspaceShards(topo: TopoServer, keyspace: string, role: 'source' | 'target'): Promise<string[]> {
  const all = await listShards(topo, keyspace);
  if (all.length === 0) throw invalidInput(`keyspace ${keyspace} has no shards`);
  if (shardCoverageProblems(all).length === 0) return all;
  const records = await findAllShardsInKeyspace(topo, keyspace);
  const serving = [...records].filter(([, s]) => s.isPrimaryServing).map(([name]) => name).sort();
  const judged = serving.length > 0 ? serving : all;
  const problems = shardCoverageProblems(judged);
  if (problems.length === 0) return judged;
  throw invalidInput(`the ${judged === serving ? 'serving ' : ''}shards of ${role} keyspace ${keyspace} ` +
    `(${judged.join(',')}) do not hold every keyspace id exactly once: ${problems.join('; ')}`);
}
