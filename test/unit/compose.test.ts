// temporal-compose.yml checked against the code, since no Docker engine runs where tests do: the
// services of a production-shaped Temporal (PostgreSQL, server, Web UI), the search attributes
// the workflows need, and a worker that runs the same command the local tool runs, on the
// mounted example configuration, with every password it references given by the environment.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { workerDaemon } from '../../src/local/components';
import { statePaths } from '../../src/local/layout';
import { loadSpec } from '../../src/local/spec';
import { SEARCH_ATTRIBUTES } from '../../src/local/temporal';
import { DEFAULT_TASK_QUEUE, loadWorkerConfig, mysqlCredentials } from '../../src/worker-config';
import { REPO_ROOT } from '../support/stack';
import { parseYamlSubset } from '../support/yaml-subset';
import { WORKER_NODE_FLAGS } from '../../src/worker-heap';

// The parsed file is untyped data; each test asserts the shape it reads.
type Service = Record<string, any>;

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const EXAMPLE_CONFIG = 'deploy/worker.example.json';
const CONFIG_IN_CONTAINER = '/etc/vtmigrate/worker.json';

/** The exec-form CMD of the Dockerfile, as an argv. */
function dockerfileCmd(): string[] {
  const line = read('Dockerfile').split('\n').find((l) => l.startsWith('CMD '));
  assert.ok(line, 'the Dockerfile has a CMD');
  return JSON.parse(line.slice(4)) as string[];
}

describe('temporal-compose.yml', () => {
  let compose: { services: Record<string, Service>; volumes: Record<string, unknown> };
  let services: Record<string, Service>;

  before(() => {
    compose = parseYamlSubset(read('temporal-compose.yml')) as typeof compose;
    services = compose.services;
  });

  it('has PostgreSQL, the Temporal server, its search-attribute setup, the Web UI and the vtmigrate worker', () => {
    assert.deepEqual(Object.keys(services).sort(), ['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'vtmigrate-worker']);
    assert.deepEqual(compose.volumes, { 'postgresql-data': null });
  });

  it('runs Temporal on PostgreSQL and publishes its frontend on 7233', () => {
    const { temporal, postgresql } = services;
    assert.match(temporal.image, /^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    assert.match(postgresql.image, /^postgres:\d+$/);
    assert.deepEqual(temporal.ports, ['7233:7233']);
    assert.equal(temporal.environment.DB, 'postgres12');
    assert.equal(temporal.environment.DB_PORT, '5432');
    assert.equal(temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.equal(temporal.environment.POSTGRES_USER, postgresql.environment.POSTGRES_USER);
    assert.equal(temporal.environment.POSTGRES_PWD, postgresql.environment.POSTGRES_PASSWORD);
    assert.deepEqual(temporal.depends_on, { postgresql: { condition: 'service_healthy' } });
    assert.deepEqual(postgresql.healthcheck.test, ['CMD-SHELL', `pg_isready -U ${postgresql.environment.POSTGRES_USER}`]);
    assert.deepEqual(postgresql.volumes, ['postgresql-data:/var/lib/postgresql/data']);
  });

  it('serves the Web UI on 8080, talking to the server', () => {
    const ui = services['temporal-ui'];
    assert.match(ui.image, /^temporalio\/ui:\d+\.\d+\.\d+$/);
    assert.equal(ui.environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.deepEqual(ui.ports, ['8080:8080']);
  });

  it('registers every search attribute the workflows use, with its type', () => {
    const setup = services['temporal-setup'];
    assert.equal(setup.environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.deepEqual(setup.entrypoint, ['sh', '-c']);
    const script = (setup.command as string[])[0];
    const names = /for sa in ([\w ]+);/.exec(script)?.[1].split(' ');
    assert.deepEqual(names?.sort(), Object.keys(SEARCH_ATTRIBUTES).sort());
    assert.ok(Object.values(SEARCH_ATTRIBUTES).every((t) => t === 'Keyword'));
    // $$ is compose's escape for a literal $ (the shell variable), not an interpolation.
    assert.ok(script.includes('search-attribute create --namespace default --name $$sa --type Keyword'), script);
    assert.ok(script.startsWith('until temporal operator cluster health | grep -q SERVING'), script);
  });

  it('builds the worker from this repository and runs `vtmigrate worker --config` on the mounted configuration', () => {
    const worker = services['vtmigrate-worker'];
    assert.deepEqual(worker.build, { context: '.', dockerfile: 'Dockerfile' });
    // Run with the worker's heap cap (src/worker-heap.ts), as vtmigrate-local runs it.
    const argv = ['node', ...WORKER_NODE_FLAGS, 'bin/vtmigrate.js', 'worker', '--config', CONFIG_IN_CONTAINER];
    assert.deepEqual(worker.command, argv);
    assert.deepEqual(dockerfileCmd(), argv);
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /^RUN npm ci\b/m);
    assert.match(dockerfile, /^RUN npm run build$/m);
    // The same program and subcommand the local tool starts its worker with.
    assert.equal((JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.vtmigrate, 'bin/vtmigrate.js');
    const spec = loadSpec(path.join(REPO_ROOT, 'examples', 'local', 'spec.json'));
    const local = workerDaemon(spec);
    assert.deepEqual(local.args.slice(0, WORKER_NODE_FLAGS.length), [...WORKER_NODE_FLAGS]);
    assert.equal(path.relative(REPO_ROOT, local.args[WORKER_NODE_FLAGS.length]), 'bin/vtmigrate.js');
    assert.deepEqual(local.args.slice(WORKER_NODE_FLAGS.length + 1), ['worker', '--config', statePaths.workerConfig(spec)]);
    assert.deepEqual(worker.volumes, [`./deploy/worker.json:${CONFIG_IN_CONTAINER}:ro`]);
    assert.deepEqual(worker.depends_on, { 'temporal-setup': { condition: 'service_completed_successfully' } });
    assert.ok(read('.dockerignore').split('\n').includes('deploy/worker.json'), 'the real worker config stays out of the image');
  });

  it('the example worker configuration loads and points at this Temporal and the default task queue', () => {
    const config = loadWorkerConfig(path.join(REPO_ROOT, EXAMPLE_CONFIG));
    assert.deepEqual(config.temporal, { address: 'temporal:7233', namespace: services.temporal.environment.DEFAULT_NAMESPACE, taskQueue: DEFAULT_TASK_QUEUE });
    const [host, port] = config.temporal.address.split(':');
    assert.ok(host in services, `${host} is a compose service`);
    assert.ok((services[host].ports as string[]).some((p) => p.endsWith(`:${port}`)), `${host} listens on ${port}`);
    assert.equal(config.topo.implementation, 'etcd2');
    assert.deepEqual(config.clusters.map((c) => [c.name, Boolean(c.source), Boolean(c.target)]), [['source', true, false], ['target', false, true]]);
  });

  it('every password the example configuration references comes from an environment variable the worker service sets', () => {
    const raw = JSON.parse(read(EXAMPLE_CONFIG)) as { clusters: Record<string, Record<string, string> | unknown>[] };
    const creds = raw.clusters.flatMap((c) => ['source', 'target'].map((role) => c[role] as Record<string, string> | undefined)).filter((c) => c !== undefined);
    assert.deepEqual(creds.filter((c) => 'password' in c || 'passwordFile' in c), [], 'no inline or file passwords in the example');
    const envNames = creds.map((c) => c.passwordEnv);
    assert.deepEqual(envNames, ['VTMIGRATE_SOURCE_PASSWORD', 'VTMIGRATE_TARGET_PASSWORD']);
    const environment = services['vtmigrate-worker'].environment as Record<string, string>;
    assert.deepEqual(Object.keys(environment).sort(), [...envNames].sort());
    for (const name of envNames) {
      // Passed through from the operator's shell; compose stops with the message if it is unset.
      assert.match(environment[name], new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
    }

    // And the worker resolves them from exactly those variables.
    const saved = envNames.map((n) => [n, process.env[n]] as const);
    try {
      for (const n of envNames) process.env[n] = `secret-of-${n}`;
      const config = loadWorkerConfig(path.join(REPO_ROOT, EXAMPLE_CONFIG));
      assert.deepEqual(mysqlCredentials(config, config.clusters[0].topo, 'source'), { user: 'vtm_source', password: 'secret-of-VTMIGRATE_SOURCE_PASSWORD' });
      assert.deepEqual(mysqlCredentials(config, config.topo, 'target'), { user: 'vtm_target', password: 'secret-of-VTMIGRATE_TARGET_PASSWORD' });
    } finally {
      for (const [n, v] of saved) {
        if (v === undefined) delete process.env[n];
        else process.env[n] = v;
      }
    }
  });
});
