import { strict as assert } from 'node:assert';
import * as p from '../../../src/topo/proto';
import { TabletType } from '../../../src/topo/proto';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h, 'hex');
const time = { seconds: 1700000000, nanoseconds: 123456789 };
const kr = { start: bytes('40'), end: bytes('80') };
const throttler: p.ThrottlerConfig = {
  enabled: true,
  threshold: 2.5,
  customQuery: 'select 1',
  checkAsCheckSelf: true,
  throttledApps: { vreplication: { name: 'vreplication', ratio: 0.5, expiresAt: time, exempt: false } },
  appCheckedMetrics: { online_ddl: { names: ['lag', 'threads_running'] } },
  metricThresholds: { lag: 5 },
};

describe('topo protobuf records', () => {
  describe('round-trips every record type with every field set', () => {
    const cases: Array<[string, (m: never) => Uint8Array, (b: Uint8Array) => unknown, object]> = [
      ['KeyRange', p.encodeKeyRange, p.decodeKeyRange, kr],
      ['TabletAlias', p.encodeTabletAlias, p.decodeTabletAlias, { cell: 'zone1', uid: 4294967295 }],
      ['Tablet', p.encodeTablet, p.decodeTablet, {
        alias: { cell: 'zone1', uid: 100 }, hostname: 'db1.example', portMap: { grpc: 16100, vt: 15100 },
        keyspace: 'customer', shard: '40-80', keyRange: kr, type: TabletType.REPLICA, dbNameOverride: 'vt_cust',
        tags: { a: 'b' }, mysqlHostname: '127.0.0.1', mysqlPort: 17100, primaryTermStartTime: time,
        defaultConnCollation: 255, tabletStartTime: time, tabletShutdownTime: { seconds: 1, nanoseconds: 0 },
      }],
      ['Shard', p.encodeShard, p.decodeShard, {
        primaryAlias: { cell: 'zone1', uid: 100 }, primaryTermStartTime: time, keyRange: kr,
        sourceShards: [{ uid: 1, keyspace: 'commerce', shard: '0', keyRange: { start: Buffer.alloc(0), end: bytes('80') }, tables: ['t1', 't2'] }],
        tabletControls: [{ tabletType: TabletType.PRIMARY, cells: ['zone1'], deniedTables: ['customer'], frozen: true }],
        isPrimaryServing: true, vtorcState: { disableEmergencyReparent: true },
      }],
      ['Keyspace', p.encodeKeyspace, p.decodeKeyspace, {
        keyspaceType: p.KeyspaceType.SNAPSHOT, baseKeyspace: 'base', snapshotTime: time, durabilityPolicy: 'semi_sync',
        throttlerConfig: throttler, sidecarDbName: '_vt', vtorcState: { disableEmergencyReparent: false },
      }],
      ['ShardReplication', p.encodeShardReplication, p.decodeShardReplication, {
        nodes: [{ tabletAlias: { cell: 'zone1', uid: 100 } }, { tabletAlias: { cell: 'zone1', uid: 101 } }],
      }],
      ['SrvKeyspace', p.encodeSrvKeyspace, p.decodeSrvKeyspace, {
        partitions: [{
          servedType: TabletType.PRIMARY,
          shardReferences: [{ name: '-80', keyRange: { start: Buffer.alloc(0), end: bytes('80') } }, { name: '80-', keyRange: { start: bytes('80'), end: Buffer.alloc(0) } }],
          shardTabletControls: [{ name: '-80', keyRange: { start: Buffer.alloc(0), end: bytes('80') }, queryServiceDisabled: true }],
        }],
        throttlerConfig: throttler,
      }],
      ['CellInfo', p.encodeCellInfo, p.decodeCellInfo, { serverAddress: 'localhost:2379', root: '/vitess/zone1' }],
      ['CellsAlias', p.encodeCellsAlias, p.decodeCellsAlias, { cells: ['zone1', 'zone2'] }],
      ['ExternalVitessCluster', p.encodeExternalVitessCluster, p.decodeExternalVitessCluster, {
        topoConfig: { topoType: 'etcd2', server: 'localhost:12379', root: '/vitess/global' },
      }],
      ['ExternalClusters', p.encodeExternalClusters, p.decodeExternalClusters, {
        vitessCluster: [{ topoConfig: { topoType: 'etcd2', server: 'a:1', root: '/r' } }],
      }],
      ['VSchema', p.encodeVSchema, p.decodeVSchema, {
        sharded: true,
        vindexes: { hash: { type: 'hash', params: {}, owner: '' }, lookup: { type: 'lookup_unique', params: { table: 'l', from: 'a', to: 'keyspace_id' }, owner: 'orders' } },
        tables: {
          customer: {
            type: '', columnVindexes: [{ column: 'customer_id', name: 'hash', columns: [] }],
            autoIncrement: { column: 'customer_id', sequence: 'customer_seq' },
            columns: [{ name: 'email', type: 6165, invisible: true, default: "''", collationName: 'utf8mb4_bin', size: 10, scale: 2, nullable: false, values: ['a'] }],
            pinned: '', columnListAuthoritative: true, source: '',
          },
          ref: { type: 'reference', columnVindexes: [], columns: [], pinned: '', columnListAuthoritative: false, source: 'commerce.ref' },
        },
        requireExplicitRouting: true, foreignKeyMode: p.ForeignKeyMode.managed,
        multiTenantSpec: { tenantIdColumnName: 'tenant', tenantIdColumnType: 265 },
      }],
      ['RoutingRules', p.encodeRoutingRules, p.decodeRoutingRules, { rules: [{ fromTable: 'customer', toTables: ['commerce.customer'] }] }],
      ['ShardRoutingRules', p.encodeShardRoutingRules, p.decodeShardRoutingRules, { rules: [{ fromKeyspace: 'a', toKeyspace: 'b', shard: '-80' }] }],
      ['KeyspaceRoutingRules', p.encodeKeyspaceRoutingRules, p.decodeKeyspaceRoutingRules, { rules: [{ fromKeyspace: 'a', toKeyspace: 'b' }] }],
      ['MirrorRules', p.encodeMirrorRules, p.decodeMirrorRules, { rules: [{ fromTable: 'a.t', toTable: 'b.t', percent: 50 }] }],
      ['SrvVSchema', p.encodeSrvVSchema, p.decodeSrvVSchema, {
        keyspaces: { commerce: { sharded: false, vindexes: {}, tables: { t: { type: '', columnVindexes: [], columns: [], pinned: '', columnListAuthoritative: false, source: '' } }, requireExplicitRouting: false, foreignKeyMode: 0 } },
        routingRules: { rules: [] }, shardRoutingRules: { rules: [] }, keyspaceRoutingRules: { rules: [] }, mirrorRules: { rules: [] },
      }],
      ['BinlogSource', p.encodeBinlogSource, p.decodeBinlogSource, {
        keyspace: 'commerce', shard: '0', tabletType: TabletType.REPLICA, keyRange: kr, tables: ['t'],
        filter: {
          rules: [{
            match: 'customer', filter: "select * from customer where in_keyrange(customer_id, 'commerce.hash', '-80')",
            convertEnumToText: { e: 'x' }, convertCharset: { c: { fromCharset: 'latin1', toCharset: 'utf8mb4' } },
            sourceUniqueKeyColumns: 'id', targetUniqueKeyColumns: 'id', sourceUniqueKeyTargetColumns: 'id',
            convertIntToEnum: { e: true }, forceUniqueKey: 'PRIMARY',
          }],
          fieldEventMode: p.FieldEventMode.BEST_EFFORT, workflowType: 3, workflowName: 'import',
        },
        onDdl: p.OnDDLAction.EXEC_IGNORE, externalMysql: '', stopAfterCopy: true, externalCluster: 'ext1',
        sourceTimeZone: 'US/Pacific', targetTimeZone: 'UTC',
      }],
    ];
    for (const [name, encode, decode, value] of cases) {
      it(name, () => {
        const decoded = decode(encode(value as never));
        assert.deepEqual(decoded, value);
        // and the encoding is stable
        assert.equal(hex(encode(decoded as never)), hex(encode(value as never)));
      });
    }
  });

  describe('wire bytes, checked by hand against the protobuf encoding rules', () => {
    it('Shard{key_range{start:0x80}}: field 2 (tag 0x12) holding field 1 (tag 0x0a) of one byte', () => {
      assert.equal(hex(p.encodeShard({ keyRange: { start: bytes('80') } })), '12030a0180');
    });

    it('leaves proto3 defaults out, as Go does', () => {
      assert.equal(hex(p.encodeShard({ keyRange: { start: bytes('80'), end: Buffer.alloc(0) }, isPrimaryServing: false, sourceShards: [] })), '12030a0180');
      assert.equal(hex(p.encodeTablet({ hostname: '', mysqlPort: 0, type: TabletType.UNKNOWN })), '');
    });

    it('keeps an empty but present message (a full-range key range of a SourceShard is not nil)', () => {
      assert.equal(hex(p.encodeShard({ keyRange: {} })), '1200');
    });

    it('CellInfo{server_address, root}', () => {
      const b = p.encodeCellInfo({ serverAddress: 'h:1', root: '/r' });
      assert.equal(hex(b), '0a03' + Buffer.from('h:1').toString('hex') + '1202' + Buffer.from('/r').toString('hex'));
    });

    it('Tablet alias, type and mysql_port use fields 1, 8 and 13', () => {
      const b = p.encodeTablet({ alias: { cell: 'z', uid: 100 }, type: TabletType.PRIMARY, mysqlPort: 3306 });
      // 0a 05 {0a 01 'z' 10 64}  40 01  68 ea 19
      assert.equal(hex(b), '0a050a017a1064' + '4001' + '68ea19');
    });

    it('Keyspace fields start at 5 (1-4 are reserved)', () => {
      assert.equal(hex(p.encodeKeyspace({ keyspaceType: p.KeyspaceType.SNAPSHOT, durabilityPolicy: 'none' })), '2801' + '42046e6f6e65');
    });

    it('ExternalVitessCluster{topo_config{topo_type, server, root}}', () => {
      const b = p.encodeExternalVitessCluster({ topoConfig: { topoType: 'etcd2', server: 's', root: '/r' } });
      const inner = '0a05' + Buffer.from('etcd2').toString('hex') + '1201' + '73' + '1a02' + Buffer.from('/r').toString('hex');
      assert.equal(hex(b), '0a' + (inner.length / 2).toString(16).padStart(2, '0') + inner);
    });

    it('decodes bytes written by another encoder, fields in any order, filling defaults', () => {
      // Tablet with mysql_port (13) before alias (1), and an unknown field 99 that must be skipped
      const b = bytes('68ea19' + '0a050a017a1064' + '9806' + '01');
      const t = p.decodeTablet(b);
      assert.deepEqual(t.alias, { cell: 'z', uid: 100 });
      assert.equal(t.mysqlPort, 3306);
      assert.equal(t.hostname, '');
      assert.deepEqual(t.portMap, {});
      assert.deepEqual(t.tags, {});
      assert.equal(t.type, TabletType.UNKNOWN);
      assert.equal(t.keyRange, undefined);
    });

    it('accepts enum names and numbers given as strings when encoding', () => {
      const a = p.encodeTablet({ type: 'REPLICA' as unknown as TabletType });
      assert.equal(hex(a), '4002');
      assert.equal(hex(p.encodeVTTime({ seconds: '1700000000' })), hex(p.encodeVTTime({ seconds: 1700000000 })));
    });

    it('fills a Tablet alias even when the record has none', () => {
      assert.deepEqual(p.decodeTablet(new Uint8Array()).alias, { cell: '', uid: 0 });
    });

    it('keeps proto3 optional presence (Column.nullable false is not "unset")', () => {
      const withFalse = p.encodeVSchema({ tables: { t: { columns: [{ name: 'c', nullable: false }] } } });
      const unset = p.encodeVSchema({ tables: { t: { columns: [{ name: 'c' }] } } });
      assert.notEqual(hex(withFalse), hex(unset));
      assert.equal(p.decodeVSchema(withFalse).tables.t.columns[0].nullable, false);
      assert.equal(p.decodeVSchema(unset).tables.t.columns[0].nullable, undefined);
    });
  });

  describe('JSON forms', () => {
    it('protojson: snake_case, enum names, int64 as strings, bytes base64, nulls for unset messages', () => {
      const shard = p.decodeShard(p.encodeShard({ primaryAlias: { cell: 'zone1', uid: 100 }, keyRange: { start: bytes('80') }, isPrimaryServing: true, primaryTermStartTime: { seconds: 5 } }));
      assert.deepEqual(p.recordToProtoJSON('Shard', shard), {
        primary_alias: { cell: 'zone1', uid: 100 },
        primary_term_start_time: { seconds: '5', nanoseconds: 0 },
        key_range: { start: 'gA==', end: '' },
        source_shards: [],
        tablet_controls: [],
        is_primary_serving: true,
        vtorc_state: null,
      });
      assert.deepEqual(Object.keys(p.recordToProtoJSON('Shard', shard)), [
        'primary_alias', 'primary_term_start_time', 'key_range', 'source_shards', 'tablet_controls', 'is_primary_serving', 'vtorc_state',
      ]);
    });

    it('protojson --compact leaves unpopulated fields out', () => {
      const ks = p.decodeKeyspace(p.encodeKeyspace({ durabilityPolicy: 'semi_sync' }));
      assert.deepEqual(p.recordToProtoJSON('Keyspace', ks, { emitUnpopulated: false }), { durability_policy: 'semi_sync' });
      assert.deepEqual(p.recordToProtoJSON('Keyspace', ks), {
        keyspace_type: 'NORMAL', base_keyspace: '', snapshot_time: null, durability_policy: 'semi_sync',
        throttler_config: null, sidecar_db_name: '', vtorc_state: null,
      });
    });

    it('protojson prints the first name of an aliased enum value (PRIMARY, not MASTER)', () => {
      assert.equal(p.recordToProtoJSON('Tablet', p.decodeTablet(p.encodeTablet({ type: TabletType.PRIMARY }))).type, 'PRIMARY');
      assert.equal(p.recordToProtoJSON('Tablet', p.decodeTablet(p.encodeTablet({ type: TabletType.RDONLY }))).type, 'RDONLY');
    });

    it('protojson sorts map keys', () => {
      const t = p.decodeTablet(p.encodeTablet({ portMap: { vt: 1, grpc: 2 } }));
      assert.deepEqual(Object.keys(p.recordToProtoJSON('Tablet', t).port_map as object), ['grpc', 'vt']);
    });

    it('Go encoding/json: omitempty, enum and int64 numbers', () => {
      const t = p.decodeTablet(p.encodeTablet({ alias: { cell: 'zone1', uid: 100 }, type: TabletType.PRIMARY, primaryTermStartTime: { seconds: 7 }, keyRange: { start: bytes('80') } }));
      assert.deepEqual(p.recordToGoJSON('Tablet', t), {
        alias: { cell: 'zone1', uid: 100 },
        key_range: { start: 'gA==' },
        type: 1,
        primary_term_start_time: { seconds: 7 },
      });
    });
  });
});

describe('tablet types', () => {
  it('parses names case-insensitively with the MASTER and BATCH aliases', () => {
    assert.equal(p.parseTabletType('replica'), TabletType.REPLICA);
    assert.equal(p.parseTabletType('PRIMARY'), TabletType.PRIMARY);
    assert.equal(p.parseTabletType('master'), TabletType.PRIMARY);
    assert.equal(p.parseTabletType('Batch'), TabletType.RDONLY);
    assert.deepEqual(p.parseTabletTypes('replica,primary'), [TabletType.REPLICA, TabletType.PRIMARY]);
    assert.throws(() => p.parseTabletType('leader'), { message: 'unknown TabletType leader' });
  });

  it('prints upper case names and Vitess lower-case names', () => {
    assert.equal(p.tabletTypeName(TabletType.RDONLY), 'RDONLY');
    assert.equal(p.tabletTypeLowerName(TabletType.PRIMARY), 'primary');
    assert.equal(p.tabletTypeLowerName(42), 'unknown');
  });
});

describe('protojson numbers', () => {
  it('prints a float32 with its shortest form, as Go does', () => {
    const m = p.decodeMirrorRules(p.encodeMirrorRules({ rules: [{ fromTable: 'a', toTable: 'b', percent: 0.1 }] }));
    assert.notEqual(m.rules[0].percent, 0.1); // float32 precision
    assert.deepEqual(p.recordToProtoJSON('MirrorRules', m), { rules: [{ from_table: 'a', to_table: 'b', percent: 0.1 }] });
  });
});
