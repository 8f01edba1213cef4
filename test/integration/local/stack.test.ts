// The topology `vtmigrate-local up` wrote for the shared test stack (test/fixtures/test-spec.json:
// the example spec's layout and schema on other ports), read back through the topo library and
// compared with what Vitess would have written for that layout. Expected values are spelled out
// here rather than derived from layout.ts, so a change in numbering or paths fails this test.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import * as topo from '../../../src/topo';
import { TabletType } from '../../../src/topo';
import { describeStack } from '../../../src/local/describe';
import { REPO_ROOT, testStack } from '../../support/stack';

interface ExpectedTablet { uid: number; type: TabletType; port: number }
/** An unsharded keyspace's shard (`0`) has no start and end: Vitess stores no key range for it. */
interface ExpectedShard { name: string; start?: string; end?: string; tablets: ExpectedTablet[] }
interface ExpectedCluster { name: string; cell: string; server: string; keyspace: string; vschemaFile?: string; shards: ExpectedShard[] }

const { PRIMARY, REPLICA, RDONLY } = TabletType;

// Shard i of a cluster gets uids 100·(i+1)+t (primary first), ports count up from mysqlBasePort.
const EXPECTED: ExpectedCluster[] = [
  {
    name: 'source', cell: 'zone1', server: '127.0.0.1:12479', keyspace: 'commerce',
    vschemaFile: path.join(REPO_ROOT, 'examples', 'local', 'commerce-vschema.json'),
    shards: [
      { name: '-80', start: '', end: '80', tablets: [{ uid: 100, type: PRIMARY, port: 17400 }, { uid: 101, type: REPLICA, port: 17401 }] },
      { name: '80-', start: '80', end: '', tablets: [{ uid: 200, type: PRIMARY, port: 17402 }, { uid: 201, type: REPLICA, port: 17403 }] },
    ],
  },
  {
    name: 'target', cell: 'zone2', server: '127.0.0.1:2479', keyspace: 'customer',
    shards: [
      { name: '-40', start: '', end: '40', tablets: [{ uid: 100, type: PRIMARY, port: 17500 }, { uid: 101, type: REPLICA, port: 17501 }] },
      { name: '40-c0', start: '40', end: 'c0', tablets: [{ uid: 200, type: PRIMARY, port: 17502 }, { uid: 201, type: REPLICA, port: 17503 }] },
      { name: 'c0-', start: 'c0', end: '', tablets: [{ uid: 300, type: PRIMARY, port: 17504 }, { uid: 301, type: REPLICA, port: 17505 }] },
    ],
  },
  // Unsharded keyspaces after them: their shard numbering and ports go on from the cluster's count.
  {
    name: 'source', cell: 'zone1', server: '127.0.0.1:12479', keyspace: 'legacy',
    shards: [{ name: '0', tablets: [{ uid: 300, type: PRIMARY, port: 17404 }] }],
  },
  {
    name: 'target', cell: 'zone2', server: '127.0.0.1:2479', keyspace: 'single',
    shards: [{ name: '0', tablets: [{ uid: 400, type: PRIMARY, port: 17506 }] }],
  },
];

/** `{ keyRange }` for a shard of a sharded keyspace; nothing (no field at all) for an unsharded one. */
const keyRange = (s: ExpectedShard) => s.start === undefined || s.end === undefined ? {} : { keyRange: { start: Buffer.from(s.start, 'hex'), end: Buffer.from(s.end, 'hex') } };
const pad = (uid: number) => String(uid).padStart(10, '0');

describe('vtmigrate-local up: topology of the shared test stack', function () {
  this.timeout(60_000);

  for (const exp of EXPECTED) {
    describe(`cluster ${exp.name}, keyspace ${exp.keyspace}`, () => {
      let global: topo.TopoServer;
      let cellTopo: topo.TopoServer;

      before(async () => {
        const spec = await testStack();
        const described = describeStack(spec, false).clusters.find((c) => c.name === exp.name);
        assert.deepEqual(described?.topo, { server: exp.server, root: '/vitess/global' });
        assert.equal(described?.cell, exp.cell);
        global = topo.openTopo({ server: exp.server, root: '/vitess/global' });
        cellTopo = await topo.openCellTopo(global, exp.cell);
      });
      after(async () => {
        await cellTopo?.close();
        await global?.close();
      });

      it('stores every record as binary protobuf at Vitess\'s paths', async () => {
        const etcd = new Etcd3({ hosts: `http://${exp.server}` });
        try {
          const keys = new Set(await etcd.getAll().prefix('/vitess/').keys());
          const ks = `keyspaces/${exp.keyspace}`;
          const expected = [
            `/vitess/global/cells/${exp.cell}/CellInfo`,
            `/vitess/global/${ks}/Keyspace`,
            `/vitess/global/${ks}/VSchema`,
            ...exp.shards.map((s) => `/vitess/global/${ks}/shards/${s.name}/Shard`),
            `/vitess/${exp.cell}/${ks}/SrvKeyspace`,
            `/vitess/${exp.cell}/SrvVSchema`,
            ...exp.shards.map((s) => `/vitess/${exp.cell}/${ks}/shards/${s.name}/ShardReplication`),
            ...exp.shards.flatMap((s) => s.tablets.map((t) => `/vitess/${exp.cell}/tablets/${exp.cell}-${pad(t.uid)}/Tablet`)),
          ];
          assert.deepEqual(expected.filter((k) => !keys.has(k)), [], 'keys missing from etcd');
          // A Tablet record starts with field 1 (alias), length-delimited: tag byte 0x0a, not JSON.
          const raw = await etcd.get(`/vitess/${exp.cell}/tablets/${exp.cell}-${pad(exp.shards[0].tablets[0].uid)}/Tablet`).buffer();
          assert.equal(raw?.[0], 0x0a);
        } finally {
          etcd.close();
        }
      });

      it('CellInfo points at the cell topology', async () => {
        assert.deepEqual(await topo.listCells(global), [exp.cell]);
        assert.deepEqual(await topo.getCellInfo(global, exp.cell), { serverAddress: exp.server, root: `/vitess/${exp.cell}` });
      });

      it('Keyspace and its shards with key ranges, primary alias and is_primary_serving', async () => {
        // Other suites may add keyspaces of their own to the shared stack; ours must be there.
        assert.ok((await topo.listKeyspaces(global)).includes(exp.keyspace), `keyspace ${exp.keyspace} is listed`);
        assert.deepEqual(await topo.getKeyspace(global, exp.keyspace), { keyspaceType: 0, baseKeyspace: '', durabilityPolicy: 'none', sidecarDbName: '_vt' });
        assert.deepEqual(await topo.listShards(global, exp.keyspace), exp.shards.map((s) => s.name).sort());
        for (const s of exp.shards) {
          const shard = await topo.getShard(global, exp.keyspace, s.name);
          assert.ok((shard.primaryTermStartTime?.seconds ?? 0) > 1_700_000_000, `shard ${s.name} has a primary term start time`);
          assert.deepEqual({ ...shard, primaryTermStartTime: undefined }, {
            primaryAlias: { cell: exp.cell, uid: s.tablets[0].uid },
            primaryTermStartTime: undefined,
            ...keyRange(s),
            sourceShards: [],
            tabletControls: [],
            isPrimaryServing: true,
          }, `shard ${s.name}`);
        }
      });

      it('Tablets with alias <cell>-<uid>, type, mysql host and port, keyspace and shard', async () => {
        const aliases = (await topo.listTabletAliases(cellTopo)).map((a) => topo.tabletAliasShortString(a));
        // The cell holds the tablets of every keyspace of its cluster.
        assert.deepEqual(aliases, EXPECTED.filter((e) => e.cell === exp.cell).flatMap((e) => e.shards.flatMap((s) => s.tablets.map((t) => `${exp.cell}-${t.uid}`))));
        for (const s of exp.shards) {
          for (const t of s.tablets) {
            const tablet = await topo.getTablet(cellTopo, { cell: exp.cell, uid: t.uid });
            assert.ok((tablet.tabletStartTime?.seconds ?? 0) > 1_700_000_000);
            assert.equal(tablet.primaryTermStartTime !== undefined, t.type === PRIMARY, `only the primary has a term start time (${exp.cell}-${t.uid})`);
            assert.deepEqual({ ...tablet, tabletStartTime: undefined, primaryTermStartTime: undefined }, {
              alias: { cell: exp.cell, uid: t.uid },
              hostname: '127.0.0.1',
              portMap: {},
              keyspace: exp.keyspace,
              shard: s.name,
              ...keyRange(s),
              type: t.type,
              dbNameOverride: '',
              tags: {},
              mysqlHostname: '127.0.0.1',
              mysqlPort: t.port,
              primaryTermStartTime: undefined,
              defaultConnCollation: 0,
              tabletStartTime: undefined,
            }, `tablet ${exp.cell}-${t.uid}`);
          }
        }
      });

      it('ShardReplication lists each shard\'s tablets', async () => {
        for (const s of exp.shards) {
          assert.deepEqual(await topo.getShardReplication(cellTopo, exp.keyspace, s.name), {
            nodes: s.tablets.map((t) => ({ tabletAlias: { cell: exp.cell, uid: t.uid } })),
          }, `shard ${s.name}`);
        }
      });

      it('SrvKeyspace serves every shard, in key order, to primary, replica and rdonly', async () => {
        const refs = exp.shards.map((s) => ({ name: s.name, ...keyRange(s) }));
        assert.deepEqual(await topo.getSrvKeyspace(cellTopo, exp.keyspace), {
          partitions: [PRIMARY, REPLICA, RDONLY].map((servedType) => ({ servedType, shardReferences: refs, shardTabletControls: [] })),
        });
      });

      it('VSchema (from the spec\'s vschemaFile, else just "sharded") and SrvVSchema', async () => {
        const vschema = await topo.getVSchema(global, exp.keyspace);
        if (exp.vschemaFile) {
          assert.deepEqual(vschema, topo.parseVSchemaJSON(fs.readFileSync(exp.vschemaFile, 'utf8')).vschema);
          // The same facts, spelled out, so a parser bug cannot make both sides agree by accident.
          assert.deepEqual(Object.fromEntries(Object.entries(vschema.vindexes).map(([n, v]) => [n, v.type])), { hash: 'hash', binary_md5: 'binary_md5' });
          assert.deepEqual(Object.fromEntries(Object.entries(vschema.tables).map(([n, t]) => [n, t.columnVindexes.map((cv) => `${cv.column}:${cv.name}`)])), {
            customer: ['customer_id:hash'], corder: ['customer_id:hash'], order_line: ['order_id:hash'], product: ['sku:binary_md5'],
          });
        } else {
          assert.deepEqual(vschema, { sharded: exp.shards.length > 1, vindexes: {}, tables: {}, requireExplicitRouting: false, foreignKeyMode: 0 });
        }
        assert.equal(vschema.sharded, exp.shards.length > 1);
        const srv = await topo.getSrvVSchema(cellTopo);
        assert.ok(Object.keys(srv.keyspaces).includes(exp.keyspace));
        assert.deepEqual(srv.keyspaces[exp.keyspace], vschema);
      });
    });
  }
});
