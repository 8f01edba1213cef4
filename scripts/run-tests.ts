// `npm test`: brings up the shared test stack (Temporal, etcd, MariaDB tablets from
// test/fixtures/test-spec.json), runs every mocha suite in dist/test, always takes the stack
// down again, and ends with the line CI reads: `N passed, N failed`.
//
//   node dist/scripts/run-tests.js [--grep TEXT] [--keep-stack] [path-substring ...]
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { loadSpec } from '../src/local/spec';
import { up } from '../src/local/up';
import { down } from '../src/local/down';

const root = path.resolve(__dirname, '..', '..');
const distTest = path.join(root, 'dist', 'test');
export const TEST_SPEC = path.join(root, 'test', 'fixtures', 'test-spec.json');

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

// Cheap, pure suites first; the ones that start processes later.
const ORDER = ['unit', 'integration', 'workflow', 'e2e'];
const rank = (file: string) => {
  const i = ORDER.indexOf(path.relative(distTest, file).split(path.sep)[0]);
  return i < 0 ? ORDER.length : i;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const grepAt = args.indexOf('--grep');
  const grep = grepAt >= 0 ? args.splice(grepAt, 2)[1] : undefined;
  const keepStack = args.includes('--keep-stack');
  const filters = args.filter((a) => !a.startsWith('--'));
  const files = findTests(distTest)
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const needsStack = files.some((f) => rank(f) > 0);

  const spec = loadSpec(TEST_SPEC);
  let passed = 0;
  let failed = 0;
  const log = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);
  const stop = async () => {
    if (needsStack && !keepStack) await down(spec, { wipe: true }, log).catch((err: Error) => log(`down failed: ${err.message}`));
  };
  process.once('SIGINT', () => { void stop().then(() => process.exit(130)); });
  process.once('SIGTERM', () => { void stop().then(() => process.exit(143)); });
  try {
    if (needsStack) {
      log(`starting the test stack from ${path.relative(root, TEST_SPEC)}`);
      await down(spec, { wipe: true }, log);
      await up(spec, log);
      process.env.VTMIGRATE_TEST_SPEC = TEST_SPEC;
    }
    const mocha = new Mocha({ timeout: 120_000, reporter: 'spec', grep });
    for (const f of files) mocha.addFile(f);
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => { passed++; });
      runner.on('fail', () => { failed++; });
    });
  } catch (err) {
    failed++;
    process.stderr.write(`test run aborted: ${(err as Error).stack ?? err}\n`);
  } finally {
    await stop();
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  // Clients and native connections some suites open would keep the process alive.
  process.exit(failed > 0 ? 1 : 0);
}

void main();
