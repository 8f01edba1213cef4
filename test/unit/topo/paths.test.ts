import { strict as assert } from 'node:assert';
import * as paths from '../../../src/topo/paths';

describe('topo paths', () => {
  it('global records', () => {
    assert.equal(paths.cellInfoPath('zone1'), 'cells/zone1/CellInfo');
    assert.equal(paths.cellsAliasPath('east'), 'cells_aliases/east/CellsAlias');
    assert.equal(paths.keyspacePath('commerce'), 'keyspaces/commerce/Keyspace');
    assert.equal(paths.shardPath('commerce', '-80'), 'keyspaces/commerce/shards/-80/Shard');
    assert.equal(paths.vschemaPath('commerce'), 'keyspaces/commerce/VSchema');
    assert.equal(paths.externalClusterPath('ext1'), 'ExternalClusters/vitess/ext1');
    assert.equal(paths.routingRulesPath(), 'RoutingRules');
    assert.equal(paths.shardRoutingRulesPath(), 'ShardRoutingRules');
    assert.equal(paths.keyspaceRoutingRulesPath(), 'routing_rules/keyspace/Rules');
    assert.equal(paths.mirrorRulesPath(), 'MirrorRules');
  });

  it('cell records', () => {
    assert.equal(paths.tabletPath({ cell: 'zone1', uid: 100 }), 'tablets/zone1-0000000100/Tablet');
    assert.equal(paths.shardReplicationPath('commerce', '0'), 'keyspaces/commerce/shards/0/ShardReplication');
    assert.equal(paths.srvKeyspacePath('commerce'), 'keyspaces/commerce/SrvKeyspace');
    assert.equal(paths.srvVSchemaPath(), 'SrvVSchema');
  });

  it('tablet aliases', () => {
    assert.equal(paths.tabletAliasString({ cell: 'zone1', uid: 100 }), 'zone1-0000000100');
    assert.equal(paths.tabletAliasString({ cell: 'zone1', uid: 4294967295 }), 'zone1-4294967295');
    assert.equal(paths.tabletAliasShortString({ cell: 'zone1', uid: 100 }), 'zone1-100');
    assert.deepEqual(paths.parseTabletAlias('zone1-100'), { cell: 'zone1', uid: 100 });
    assert.deepEqual(paths.parseTabletAlias('zone1-0000000100'), { cell: 'zone1', uid: 100 });
    assert.deepEqual(paths.parseTabletAlias('us-east-1-7'), { cell: 'us-east-1', uid: 7 });
    assert.throws(() => paths.parseTabletAlias('zone1'), /^Error: invalid tablet alias: 'zone1', expecting format/);
  });

  it('keyspace/shard', () => {
    assert.deepEqual(paths.parseKeyspaceShard('commerce/-80'), ['commerce', '-80']);
    assert.deepEqual(paths.parseKeyspaceShard('commerce:0'), ['commerce', '0']);
    assert.throws(() => paths.parseKeyspaceShard('commerce'), { message: 'invalid shard path: commerce' });
  });
});
