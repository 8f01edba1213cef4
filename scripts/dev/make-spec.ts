// Developer aid: a private copy of the test stack's spec with every port shifted by an offset
// and its own state dir, so several people (or helpers) can run migrations at once.
//   node dist/scripts/dev/make-spec.js <offset> <out.json>    then   VTMIGRATE_TEST_SPEC=<out.json> npx mocha ...
import fs from 'node:fs';
import path from 'node:path';

const [offsetText, out] = process.argv.slice(2);
const offset = Number(offsetText);
if (!Number.isInteger(offset) || !out) {
  process.stderr.write('usage: make-spec.js <port offset> <out.json>\n');
  process.exit(2);
}
const root = path.resolve(__dirname, '..', '..', '..');
const base = JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'test-spec.json'), 'utf8'));
const abs = (p: string) => path.resolve(root, 'test', 'fixtures', p);
base.stateDir = path.resolve(path.dirname(path.resolve(out)), 'state');
base.temporal.port += offset;
base.temporal.uiPort += offset;
for (const c of base.clusters) {
  c.topo.port += offset;
  c.topo.peerPort += offset;
  c.mysqlBasePort += offset;
  for (const k of c.keyspaces) {
    if (k.schemaFile) k.schemaFile = abs(k.schemaFile);
    if (k.vschemaFile) k.vschemaFile = abs(k.vschemaFile);
  }
}
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out, JSON.stringify(base, null, 2) + '\n');
process.stdout.write(`${path.resolve(out)}\n`);
