// GTID positions, flavor-aware, as Vitess stores and compares them.
//
// A *position* says which transactions a server (or a stream) has applied:
// - MariaDB: one GTID per replication domain, `domain-server-sequence`, e.g. `0-17400-12,1-2-3`.
//   The sequence is the domain's watermark: every transaction of that domain up to it is in.
// - MySQL 5.6+: a GTID set, per source uuid a list of gno intervals, e.g. `uuid:1-5:7-9,uuid2:1-3`.
//   Gaps are real (7-9 without 6 means transaction 6 is missing).
//
// Text forms: Vitess shows the bare set as a stream's `position`, and stores it prefixed with its
// flavor in `_vt.vreplication.pos` (`MariaDB/0-1-5`, `MySQL56/uuid:1-5`). Both are produced here.
// Sequence numbers are bigints: MariaDB sequences are u64 and MySQL gnos go to 2^63-1, far past
// Number.MAX_SAFE_INTEGER, and a rounded watermark would skip or replay transactions.

export type Flavor = 'MariaDB' | 'MySQL56';

export interface MariaDBGtid {
  readonly domain: number;
  readonly server: number;
  readonly sequence: bigint;
}

/** Inclusive gno range. */
export interface GnoInterval {
  readonly start: bigint;
  readonly end: bigint;
}

export interface MySQLSidSet {
  /** Lower-case, dashed. */
  readonly uuid: string;
  /** Sorted, non-overlapping, non-adjacent (merged). */
  readonly intervals: readonly GnoInterval[];
}

export interface MariaDBPosition {
  readonly flavor: 'MariaDB';
  /** One per domain, sorted by domain. */
  readonly gtids: readonly MariaDBGtid[];
}

export interface MySQLPosition {
  readonly flavor: 'MySQL56';
  /** One per uuid, sorted by uuid. */
  readonly sets: readonly MySQLSidSet[];
}

/** The empty position when its flavor is not known (Vitess's zero Position). */
export interface UnknownFlavorEmptyPosition {
  readonly flavor: null;
}

export type GtidPosition = MariaDBPosition | MySQLPosition | UnknownFlavorEmptyPosition;

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;
const GNO_MAX = (1n << 63n) - 1n;
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/;
const DIGITS_RE = /^\d+$/;

export function flavorOf(serverVersion: string): Flavor {
  return /mariadb/i.test(serverVersion) ? 'MariaDB' : 'MySQL56';
}

export function emptyPosition(flavor?: Flavor): GtidPosition {
  if (flavor === 'MariaDB') return { flavor, gtids: [] };
  if (flavor === 'MySQL56') return { flavor, sets: [] };
  return { flavor: null };
}

export function isEmptyPosition(pos: GtidPosition): boolean {
  if (pos.flavor === 'MariaDB') return pos.gtids.length === 0;
  if (pos.flavor === 'MySQL56') return pos.sets.length === 0;
  return true;
}

/**
 * Parses a position in any of the forms servers and Vitess print: `MariaDB/0-1-5,1-2-3`,
 * `MySQL56/uuid:1-5:7-9,uuid2:1-3`, or the same without the prefix (a MySQL set contains `:`,
 * a MariaDB position never does). Whitespace (gtid_executed has newlines) is ignored. `flavor`,
 * when given, is what the text must be; it also types an empty text.
 */
export function parsePosition(text: string, flavor?: Flavor): GtidPosition {
  let body = text.replace(/\s+/g, '');
  let declared: Flavor | undefined;
  const slash = body.indexOf('/');
  if (slash >= 0) {
    const prefix = body.slice(0, slash);
    if (prefix === 'MariaDB') declared = 'MariaDB';
    else if (prefix === 'MySQL56') declared = 'MySQL56';
    else throw new Error(`unknown GTID flavor prefix '${prefix}' in position '${text}' (expected MariaDB/ or MySQL56/)`);
    body = body.slice(slash + 1);
  }
  if (declared && flavor && declared !== flavor) {
    throw new Error(`position '${text}' is ${declared} but a ${flavor} position was expected`);
  }
  const want = declared ?? flavor;
  if (body === '') return emptyPosition(want);
  const detected: Flavor = body.includes(':') ? 'MySQL56' : 'MariaDB';
  if (want && want !== detected) {
    throw new Error(`position '${text}' looks like a ${detected} GTID ${detected === 'MariaDB' ? 'position' : 'set'} but a ${want} one was expected`);
  }
  return detected === 'MariaDB' ? parseMariaDB(body, text) : parseMySQL(body, text);
}

function parseMariaDBGtid(item: string, context: string): MariaDBGtid {
  const parts = item.split('-');
  if (parts.length !== 3 || !parts.every((p) => DIGITS_RE.test(p))) {
    throw new Error(`invalid MariaDB GTID '${item}' in '${context}' (expected domain-server-sequence)`);
  }
  const domain = Number(parts[0]);
  const server = Number(parts[1]);
  const sequence = BigInt(parts[2]);
  if (domain > U32_MAX || server > U32_MAX || sequence > U64_MAX) {
    throw new Error(`MariaDB GTID '${item}' in '${context}' is out of range`);
  }
  return { domain, server, sequence };
}

function parseMariaDB(body: string, context: string): MariaDBPosition {
  const gtids: MariaDBGtid[] = [];
  for (const item of body.split(',')) {
    const gtid = parseMariaDBGtid(item, context);
    // The server rejects two GTIDs for one domain in a position; so do we, rather than guess.
    if (gtids.some((g) => g.domain === gtid.domain)) {
      throw new Error(`MariaDB position '${context}' has more than one GTID for domain ${gtid.domain}`);
    }
    gtids.push(gtid);
  }
  gtids.sort((a, b) => a.domain - b.domain);
  return { flavor: 'MariaDB', gtids };
}

function normalizeUuid(raw: string, context: string): string {
  const lower = raw.toLowerCase();
  if (!UUID_RE.test(lower)) throw new Error(`invalid server uuid '${raw}' in GTID set '${context}'`);
  const hex = lower.replace(/-/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseGno(text: string, context: string): bigint {
  if (!DIGITS_RE.test(text)) {
    throw new Error(`invalid gno '${text}' in GTID set '${context}'${/^[a-z_]/i.test(text) ? ' (tagged GTIDs are not supported)' : ''}`);
  }
  const n = BigInt(text);
  if (n < 1n || n > GNO_MAX) throw new Error(`gno ${text} in GTID set '${context}' is out of range (1..2^63-1)`);
  return n;
}

/** Sorts and merges overlapping or adjacent intervals. */
function mergeIntervals(intervals: GnoInterval[]): GnoInterval[] {
  intervals.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: GnoInterval[] = [];
  for (const iv of intervals) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end + 1n) {
      if (iv.end > last.end) out[out.length - 1] = { start: last.start, end: iv.end };
    } else {
      out.push(iv);
    }
  }
  return out;
}

function parseMySQL(body: string, context: string): MySQLPosition {
  const byUuid = new Map<string, GnoInterval[]>();
  for (const item of body.split(',')) {
    if (item === '') continue; // "uuid:1-5," appears in some tools' output
    const parts = item.split(':');
    if (parts.length < 2) throw new Error(`invalid GTID set item '${item}' in '${context}' (expected uuid:interval[:interval...])`);
    const uuid = normalizeUuid(parts[0], context);
    const list = byUuid.get(uuid) ?? [];
    for (const ivText of parts.slice(1)) {
      const dash = ivText.indexOf('-');
      const start = parseGno(dash < 0 ? ivText : ivText.slice(0, dash), context);
      const end = dash < 0 ? start : parseGno(ivText.slice(dash + 1), context);
      if (end < start) throw new Error(`invalid interval '${ivText}' in GTID set '${context}'`);
      list.push({ start, end });
    }
    byUuid.set(uuid, list);
  }
  const sets = [...byUuid.entries()]
    .map(([uuid, list]) => ({ uuid, intervals: mergeIntervals(list) }))
    .sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  return { flavor: 'MySQL56', sets };
}

/** The bare set, as Vitess shows a stream's `position` (`0-1-5,1-2-3`, `uuid:1-5:7-9`); '' when empty. */
export function formatPosition(pos: GtidPosition): string {
  if (pos.flavor === 'MariaDB') return pos.gtids.map((g) => `${g.domain}-${g.server}-${g.sequence}`).join(',');
  if (pos.flavor === 'MySQL56') {
    return pos.sets
      .map((s) => s.uuid + s.intervals.map((iv) => (iv.start === iv.end ? `:${iv.start}` : `:${iv.start}-${iv.end}`)).join(''))
      .join(',');
  }
  return '';
}

/**
 * With the flavor prefix, as in `_vt.vreplication.pos` (`MariaDB/0-1-5`, `MySQL56/uuid:1-5`).
 * An empty position is '' whatever its flavor, as Vitess encodes its zero Position (the pos
 * column of a stream that has not started).
 */
export function formatPositionWithFlavor(pos: GtidPosition): string {
  if (isEmptyPosition(pos) || pos.flavor === null) return '';
  return `${pos.flavor}/${formatPosition(pos)}`;
}

function sameFlavorOrEmpty(a: GtidPosition, b: GtidPosition, op: string): void {
  if (a.flavor && b.flavor && a.flavor !== b.flavor && !isEmptyPosition(a) && !isEmptyPosition(b)) {
    throw new Error(`cannot ${op} a ${a.flavor} position (${formatPosition(a)}) with a ${b.flavor} one (${formatPosition(b)})`);
  }
}

function intervalCovered(ivs: readonly GnoInterval[], want: GnoInterval): boolean {
  // Intervals are merged, so one interval must cover `want` entirely.
  for (const iv of ivs) {
    if (iv.start <= want.start && want.end <= iv.end) return true;
    if (iv.start > want.start) return false;
  }
  return false;
}

/**
 * True when `a` contains `b`: every transaction in `b` is in `a`. MariaDB: every domain of `b` is
 * in `a` with a sequence at least as high (server ids are not compared, as Vitess does not);
 * MySQL: `a` is a superset of `b`. Anything contains the empty position.
 */
export function positionAtLeast(a: GtidPosition, b: GtidPosition): boolean {
  if (isEmptyPosition(b)) return true;
  if (isEmptyPosition(a)) return false;
  sameFlavorOrEmpty(a, b, 'compare');
  if (a.flavor === 'MariaDB' && b.flavor === 'MariaDB') {
    return b.gtids.every((want) => {
      const have = a.gtids.find((g) => g.domain === want.domain);
      return have !== undefined && have.sequence >= want.sequence;
    });
  }
  if (a.flavor === 'MySQL56' && b.flavor === 'MySQL56') {
    return b.sets.every((want) => {
      const have = a.sets.find((s) => s.uuid === want.uuid);
      return have !== undefined && want.intervals.every((iv) => intervalCovered(have.intervals, iv));
    });
  }
  return false;
}

export function positionEqual(a: GtidPosition, b: GtidPosition): boolean {
  if (isEmptyPosition(a) || isEmptyPosition(b)) return isEmptyPosition(a) && isEmptyPosition(b);
  return a.flavor === b.flavor && formatPosition(a) === formatPosition(b);
}

/**
 * The position after applying one more transaction. MariaDB (`d-s-n`): the domain's GTID becomes
 * this one (a position is "the last applied per domain", so this overwrites, like the server
 * and Vitess do, even if the sequence went down after a failover). MySQL (`uuid:n`): n joins the
 * uuid's intervals, merging neighbours.
 */
export function addGtid(pos: GtidPosition, gtid: string): GtidPosition {
  const text = gtid.trim();
  if (text.includes(':')) {
    if (pos.flavor === 'MariaDB' && pos.gtids.length > 0) throw new Error(`cannot add MySQL GTID '${gtid}' to MariaDB position ${formatPosition(pos)}`);
    const colon = text.lastIndexOf(':');
    const uuid = normalizeUuid(text.slice(0, colon), gtid);
    const gno = parseGno(text.slice(colon + 1), gtid);
    const sets = pos.flavor === 'MySQL56' ? pos.sets : [];
    const i = sets.findIndex((s) => s.uuid === uuid);
    const next = sets.slice();
    if (i < 0) {
      next.push({ uuid, intervals: [{ start: gno, end: gno }] });
      next.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    } else {
      next[i] = { uuid, intervals: addGno(sets[i].intervals, gno) };
    }
    return { flavor: 'MySQL56', sets: next };
  }
  if (pos.flavor === 'MySQL56' && pos.sets.length > 0) throw new Error(`cannot add MariaDB GTID '${gtid}' to MySQL position ${formatPosition(pos)}`);
  const g = parseMariaDBGtid(text, gtid);
  const gtids = pos.flavor === 'MariaDB' ? pos.gtids : [];
  const i = gtids.findIndex((x) => x.domain === g.domain);
  const next = gtids.slice();
  if (i < 0) {
    next.push(g);
    next.sort((a, b) => a.domain - b.domain);
  } else {
    next[i] = g;
  }
  return { flavor: 'MariaDB', gtids: next };
}

/** Adds one gno to merged intervals, staying merged. The common case (appending the next gno) is O(1) work plus a copy. */
function addGno(ivs: readonly GnoInterval[], gno: bigint): GnoInterval[] {
  const last = ivs[ivs.length - 1];
  if (last && gno === last.end + 1n) {
    const out = ivs.slice();
    out[out.length - 1] = { start: last.start, end: gno };
    return out;
  }
  if (intervalCovered(ivs, { start: gno, end: gno })) return ivs.slice();
  return mergeIntervals([...ivs, { start: gno, end: gno }]);
}
