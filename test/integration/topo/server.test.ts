import { strict as assert } from 'node:assert';
import { openTopo, type TopoServer } from '../../../src/topo/server';
import { TopoError, isNoNode, isNodeExists } from '../../../src/topo/errors';
import { startTestEtcd, freePorts, type TestEtcd } from '../../support/etcd';

describe('topo server over a real etcd (etcd2 semantics)', function () {
  this.timeout(30_000);
  let etcd: TestEtcd;
  let topo: TopoServer;

  before(async () => {
    etcd = await startTestEtcd();
    topo = openTopo({ implementation: 'etcd2', server: etcd.server, root: '/vitess/global' });
  });
  after(async () => {
    await topo?.close();
    await etcd?.stop();
  });

  it('creates a node and refuses to create it twice with NodeExists naming the full key', async () => {
    const version = await topo.create('keyspaces/ks1/Keyspace', Buffer.from('a'));
    assert.match(version, /^\d+$/);
    await assert.rejects(topo.create('keyspaces/ks1/Keyspace', Buffer.from('b')), (err: unknown) => {
      assert.ok(isNodeExists(err));
      assert.equal((err as Error).message, 'node already exists: /vitess/global/keyspaces/ks1/Keyspace');
      return true;
    });
    const got = await topo.get('keyspaces/ks1/Keyspace');
    assert.equal(got.value.toString(), 'a');
    assert.equal(got.version, version);
  });

  it('reports a missing node as NoNode with the full key', async () => {
    await assert.rejects(topo.get('keyspaces/nope/Keyspace'), (err: unknown) => {
      assert.ok(isNoNode(err));
      assert.equal((err as TopoError).code, 'NoNode');
      assert.equal((err as Error).message, "node doesn't exist: /vitess/global/keyspaces/nope/Keyspace");
      return true;
    });
  });

  it('updates conditionally on the mod revision and fails with BadVersion on a stale one', async () => {
    const v1 = await topo.create('cond/node', Buffer.from('1'));
    const v2 = await topo.update('cond/node', Buffer.from('2'), v1);
    assert.ok(BigInt(v2) > BigInt(v1));
    await assert.rejects(topo.update('cond/node', Buffer.from('3'), v1), (err: unknown) => {
      assert.equal((err as TopoError).code, 'BadVersion');
      assert.equal((err as Error).message, 'bad node version: /vitess/global/cond/node');
      return true;
    });
    assert.equal((await topo.get('cond/node')).value.toString(), '2');
    // Without a version, update is a plain put, which also creates.
    const v3 = await topo.update('cond/other', Buffer.from('x'));
    assert.equal((await topo.get('cond/other')).version, v3);
    // A versioned update of an absent node is a bad version, as in Vitess.
    await assert.rejects(topo.update('cond/absent', Buffer.from('x'), v1), { code: 'BadVersion' });
  });

  it('deletes, conditionally or not, with NoNode for absent nodes and BadVersion for stale versions', async () => {
    const v = await topo.create('del/a', Buffer.from('1'));
    await assert.rejects(topo.delete('del/a', String(BigInt(v) - 1n)), { code: 'BadVersion' });
    await topo.delete('del/a', v);
    await assert.rejects(topo.get('del/a'), { code: 'NoNode' });
    await assert.rejects(topo.delete('del/a', v), { code: 'NoNode', message: "node doesn't exist: /vitess/global/del/a" });
    await topo.create('del/b', Buffer.from('1'));
    await topo.delete('del/b');
    await assert.rejects(topo.delete('del/b'), { code: 'NoNode' });
  });

  it('lists a directory by first path segment, sorted and without duplicates; [] when absent', async () => {
    await topo.create('list/keyspaces/b/Keyspace', Buffer.from(''));
    await topo.create('list/keyspaces/a/Keyspace', Buffer.from(''));
    await topo.create('list/keyspaces/a/shards/0/Shard', Buffer.from(''));
    await topo.create('list/keyspaces/c', Buffer.from(''));
    await topo.create('list/keyspacesX/z/Keyspace', Buffer.from(''));
    assert.deepEqual(await topo.listDir('list/keyspaces'), ['a', 'b', 'c']);
    assert.deepEqual(await topo.listDir('list/keyspaces/'), ['a', 'b', 'c']);
    assert.deepEqual(await topo.listDir('list/keyspaces/a'), ['Keyspace', 'shards']);
    assert.deepEqual(await topo.listDir('list/nothing'), []);
  });

  it('keeps roots apart on the same server', async () => {
    const other = openTopo({ server: etcd.server, root: '/vitess/zone1' });
    try {
      await other.create('SrvVSchema', Buffer.from('z'));
      await assert.rejects(topo.get('SrvVSchema'), { code: 'NoNode' });
      assert.equal((await other.get('SrvVSchema')).value.toString(), 'z');
    } finally {
      await other.close();
    }
  });

  it('refuses other topo implementations by name', () => {
    assert.throws(() => openTopo({ implementation: 'zk2', server: etcd.server, root: '/vitess/global' }), {
      message: 'topo implementation zk2 is not supported; only etcd2',
    });
  });
});

describe('topo server that does not answer', function () {
  this.timeout(30_000);

  it('fails within a bounded time with an error naming the server and root (nothing listening)', async () => {
    const [port] = await freePorts(1);
    const server = `127.0.0.1:${port}`;
    const topo = openTopo({ server, root: '/vitess/global' }, { timeoutMs: 1500 });
    const started = Date.now();
    try {
      await assert.rejects(topo.get('keyspaces/x/Keyspace'), (err: unknown) => {
        assert.ok(err instanceof TopoError, String(err));
        assert.ok(err.code === 'Unavailable' || err.code === 'Timeout', err.code);
        assert.ok(err.message.includes(server), err.message);
        assert.ok(err.message.includes('/vitess/global'), err.message);
        return true;
      });
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      // A second call, after the first failure, is bounded too.
      await assert.rejects(topo.listDir('keyspaces'), TopoError);
    } finally {
      await topo.close();
    }
  });

  it('times out against a server that accepts connections but never answers', async () => {
    // A TCP listener that never speaks HTTP/2: the gRPC call has to hit its deadline.
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    const server = `127.0.0.1:${port}`;
    const topo = openTopo({ server, root: '/vitess/global' }, { timeoutMs: 1000 });
    const started = Date.now();
    try {
      await assert.rejects(topo.get('x'), (err: unknown) => {
        assert.ok(err instanceof TopoError, String(err));
        assert.ok(err.message.includes(server), err.message);
        return true;
      });
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    } finally {
      await topo.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
