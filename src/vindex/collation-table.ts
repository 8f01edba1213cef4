// The collation data of Vitess's unicode_loose vindexes, decoded once per process.
//
// Vitess weighs a string with a fork of golang.org/x/text's collation iterator over the CLDR 23
// root table (go/mysql/collations/vindex). Only what decides a keyspace id is kept here: the
// collation elements each code point maps to, as primary weight and canonical combining class
// (the iterator reorders elements by the latter), the contractions (sequences weighed as one),
// the normalization properties that bound a discontiguous contraction, and the Ideographic
// ranges that pick a code point's implicit weight. The data is generated from Vitess's own
// tables (scripts/collation/README.md), so nothing here is hand-written.

import { inflateRawSync } from 'node:zlib';
import { COLLATION_TABLE_DATA } from './collation-table-data';

/** One collation element: `primary << 8 | ccc`. */
export type PackedElem = number;

export const elemPrimary = (e: PackedElem): number => e >>> 8;
export const elemCcc = (e: PackedElem): number => e & 0xff;

/** A node of one starter's contraction trie: the elements when the match ends here. */
export interface ContractionNode {
  elems: readonly PackedElem[] | undefined;
  readonly next: Map<number, ContractionNode>;
}

/** Canonical combining classes and non-starter counts of a code point's NFD decomposition. */
export interface NormProps {
  readonly leadCcc: number;
  readonly trailCcc: number;
  readonly nLead: number;
  readonly nTrail: number;
}

export interface CollationTable {
  /** Elements of code points that have table entries (absent: an implicit weight). */
  readonly singles: ReadonlyMap<number, readonly PackedElem[]>;
  /** Contraction tries by starter; the root's `elems` are the starter's own. */
  readonly contractions: ReadonlyMap<number, ContractionNode>;
  readonly norm: ReadonlyMap<number, NormProps>;
  /** Sorted inclusive [lo, hi] ranges of the Ideographic property. */
  readonly ideographic: readonly (readonly [number, number])[];
}

const NO_NORM: NormProps = { leadCcc: 0, trailCcc: 0, nLead: 0, nTrail: 0 };

export function normProps(table: CollationTable, cp: number): NormProps {
  return table.norm.get(cp) ?? NO_NORM;
}

class Reader {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}
  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw new Error('collation table data is truncated');
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }
  elems(): PackedElem[] {
    const out: PackedElem[] = [];
    for (let n = this.uint(); n > 0; n--) {
      const primary = this.uint();
      out.push(primary * 256 + this.uint());
    }
    return out;
  }
  done(): boolean {
    return this.pos === this.bytes.length;
  }
}

function decode(bytes: Buffer): CollationTable {
  const r = new Reader(bytes);
  const singles = new Map<number, readonly PackedElem[]>();
  let cp = 0;
  for (let n = r.uint(); n > 0; n--) {
    cp += r.uint();
    singles.set(cp, r.elems());
    cp++;
  }
  const contractions = new Map<number, ContractionNode>();
  for (let n = r.uint(); n > 0; n--) {
    const starter = r.uint();
    const root: ContractionNode = { elems: singles.get(starter), next: new Map() };
    for (let k = r.uint(); k > 0; k--) {
      let node = root;
      for (let len = r.uint(); len > 0; len--) {
        const c = r.uint();
        let child = node.next.get(c);
        if (child === undefined) {
          child = { elems: undefined, next: new Map() };
          node.next.set(c, child);
        }
        node = child;
      }
      node.elems = r.elems();
    }
    contractions.set(starter, root);
  }
  const norm = new Map<number, NormProps>();
  cp = 0;
  for (let n = r.uint(); n > 0; n--) {
    cp += r.uint();
    norm.set(cp, { leadCcc: r.uint(), trailCcc: r.uint(), nLead: r.uint(), nTrail: r.uint() });
    cp++;
  }
  const ideographic: [number, number][] = [];
  for (let n = r.uint(); n > 0; n--) {
    const lo = r.uint();
    ideographic.push([lo, lo + r.uint()]);
  }
  if (!r.done()) throw new Error('collation table data has trailing bytes');
  return { singles, contractions, norm, ideographic };
}

let table: CollationTable | undefined;

/** The decoded table (~25k entries, decoded on first use: only unicode_loose vindexes need it). */
export function collationTable(): CollationTable {
  table ??= decode(inflateRawSync(Buffer.from(COLLATION_TABLE_DATA, 'base64')));
  return table;
}
