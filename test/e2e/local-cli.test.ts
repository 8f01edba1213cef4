// The vtmigrate-local CLI end to end on a stack of its own (one cluster, one unsharded keyspace
// with one replica, free ports, a temp dir), the way an operator runs it: `up --json`,
// `status --json`, `down --wipe`, and `down` leaves no process and no listening port behind.
// Bad input is refused with a message naming the culprit, before anything starts.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { isProcessAlive } from '../../src/local/daemon';
import type { StackDescription } from '../../src/local/describe';
import { loadWorkerConfig } from '../../src/worker-config';
import { runCli, type CliResult } from '../support/cli';
import { freePortBase, listeningPorts, portsListenedOnBy, stackProcessesUnder } from '../support/processes';

const SCHEMA = 'CREATE TABLE item (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(32) NOT NULL);\n';

interface Ports { temporal: number; ui: number; etcd: number; peer: number; primary: number; replica: number }

// Defaults exercised on purpose: uiPort = port + 1000, peerPort = topo port + 1, root
// /vitess/global, stateDir .vtmigrate/local, shards ["0"], replicas 1, rdonly 0.
function smallSpec(base: number, keyspace: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    temporal: { port: base },
    clusters: [{
      name: 'solo', cell: 'e2e', topo: { port: base + 2 }, mysqlBasePort: base + 4,
      keyspaces: [{ name: 'ks1', schemaFile: 'schema.sql', ...keyspace }],
    }],
  };
}

function writeSpec(dir: string, spec: unknown): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'schema.sql'), SCHEMA);
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

/** How many of each stack program run with data under dir. */
function processesUnder(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of stackProcessesUnder(dir)) counts[p.program] = (counts[p.program] ?? 0) + 1;
  return counts;
}

const cli = (args: string[]) => runCli('vtmigrate-local', args, { timeoutMs: 180_000 });

describe('vtmigrate-local CLI end to end (its own small stack)', function () {
  this.timeout(180_000);
  let root: string;
  let base: number;
  let ports: Ports;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vtm-local-e2e-'));
    base = await freePortBase([0, 1, 2, 3, 4, 5, 1000]);
    ports = { temporal: base, ui: base + 1000, etcd: base + 2, peer: base + 3, primary: base + 4, replica: base + 5 };
  });

  after(async () => {
    // Pass or fail, nothing of this suite may outlive it.
    const specFile = path.join(root, 'ok', 'spec.json');
    if (fs.existsSync(specFile)) await cli(['down', '--wipe', '--spec', specFile]);
    // If down failed, what this suite started (its data is under root) must still not survive it.
    for (const p of stackProcessesUnder(root)) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('bad input: a clear error, and nothing started', () => {
    /** Runs `up` on a spec expected to be refused; checks the message and that nothing started. */
    async function refusedUp(name: string, spec: unknown | undefined, expected: (string | RegExp)[]): Promise<CliResult> {
      const dir = path.join(root, name);
      const specFile = spec === undefined ? path.join(dir, 'no-such-spec.json') : writeSpec(dir, spec);
      const res = await cli(['up', '--json', '--spec', specFile]);
      assert.equal(res.code, 1, `up must fail; stdout: ${res.stdout}`);
      assert.equal(res.stdout, '');
      for (const e of expected) {
        if (typeof e === 'string') assert.ok(res.stderr.includes(e), `stderr should contain ${JSON.stringify(e)}:\n${res.stderr}`);
        else assert.match(res.stderr, e);
      }
      // Anything up starts keeps its data under the spec's folder, so it names that folder on its
      // command line; other suites' servers on this machine do not, and may come and go meanwhile.
      assert.deepEqual(stackProcessesUnder(dir), [], 'no mariadbd, etcd or temporal process was started');
      assert.equal(fs.existsSync(path.join(dir, '.vtmigrate')), false, 'no state dir was created');
      return res;
    }

    it('an unknown field names the field and where it is', async () => {
      const spec = smallSpec(base, { replica: 2 });
      (spec.clusters as Record<string, unknown>[])[0].mysqlPort = 1;
      await refusedUp('unknown-field', spec, [
        'clusters[0]: unknown field "mysqlPort"',
        'clusters[0].keyspaces[0]: unknown field "replica" (known: name, shards, replicas, rdonly, schemaFile, vschemaFile)',
      ]);
    });

    it('a missing schema file names the path', async () => {
      await refusedUp('missing-schema', smallSpec(base, { schemaFile: 'sql/nope.sql' }),
        [`clusters[0].keyspaces[0].schemaFile: file not found: ${path.join(root, 'missing-schema', 'sql', 'nope.sql')}`]);
    });

    it('invalid shard names are named', async () => {
      await refusedUp('bad-shards', smallSpec(base, { shards: ['-8g', '8g-'] }), [
        'clusters[0].keyspaces[0].shards: "-8g" is not a valid shard name',
        'clusters[0].keyspaces[0].shards: "8g-" is not a valid shard name',
      ]);
      await refusedUp('reversed-shard', smallSpec(base, { shards: ['80-40'] }),
        ['clusters[0].keyspaces[0].shards: "80-40" is not a valid shard name: out of order keys']);
    });

    it('overlapping shards are named with the range they share', async () => {
      await refusedUp('overlap', smallSpec(base, { shards: ['-80', '40-'] }),
        ['clusters[0].keyspaces[0].shards (keyspace ks1): shards -80,40- do not partition the key range: overlap: shards -80 and 40- both cover 40-80']);
    });

    it('shards that leave part of the key range uncovered are named with the gap', async () => {
      await refusedUp('gap', smallSpec(base, { shards: ['-40', '80-'] }),
        ['clusters[0].keyspaces[0].shards (keyspace ks1): shards -40,80- do not partition the key range: gap: no shard covers 40-80']);
    });

    it('a port in use names the port and the component that should own it', async () => {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(ports.etcd, '127.0.0.1', resolve));
      try {
        await refusedUp('port-in-use', smallSpec(base),
          [`port ${ports.etcd} is already in use by another process; it should belong to etcd of cluster solo (client)`]);
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    });

    it('a missing spec file names the path', async () => {
      await refusedUp('missing-spec', undefined, [`spec file not found: ${path.join(root, 'missing-spec', 'no-such-spec.json')}`]);
    });
  });

  describe('up, status, down --wipe', () => {
    let specFile: string;
    let dir: string;
    let up: StackDescription;
    let pids: number[];
    let portsOfPids: number[];

    before(() => {
      dir = path.join(root, 'ok');
      specFile = writeSpec(dir, smallSpec(base));
    });

    it('up --json starts the stack and prints its endpoints (twice at once: one stack)', async () => {
      // Two ups racing must not start two mysqlds per tablet (the state dir lock serialises them).
      const [res, twin] = await Promise.all([cli(['up', '--json', '--spec', specFile]), cli(['up', '--json', '--spec', specFile])]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(twin.code, 0, twin.stderr);
      assert.equal(twin.stdout, res.stdout);
      assert.deepEqual(processesUnder(dir), { mariadbd: 2, etcd: 1, temporal: 1 });
      up = JSON.parse(res.stdout) as StackDescription;
      const tabletPids = up.clusters[0]?.tablets.map((t) => t.pid) ?? [];
      assert.ok(tabletPids.every((p) => typeof p === 'number' && p > 0), `every tablet has a pid: ${res.stdout}`);
      assert.deepEqual(up, {
        temporal: { address: `127.0.0.1:${ports.temporal}`, ui: `http://127.0.0.1:${ports.ui}`, namespace: 'default' },
        workerConfig: path.join(dir, '.vtmigrate', 'local', 'worker.json'),
        clusters: [{
          name: 'solo',
          cell: 'e2e',
          topo: { server: `127.0.0.1:${ports.etcd}`, root: '/vitess/global' },
          tablets: [
            { alias: 'e2e-100', keyspace: 'ks1', shard: '0', type: 'PRIMARY', mysql: { host: '127.0.0.1', port: ports.primary }, db: 'vt_ks1', pid: tabletPids[0] },
            { alias: 'e2e-101', keyspace: 'ks1', shard: '0', type: 'REPLICA', mysql: { host: '127.0.0.1', port: ports.replica }, db: 'vt_ks1', pid: tabletPids[1] },
          ],
        }],
      });
      // The worker config targets the only cluster (no cluster is named "target": the last one).
      const config = loadWorkerConfig(up.workerConfig);
      assert.deepEqual([config.temporal.address, config.topo.server, config.clusters.map((c) => c.name)],
        [`127.0.0.1:${ports.temporal}`, `127.0.0.1:${ports.etcd}`, ['solo']]);
      // The schema file was applied on the primary and replicated.
      for (const port of [ports.primary, ports.replica]) {
        const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
        try {
          const [rows] = await c.query('SHOW TABLES IN vt_ks1');
          assert.deepEqual(rows, [{ Tables_in_vt_ks1: 'item' }], `port ${port}`);
        } finally {
          await c.end();
        }
      }
    });

    it('status --json lists every managed process with its pid', async () => {
      const res = await cli(['status', '--json', '--spec', specFile]);
      assert.equal(res.code, 0, res.stderr);
      const status = JSON.parse(res.stdout) as StackDescription;
      const processes = status.processes ?? [];
      assert.deepEqual(processes.map((p) => [p.name, p.up]),
        [['temporal', true], ['etcd:solo', true], ['tablet:e2e-100', true], ['tablet:e2e-101', true], ['worker', false]]);
      assert.deepEqual(processes.find((p) => p.name === 'worker'), { name: 'worker', pid: null, up: false });
      assert.deepEqual(processes.filter((p) => p.name.startsWith('tablet:')).map((p) => p.pid), up.clusters[0].tablets.map((t) => t.pid));
      // --spec may also come before the command, as an operator types it.
      const before = await cli(['--spec', specFile, 'status', '--json']);
      assert.equal(before.code, 0, before.stderr);
      assert.deepEqual(JSON.parse(before.stdout), status);
      pids = processes.filter((p) => p.up).map((p) => p.pid!);
      assert.ok(pids.every((p) => isProcessAlive(p)));
      portsOfPids = portsListenedOnBy(pids);
      for (const p of [ports.temporal, ports.ui, ports.etcd, ports.peer, ports.primary, ports.replica]) {
        assert.ok(portsOfPids.includes(p), `port ${p} is listened on by the stack (${portsOfPids.join(',')})`);
      }
    });

    it('up again is idempotent: the same processes keep running', async () => {
      const res = await cli(['up', '--json', '--spec', specFile]);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), up);
    });

    it('down --wipe stops every process, leaves no listening port and removes the state dir', async () => {
      const res = await cli(['down', '--wipe', '--spec', specFile]);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(pids.filter((p) => isProcessAlive(p)), [], 'every pid is gone');
      const listening = listeningPorts();
      assert.deepEqual(portsOfPids.filter((p) => listening.has(p)), [], 'nothing listens where the stack did');
      assert.equal(fs.existsSync(path.join(dir, '.vtmigrate', 'local')), false, 'the state dir is removed');
      const status = JSON.parse((await cli(['status', '--json', '--spec', specFile])).stdout) as StackDescription;
      assert.deepEqual(status.processes?.filter((p) => p.up), []);
    });
  });
});
