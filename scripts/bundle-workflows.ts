// Bundles the workflow code once at build time (dist/workflow-bundle.js), so workers start in
// a second instead of running webpack on every start. The bundle must come from the same
// @temporalio/worker version the workers run, which npm's lock file guarantees.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE } from '../src/worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: { trace: () => {}, debug: () => {}, info: () => {}, warn: (m: string) => process.stderr.write(`${m}\n`), error: (m: string) => process.stderr.write(`${m}\n`), log: () => {} },
  });
  fs.mkdirSync(path.dirname(WORKFLOW_BUNDLE), { recursive: true });
  fs.writeFileSync(WORKFLOW_BUNDLE, code);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundling the workflows failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
