// Applies row changes to one target table, idempotently by primary key, inside the caller's
// transaction. Used by catch-up (binlog changes from every stream of the shard, in arrival
// order) and by the copy when a batch meets rows already there.
//
// When several streams (source shards) write one target shard, a row can move between source
// shards (its sharding column changed: vtgate deletes it on one and inserts it on the other)
// while the two streams are not in step. Each stream then applies its own version of the row
// only while it owns the target row (the row's source vindex puts it on that stream's source
// shard) or no row exists; otherwise its version waits in _vt_migrate.shadow_rows, and is
// promoted when the owner deletes its row. Per stream, every change still applies in order, so
// replaying from the stream's start position converges (DESIGN.md §4.5); across streams, the
// last owner's version wins, which is the source's final state.
import crypto from 'node:crypto';
import type { Connection } from '../mysql/connect';
import { quoteId } from '../mysql/connect';
import { deleteStatements, insertStatements, pkEquals, qualified } from './sql-text';
import type { RowValue, TableTarget } from './table-target';
import { writeRows } from './write-rows';
import { STATE_DB } from './state';
import { isCollated, weightExpression } from './vdiff-keys';
import { valueKind } from '../mysql/values';

export interface RowOp {
  kind: 'upsert' | 'delete';
  /** Index of the source shard (stream) the change came from. */
  source: number;
  /** A full row in TableTarget.columns order (for deletes, at least the primary key). */
  row: RowValue[];
}

export interface ApplyContext {
  conn: Connection;
  workflowId: string;
  maxStatementBytes: number;
  /** Encoding of rows parked in shadow_rows. */
  encodeRow: (row: RowValue[]) => string;
  decodeRow: (text: string) => RowValue[];
  /**
   * Let REPLACE remove rows of other keys (UniqueKeyClash off): catch-up's last resort for a
   * stream that waited long for a value no other stream is about to free.
   */
  allowUniqueClash?: boolean;
}

/** A byte-exact key for a primary key (used only when TableTarget.exactKeys). */
export function exactKey(t: TableTarget, row: RowValue[]): string {
  let key = '';
  for (const i of t.pkIndexes) key += exactKeyPart(row[i]) + '\u0000';
  return key;
}

function exactKeyPart(v: RowValue): string {
  return Buffer.isBuffer(v) ? 'x' + v.toString('hex') : v === null ? 'N' : 's' + String(v);
}

/** Shadow rows are found by a hash of their key (keys can be longer than an index allows). */
const keyHash = (key: string): Buffer => crypto.createHash('sha256').update(key).digest();

export async function applyOps(ctx: ApplyContext, t: TableTarget, ops: RowOp[]): Promise<number> {
  if (ops.length === 0) return 0;
  if (!t.exactKeys) return applyInOrder(ctx, t, ops);
  const final = t.owner && !(await ownersAgree(ctx, t, ops)) ? await foldWithOwners(ctx, t, ops) : foldLastWins(t, ops);
  const deletes: RowValue[][] = [];
  const upserts: RowValue[][] = [];
  for (const op of final.values()) (op.kind === 'delete' ? deletes : upserts).push(op.row);
  // Different keys: order between them does not matter, and deletes first keeps a unique
  // secondary key from clashing with a row that is going away.
  for (const sql of deleteStatements(t, deletes, ctx.maxStatementBytes)) await ctx.conn.query(sql);
  const existing = guardsReplace(ctx, t) ? await countExisting(ctx, t, upserts) : undefined;
  await upsertRows(ctx, t, upserts, existing);
  return ops.length;
}

/**
 * A row of one stream can hold a unique secondary key's value that a row of another stream
 * takes on the source later (the first row let it go in a change its stream has not delivered
 * yet). REPLACE would delete that row to make room, and nothing would bring it back: on a shard
 * written by several streams, each REPLACE must remove no row but the ones it rewrites.
 */
export class UniqueKeyClash extends Error {
  override name = 'UniqueKeyClash';
}

function guardsReplace(ctx: ApplyContext, t: TableTarget): boolean {
  return t.upsertVerb === 'REPLACE' && t.sharedByStreams && !ctx.allowUniqueClash;
}

/**
 * Upserts `rows` (distinct keys). With `existing` (how many of their keys have a row now), checks
 * REPLACE's count of rows deleted plus inserted: anything above rows + existing is a row of
 * another key that went, and the caller's transaction must be rolled back (UniqueKeyClash).
 */
async function upsertRows(ctx: ApplyContext, t: TableTarget, rows: RowValue[][], existing: number | undefined): Promise<void> {
  let affected = 0;
  for (const sql of insertStatements(t, rows, 'upsert', ctx.maxStatementBytes)) affected += await writeRows(ctx.conn, sql, t);
  if (existing === undefined || affected <= rows.length + existing) return;
  throw new UniqueKeyClash(`table ${t.name}: a row from another source shard holds the same value of unique key ` +
    `${t.uniqueKeys.join(' or ')} as a row being written here (${affected - rows.length - existing} row(s) would be removed); ` +
    'waiting for that source shard to deliver its change of the value');
}

/** How many of `rows`' primary keys have a row on the target. */
async function countExisting(ctx: ApplyContext, t: TableTarget, rows: RowValue[][]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const where = rows.slice(i, i + 500).map((r) => `(${pkEquals(t, r)})`).join(' OR ');
    const [found] = await ctx.conn.query(`SELECT COUNT(*) AS n FROM ${qualified(t)} WHERE ${where}`);
    n += Number((found as { n: number | string }[])[0].n);
  }
  return n;
}

/** Idempotent replay by primary key: the last change of each key is its final state. */
function foldLastWins(t: TableTarget, ops: RowOp[]): Map<string, RowOp> {
  const final = new Map<string, RowOp>();
  for (const op of ops) {
    const key = exactKey(t, op.row);
    final.delete(key); // keep the map in order of last change
    final.set(key, op);
  }
  return final;
}

/**
 * True when the ownership rule cannot change the outcome of `ops`, so they fold last-wins without
 * reading the target: the owner is read from a primary-key column (every version of a key then
 * lives on one source shard, so a target row's owner is its key's), every op comes from its key's
 * owner, and nothing is parked for the table. Under those, foldWithOwners applies each upsert and
 * each delete of an existing row exactly as foldLastWins does, and the deletes it drops are of rows
 * that are not there. On a keyspace sharded by its primary key this is every batch; a row found
 * on the wrong source shard (written past vtgate) takes the general path.
 */
async function ownersAgree(ctx: ApplyContext, t: TableTarget, ops: RowOp[]): Promise<boolean> {
  if (t.ownerColumn === undefined || !t.pkIndexes.includes(t.ownerColumn)) return false;
  const owner = t.owner!;
  for (const op of ops) if (owner(op.row) !== op.source) return false;
  const [parked] = await ctx.conn.query(`SELECT 1 FROM ${STATE_DB}.shadow_rows WHERE workflow_id = ? AND table_name = ? LIMIT 1`, [ctx.workflowId, t.name]);
  return (parked as unknown[]).length === 0;
}

interface KeyState { owner: number | undefined; }

async function foldWithOwners(ctx: ApplyContext, t: TableTarget, ops: RowOp[]): Promise<Map<string, RowOp>> {
  const keys = new Map<string, RowValue[]>();
  for (const op of ops) keys.set(exactKey(t, op.row), op.row);
  const state = await readOwners(ctx, t, [...keys.values()]);
  const shadows = await readShadows(ctx, t, [...keys.keys()]);
  const final = new Map<string, RowOp>();
  const shadowWrites = new Map<string, { key: string; source: number; row: RowValue[] | null }>();
  const setShadow = (key: string, source: number, row: RowValue[] | null) => {
    const perKey = shadows.get(key) ?? new Map<number, RowValue[]>();
    if (row) perKey.set(source, row);
    else perKey.delete(source);
    shadows.set(key, perKey);
    shadowWrites.set(`${source}\u0000${key}`, { key, source, row });
  };
  for (const op of ops) {
    const key = exactKey(t, op.row);
    const s: KeyState = state.get(key) ?? { owner: undefined };
    state.set(key, s);
    if (op.kind === 'upsert') {
      if (s.owner === undefined || s.owner === op.source) {
        final.delete(key);
        final.set(key, op);
        s.owner = op.source;
      } else {
        setShadow(key, op.source, op.row);
      }
    } else if (s.owner === op.source) {
      final.delete(key);
      final.set(key, op);
      s.owner = undefined;
      // The owner let go of the key: another stream's parked version takes its place.
      const parked = shadows.get(key);
      const next = parked ? [...parked.entries()][0] : undefined;
      if (next) {
        final.delete(key);
        final.set(key, { kind: 'upsert', source: next[0], row: next[1] });
        s.owner = next[0];
        setShadow(key, next[0], null);
      }
    } else {
      setShadow(key, op.source, null);
    }
  }
  await writeShadows(ctx, t, [...shadowWrites.values()]);
  return final;
}

/** The owning source shard of existing target rows, by key; absent keys are not in the map. */
async function readOwners(ctx: ApplyContext, t: TableTarget, rows: RowValue[][]): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  // Only the key and the owner's column are needed: the rows are put back in place in a sparse row.
  const read = t.ownerColumn !== undefined && t.ownerColumn >= 0 ? [...new Set([...t.pkIndexes, t.ownerColumn])] : t.columns.map((_, i) => i);
  const cols = read.map((i) => quoteId(t.columns[i])).join(',');
  const row = new Array<RowValue>(t.columns.length).fill(null);
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const where = chunk.map((r) => `(${pkEquals(t, r)})`).join(' OR ');
    const [found] = await ctx.conn.query({ sql: `SELECT ${cols} FROM ${qualified(t)} WHERE ${where}`, rowsAsArray: true });
    for (const r of found as RowValue[][]) {
      for (let j = 0; j < read.length; j++) row[read[j]] = r[j];
      out.set(exactKey(t, row), { owner: t.owner!(row) });
    }
  }
  return out;
}

async function readShadows(ctx: ApplyContext, t: TableTarget, keys: string[]): Promise<Map<string, Map<number, RowValue[]>>> {
  const out = new Map<string, Map<number, RowValue[]>>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const [rows] = await ctx.conn.query(
      `SELECT pk_key, stream_id, row_data FROM ${STATE_DB}.shadow_rows WHERE workflow_id = ? AND table_name = ? AND pk_hash IN (?)`,
      [ctx.workflowId, t.name, chunk.map(keyHash)],
    );
    for (const r of rows as { pk_key: Buffer; stream_id: number; row_data: Buffer }[]) {
      const key = r.pk_key.toString();
      const perKey = out.get(key) ?? new Map<number, RowValue[]>();
      perKey.set(Number(r.stream_id), ctx.decodeRow(r.row_data.toString()));
      out.set(key, perKey);
    }
  }
  return out;
}

async function writeShadows(ctx: ApplyContext, t: TableTarget, writes: { key: string; source: number; row: RowValue[] | null }[]): Promise<void> {
  for (const w of writes) {
    if (w.row) {
      await ctx.conn.query(
        `REPLACE INTO ${STATE_DB}.shadow_rows (workflow_id, table_name, pk_hash, stream_id, pk_key, row_data) VALUES (?, ?, ?, ?, ?, ?)`,
        [ctx.workflowId, t.name, keyHash(w.key), w.source, Buffer.from(w.key), ctx.encodeRow(w.row)],
      );
    } else {
      await ctx.conn.query(`DELETE FROM ${STATE_DB}.shadow_rows WHERE workflow_id = ? AND table_name = ? AND pk_hash = ? AND stream_id = ?`,
        [ctx.workflowId, t.name, keyHash(w.key), w.source]);
    }
  }
}

/**
 * Keys the server must compare (collations, decimals, temporal values): changes apply strictly
 * in order, consecutive changes of one kind grouped into one statement (a multi-row upsert
 * applies its rows in order too). With owners, each change first asks the server who owns its key.
 */
async function applyInOrder(ctx: ApplyContext, t: TableTarget, ops: RowOp[]): Promise<number> {
  if (t.owner) {
    for (const op of ops) await applyOneWithOwner(ctx, t, op);
    return ops.length;
  }
  let run: RowOp[] = [];
  const flush = async () => {
    if (run.length === 0) return;
    const rows = run.map((o) => o.row);
    const statements = run[0].kind === 'delete' ? deleteStatements(t, rows, ctx.maxStatementBytes) : insertStatements(t, rows, 'upsert', ctx.maxStatementBytes);
    for (const sql of statements) await writeRows(ctx.conn, sql, t);
    run = [];
  };
  for (const op of ops) {
    if (run.length > 0 && run[0].kind !== op.kind) await flush();
    run.push(op);
  }
  await flush();
  return ops.length;
}

async function applyOneWithOwner(ctx: ApplyContext, t: TableTarget, op: RowOp): Promise<void> {
  const cols = t.columns.map(quoteId).join(',');
  const [found] = await ctx.conn.query({ sql: `SELECT ${cols} FROM ${qualified(t)} WHERE ${pkEquals(t, op.row)} FOR UPDATE`, rowsAsArray: true });
  const current = (found as RowValue[][])[0];
  const owner = current ? t.owner!(current) : undefined;
  if (op.kind === 'upsert') {
    if (owner === undefined || owner === op.source) {
      await upsertRows(ctx, t, [op.row], guardsReplace(ctx, t) ? (current ? 1 : 0) : undefined);
    } else {
      await writeShadows(ctx, t, [{ key: await collatedKey(ctx, t, op.row), source: op.source, row: op.row }]);
    }
    return;
  }
  const key = await collatedKey(ctx, t, op.row);
  if (owner !== op.source) {
    await writeShadows(ctx, t, [{ key, source: op.source, row: null }]);
    return;
  }
  await ctx.conn.query(`DELETE FROM ${qualified(t)} WHERE ${pkEquals(t, op.row)}`);
  const parked = await readShadows(ctx, t, [key]);
  const next = parked.get(key) ? [...parked.get(key)!.entries()][0] : undefined;
  if (next) {
    await upsertRows(ctx, t, [next[1]], guardsReplace(ctx, t) ? 0 : undefined);
    await writeShadows(ctx, t, [{ key, source: next[0], row: null }]);
  }
}

/**
 * The key parked rows of a table with server-compared keys are filed under: collated string
 * columns by their weight string under the column's collation, the others as exactKey does.
 * Filed by their bytes, a row parked as 'APPLE' was not found when its owner deleted 'Apple'
 * (one key under utf8mb4_general_ci), stayed parked, and was lost.
 */
async function collatedKey(ctx: ApplyContext, t: TableTarget, row: RowValue[]): Promise<string> {
  const weights: string[] = [];
  const params: RowValue[] = [];
  for (const i of t.pkIndexes) {
    const c = t.columnSchemas[i];
    if (row[i] === null || !isCollated(valueKind(c))) continue;
    weights.push(`HEX(${await weightExpression(ctx.conn, c, `CONVERT(? USING ${c.charset}) COLLATE ${c.collation}`)})`);
    params.push(row[i]);
  }
  if (weights.length === 0) return exactKey(t, row);
  const [found] = await ctx.conn.query({ sql: `SELECT ${weights.join(', ')}`, values: params, rowsAsArray: true });
  const w = (found as string[][])[0];
  let k = 0;
  let key = '';
  for (const i of t.pkIndexes) {
    const v = row[i];
    key += (v !== null && isCollated(valueKind(t.columnSchemas[i])) ? `w${w[k++]}` : exactKeyPart(v)) + '\u0000';
  }
  return key;
}
