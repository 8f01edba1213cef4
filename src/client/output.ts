// Printing for the vtmigrate CLI: results to stdout in vtctldclient's formats, errors to stderr as
// one readable line (no stack trace unless VTMIGRATE_DEBUG is set), and a non-zero exit code.
import type { Command } from 'commander';
import { formatGoJSON, formatJSON, recordToGoJSON, recordToProtoJSON, type JsonValue, type RecordKind } from '../topo';

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** protojson as vtctldclient's cli.MarshalJSON prints it; --compact drops unpopulated fields. */
export function printRecord(kind: RecordKind, value: object, compact: boolean): void {
  printLine(formatJSON(recordToProtoJSON(kind, value, { emitUnpopulated: !compact })));
}

/** A list of records, as vtctldclient prints slices: Go's encoding/json.MarshalIndent. */
export function printRecordList(kind: RecordKind, values: object[]): void {
  printLine(formatGoJSON(values.map((v) => recordToGoJSON(kind, v))));
}

export function printJSON(value: JsonValue): void {
  printLine(formatJSON(value));
}

export function printWarning(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

export function reportError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Error: ${message}\n`);
  if (process.env.VTMIGRATE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/** Vitess's text for a --format value it does not know. */
export function checkFormat(format: string, allowed: string[]): string {
  const f = format.toLowerCase();
  if (!allowed.includes(f)) throw new Error(`invalid output format, got ${format}`);
  return f;
}

/**
 * Cobra's text for required flags that were not given, e.g.
 * `required flag(s) "name", "topo-root" not set` (names sorted, as cobra lists them).
 */
export function requireFlags(command: Command, names: string[]): void {
  const opts = command.opts<Record<string, unknown>>();
  const missing = names.filter((flag) => {
    const value = opts[camel(flag)];
    return value === undefined || value === '';
  });
  if (missing.length > 0) {
    throw new Error(`required flag(s) ${missing.sort().map((m) => `"${m}"`).join(', ')} not set`);
  }
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Commander's collector for a repeatable, comma-separated flag (cobra's StringSlice). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}
