// The applier's ownership rule (src/activities/row-applier.ts), on a real MariaDB table: when two
// streams (source shards) write one target shard and a row moves between them, whatever order
// their changes arrive in, the target ends with the row's final version exactly once.
// customer 1 hashes to -80 (stream 0), customer 4 to 80- (stream 1).
import { strict as assert } from 'node:assert';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { decodeRowFromJson, encodeRowForJson } from '../../../src/mysql/values';
import { applyOps, UniqueKeyClash, type RowOp } from '../../../src/activities/row-applier';
import { ensureStateSchema, parkedRowsBySource } from '../../../src/activities/state';
import { loadTableTarget, type TableTarget } from '../../../src/activities/table-target';
import type { TablePlan } from '../../../src/workflows/api';
import { testTablets } from '../../support/stack';

const DB = 'applier_test';
const A = 0;
const B = 1;

describe('row applier: rows moving between source shards', function () {
  this.timeout(60_000);
  let conn: Connection;
  const targets: Record<string, TableTarget> = {};

  const plan = (name: string, pk: string[], vindexColumn = 'cust'): TablePlan => ({
    name, pkColumns: pk, rowsEstimate: 0, bytesEstimate: 0,
    sourceVindex: { name: 'hash', type: 'hash', params: {}, columns: [vindexColumn] },
  });

  before(async () => {
    const [primary] = await testTablets({ cluster: 'target', type: 'PRIMARY' });
    conn = await connectMysql({ host: '127.0.0.1', port: primary.port, user: 'root' });
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query(`CREATE DATABASE ${DB}`);
    await conn.query(`CREATE TABLE ${DB}.byid (id BIGINT PRIMARY KEY, cust BIGINT NOT NULL, note VARCHAR(20))`);
    await conn.query(`CREATE TABLE ${DB}.byname (name VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, cust BIGINT NOT NULL, note VARCHAR(20))`);
    await conn.query(`CREATE TABLE ${DB}.keyed (id BIGINT PRIMARY KEY, note VARCHAR(20))`);
    await conn.query(`CREATE TABLE ${DB}.uniq (id BIGINT PRIMARY KEY, email VARCHAR(64) NOT NULL, UNIQUE KEY by_email (email))`);
    await conn.query(`CREATE TABLE ${DB}.uniqname (name VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, cust BIGINT NOT NULL, email VARCHAR(64) NOT NULL, UNIQUE KEY by_email (email))`);
    await ensureStateSchema(conn);
    targets.byid = await loadTableTarget(conn, DB, plan('byid', ['id']), { sourceShards: ['-80', '80-'] });
    targets.byname = await loadTableTarget(conn, DB, plan('byname', ['name']), { sourceShards: ['-80', '80-'] });
    targets.keyed = await loadTableTarget(conn, DB, plan('keyed', ['id'], 'id'), { sourceShards: ['-80', '80-'] });
    targets.uniq = await loadTableTarget(conn, DB, plan('uniq', ['id'], 'id'), { sourceShards: ['-80', '80-'] });
    targets.uniqname = await loadTableTarget(conn, DB, plan('uniqname', ['name']), { sourceShards: ['-80', '80-'] });
    assert.equal(targets.byid.exactKeys, true);
    assert.equal(targets.byname.exactKeys, false);
  });

  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query("DELETE FROM _vt_migrate.shadow_rows WHERE workflow_id = 'applier.test'");
    conn.destroy();
  });

  const apply = async (t: TableTarget, batches: RowOp[][]) => {
    for (const ops of batches) {
      await conn.query('BEGIN');
      await applyOps({ conn, workflowId: 'applier.test', maxStatementBytes: 1 << 20, encodeRow: encodeRowForJson, decodeRow: decodeRowFromJson }, t, ops);
      await conn.query('COMMIT');
    }
  };
  const rows = async (table: string) => (await conn.query(`SELECT * FROM ${DB}.${table} ORDER BY 1`))[0] as Record<string, unknown>[];
  const shadows = async () => Number(((await conn.query("SELECT COUNT(*) AS n FROM _vt_migrate.shadow_rows WHERE workflow_id = 'applier.test'"))[0] as { n: number }[])[0].n);

  const up = (source: number, key: string | number, cust: number, note: string): RowOp => ({ kind: 'upsert', source, row: [key, String(cust), note] as never });
  const del = (source: number, key: string | number, cust: number, note: string): RowOp => ({ kind: 'delete', source, row: [key, String(cust), note] as never });

  // The row 7 lived on A (customer 1), then moved to B (customer 4): A deletes it, B inserts it.
  const aLife = (k: string | number) => [up(A, k, 1, 'on A'), up(A, k, 1, 'on A, updated'), del(A, k, 1, 'on A, updated')];
  const bLife = (k: string | number) => [up(B, k, 4, 'on B'), up(B, k, 4, 'on B, final')];

  const orders: [string, (k: string | number) => RowOp[][]][] = [
    ['A first, then B', (k) => [aLife(k), bLife(k)]],
    ['B first, then A (A is behind)', (k) => [bLife(k), aLife(k)]],
    ['interleaved, A deleting last', (k) => [[aLife(k)[0]], bLife(k), aLife(k).slice(1)]],
    ['interleaved, B inserting between A\'s update and delete', (k) => [aLife(k).slice(0, 2), [bLife(k)[0]], [aLife(k)[2]], [bLife(k)[1]]]],
    ['one batch, B before A', (k) => [[...bLife(k), ...aLife(k)]]],
  ];

  for (const [table, key] of [['byid', 7], ['byname', 'Émile']] as const) {
    for (const [name, batches] of orders) {
      it(`${table}: ${name} ends with B's final row, once, and nothing parked`, async () => {
        await conn.query(`DELETE FROM ${DB}.${table}`);
        await apply(targets[table], batches(key));
        const got = await rows(table);
        assert.equal(got.length, 1);
        assert.equal(String(got[0].cust), '4');
        assert.equal(got[0].note, 'on B, final');
        assert.equal(await shadows(), 0);
      });
    }
  }

  // A collated key that changes case as it moves ('Apple' on A becomes 'APPLE' on B): one key under
  // utf8mb4_general_ci, so B's version parks while A's row is there and must be found when A
  // deletes. Parked rows were filed by their bytes, so 'APPLE' stayed parked and was lost.
  const aCase = [up(A, 'Apple', 1, 'on A'), up(A, 'Apple', 1, 'on A, updated'), del(A, 'Apple', 1, 'on A, updated')];
  const bCase = [up(B, 'APPLE', 4, 'on B'), up(B, 'APPLE', 4, 'on B, final')];
  const caseOrders: [string, RowOp[][]][] = [
    ['A first, then B', [aCase, bCase]],
    ['B first, then A (A is behind)', [bCase, aCase]],
    ['interleaved, A deleting last', [[aCase[0]], bCase, aCase.slice(1)]],
    ['one batch, B before A', [[...bCase, ...aCase]]],
  ];
  for (const [name, batches] of caseOrders) {
    it(`byname, the key changing case as it moves: ${name} ends with B's final row, once, and nothing parked`, async () => {
      await conn.query(`DELETE FROM ${DB}.byname`);
      await apply(targets.byname, batches);
      const got = await rows('byname');
      assert.deepEqual(got.map((r) => [r.name, String(r.cust), r.note]), [['APPLE', '4', 'on B, final']]);
      assert.equal(await shadows(), 0);
    });
  }

  // Sharded by its primary key: every version of a key lives on one source shard, so batches from
  // the keys' owners fold without reading the target; a row found on the wrong shard still parks.
  it('keyed by the vindex column: owners\' batches apply last-wins, a misplaced row parks and is promoted when the owner deletes', async () => {
    await conn.query(`DELETE FROM ${DB}.keyed`);
    const op = (kind: RowOp['kind'], source: number, id: number, note: string): RowOp => ({ kind, source, row: [String(id), note] as never });
    const keyed = async () => ((await rows('keyed')) as { id: number; note: string }[]).map((r) => [String(r.id), r.note]);
    await apply(targets.keyed, [[op('upsert', A, 1, 'a1'), op('upsert', B, 4, 'b4'), op('upsert', A, 1, 'a1 again'), op('delete', B, 4, ''), op('upsert', B, 4, 'b4 back')]]);
    assert.deepEqual(await keyed(), [['1', 'a1 again'], ['4', 'b4 back']]);
    // id 1 belongs to A: B's version of it (written past vtgate) waits while A's row is there.
    await apply(targets.keyed, [[op('upsert', B, 1, 'misplaced')]]);
    assert.deepEqual(await keyed(), [['1', 'a1 again'], ['4', 'b4 back']]);
    assert.equal(await shadows(), 1);
    // Status counts it against B, the source shard whose row waits.
    assert.deepEqual([...await parkedRowsBySource(conn, 'applier.test')], [[B, 1]]);
    // A deleting its row (a batch of owners' ops only) must still promote the parked version.
    await apply(targets.keyed, [[op('delete', A, 1, ''), op('upsert', B, 4, 'b4 final')]]);
    assert.deepEqual(await keyed(), [['1', 'misplaced'], ['4', 'b4 final']]);
    assert.equal(await shadows(), 0);
    assert.deepEqual([...await parkedRowsBySource(conn, 'applier.test')], []);
  });

  it('a row that moves back (A → B → A) ends with A\'s last version', async () => {
    await conn.query(`DELETE FROM ${DB}.byid`);
    const k = 9;
    const batches: RowOp[][] = [
      [up(B, k, 4, 'B back'), del(B, k, 4, 'B back')], // B's whole life arrives first
      [up(A, k, 1, 'A first')],
      [del(A, k, 1, 'A first'), up(A, k, 1, 'A again')],
    ];
    await apply(targets.byid, batches);
    const got = await rows('byid');
    assert.deepEqual(got.map((r) => [String(r.id), String(r.cust), r.note]), [['9', '1', 'A again']]);
    assert.equal(await shadows(), 0);
  });

  // A unique value handed from a row of one source shard to a row of another: on the source the
  // first row let it go before the second took it, but here the second stream can arrive first.
  // REPLACE would delete the first row to make room, and nothing would bring it back.
  describe('unique secondary keys on a shard written by two streams', () => {
    const tryApply = async (t: TableTarget, ops: RowOp[], allowUniqueClash = false): Promise<unknown> => {
      await conn.query('BEGIN');
      try {
        await applyOps({ conn, workflowId: 'applier.test', maxStatementBytes: 1 << 20, encodeRow: encodeRowForJson, decodeRow: decodeRowFromJson, allowUniqueClash }, t, ops);
        await conn.query('COMMIT');
        return undefined;
      } catch (err) {
        await conn.query('ROLLBACK');
        return err;
      }
    };

    it('by exact keys: refuses the write that would remove the other stream\'s row, and applies it once that row let the value go', async () => {
      await conn.query(`DELETE FROM ${DB}.uniq`);
      const u = (source: number, id: number, email: string): RowOp => ({ kind: 'upsert', source, row: [String(id), email] as never });
      const uniq = async () => ((await rows('uniq')) as { id: number; email: string }[]).map((r) => [String(r.id), r.email]);
      assert.equal(await tryApply(targets.uniq, [u(A, 1, 'x@'), u(B, 4, 'y@')]), undefined);
      const err = await tryApply(targets.uniq, [u(B, 4, 'x@')]);
      assert.ok(err instanceof UniqueKeyClash, String(err));
      assert.match((err as Error).message, /table uniq: .*unique key by_email/);
      assert.deepEqual(await uniq(), [['1', 'x@'], ['4', 'y@']]);
      // Both changes in one batch, in either order, end as the source did.
      assert.equal(await tryApply(targets.uniq, [u(B, 4, 'x@'), u(A, 1, 'z@')]), undefined);
      assert.deepEqual(await uniq(), [['1', 'z@'], ['4', 'x@']]);
      // Replaying what is already there removes nothing else and passes.
      assert.equal(await tryApply(targets.uniq, [u(A, 1, 'z@'), u(B, 4, 'x@')]), undefined);
      assert.deepEqual(await uniq(), [['1', 'z@'], ['4', 'x@']]);
      // Catch-up's last resort after a long wait: REPLACE as on a single-stream shard.
      assert.equal(await tryApply(targets.uniq, [u(B, 4, 'z@')], true), undefined);
      assert.deepEqual(await uniq(), [['4', 'z@']]);
    });

    it('by collated keys (one change at a time): refuses the same write, and applies it once the value is free', async () => {
      await conn.query(`DELETE FROM ${DB}.uniqname`);
      const u = (source: number, name: string, cust: number, email: string): RowOp => ({ kind: 'upsert', source, row: [name, String(cust), email] as never });
      const names = async () => ((await rows('uniqname')) as { name: string; email: string }[]).map((r) => [r.name, r.email]);
      assert.equal(await tryApply(targets.uniqname, [u(A, 'Ann', 1, 'x@'), u(B, 'Bob', 4, 'y@')]), undefined);
      const err = await tryApply(targets.uniqname, [u(B, 'Bob', 4, 'x@')]);
      assert.ok(err instanceof UniqueKeyClash, String(err));
      assert.deepEqual(await names(), [['Ann', 'x@'], ['Bob', 'y@']]);
      assert.equal(await tryApply(targets.uniqname, [u(A, 'Ann', 1, 'z@')]), undefined);
      assert.equal(await tryApply(targets.uniqname, [u(B, 'BOB', 4, 'x@')]), undefined);
      assert.deepEqual(await names(), [['Ann', 'z@'], ['BOB', 'x@']]);
    });
  });
});
