// Which shards a migration reads and writes, from a real etcd topology: all of them when they
// divide the key range, the serving ones in the middle of a reshard, and a refusal (naming the
// gap or overlap) when neither holds every keyspace id exactly once.
import { strict as assert } from 'node:assert';
import * as topo from '../../../src/topo';
import { keyspaceShards } from '../../../src/activities/keyspace-shards';
import { parseShardName } from '../../../src/vindex';
import { startTestEtcd, type TestEtcd } from '../../support/etcd';

describe('the shards of a keyspace a migration uses', function () {
  this.timeout(30_000);
  let etcd: TestEtcd;
  let global: topo.TopoServer;

  const keyspace = async (name: string, shards: [string, boolean][]) => {
    await topo.putKeyspace(global, name, {});
    for (const [shard, serving] of shards) await topo.putShard(global, name, shard, { keyRange: parseShardName(shard), isPrimaryServing: serving });
  };

  before(async () => {
    etcd = await startTestEtcd();
    global = topo.openTopo({ server: etcd.server, root: '/vitess/global' });
    await keyspace('whole', [['-80', true], ['80-', false]]);
    await keyspace('resharding', [['0', true], ['-80', false], ['80-', false]]);
    await keyspace('resharded', [['0', false], ['-80', true], ['80-', true]]);
    await keyspace('gap', [['-80', true], ['c0-', true]]);
    await keyspace('overlap', [['-80', true], ['40-', true]]);
    await topo.putKeyspace(global, 'empty', {});
  });
  after(async () => {
    await global?.close();
    await etcd?.stop();
  });

  it('every shard when they divide the key range (serving or not: a new target keyspace may not serve yet)', async () => {
    assert.deepEqual(await keyspaceShards(global, 'whole', 'target'), ['-80', '80-']);
  });

  it('the serving shards of a keyspace in the middle of a reshard', async () => {
    assert.deepEqual(await keyspaceShards(global, 'resharding', 'source'), ['0']);
    assert.deepEqual(await keyspaceShards(global, 'resharded', 'source'), ['-80', '80-']);
  });

  it('refuses shards that leave keyspace ids without a shard, or with two', async () => {
    await assert.rejects(keyspaceShards(global, 'gap', 'target'),
      { message: 'the serving shards of target keyspace gap (-80,c0-) do not hold every keyspace id exactly once: gap: no shard covers 80-c0' });
    await assert.rejects(keyspaceShards(global, 'overlap', 'source'),
      { message: 'the serving shards of source keyspace overlap (-80,40-) do not hold every keyspace id exactly once: overlap: shards -80 and 40- both cover 40-80' });
    await assert.rejects(keyspaceShards(global, 'empty', 'target'), { message: 'keyspace empty has no shards' });
  });
});
