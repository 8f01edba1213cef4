// Vindex: where does this row live? Computes each value's keyspace id with a vindex and, given
// the keyspace's shards, the shard that holds it.
import type { Command } from 'commander';
import {
  createVindex,
  findShardForKeyspaceId,
  parseShardName,
  parseShardSpec,
  shardCoverageProblems,
  type KeyRange,
} from '../vindex';
import { checkFormat, printJSON, printLine } from './output';
import { reportError } from './output';

interface VindexFlags {
  type?: string;
  shards?: string;
  params?: string;
  format: string;
}

interface Placement {
  value: string;
  keyspace_id: string | null;
  shard: string | null;
}

/** `k=v,k2=v2` → params; Vitess's VSchema params are string to string. */
export function parseParams(text: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (!text) return params;
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid --params entry ${JSON.stringify(pair)}: expected key=value`);
    params[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return params;
}

/**
 * The shards to place values in: a sharding spec (`-40-80-c0-`) or a comma-separated list of
 * shard names (`-80,80-`). They must cover every keyspace id exactly once.
 */
export function parseShards(text: string): Array<{ name: string; keyRange: KeyRange }> {
  const names = text.includes(',') ? text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '') : parseShardSpec(text);
  const problems = shardCoverageProblems(names);
  if (problems.length > 0) throw new Error(`--shards ${text} does not divide the key range into shards: ${problems.join('; ')}`);
  return names.map((name) => ({ name, keyRange: parseShardName(name) }));
}

async function vindexCommand(command: Command, values: string[]): Promise<void> {
  const flags = command.opts<VindexFlags>();
  const format = checkFormat(flags.format, ['text', 'json']);
  if (!flags.type) throw new Error('required flag(s) "type" not set');
  if (values.length === 0) throw new Error('no values given: pass one or more column values after the flags');
  const shards = flags.shards !== undefined ? parseShards(flags.shards) : undefined;
  const vindex = await createVindex(flags.type, parseParams(flags.params));

  const placements: Placement[] = values.map((value) => {
    const ksid = vindex.map(value);
    const shard = ksid && shards ? findShardForKeyspaceId(shards, ksid).name : null;
    return { value, keyspace_id: ksid ? ksid.toString('hex') : null, shard };
  });

  if (format === 'json') {
    printJSON(placements.map((p) => ({ ...p })));
    return;
  }
  for (const p of placements) {
    const columns = [p.value, p.keyspace_id ?? '<null>'];
    if (shards) columns.push(p.shard ?? '<null>');
    printLine(columns.join(' '));
  }
}

export function registerVindexCommand(program: Command): void {
  program
    .command('Vindex')
    .description('Prints the keyspace id a vindex gives each value and, with --shards, the shard that holds it.')
    .argument('<value...>', 'column values as the column holds them, unquoted (e.g. 1, 18446744073709551615, or Tag-1: quotes would be part of the string)')
    .option('--type <type>', 'Vindex type: hash, xxhash, numeric, reverse_bits, binary, binary_md5, unicode_loose_md5 or unicode_loose_xxhash. (required)')
    .option('--shards <shards>', 'The keyspace\'s shards: a sharding spec like -40-80-c0- or a comma-separated list like -80,80-.')
    .option('--params <k=v,...>', 'Vindex params, comma-separated key=value pairs (the supported types take none).')
    .option('--format <format>', 'Output format: text (one "<value> <keyspace id hex> [<shard>]" line per value) or json (an array of {value, keyspace_id, shard}).', 'text')
    .addHelpText('after', `
A value with no keyspace id (for hash, anything that is not an integer) prints <null> (null in
JSON), as Vitess routes such a row nowhere. A string is given as is: 'Tag-1' in the shell is
Tag-1, "'Tag-1'" is the string with its quotes. Put values starting with - after --, e.g.
  vtmigrate Vindex --type hash --shards -80- -- -1 -x

Example:
  $ vtmigrate Vindex --type hash --shards -80- 1 4
  1 166b40b44aba4bd6 -80
  4 d2fd8867d50d2dfe 80-`)
    .action(async (values: string[], _opts: unknown, command: Command) => {
      try {
        await vindexCommand(command, values);
      } catch (err) {
        reportError(err);
        process.exitCode = 1;
      }
    });
}
