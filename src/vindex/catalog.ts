// Every vindex type Vitess knows, with the properties that decide which one VReplication
// computes keyspace ids with, and which of them vtmigrate can compute.
//
// Knowing all of Vitess's types lets ApplyVSchema tell a typo ("not known") from a real
// Vitess vindex we cannot route with yet ("not supported yet").

/** Vitess's Cost(), IsUnique() and NeedsVCursor() for a vindex type. */
export interface VindexTraits {
  readonly cost: number;
  readonly unique: boolean;
  /** Lookup vindexes need a vcursor (a query to a lookup table) and never compute ksids alone. */
  readonly needsVCursor: boolean;
}

const functional = (cost: number): VindexTraits => ({ cost, unique: true, needsVCursor: false });
const lookup = (cost: number, unique: boolean): VindexTraits => ({ cost, unique, needsVCursor: true });

// Traits of the types whose traits do not depend on params. A Map rather than a plain object,
// so that a type named `constructor` or `toString` finds nothing.
const FIXED_TRAITS: ReadonlyMap<string, VindexTraits> = new Map(Object.entries({
  binary: functional(0),
  binary_md5: functional(1),
  cfc: functional(1),
  consistent_lookup: lookup(20, false),
  consistent_lookup_unique: lookup(10, true),
  hash: functional(1),
  lookup: lookup(20, false),
  lookup_hash: lookup(20, false),
  lookup_hash_unique: lookup(10, true),
  lookup_unicodeloosemd5_hash: lookup(20, false),
  lookup_unicodeloosemd5_hash_unique: lookup(10, true),
  lookup_unique: lookup(10, true),
  null: functional(100),
  numeric: functional(0),
  numeric_static_map: functional(1),
  region_experimental: functional(1),
  region_json: functional(1),
  reverse_bits: functional(1),
  unicode_loose_md5: functional(1),
  unicode_loose_xxhash: functional(1),
  xxhash: functional(1),
}));

/** Every vindex type registered in Vitess (go/vt/vtgate/vindexes), sorted. */
export const KNOWN_VINDEX_TYPES: readonly string[] = [...FIXED_TRAITS.keys(), 'lookup_cost', 'multicol'].sort();

/** The types vtmigrate computes keyspace ids for (createVindex). */
export const SUPPORTED_VINDEX_TYPES: readonly string[] = [
  'binary', 'binary_md5', 'hash', 'numeric', 'reverse_bits', 'unicode_loose_md5', 'unicode_loose_xxhash', 'xxhash',
];

export function isKnownVindexType(type: string): boolean {
  return KNOWN_VINDEX_TYPES.includes(type);
}

export function isSupportedVindexType(type: string): boolean {
  return SUPPORTED_VINDEX_TYPES.includes(type);
}

/** The error for a type createVindex cannot build, naming the type and why. */
export function unsupportedVindexError(type: string): Error {
  return isKnownVindexType(type)
    ? new Error(`vindex type ${type} is not supported yet`)
    : new Error(`vindex type ${type} is not known`);
}

/**
 * Vitess's traits for `type` with these params. Two types take their cost from params:
 * lookup_cost (param `cost`, default 5) and multicol (the sum of its per-column vindexes'
 * costs; `column_vindex` lists them, `hash` by default, for `column_count` columns).
 */
export function vindexTraits(type: string, params: Readonly<Record<string, string>> = {}): VindexTraits {
  const fixed = FIXED_TRAITS.get(type);
  if (fixed !== undefined) return fixed;
  if (type === 'lookup_cost') return lookup(intParam(type, params, 'cost', 5), false);
  if (type === 'multicol') return functional(multicolCost(params));
  throw unsupportedVindexError(type);
}

function intParam(type: string, params: Readonly<Record<string, string>>, name: string, fallback: number): number {
  const text = params[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`vindex type ${type}: param ${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

function multicolCost(params: Readonly<Record<string, string>>): number {
  const count = intParam('multicol', params, 'column_count', 0);
  if (count < 1) throw new Error('vindex type multicol: param column_count must be a positive integer');
  const named = (params.column_vindex ?? '').split(',').map((name) => name.trim());
  let cost = 0;
  for (let i = 0; i < count; i++) cost += vindexTraits(named[i] || 'hash').cost;
  return cost;
}
