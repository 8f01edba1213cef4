// The built vtmigrate CLI against real etcd servers: a target cluster's topology and a source
// cluster's, written with the topo API the way Vitess lays them out.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as topo from '../../src/topo';
import { TabletType } from '../../src/topo';
import { freePorts, startTestEtcd, type TestEtcd } from '../support/etcd';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'vtmigrate.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vtmigrate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function fails(r: Run, message: string | RegExp): Run {
  assert.notEqual(r.code, 0, `expected failure, got stdout: ${r.stdout}`);
  if (typeof message === 'string') assert.equal(r.stderr, `Error: ${message}\n`);
  else assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

describe('vtmigrate CLI against real etcd (topology commands)', function () {
  this.timeout(120_000);
  let target: TestEtcd;
  let source: TestEtcd;
  let global: topo.TopoServer; // the target's global topology
  let sourceGlobal: topo.TopoServer;
  let tmp: string;
  let env: Record<string, string>;

  const cli = (...args: string[]): Promise<Run> => vtmigrate(args, env);

  before(async () => {
    [target, source] = await Promise.all([startTestEtcd(), startTestEtcd()]);
    env = { VTMIGRATE_TOPO_GLOBAL_SERVER_ADDRESS: target.server, VTMIGRATE_TOPO_GLOBAL_ROOT: '/vitess/global' };
    global = topo.openTopo({ server: target.server, root: '/vitess/global' });
    sourceGlobal = topo.openTopo({ server: source.server, root: '/vitess/global' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vtmigrate-cli-'));

    // target: cell zone1, keyspace customer with two shards and tablets, no VSchema yet
    await topo.putCellInfo(global, 'zone1', { serverAddress: target.server, root: '/vitess/zone1' });
    await topo.putKeyspace(global, 'customer', { durabilityPolicy: 'semi_sync', sidecarDbName: '_vt' });
    await topo.putShard(global, 'customer', '-80', { primaryAlias: { cell: 'zone1', uid: 200 }, keyRange: { end: Buffer.from([0x80]) }, isPrimaryServing: true });
    await topo.putShard(global, 'customer', '80-', { primaryAlias: { cell: 'zone1', uid: 300 }, keyRange: { start: Buffer.from([0x80]) }, isPrimaryServing: true });
    await topo.withCellTopo(global, 'zone1', async (cell) => {
      const tablet = (uid: number, shard: string, type: TabletType, termStart?: number) => ({
        alias: { cell: 'zone1', uid }, hostname: 'localhost', portMap: { vt: 15000 + uid, grpc: 16000 + uid },
        keyspace: 'customer', shard, keyRange: shard === '-80' ? { end: Buffer.from([0x80]) } : { start: Buffer.from([0x80]) },
        type, mysqlHostname: '127.0.0.1', mysqlPort: 17000 + uid,
        primaryTermStartTime: termStart === undefined ? undefined : { seconds: termStart },
      });
      await topo.putTablet(cell, tablet(200, '-80', TabletType.PRIMARY, 1700000000));
      await topo.putTablet(cell, tablet(201, '-80', TabletType.REPLICA));
      await topo.putTablet(cell, tablet(300, '80-', TabletType.PRIMARY, 1700000100));
      await topo.putTablet(cell, tablet(301, '80-', TabletType.RDONLY));
      await topo.putShardReplication(cell, 'customer', '-80', { nodes: [{ tabletAlias: { cell: 'zone1', uid: 200 } }, { tabletAlias: { cell: 'zone1', uid: 201 } }] });
      await topo.putShardReplication(cell, 'customer', '80-', { nodes: [{ tabletAlias: { cell: 'zone1', uid: 300 } }, { tabletAlias: { cell: 'zone1', uid: 301 } }] });
    });
  });

  after(async () => {
    await global?.close();
    await sourceGlobal?.close();
    await Promise.all([target?.stop(), source?.stop()]);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('Mount', () => {
    it('lists nothing as {}', async () => {
      assert.equal(ok(await cli('Mount', 'list')).stdout, '{}\n');
    });

    it('says which required flags are missing, as cobra does', async () => {
      fails(await cli('Mount', 'register', '--name', 'ext1'), 'required flag(s) "topo-root", "topo-server", "topo-type" not set');
      fails(await cli('Mount', 'show'), 'required flag(s) "name" not set');
    });

    it('refuses to register a source whose topology has no keyspaces under the root, naming server and root', async () => {
      const r = fails(await cli('Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', source.server, '--topo-root', '/vitess/global'),
        /^Error: cannot register mount ext1: topo server .* has no keyspaces under root \/vitess\/global/);
      assert.ok(r.stderr.includes(source.server));
      assert.ok(r.stderr.includes('--skip-validation'));
      assert.equal(ok(await cli('Mount', 'list')).stdout, '{}\n');
    });

    it('refuses a source topology that does not answer, within a bounded time', async () => {
      const [port] = await freePorts(1);
      const started = Date.now();
      const r = fails(await cli('Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', `127.0.0.1:${port}`, '--topo-root', '/vitess/global'),
        /^Error: cannot register mount ext1: topo server 127\.0\.0\.1:\d+ \(root \/vitess\/global\) did not answer: /);
      assert.ok(r.stderr.includes(`127.0.0.1:${port}`));
      assert.ok(Date.now() - started < 15_000);
    });

    it('refuses a topo type other than etcd2 unless validation is skipped', async () => {
      fails(await cli('Mount', 'register', '--name', 'ext1', '--topo-type', 'zk2', '--topo-server', source.server, '--topo-root', '/vitess/global'),
        'cannot register mount ext1: topo implementation zk2 is not supported; only etcd2 (use --skip-validation to register it anyway)');
    });

    it('registers, shows, lists and unregisters a mount', async () => {
      await topo.putKeyspace(sourceGlobal, 'commerce', { sidecarDbName: '_vt' });
      await topo.putShard(sourceGlobal, 'commerce', '0', { primaryAlias: { cell: 'src1', uid: 100 }, isPrimaryServing: true });
      await topo.putCellInfo(sourceGlobal, 'src1', { serverAddress: source.server, root: '/vitess/src1' });
      await topo.withCellTopo(sourceGlobal, 'src1', (cell) => topo.putTablet(cell, {
        alias: { cell: 'src1', uid: 100 }, hostname: 'src-host', portMap: { vt: 15100 }, keyspace: 'commerce', shard: '0',
        type: TabletType.PRIMARY, mysqlHostname: 'src-db', mysqlPort: 3306, primaryTermStartTime: { seconds: 1700000000 },
      }));
      await topo.putVSchema(sourceGlobal, 'commerce', { tables: { product: {} } });

      assert.equal(ok(await cli('Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', source.server, '--topo-root', '/vitess/global')).stdout,
        'Mount ext1 registered successfully\n');
      // stored where Vitess stores it, as Vitess encodes it
      const raw = await global.get('ExternalClusters/vitess/ext1');
      assert.deepEqual(topo.decodeExternalVitessCluster(raw.value), { topoConfig: { topoType: 'etcd2', server: source.server, root: '/vitess/global' } });

      fails(await cli('Mount', 'register', '--name', 'ext1', '--topo-type', 'etcd2', '--topo-server', source.server, '--topo-root', '/vitess/global'),
        'there is already a vitess cluster named ext1');
      assert.equal(ok(await cli('Mount', 'show', '--name', 'ext1')).stdout,
        `{"topo_type":"etcd2","topo_server":"${source.server}","topo_root":"/vitess/global","name":"ext1"}\n`);
      assert.equal(ok(await cli('mount', 'LIST')).stdout, '{"names":["ext1"]}\n');

      // --skip-validation registers even an empty root (Vitess never checks)
      assert.equal(ok(await cli('MOUNT', 'Register', '--name', 'empty', '--topo-type', 'etcd2', '--topo-server', source.server, '--topo-root', '/nothing/here', '--skip-validation')).stdout,
        'Mount empty registered successfully\n');
      assert.equal(ok(await cli('Mount', 'list')).stdout, '{"names":["empty","ext1"]}\n');
      assert.equal(ok(await cli('Mount', 'unregister', '--name', 'empty')).stdout, 'Mount empty unregistered successfully\n');
      assert.equal(ok(await cli('Mount', 'list')).stdout, '{"names":["ext1"]}\n');
    });

    it('answers an unknown mount name with Vitess\'s text', async () => {
      fails(await cli('Mount', 'show', '--name', 'nope'), 'there is no vitess cluster named nope');
      fails(await cli('Mount', 'unregister', '--name', 'nope'), 'there is no vitess cluster named nope');
      fails(await cli('GetKeyspaces', '--mount-name', 'nope'), 'no vitess cluster found with name nope');
    });

    it('reports an unreachable target topology with its address', async () => {
      const [port] = await freePorts(1);
      fails(await vtmigrate(['Mount', 'list', '--topo-global-server-address', `127.0.0.1:${port}`]),
        new RegExp(`^Error: failed to get external vitess cluster in MountList: cannot reach topo server 127\\.0\\.0\\.1:${port} \\(root /vitess/global\\)`));
    });
  });

  describe('ApplyVSchema', () => {
    const vschema = {
      sharded: true,
      vindexes: { hash: { type: 'hash' } },
      tables: { customer: { column_vindexes: [{ column: 'customer_id', name: 'hash' }] } },
    };
    const expectedOutput = `New VSchema object:
{
  "sharded": true,
  "vindexes": {
    "hash": {
      "type": "hash",
      "params": {},
      "owner": ""
    }
  },
  "tables": {
    "customer": {
      "type": "",
      "column_vindexes": [
        {
          "column": "customer_id",
          "name": "hash",
          "columns": []
        }
      ],
      "auto_increment": null,
      "columns": [],
      "pinned": "",
      "column_list_authoritative": false,
      "source": ""
    }
  },
  "require_explicit_routing": false,
  "foreign_key_mode": "unspecified",
  "multi_tenant_spec": null
}
If this is not what you expected, check the input data (as JSON parsing will skip unexpected fields).
`;

    async function vschemaNode(): Promise<string | undefined> {
      try {
        return (await global.get('keyspaces/customer/VSchema')).version;
      } catch (err) {
        if (topo.isNoNode(err)) return undefined;
        throw err;
      }
    }

    it('changes nothing with --dry-run', async () => {
      const r = ok(await cli('ApplyVSchema', '--vschema', JSON.stringify(vschema), '--dry-run', 'customer'));
      assert.equal(r.stdout, expectedOutput);
      assert.equal(await vschemaNode(), undefined);
    });

    it('refuses bad input and changes nothing', async () => {
      const file = path.join(tmp, 'v.json');
      fs.writeFileSync(file, '{\n  "sharded": true,\n  "tables": {\n    "t": { "column_vindexes": [ ] }\n  },\n}\n');
      const cases: Array<[string[], string | RegExp]> = [
        [['--vschema', JSON.stringify({ ...vschema, vindexes: { hash: { type: 'hashh' } } })],
          'BuildKeyspace(customer): vindexType "hashh" not found (vindex hash)'],
        [['--vschema', JSON.stringify({ ...vschema, tables: { customer: { column_vindexes: [{ column: 'customer_id', name: 'hsh' }] } } })],
          'BuildKeyspace(customer): vindex hsh not found for table customer'],
        [['--vschema', JSON.stringify({ sharded: true, tables: { orders: {} } })],
          'BuildKeyspace(customer): missing primary col vindex for table: orders'],
        [['--vschema-file', file],
          `malformed JSON in ${file} at line 6, column 1: unexpected token "}" after ',' (trailing commas are not allowed in JSON)`],
        [['--vschema', '{"sharded": "yes"}'],
          'invalid VSchema in --vschema at line 1, column 13: invalid value for bool field sharded: "yes"'],
        [['--vschema', '{}', '--vschema-file', file],
          'only one of the sql, sql-file, vschema, or vschema-file flags may be specified when calling the ApplyVSchema command'],
        [[], 'one of the sql, sql-file, vschema, or vschema-file flags must be specified when calling the ApplyVSchema command'],
        [['--sql', 'alter vschema on customer add vindex hash(customer_id) using hash'],
          'VSchema DDL (--sql) is not supported by vtmigrate; write the VSchema as JSON and pass it with --vschema or --vschema-file'],
        [['--sql-file', file], /^Error: VSchema DDL \(--sql-file\) is not supported by vtmigrate/],
        [['--vschema-file', path.join(tmp, 'missing.json')], `cannot read --vschema-file ${path.join(tmp, 'missing.json')}: no such file`],
        [['--vschema', JSON.stringify(vschema), '--cells', 'zone9'],
          "cannot rebuild SrvVSchema in cell zone9 (--cells): node doesn't exist: /vitess/global/cells/zone9/CellInfo; nothing was changed"],
        [['--strict', '--vschema', JSON.stringify({ ...vschema, vindexes: { hash: { type: 'hash', params: { b: '1', a: '2' } } } })],
          'unknown vindex params: hash (a, b)'],
      ];
      for (const [args, message] of cases) {
        fails(await cli('ApplyVSchema', ...args, 'customer'), message);
      }
      fails(await cli('ApplyVSchema', '--vschema', '{}', 'nokeyspace'),
        "keyspace(nokeyspace) doesn't exist, check if the keyspace is initialized: node doesn't exist: /vitess/global/keyspaces/nokeyspace/Keyspace");
      assert.equal(await vschemaNode(), undefined);
    });

    it('saves the VSchema, rebuilds SrvVSchema and prints Vitess\'s output', async () => {
      const file = path.join(tmp, 'customer.json');
      // camelCase spelling and an unknown field, from a file
      fs.writeFileSync(file, JSON.stringify({ sharded: true, vindexes: { hash: { type: 'hash', params: { foo: 'x' } } }, tables: { customer: { columnVindexes: [{ column: 'customer_id', name: 'hash' }], colum_list: [] } } }, null, 2));
      const r = ok(await cli('applyvschema', '--vschema-file', file, 'customer'));
      assert.equal(r.stdout, expectedOutput.replace('"params": {}', '"params": {\n        "foo": "x"\n      }') + 'Unknown parameter in vindex hash: foo\n');
      assert.match(r.stderr, /^warning: .*customer\.json: unknown field "colum_list" at tables\.customer\.colum_list \(line \d+, column \d+\) was ignored\n$/);
      const saved = await topo.getVSchema(global, 'customer');
      assert.equal(saved.sharded, true);
      assert.deepEqual(saved.tables.customer.columnVindexes, [{ column: 'customer_id', name: 'hash', columns: [] }]);
      const srv = await topo.withCellTopo(global, 'zone1', topo.getSrvVSchema);
      assert.deepEqual(srv.keyspaces.customer, saved);

      // --vschema with snake_case gives the same stored VSchema; --skip-rebuild leaves SrvVSchema alone
      const srvVersion = async (): Promise<string> => (await topo.withCellTopo(global, 'zone1', (c) => c.get('SrvVSchema'))).version;
      const before = await srvVersion();
      ok(await cli('ApplyVSchema', '--vschema', JSON.stringify(vschema), '--skip-rebuild', 'customer'));
      assert.deepEqual((await topo.getVSchema(global, 'customer')).tables, saved.tables);
      assert.equal(await srvVersion(), before);
    });

    it('fails within a bounded time naming the server when the topology does not answer', async () => {
      const [port] = await freePorts(1);
      const started = Date.now();
      fails(await vtmigrate(['--topo-global-server-address', `127.0.0.1:${port}`, 'ApplyVSchema', '--vschema', '{}', 'customer']),
        new RegExp(`^Error: GetKeyspace\\(customer\\): cannot reach topo server 127\\.0\\.0\\.1:${port} \\(root /vitess/global\\)`));
      assert.ok(Date.now() - started < 15_000);
    });
  });

  describe('inspection', () => {
    it('GetKeyspaces prints a list the way Go\'s encoding/json does', async () => {
      assert.equal(ok(await cli('GetKeyspaces')).stdout, `[
  {
    "name": "customer",
    "keyspace": {
      "durability_policy": "semi_sync",
      "sidecar_db_name": "_vt"
    }
  }
]
`);
      assert.equal(ok(await cli('getkeyspaces', '--mount-name', 'ext1')).stdout, `[
  {
    "name": "commerce",
    "keyspace": {
      "sidecar_db_name": "_vt"
    }
  }
]
`);
    });

    it('GetKeyspace prints protojson with every field, --compact without the empty ones', async () => {
      assert.equal(ok(await cli('GetKeyspace', 'customer')).stdout, `{
  "name": "customer",
  "keyspace": {
    "keyspace_type": "NORMAL",
    "base_keyspace": "",
    "snapshot_time": null,
    "durability_policy": "semi_sync",
    "throttler_config": null,
    "sidecar_db_name": "_vt",
    "vtorc_state": null
  }
}
`);
      assert.equal(ok(await cli('--compact', 'GetKeyspace', 'customer')).stdout, `{
  "name": "customer",
  "keyspace": {
    "durability_policy": "semi_sync",
    "sidecar_db_name": "_vt"
  }
}
`);
      fails(await cli('GetKeyspace', 'nope'), "node doesn't exist: /vitess/global/keyspaces/nope/Keyspace");
    });

    it('GetShard and FindAllShardsInKeyspace', async () => {
      assert.equal(ok(await cli('GetShard', 'customer/80-')).stdout, `{
  "keyspace": "customer",
  "name": "80-",
  "shard": {
    "primary_alias": {
      "cell": "zone1",
      "uid": 300
    },
    "primary_term_start_time": null,
    "key_range": {
      "start": "gA==",
      "end": ""
    },
    "source_shards": [],
    "tablet_controls": [],
    "is_primary_serving": true,
    "vtorc_state": null
  }
}
`);
      fails(await cli('GetShard', 'customer'), 'invalid shard path: customer');
      fails(await cli('GetShard', 'customer/40-80'), "node doesn't exist: /vitess/global/keyspaces/customer/shards/40-80/Shard");
      const all = JSON.parse(ok(await cli('FindAllShardsInKeyspace', 'customer')).stdout) as { shards: Record<string, { keyspace: string; name: string; shard: { key_range: unknown } }> };
      assert.deepEqual(Object.keys(all.shards), ['-80', '80-']);
      assert.equal(all.shards['-80'].keyspace, 'customer');
      assert.deepEqual(all.shards['-80'].shard.key_range, { start: '', end: 'gA==' });
      const src = JSON.parse(ok(await cli('--compact', 'FindAllShardsInKeyspace', '--mount-name', 'ext1', 'commerce')).stdout) as unknown;
      assert.deepEqual(src, { shards: { 0: { keyspace: 'commerce', name: '0', shard: { primary_alias: { cell: 'src1', uid: 100 }, is_primary_serving: true } } } });
    });

    it('GetTablets prints vtctldclient\'s awk lines, filters, and JSON', async () => {
      assert.equal(ok(await cli('GetTablets')).stdout, [
        'zone1-0000000200 customer -80 primary localhost:15200 127.0.0.1:17200 [] 2023-11-14T22:13:20Z',
        'zone1-0000000201 customer -80 replica localhost:15201 127.0.0.1:17201 [] <null>',
        'zone1-0000000300 customer 80- primary localhost:15300 127.0.0.1:17300 [] 2023-11-14T22:15:00Z',
        'zone1-0000000301 customer 80- rdonly localhost:15301 127.0.0.1:17301 [] <null>',
        '',
      ].join('\n'));
      assert.equal(ok(await cli('GetTablets', '--keyspace', 'customer', '--shard', '80-')).stdout.split('\n').length, 3);
      assert.equal(ok(await cli('GetTablets', '--tablet-type', 'PRIMARY')).stdout.split('\n').filter(Boolean).length, 2);
      assert.equal(ok(await cli('GetTablets', '-t', 'zone1-201')).stdout, 'zone1-0000000201 customer -80 replica localhost:15201 127.0.0.1:17201 [] <null>\n');
      assert.equal(ok(await cli('GetTablets', '--mount-name', 'ext1')).stdout, 'src1-0000000100 commerce 0 primary src-host:15100 src-db:3306 [] 2023-11-14T22:13:20Z\n');
      const json = JSON.parse(ok(await cli('GetTablets', '--keyspace', 'customer', '--shard', '-80', '--format', 'json')).stdout) as Array<Record<string, unknown>>;
      assert.deepEqual(json[0], {
        alias: { cell: 'zone1', uid: 200 }, hostname: 'localhost', port_map: { grpc: 16200, vt: 15200 }, keyspace: 'customer', shard: '-80',
        key_range: { end: 'gA==' }, type: 1, mysql_hostname: '127.0.0.1', mysql_port: 17200, primary_term_start_time: { seconds: 1700000000 },
      });
      fails(await cli('GetTablets', '--shard', '-80'), '--shard (= -80) cannot be passed without also passing --keyspace');
      fails(await cli('GetTablets', '--format', 'yaml'), 'invalid output format, got yaml');
      fails(await cli('GetTablets', '--tablet-type', 'leader'), 'unknown TabletType leader');
    });

    it('GetVSchema', async () => {
      const out = JSON.parse(ok(await cli('GetVSchema', 'customer')).stdout) as Record<string, unknown>;
      assert.equal(out.sharded, true);
      assert.deepEqual(Object.keys(out), ['sharded', 'vindexes', 'tables', 'require_explicit_routing', 'foreign_key_mode', 'multi_tenant_spec']);
      assert.equal(ok(await cli('--compact', 'GetVSchema', '--mount-name', 'ext1', 'commerce')).stdout, '{\n  "tables": {\n    "product": {}\n  }\n}\n');
      fails(await cli('GetVSchema', '--mount-name', 'ext1', 'nope'), "node doesn't exist: /vitess/global/keyspaces/nope/VSchema");
    });
    it('lowers an outdated PRIMARY to UNKNOWN, as vtctld does', async () => {
      await topo.withCellTopo(global, 'zone1', async (cell) => {
        for (const [uid, seconds] of [[900, 1700000000], [901, 1700000500]]) {
          await topo.putTablet(cell, {
            alias: { cell: 'zone1', uid }, hostname: 'h', portMap: { vt: 1 }, keyspace: 'stale', shard: '0',
            type: TabletType.PRIMARY, mysqlHostname: 'm', mysqlPort: 2, primaryTermStartTime: { seconds },
          });
        }
      });
      assert.equal(ok(await cli('GetTablets', '--keyspace', 'stale')).stdout, [
        'zone1-0000000900 stale 0 unknown h:1 m:2 [] 2023-11-14T22:13:20Z',
        'zone1-0000000901 stale 0 primary h:1 m:2 [] 2023-11-14T22:21:40Z',
        '',
      ].join('\n'));
    });

    it('treats only command positions case-insensitively, never arguments', async () => {
      fails(await cli('getkeyspace', 'MOUNT'), "node doesn't exist: /vitess/global/keyspaces/MOUNT/Keyspace");
      ok(await cli('--topo-global-root', '/vitess/global', 'GETKEYSPACES'));
    });
  });

  describe('Vindex', () => {
    it('prints keyspace ids and shards, one line per value', async () => {
      assert.equal(ok(await cli('Vindex', '--type', 'hash', '--shards', '-80-', '1', '4')).stdout, '1 166b40b44aba4bd6 -80\n4 d2fd8867d50d2dfe 80-\n');
      assert.equal(ok(await cli('vindex', '--type', 'hash', '1')).stdout, '1 166b40b44aba4bd6\n');
      assert.equal(ok(await cli('Vindex', '--type', 'hash', '--shards', '-80,80-', '--', '-1', 'abc')).stdout, '-1 355550b2150e2451 -80\nabc <null> <null>\n');
      assert.equal(ok(await cli('Vindex', '--type', 'hash', '--shards', '-40-80-c0-', '0', '3', '4')).stdout,
        '0 8ca64de9c1b123a7 80-c0\n3 4eb190c9a2fa169c 40-80\n4 d2fd8867d50d2dfe c0-\n');
    });

    it('prints JSON with --format json', async () => {
      assert.deepEqual(JSON.parse(ok(await cli('Vindex', '--type', 'xxhash', '--format', 'json', '--shards', '-80-', 'test1')).stdout), [
        { value: 'test1', keyspace_id: 'd01ab7e4d6978f0b', shard: '80-' },
      ]);
    });

    it('computes unicode_loose keyspace ids (case and accents ignored, trailing spaces trimmed)', async () => {
      assert.equal(ok(await cli('Vindex', '--type', 'unicode_loose_md5', '--shards', '-80-', 'Test', 'TÉST ', 'Bést')).stdout,
        'Test 0b5edbb401fd7524393690491d64f1f5 -80\nTÉST  0b5edbb401fd7524393690491d64f1f5 -80\nBést c2b2332e4f73d00741026249706f2fb6 80-\n');
      assert.equal(ok(await cli('Vindex', '--type', 'unicode_loose_xxhash', 'Test')).stdout, 'Test 42d21361087a4c07\n');
    });

    it('refuses unknown and unsupported types and bad shard specs', async () => {
      fails(await cli('Vindex', '--type', 'foo', '1'), 'vindex type foo is not known');
      fails(await cli('Vindex', '--type', 'consistent_lookup_unique', '1'), 'vindex type consistent_lookup_unique is not supported yet');
      fails(await cli('Vindex', '--type', 'hash', '--shards', '-40-80', '1'), '--shards -40-80 does not divide the key range into shards: gap: no shard covers 80-');
      fails(await cli('Vindex', '--type', 'hash', '--shards', '-8g-', '1'), /^Error: malformed spec "-8g-"/);
      fails(await cli('Vindex', '1'), 'required flag(s) "type" not set');
    });
  });
});
