// Every validation of `Migrate create` (and the persistent flags of Migrate and Workflow) with
// vtctldclient's message, in cobra's order: flag values while parsing, then PreRunE, then
// required flags. All of it happens before the CLI connects to Temporal, so no server is needed:
// the Temporal address points at a port nothing listens on.
import { strict as assert } from 'node:assert';
import { runCli, type CliResult } from '../../support/cli';

const NO_SERVER = { TEMPORAL_ADDRESS: '127.0.0.1:9' };
const BASE = ['Migrate', '--workflow', 'import', '--target-keyspace', 'customer'];
const NAMES = ['--source-keyspace', 'commerce', '--mount-name', 'ext1'];

function vtmigrate(...args: string[]): Promise<CliResult> {
  return runCli('vtmigrate', args, { env: NO_SERVER, timeoutMs: 30_000 });
}

async function fails(args: string[], message: string): Promise<void> {
  const r = await vtmigrate(...args);
  assert.equal(r.stderr, `Error: ${message}\n`, `vtmigrate ${args.join(' ')}\nstdout: ${r.stdout}`);
  assert.equal(r.stdout, '');
  assert.equal(r.code, 1);
}

describe('Migrate create: flag validation (no server needed)', function () {
  this.timeout(60_000);

  describe('table selection (PreRunE, including the 2026 checks of vitessio/vitess#20566)', () => {
    it('needs --tables or --all-tables', () => fails([...BASE, 'create', ...NAMES], 'tables or all-tables are required to specify which tables to move'));
    it('refuses --tables with --all-tables', () => fails([...BASE, 'create', ...NAMES, '--tables', 'customer', '--all-tables'], '--tables and --all-tables are mutually exclusive'));
    it('refuses --exclude-tables without --all-tables', () => fails([...BASE, 'create', ...NAMES, '--tables', 'customer', '--exclude-tables', 'corder'], '--exclude-tables can only be used together with --all-tables'));
    it('refuses --exclude-tables with --all-tables=false', () => fails([...BASE, 'create', ...NAMES, '--all-tables=false', '--exclude-tables', 'corder'], '--exclude-tables can only be used together with --all-tables'));
    it('checks the table flags before the required ones', () => fails(['Migrate', 'create', '--tables', 'a', '--all-tables'], '--tables and --all-tables are mutually exclusive'));
  });

  describe('create options (ParseAndValidateCreateOptions)', () => {
    it('refuses an unknown --on-ddl', () => fails([...BASE, 'create', ...NAMES, '--all-tables', '--on-ddl', 'sometimes'], 'invalid on-ddl value: sometimes'));
    it('accepts --on-ddl in any case', () => fails(['Migrate', 'create', '--all-tables', '--on-ddl', 'exec_ignore'], 'required flag(s) "mount-name", "source-keyspace", "target-keyspace", "workflow" not set'));
    it('refuses --cells with --all-cells', () => fails([...BASE, 'create', ...NAMES, '--all-tables', '-c', 'zone1', '-a'], 'cannot specify both --cells and --all-cells'));
    it('refuses --cells with --all-cells (long forms)', () => fails([...BASE, 'create', ...NAMES, '--all-tables', '--cells', 'zone1', '--all-cells'], 'cannot specify both --cells and --all-cells'));
    it('refuses an empty --tablet-types', () => fails([...BASE, 'create', ...NAMES, '--all-tables', '--tablet-types', ''], 'invalid tablet-types value, at least one valid tablet type must be specified'));
    it('refuses an unknown tablet type while parsing, before anything else', () => fails([...BASE, 'create', '--tablet-types', 'replica,leader'], 'invalid argument "replica,leader" for "--tablet-types" flag: unknown TabletType leader'));
  });

  describe('flag values', () => {
    it('parses booleans as pflag does', () => fails([...BASE, 'create', ...NAMES, '--all-tables=maybe'], 'invalid argument "maybe" for "--all-tables" flag: strconv.ParseBool: parsing "maybe": invalid syntax'));
    it('accepts --flag=false for every boolean', () => fails(['Migrate', 'create', '--all-tables', '--defer-secondary-keys=false', '--auto-start=false', '--stop-after-copy=true',
      '--tablet-types-in-preference-order=false', '--no-routing-rules=true', '--all-cells=false'], 'required flag(s) "mount-name", "source-keyspace", "target-keyspace", "workflow" not set'));
    it('refuses a non-positive --copy-batch-rows', () => fails([...BASE, 'create', '--copy-batch-rows', '0'], '--copy-batch-rows must be a positive value'));
    it('refuses a non-numeric --copy-batch-bytes', () => fails([...BASE, 'create', '--copy-batch-bytes', 'lots'], 'invalid argument "lots" for "--copy-batch-bytes" flag: strconv.ParseInt: parsing "lots": invalid syntax'));
    it('refuses a bad --wait-timeout', () => fails([...BASE, 'create', '--wait-timeout', 'soon'], 'invalid argument "soon" for "--wait-timeout" flag: time: invalid duration "soon"'));
  });

  describe('required flags', () => {
    it('lists every missing one, sorted, including the persistent ones', () => fails(['Migrate', 'create', '--all-tables'], 'required flag(s) "mount-name", "source-keyspace", "target-keyspace", "workflow" not set'));
    it('accepts the persistent flags after the subcommand and -w', () => fails(['Migrate', 'create', '-w', 'import', '--all-tables', '--target-keyspace', 'customer'], 'required flag(s) "mount-name", "source-keyspace" not set'));
    it('matches subcommand names case-insensitively', () => fails(['migrate', '--workflow', 'import', 'CREATE', '--all-tables'], 'required flag(s) "mount-name", "source-keyspace", "target-keyspace" not set'));
    for (const sub of ['show', 'status', 'cutover', 'complete', 'cancel']) {
      it(`${sub} needs --target-keyspace and --workflow`, () => fails(['Migrate', sub], 'required flag(s) "target-keyspace", "workflow" not set'));
    }
  });

  describe('--format', () => {
    for (const sub of ['status', 'cutover', 'complete', 'cancel']) {
      it(`${sub} refuses an unknown format`, () => fails([...BASE, '--format', 'yaml', sub], 'invalid output format, got yaml'));
    }
    it('checks required flags before the format', () => fails(['Migrate', '--format', 'yaml', 'status'], 'required flag(s) "target-keyspace", "workflow" not set'));
  });

  describe('Workflow', () => {
    it('needs --keyspace', () => fails(['Workflow', 'stop', '--workflow', 'import'], 'required flag(s) "keyspace" not set'));
    it('needs --workflow', () => fails(['Workflow', '--keyspace', 'customer', 'start'], 'required flag(s) "workflow" not set'));
  });

  it('valid input gets as far as Temporal, and says which address did not answer', async () => {
    // create ignores --format, as vtctldclient's create does.
    const r = await vtmigrate(...BASE, '--format', 'yaml', 'create', ...NAMES, '--all-tables', '--tablet-types', 'REPLICA,rdonly', '--config-overrides', 'vreplication-copy-phase-duration=2h');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: cannot reach the Temporal frontend at 127\.0\.0\.1:9 \(--server \/ TEMPORAL_ADDRESS\): .+\n$/);
  });
});
