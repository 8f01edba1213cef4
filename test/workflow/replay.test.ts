// Determinism gate: every recorded history in test/histories must replay against today's
// workflow code. A change that would break running migrations (a moved activity, a new timer)
// fails here instead of in production. Regenerate fixtures from released code only:
//   temporal workflow show -w <id> --output json > test/histories/<id with / as ~>.json
// (the file name is the workflow id: replay needs it, e.g. for child workflow ids; a second
// history of one id is named <id>@<what it adds>.json).
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowSource } from '../../src/worker';

const dir = path.resolve(__dirname, '..', '..', '..', 'test', 'histories');

describe('recorded workflow histories replay', function () {
  this.timeout(120_000);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('has fixtures for the Migrate workflow and a shard child', () => {
    const types = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name);
    assert.ok(types.includes('Migrate'), `no Migrate history among ${files.join(', ')}`);
    assert.ok(types.includes('MigrateShard'), `no MigrateShard history among ${files.join(', ')}`);
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory(workflowSource(), history, path.basename(file, '.json').replace(/@.*$/, '').replace(/~/g, '/'));
    });
  }
});
