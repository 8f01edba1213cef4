// The primary collation weights of a string, in the order Vitess's unicode_loose vindexes hash
// them (go/mysql/collations/vindex/collate: a fork of golang.org/x/text's collation iterator).
//
// The iterator does not normalize its input first: precomposed characters already map to the
// elements of their decomposition, and canonical reordering is done on the elements, by their
// combining class, as they are produced. This file reproduces that behaviour exactly, including
// its discontiguous contraction matching and its limits (30 combining marks), because a weight
// that differs from Vitess's sends the row to another shard than vtgate would look in.
// Positions are code point indexes; the Go code counts bytes, but every position it keeps is
// a rune boundary.

import {
  collationTable,
  type CollationTable,
  type ContractionNode,
  elemCcc,
  elemPrimary,
  normProps,
  type PackedElem,
} from './collation-table';

const MAX_COMBINING_ELEMS = 30; // x/text colltab maxCombiningCharacters
const MAX_NON_STARTERS = 30; // x/text norm maxNonStarters

const HANGUL_FIRST = 0xac00;
const HANGUL_LAST = 0xd7a3;

function isIdeographic(table: CollationTable, cp: number): boolean {
  const ranges = table.ideographic;
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = ranges[mid]!;
    if (cp < start) hi = mid - 1;
    else if (cp > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The weight of a code point without a table entry (x/text implicitPrimary). */
function implicitPrimary(table: CollationTable, cp: number): number {
  if (isIdeographic(table, cp)) {
    const common = (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff);
    return cp + (common ? 0x10000 : 0x20000);
  }
  return cp + 0x50000;
}

/** Appends a Hangul syllable's jamo elements (the syllable's NFD decomposition). */
function appendHangul(table: CollationTable, out: PackedElem[], cp: number): void {
  const s = cp - HANGUL_FIRST;
  const jamo = [0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28)];
  if (s % 28 !== 0) jamo.push(0x11a7 + (s % 28));
  for (const j of jamo) out.push(...(table.singles.get(j) ?? [0]));
}

/**
 * Where the normalization segment starting at `start` ends (x/text norm FirstBoundary): the
 * first code point with no leading non-starters, or where 30 non-starters overflow. -1 when
 * the string ends first.
 */
function firstBoundary(table: CollationTable, cps: readonly number[], start: number): number {
  if (start >= cps.length) return -1;
  let nonStarters = 0;
  for (let i = start; i < cps.length; i++) {
    const { nLead } = normProps(table, cps[i]!);
    nonStarters += nLead;
    if (nonStarters > MAX_NON_STARTERS || nLead === 0) return i;
  }
  return nonStarters === MAX_NON_STARTERS ? cps.length : -1;
}

/** x/text's contraction scanner over one starter's trie, at code point granularity. */
class ContractionScanner {
  node: ContractionNode;
  /** Elements of the longest complete contraction matched so far, and where it ends. */
  elems: readonly PackedElem[];
  end: number;
  done = false;

  constructor(
    root: ContractionNode,
    private readonly cps: readonly number[],
    starterAt: number,
    public limit: number,
  ) {
    this.node = root;
    this.elems = root.elems ?? [];
    this.end = starterAt + 1;
  }

  /** Matches as many code points from `p` as the trie allows; returns where the state stands. */
  scan(p: number): number {
    let standing = p;
    while (p < this.limit) {
      const child = this.node.next.get(this.cps[p]!);
      if (child === undefined) break;
      p++;
      if (child.elems !== undefined) {
        this.elems = child.elems;
        this.end = p;
      }
      if (child.next.size === 0) {
        this.done = true;
        return p;
      }
      this.node = child;
      standing = p;
    }
    return standing;
  }
}

/**
 * Appends the elements of the starter at `at` and the contraction it begins, if any (x/text
 * matchContraction). Returns the number of code points consumed.
 */
function appendContraction(
  table: CollationTable,
  out: PackedElem[],
  cps: readonly number[],
  at: number,
  root: ContractionNode,
): number {
  const scan = new ContractionScanner(root, cps, at, cps.length);
  let p = scan.scan(at + 1);
  const skipped: number[] = [];
  let skippedKept = 0;
  if (!scan.done && p < cps.length && cps[p]! >= 0x80) {
    // A discontiguous match: combining marks the contraction does not use may sit between
    // its parts, if they are not blocked (their combining class rises).
    let from = p;
    const first = normProps(table, cps[p]!);
    p++;
    if (first.leadCcc !== 0) {
      let prevCcc = first.trailCcc;
      const boundary = firstBoundary(table, cps, p);
      if (boundary !== -1) scan.limit = boundary;
      while (p < cps.length && !scan.done && cps[p]! >= 0x80) {
        const props = normProps(table, cps[p]!);
        if (props.leadCcc === 0 || prevCcc >= props.leadCcc) break;
        prevCcc = props.trailCcc;
        const reached = scan.scan(p);
        if (reached !== p) {
          skipped.push(...cps.slice(from, p));
          if (scan.end === reached) skippedKept = skipped.length;
          p = from = reached;
        } else {
          p++;
        }
      }
    }
  }
  out.push(...scan.elems);
  const interstitial = skipped.slice(0, skippedKept);
  for (let i = 0; i < interstitial.length; ) i += appendNext(table, out, interstitial, i);
  return scan.end - at;
}

/** Appends the elements of the code point (or contraction) at `at`; returns code points consumed. */
function appendNext(table: CollationTable, out: PackedElem[], cps: readonly number[], at: number): number {
  const cp = cps[at]!;
  const root = table.contractions.get(cp);
  if (root !== undefined) return appendContraction(table, out, cps, at, root);
  const elems = table.singles.get(cp);
  if (elems !== undefined) out.push(...elems);
  else if (cp >= HANGUL_FIRST && cp <= HANGUL_LAST) appendHangul(table, out, cp);
  else out.push(implicitPrimary(table, cp) * 256);
  return 1;
}

/**
 * The collation elements of `cps` in the iterator's order (x/text colltab Iter.Next): elements
 * of combining marks that arrive out of canonical order are moved before their predecessors.
 */
function orderedElements(table: CollationTable, cps: readonly number[], emit: (e: PackedElem) => void): void {
  let elems: PackedElem[] = [];
  let n = 0; // elements that will not be reordered any more
  let next = 0; // next code point to read
  const appendMore = (): boolean => {
    if (next >= cps.length) return false;
    next += appendNext(table, elems, cps, next);
    return true;
  };
  const step = (): boolean => {
    if (n === elems.length && !appendMore()) return false;
    let prevCcc = elemCcc(elems[elems.length - 1]!);
    if (prevCcc === 0) {
      n = elems.length;
      return true;
    }
    if (elemCcc(elems[n]!) === 0) {
      for (n++; n < elems.length && elemCcc(elems[n]!) === 0; n++);
      return true;
    }
    for (;;) {
      const p = elems.length;
      if (!appendMore()) break;
      const ccc = elemCcc(elems[p]!);
      if (ccc === 0 || elems.length - n > MAX_COMBINING_ELEMS) {
        n = p;
        return true;
      }
      if (ccc < prevCcc) moveBack(elems, n, p, ccc);
      else prevCcc = ccc;
    }
    const more = elems.length !== n;
    n = elems.length;
    return more;
  };
  while (step()) {
    for (let i = 0; i < n; i++) emit(elems[i]!);
    elems = elems.slice(n);
    n = 0;
  }
}

/** Moves the block appended at `k` before the elements of a higher class (x/text Iter.doNorm). */
function moveBack(elems: PackedElem[], n: number, k: number, ccc: number): void {
  let p = k - 1;
  while (p > n && ccc < elemCcc(elems[p - 1]!)) p--;
  const block = elems.splice(k);
  elems.splice(p, 0, ...block);
}

/** Appends the bytes Vitess hashes for one primary weight (0 is not hashed). */
function pushWeight(out: number[], w: number): void {
  if (w === 0) return;
  if (w <= 0x7fff) out.push(w >> 8, w & 0xff);
  else out.push(((w >> 16) & 0xff) | 0x80, (w >> 8) & 0xff, w & 0xff);
}

/**
 * The bytes Vitess hashes for `text`: each non-zero primary weight as 2 big-endian bytes when
 * it is at most 0x7FFF, else 3 bytes (0x80 | w >> 16, w >> 8, w).
 */
export function primaryWeightBytes(text: string): Buffer {
  const table = collationTable();
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  const out: number[] = [];
  // Most text needs no reordering and forms no contraction (see simpleWeights): its bytes are
  // the concatenation of its code points'. Anything else takes the iterator from the start.
  for (let i = 0; i < cps.length; i++) {
    const bytes = simpleWeights(table, cps[i]!);
    if (bytes === null || (i + 1 < cps.length && mayContract(table, cps[i]!, cps[i + 1]!))) {
      out.length = 0;
      orderedElements(table, cps, (e) => pushWeight(out, elemPrimary(e)));
      break;
    }
    for (let k = 0; k < bytes.length; k++) out.push(bytes[k]!);
  }
  return Buffer.from(out);
}

/**
 * Whether `cp` followed by `next` may form a contraction: `next` continues one of cp's, or it is a
 * combining mark, after which appendContraction looks further (discontiguous matches).
 */
function mayContract(table: CollationTable, cp: number, next: number): boolean {
  const root = table.contractions.get(cp);
  if (root === undefined) return false;
  return root.next.has(next) || (next >= 0x80 && normProps(table, next).leadCcc !== 0);
}

const simple = new Map<number, readonly number[] | null>();

/**
 * The weight bytes of a code point whose elements the iterator can never reorder in a way that
 * shows: every element of it with a combining class (the only ones the iterator moves) has
 * primary weight 0, so moving them leaves the non-zero primaries in place. For a contraction
 * starter these are the weights it has alone (the caller checks what follows it). Null for any
 * other code point.
 */
function simpleWeights(table: CollationTable, cp: number): readonly number[] | null {
  const known = simple.get(cp);
  if (known !== undefined) return known;
  let bytes: number[] | null = null;
  const elems: PackedElem[] = [];
  appendNext(table, elems, [cp], 0);
  if (elems.every((e) => elemCcc(e) === 0 || elemPrimary(e) === 0)) {
    bytes = [];
    for (const e of elems) pushWeight(bytes, elemPrimary(e));
  }
  // Bounded: only code points that occur in keys are remembered (at most the ~25k with entries
  // plus those with implicit weights that were seen).
  if (simple.size < 100_000) simple.set(cp, bytes);
  return bytes;
}

let scratch = Buffer.alloc(256);

/**
 * primaryWeightBytes for UTF-8 `bytes[0, end)` that are all simple ASCII characters (see
 * asciiWeights), written into a scratch buffer that the next call overwrites; undefined for
 * any other input. Most keys (e-mail addresses, names, codes) take this path.
 */
export function asciiPrimaryWeightBytes(bytes: Uint8Array, end: number): Buffer | undefined {
  const ascii = asciiWeights();
  if (scratch.length < end * MAX_ASCII_WEIGHT_BYTES) scratch = Buffer.alloc(end * MAX_ASCII_WEIGHT_BYTES * 2);
  let n = 0;
  for (let i = 0; i < end; i++) {
    const weights = ascii[bytes[i]!];
    if (weights === undefined) return undefined;
    for (let k = 0; k < weights.length; k++) scratch[n++] = weights[k]!;
  }
  return scratch.subarray(0, n);
}

const MAX_ASCII_WEIGHT_BYTES = 12;

let asciiTable: (readonly number[] | undefined)[] | undefined;

/**
 * simpleWeights of the ASCII characters that start no contraction with another ASCII character
 * ('l' starts one, but only with U+00B7): a string made only of them weighs as the concatenation
 * of theirs, which asciiPrimaryWeightBytes reads straight from the bytes.
 */
function asciiWeights(): (readonly number[] | undefined)[] {
  if (asciiTable !== undefined) return asciiTable;
  const table = collationTable();
  asciiTable = [];
  for (let cp = 0; cp < 0x80; cp++) {
    const bytes = simpleWeights(table, cp);
    let contracts = false;
    for (let next = 0; next < 0x80 && !contracts; next++) contracts = mayContract(table, cp, next);
    if (bytes !== null && !contracts && bytes.length <= MAX_ASCII_WEIGHT_BYTES) asciiTable[cp] = bytes;
  }
  return asciiTable;
}
