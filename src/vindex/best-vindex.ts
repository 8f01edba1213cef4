// Choosing the vindex that computes a table's keyspace ids, as VReplication does.
//
// The input shapes are the VSchema JSON's, kept local and minimal so this module does not
// depend on the topology code's VSchema types.

import { vindexTraits } from './catalog';

/** One entry of a table's `column_vindexes`. */
export interface ColumnVindexRef {
  readonly column?: string;
  readonly columns?: readonly string[];
  readonly name: string;
}

/** One entry of a keyspace's `vindexes`. */
export interface VindexDefinition {
  readonly type: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** The chosen vindex: its name in the keyspace, definition, traits and the columns it reads. */
export interface ChosenColumnVindex {
  readonly name: string;
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly cost: number;
}

/**
 * Vitess's FindBestColVindex: among the table's column vindexes, the lowest-cost unique one
 * that needs no vcursor (so never a lookup vindex); the first listed wins a tie. It may be of
 * a type vtmigrate cannot compute yet: createVindex reports that.
 */
export function bestColumnVindex(
  table: string,
  columnVindexes: readonly ColumnVindexRef[],
  vindexes: Readonly<Record<string, VindexDefinition>>,
): ChosenColumnVindex {
  if (columnVindexes.length === 0) throw new Error(`table ${table} has no vindex`);
  let best: ChosenColumnVindex | undefined;
  for (const ref of columnVindexes) {
    const definition = Object.hasOwn(vindexes, ref.name) ? vindexes[ref.name] : undefined;
    if (definition === undefined) throw new Error(`vindex ${ref.name} not found for table ${table}`);
    const columns = vindexColumns(table, ref);
    const params = definition.params ?? {};
    const traits = vindexTraits(definition.type, params);
    if (traits.needsVCursor || !traits.unique) continue;
    if (best === undefined || traits.cost < best.cost) {
      best = { name: ref.name, type: definition.type, params, columns, cost: traits.cost };
    }
  }
  if (best === undefined) throw new Error(`could not find a vindex to compute keyspace id for table ${table}`);
  return best;
}

/** The columns a column vindex reads: `column` or `columns`, never both or neither (Vitess's rule). */
function vindexColumns(table: string, ref: ColumnVindexRef): readonly string[] {
  const listed = ref.columns ?? [];
  if (ref.column) {
    if (listed.length > 0) {
      throw new Error(`can't use column and columns at the same time in vindex (${ref.name}) and table (${table})`);
    }
    return [ref.column];
  }
  if (listed.length === 0) throw new Error(`must specify at least one column for vindex (${ref.name}) and table (${table})`);
  return listed;
}
