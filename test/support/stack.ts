// The shared local stack the integration, workflow and e2e suites use. `npm test` brings it up
// once; running a suite file on its own brings it up here (idempotently) and leaves it running.
import path from 'node:path';
import { describeStack, type StackDescription } from '../../src/local/describe';
import { allTablets, type LocalTablet } from '../../src/local/layout';
import { loadSpec, type LocalSpec } from '../../src/local/spec';
import { up } from '../../src/local/up';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const TEST_SPEC_FILE = process.env.VTMIGRATE_TEST_SPEC ?? path.join(REPO_ROOT, 'test', 'fixtures', 'test-spec.json');

let ready: Promise<LocalSpec> | undefined;

/** The test stack's spec, after making sure everything in it runs. */
export function testStack(): Promise<LocalSpec> {
  ready ??= (async () => {
    const spec = loadSpec(TEST_SPEC_FILE);
    await up(spec);
    return spec;
  })();
  return ready;
}

export async function testStackDescription(): Promise<StackDescription> {
  return describeStack(await testStack(), true);
}

export async function testTablets(filter: Partial<Pick<LocalTablet, 'cluster' | 'keyspace' | 'shard' | 'type'>> = {}): Promise<LocalTablet[]> {
  const spec = await testStack();
  return allTablets(spec).filter((t) => Object.entries(filter).every(([k, v]) => t[k as keyof LocalTablet] === v));
}
