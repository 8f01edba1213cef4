import { strict as assert } from 'node:assert';
import * as topo from '../../../src/topo';
import { TabletType } from '../../../src/topo';
import { startTestEtcd, type TestEtcd } from '../../support/etcd';

describe('typed topo records over a real etcd', function () {
  this.timeout(30_000);
  let etcd: TestEtcd;
  let global: topo.TopoServer;

  before(async () => {
    etcd = await startTestEtcd();
    global = topo.openTopo({ server: etcd.server, root: '/vitess/global' });
    await topo.putCellInfo(global, 'zone1', { serverAddress: etcd.server, root: '/vitess/zone1' });
    await topo.putCellInfo(global, 'zone2', { serverAddress: etcd.server, root: '/vitess/zone2' });
  });
  after(async () => {
    await global?.close();
    await etcd?.stop();
  });

  it('keyspaces and shards', async () => {
    assert.deepEqual(await topo.listKeyspaces(global), []);
    await topo.putKeyspace(global, 'customer', { durabilityPolicy: 'semi_sync' });
    await topo.putKeyspace(global, 'commerce', {});
    assert.deepEqual(await topo.listKeyspaces(global), ['commerce', 'customer']);
    assert.equal((await topo.getKeyspace(global, 'customer')).durabilityPolicy, 'semi_sync');
    await assert.rejects(topo.getKeyspace(global, 'nope'), { message: "node doesn't exist: /vitess/global/keyspaces/nope/Keyspace" });

    assert.deepEqual(await topo.listShards(global, 'customer'), []);
    await assert.rejects(topo.listShards(global, 'nope'), { code: 'NoNode' });
    await topo.putShard(global, 'customer', '80-', { keyRange: { start: Buffer.from([0x80]) }, isPrimaryServing: true });
    await topo.putShard(global, 'customer', '-80', { keyRange: { end: Buffer.from([0x80]) }, isPrimaryServing: true });
    assert.deepEqual(await topo.listShards(global, 'customer'), ['-80', '80-']);
    const all = await topo.findAllShardsInKeyspace(global, 'customer');
    assert.deepEqual([...all.keys()], ['-80', '80-']);
    assert.deepEqual(all.get('80-')?.keyRange, { start: Buffer.from([0x80]), end: Buffer.alloc(0) });
    // put is an upsert
    await topo.putShard(global, 'customer', '-80', { keyRange: { end: Buffer.from([0x80]) }, isPrimaryServing: false });
    assert.equal((await topo.getShard(global, 'customer', '-80')).isPrimaryServing, false);
  });

  it('cells: CellInfo, opening a cell topology, aliases', async () => {
    assert.deepEqual(await topo.listCells(global), ['zone1', 'zone2']);
    assert.deepEqual(await topo.getCellInfo(global, 'zone1'), { serverAddress: etcd.server, root: '/vitess/zone1' });
    const cell = await topo.openCellTopo(global, 'zone1');
    assert.equal(cell.root, '/vitess/zone1');
    assert.equal(cell.server, etcd.server);
    await cell.close(); // shared connection: the global one keeps working
    assert.deepEqual(await topo.listCells(global), ['zone1', 'zone2']);
    await assert.rejects(topo.openCellTopo(global, 'zone9'), { message: "node doesn't exist: /vitess/global/cells/zone9/CellInfo" });
    await topo.putCellsAlias(global, 'all', { cells: ['zone1', 'zone2'] });
    assert.deepEqual(await topo.resolveCells(global, ['all']), ['zone1', 'zone2']);
    assert.deepEqual(await topo.resolveCells(global, []), ['zone1', 'zone2']);
    await assert.rejects(topo.resolveCells(global, ['zone9']), /cell zone9 is neither a cell nor a cell alias/);
  });

  it('tablets, ShardReplication and finding a shard\'s tablets across cells', async () => {
    const z1 = await topo.openCellTopo(global, 'zone1');
    const z2 = await topo.openCellTopo(global, 'zone2');
    try {
      const mk = (cell: string, uid: number, shard: string, type: TabletType) => ({
        alias: { cell, uid }, hostname: 'localhost', portMap: { vt: 15000 + uid, grpc: 16000 + uid },
        keyspace: 'customer', shard, type, mysqlHostname: '127.0.0.1', mysqlPort: 17000 + uid,
      });
      await topo.putTablet(z1, mk('zone1', 101, '-80', TabletType.REPLICA));
      await topo.putTablet(z1, mk('zone1', 100, '-80', TabletType.PRIMARY));
      await topo.putTablet(z1, mk('zone1', 200, '80-', TabletType.PRIMARY));
      await topo.putTablet(z2, mk('zone2', 102, '-80', TabletType.RDONLY));
      await Promise.all([
        topo.addToShardReplication(z1, 'customer', '-80', { cell: 'zone1', uid: 100 }),
        topo.addToShardReplication(z1, 'customer', '-80', { cell: 'zone1', uid: 101 }),
      ]);
      await topo.addToShardReplication(z1, 'customer', '-80', { cell: 'zone1', uid: 101 }); // idempotent
      const rep = await topo.getShardReplication(z1, 'customer', '-80');
      assert.deepEqual(rep.nodes.map((n) => n.tabletAlias?.uid).sort(), [100, 101]);

      assert.deepEqual((await topo.listTabletAliases(z1)).map(topo.tabletAliasString), ['zone1-0000000100', 'zone1-0000000101', 'zone1-0000000200']);
      const t = await topo.getTablet(z1, { cell: 'zone1', uid: 100 });
      assert.equal(t.type, TabletType.PRIMARY);
      assert.equal(t.mysqlPort, 17100);

      // zone1 via ShardReplication, zone2 (no ShardReplication record) by listing its tablets
      const found = await topo.findShardTablets(global, 'customer', '-80');
      assert.deepEqual(found.map((x) => topo.tabletAliasString(x.alias)), ['zone1-0000000100', 'zone1-0000000101', 'zone2-0000000102']);
      assert.deepEqual((await topo.findShardTablets(global, 'customer', '-80', ['zone2'])).map((x) => x.alias.uid), [102]);
      assert.deepEqual((await topo.findTablets(global, { keyspace: 'customer' })).map((x) => x.alias.uid), [100, 101, 200, 102]);
    } finally {
      await z1.close();
      await z2.close();
    }
  });

  it('SrvKeyspace', async () => {
    await topo.withCellTopo(global, 'zone1', async (z1) => {
      await topo.putSrvKeyspace(z1, 'customer', {
        partitions: [{ servedType: TabletType.PRIMARY, shardReferences: [{ name: '-80', keyRange: { end: Buffer.from([0x80]) } }, { name: '80-', keyRange: { start: Buffer.from([0x80]) } }] }],
      });
      const srv = await topo.getSrvKeyspace(z1, 'customer');
      assert.deepEqual(srv.partitions[0].shardReferences.map((r) => r.name), ['-80', '80-']);
    });
  });

  it('VSchema and the SrvVSchema rebuild into every cell', async () => {
    await topo.putVSchema(global, 'customer', { sharded: true, vindexes: { hash: { type: 'hash' } }, tables: { customer: { columnVindexes: [{ column: 'customer_id', name: 'hash' }] } } });
    await topo.putRoutingRules(global, { rules: [{ fromTable: 'customer', toTables: ['commerce.customer'] }] });
    assert.deepEqual(await topo.rebuildSrvVSchema(global), ['zone1', 'zone2']);
    for (const cell of ['zone1', 'zone2']) {
      const srv = await topo.withCellTopo(global, cell, topo.getSrvVSchema);
      assert.deepEqual(Object.keys(srv.keyspaces).sort(), ['commerce', 'customer']);
      assert.equal(srv.keyspaces.customer.sharded, true);
      assert.equal(srv.keyspaces.commerce.sharded, false); // no VSchema: an empty one
      assert.deepEqual(srv.routingRules?.rules, [{ fromTable: 'customer', toTables: ['commerce.customer'] }]);
      assert.deepEqual(srv.shardRoutingRules, { rules: [] });
    }
    await assert.rejects(topo.rebuildSrvVSchema(global, ['zone9']), { message: "node doesn't exist: /vitess/global/cells/zone9/CellInfo" });
  });

  it('VSchema updates at the same time each keep the other\'s change (complete into one keyspace twice at once)', async () => {
    await topo.putVSchema(global, 'merged', { sharded: false, tables: { kept: {} } });
    const tables = Array.from({ length: 6 }, (_, i) => `t${i}`);
    let edits = 0;
    await Promise.all(tables.map((t) => topo.updateVSchema(global, 'merged', (v) => {
      edits++;
      if (v.tables[t]) return false;
      v.tables[t] = { type: '', columnVindexes: [], columns: [], pinned: '', columnListAuthoritative: false, source: '' };
      return true;
    })));
    assert.deepEqual(Object.keys((await topo.getVSchema(global, 'merged')).tables).sort(), ['kept', ...tables]);
    assert.ok(edits > tables.length, `every update read the same version first, so some had to read again (${edits} edits)`);
    // Nothing to change: nothing written.
    const before = (await global.get('keyspaces/merged/VSchema')).version;
    await topo.updateVSchema(global, 'merged', () => false);
    assert.equal((await global.get('keyspaces/merged/VSchema')).version, before);
    await global.delete('keyspaces/merged/VSchema');
  });

  it('external clusters (mounts)', async () => {
    assert.deepEqual(await topo.listExternalClusters(global), []);
    assert.equal(await topo.getExternalCluster(global, 'ext1'), undefined);
    await topo.createExternalCluster(global, 'ext1', { topoType: 'etcd2', server: etcd.server, root: '/vitess/global' });
    await assert.rejects(topo.createExternalCluster(global, 'ext1', { topoType: 'etcd2', server: 'x', root: '/y' }), { code: 'NodeExists' });
    assert.deepEqual(await topo.getExternalCluster(global, 'ext1'), { topoConfig: { topoType: 'etcd2', server: etcd.server, root: '/vitess/global' } });
    assert.deepEqual(await topo.listExternalClusters(global), ['ext1']);
    const ext = await topo.openExternalClusterTopo(global, 'ext1');
    try {
      assert.deepEqual(await topo.listKeyspaces(ext), ['commerce', 'customer']);
    } finally {
      await ext.close();
    }
    await assert.rejects(topo.openExternalClusterTopo(global, 'ext2'), { message: 'no vitess cluster found with name ext2' });
    await topo.deleteExternalCluster(global, 'ext1');
    await assert.rejects(topo.deleteExternalCluster(global, 'ext1'), { code: 'NoNode' });
    assert.deepEqual(await topo.listExternalClusters(global), []);
  });
});
