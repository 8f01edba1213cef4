// The shape of a Migrate request, checked before the run does anything with it. Our CLI builds
// well-formed requests; one started from the Temporal CLI (`--input-file req.json`) may not: a
// missing sourceKeyspace used to reach the planning activity as `undefined`, which failed with a
// TypeError and was retried for ever. Pure code: it runs in the workflow.
import type { MigrateRequest, OnDdl } from './api';

type FieldKind = 'name' | 'boolean' | 'string' | 'strings' | 'count' | 'attempts' | 'onDdl';

const FIELDS: Record<keyof MigrateRequest, FieldKind> = {
  workflow: 'name',
  targetKeyspace: 'name',
  sourceKeyspace: 'name',
  mountName: 'name',
  allTables: 'boolean',
  tables: 'strings',
  excludeTables: 'strings',
  sourceTimeZone: 'string',
  noRoutingRules: 'boolean',
  cells: 'strings',
  allCells: 'boolean',
  tabletTypes: 'strings',
  tabletTypesInPreferenceOrder: 'boolean',
  onDdl: 'onDdl',
  deferSecondaryKeys: 'boolean',
  autoStart: 'boolean',
  stopAfterCopy: 'boolean',
  copyBatchRows: 'count',
  copyBatchBytes: 'count',
  shardHistoryLimit: 'count',
  // 0: until they succeed (workflows/activities.ts adminActivities).
  stepAttempts: 'attempts',
};

const ON_DDL: readonly OnDdl[] = ['IGNORE', 'STOP', 'EXEC', 'EXEC_IGNORE'];

const EXPECTED: Record<FieldKind, string> = {
  name: 'a non-empty string',
  boolean: 'true or false',
  string: 'a string',
  strings: 'an array of strings',
  count: 'a positive integer',
  attempts: 'a whole number (0: until it succeeds)',
  onDdl: ON_DDL.join(', '),
};

function fits(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case 'name': return typeof v === 'string' && v !== '';
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'count': return Number.isSafeInteger(v) && (v as number) > 0;
    case 'attempts': return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'onDdl': return ON_DDL.includes(v as OnDdl);
  }
}

/** What is wrong with a Migrate request, one problem per field ([] when nothing is). */
export function requestProblems(req: unknown): string[] {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return ['the request must be a JSON object'];
  const given = req as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(FIELDS);
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')} (the fields are ${known.join(', ')})`);
  for (const [field, kind] of Object.entries(FIELDS) as [string, FieldKind][]) {
    const v = given[field];
    if (v === undefined || v === null) {
      if (kind === 'name') problems.push(`${field} is required (${EXPECTED[kind]})`);
      continue;
    }
    if (!fits(kind, v)) problems.push(`${field} must be ${EXPECTED[kind]}, not ${JSON.stringify(v)}`);
  }
  return problems;
}
