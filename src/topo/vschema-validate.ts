// The checks Vitess's vindexes.BuildKeyspace makes before a VSchema is saved (ApplyVSchema), with
// Vitess's texts, plus what vtmigrate itself needs to route a sharded table's rows.
//
// Vitess stops at the first problem it meets while ranging over Go maps, so which one it reports
// varies; here every problem is collected, in a fixed order (vindexes by name, then tables by
// name), so that one run shows everything to fix.
import { bestColumnVindex, isKnownVindexType, isSupportedVindexType, vindexTraits } from '../vindex';
import type { VSchema } from './proto';

export interface VSchemaCheck {
  /** Problems Vitess would refuse the VSchema for. */
  errors: string[];
  /** Params a vindex type does not know, by vindex name (Vitess prints these, --strict refuses them). */
  unknownParams: Record<string, string[]>;
  /** Tables of a sharded keyspace whose rows vtmigrate could not route yet, and why. */
  unroutable: string[];
}

// Known params of the vindex types that validate theirs (go/vt/vtgate/vindexes *Params lists).
const LOOKUP_INTERNAL = ['table', 'from', 'to', 'ignore_nulls', 'batch_lookup', 'read_lock'];
const LOOKUP_COMMON = [...LOOKUP_INTERNAL, 'autocommit', 'multi_shard_autocommit'];
const KNOWN_PARAMS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  binary: [],
  binary_md5: [],
  hash: [],
  null: [],
  numeric: [],
  reverse_bits: [],
  unicode_loose_md5: [],
  unicode_loose_xxhash: [],
  xxhash: [],
  cfc: ['hash', 'offsets'],
  consistent_lookup: [...LOOKUP_INTERNAL, 'write_only'],
  consistent_lookup_unique: [...LOOKUP_INTERNAL, 'write_only'],
  lookup: [...LOOKUP_COMMON, 'no_verify', 'write_only'],
  lookup_unique: [...LOOKUP_COMMON, 'no_verify', 'write_only'],
  lookup_hash: [...LOOKUP_COMMON, 'write_only'],
  lookup_hash_unique: [...LOOKUP_COMMON, 'write_only'],
  lookup_unicodeloosemd5_hash: [...LOOKUP_COMMON, 'write_only'],
  lookup_unicodeloosemd5_hash_unique: [...LOOKUP_COMMON, 'write_only'],
  numeric_static_map: ['json', 'json_path', 'fallback_type'],
  region_experimental: ['region_bytes'],
  region_json: ['region_bytes', 'region_map'],
}));

const LOOKUP_TYPES = /^(lookup|consistent_lookup)/;

const sorted = (o: Record<string, unknown>): string[] => Object.keys(o).sort();

export function checkVSchema(vschema: VSchema): VSchemaCheck {
  const errors: string[] = [];
  const unknownParams: Record<string, string[]> = {};
  const unroutable: string[] = [];
  const usable = new Set<string>(); // vindexes whose type Vitess knows

  for (const name of sorted(vschema.vindexes)) {
    const vindex = vschema.vindexes[name];
    if (!isKnownVindexType(vindex.type)) {
      errors.push(`vindexType ${JSON.stringify(vindex.type)} not found (vindex ${name})`);
      continue;
    }
    try {
      vindexTraits(vindex.type, vindex.params);
    } catch (err) {
      errors.push(`vindex ${name}: ${(err as Error).message}`);
      continue;
    }
    usable.add(name);
    const known = KNOWN_PARAMS.get(vindex.type);
    if (known) {
      const unknown = sorted(vindex.params).filter((p) => !known.includes(p));
      if (unknown.length > 0) unknownParams[name] = unknown;
    }
  }

  for (const tname of sorted(vschema.tables)) {
    const table = vschema.tables[tname];
    const before = errors.length;
    if (table.type !== '' && table.type !== 'reference' && table.type !== 'sequence') {
      errors.push(`unidentified table type ${table.type}`);
    }
    if (table.type === 'sequence' && vschema.sharded && table.pinned === '') {
      errors.push(`sequence table has to be in an unsharded keyspace or must be pinned: ${tname}`);
    }
    if (table.pinned !== '' && !/^([0-9a-fA-F]{2})*$/.test(table.pinned)) {
      errors.push(`could not decode the keyspace id for pin: encoding/hex: invalid pin ${JSON.stringify(table.pinned)} for table ${tname}`);
    }
    if (vschema.sharded && table.type !== 'reference' && table.pinned === '' && table.columnVindexes.length === 0) {
      errors.push(`missing primary col vindex for table: ${tname}`);
    }
    const columnNames = new Set<string>();
    for (const col of table.columns) {
      const lowered = col.name.toLowerCase();
      if (columnNames.has(lowered)) errors.push(`duplicate column name '${col.name}' for table: ${tname}`);
      columnNames.add(lowered);
    }
    table.columnVindexes.forEach((cv, i) => {
      const vindex = Object.hasOwn(vschema.vindexes, cv.name) ? vschema.vindexes[cv.name] : undefined;
      if (!vindex) {
        errors.push(`vindex ${cv.name} not found for table ${tname}`);
        return;
      }
      if (cv.column !== '' && cv.columns.length > 0) {
        errors.push(`can't use column and columns at the same time in vindex (${cv.name}) and table (${tname})`);
      } else if (cv.column === '' && cv.columns.length === 0) {
        errors.push(`must specify at least one column for vindex (${cv.name}) and table (${tname})`);
      }
      if (i === 0 && usable.has(cv.name)) {
        if (!vindexTraits(vindex.type, vindex.params).unique) errors.push(`primary vindex ${cv.name} is not Unique for table ${tname}`);
        if (LOOKUP_TYPES.test(vindex.type) && vindex.owner === tname) errors.push(`primary vindex ${cv.name} cannot be owned for table ${tname}`);
      }
    });

    // vtmigrate routes a sharded table's rows with the vindex VReplication would pick.
    if (errors.length === before && vschema.sharded && table.type !== 'reference' && table.pinned === '' && table.columnVindexes.every((cv) => usable.has(cv.name))) {
      try {
        const best = bestColumnVindex(tname, table.columnVindexes, vschema.vindexes);
        if (!isSupportedVindexType(best.type)) {
          unroutable.push(`table ${tname}: its rows are routed by vindex ${best.name} of type ${best.type}, which vtmigrate cannot compute yet (vindex type ${best.type} is not supported yet)`);
        }
      } catch (err) {
        unroutable.push(`table ${tname}: ${(err as Error).message}`);
      }
    }
  }
  return { errors, unknownParams, unroutable };
}
