// Flag helpers that give commander cobra/pflag's behaviour where vtctldclient users rely on it:
// booleans that accept `--flag=false`, "was this flag given" (pflag's Changed), and required-flag
// errors that cover the persistent flags of parent commands.
import { Option, type Command } from 'commander';

/** Go's strconv.ParseBool, which pflag uses for `--flag=<value>`. */
export function parseGoBool(flag: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
}

/**
 * A pflag boolean: `--flag` means true, `--flag=false` (or `--flag false`) sets it explicitly.
 * `flags` is commander's spelling, e.g. `-a, --all-cells`.
 */
export function boolOption(flags: string, description: string, defaultValue: boolean): Option {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const option = new Option(`${flags} [bool]`, description)
    .default(defaultValue)
    // A bare `--flag` skips the parser and becomes true (commander's optional-value rule).
    .argParser((value: string) => parseGoBool(long, value));
  // `--no-routing-rules` is a flag of its own in Vitess, not commander's negation of `--routing-rules`.
  option.negate = false;
  return option;
}

/** pflag's Changed: whether the user gave the flag (as opposed to its default). */
export function flagGiven(command: Command, attribute: string): boolean {
  const source = command.getOptionValueSource(attribute);
  return source === 'cli' || source === 'env';
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Cobra's `required flag(s) "a", "b" not set`, checking the command's own flags and those its
 * parents declare (cobra's persistent flags), sorted as cobra lists them.
 */
export function requireFlagsWithParents(command: Command, names: string[]): void {
  const opts = command.optsWithGlobals<Record<string, unknown>>();
  const missing = names.filter((flag) => {
    const value = opts[camel(flag)];
    return value === undefined || value === '';
  });
  if (missing.length > 0) {
    throw new Error(`required flag(s) ${missing.sort().map((m) => `"${m}"`).join(', ')} not set`);
  }
}

/** A duration flag in Go's syntax (`90s`, `2m`, `1h30m`, `500ms`) → milliseconds. */
export function parseGoDuration(flag: string, value: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  if (value === '0') return 0;
  if (value === '' || matched !== value.length) {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  }
  return total;
}

export function durationOption(flags: string, description: string, defaultValue: string): Option {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(`${flags} <duration>`, description)
    .default(parseGoDuration(long, defaultValue), defaultValue)
    .argParser((value: string) => parseGoDuration(long, value));
}
