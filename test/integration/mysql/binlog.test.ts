import { strict as assert } from 'node:assert';
import type { RowDataPacket } from 'mysql2/promise';
import { binlogReaderServerId, isPositionUnavailable, isShapeMismatch, KEPT_AFTER, KEPT_BEFORE, openBinlogStream, type BinlogItem, type BinlogStream, type BinlogTransaction } from '../../../src/mysql/binlog';
import { connectMysql, type Connection } from '../../../src/mysql/connect';
import { currentPosition } from '../../../src/mysql/positions';
import { readTableSchema } from '../../../src/mysql/schema';
import { upsertRowSql, WRITER_SQL_MODE } from '../../../src/mysql/sql';
import { ROW_READER_CONNECT_OPTIONS, type RowValue } from '../../../src/mysql/values';
import { copyRead } from './copy-helpers';
import { ALL_TYPES_DDL, ALL_TYPES_ROWS, MORE_TYPES_DDL, MORE_TYPES_ROWS } from './fixtures';
import { startPrivateMariadb, type PrivateMariadb } from './private-mariadb';

const SERVER_ID = binlogReaderServerId('test', 'binlog', process.pid);

/** Takes items until `done` says so (or `timeoutMs` passes: then fails, naming what it saw). */
async function collect(stream: BinlogStream, done: (items: BinlogItem[]) => boolean, timeoutMs = 15_000): Promise<BinlogItem[]> {
  const items: BinlogItem[] = [];
  const it = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (!done(items)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${items.length} items`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([it.next(), new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), left); })]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`timed out after ${items.length} items`);
    if (r.done) break;
    items.push(r.value);
  }
  return items;
}

const txns = (items: BinlogItem[]) => items.filter((i): i is BinlogTransaction => i.type === 'transaction');
const withChanges = (items: BinlogItem[]) => txns(items).filter((t) => t.changes.length > 0 || t.ddl);

describe('binlog stream (MariaDB)', function () {
  this.timeout(120_000);
  let srv: PrivateMariadb;
  let conn: Connection;
  const db = 'vtm_binlog';
  const open = (startPosition: string, tables: string[], extra: Partial<Parameters<typeof openBinlogStream>[0]> = {}) =>
    openBinlogStream({ endpoint: srv.endpoint, serverId: SERVER_ID, startPosition, schemaTables: { db, tables }, heartbeatSeconds: 0.25, ...extra });
  const pos = async () => (await currentPosition(conn, 'MariaDB')).flavor === 'MariaDB' ? formatPos(await currentPosition(conn, 'MariaDB')) : '';
  const formatPos = (p: Awaited<ReturnType<typeof currentPosition>>) => (p.flavor === 'MariaDB' ? p.gtids.map((g) => `${g.domain}-${g.server}-${g.sequence}`).join(',') : '');

  before(async () => {
    srv = await startPrivateMariadb();
    conn = await connectMysql(srv.endpoint, ROW_READER_CONNECT_OPTIONS);
    await conn.query(`CREATE DATABASE ${db}`);
    await conn.query(`USE ${db}`);
  });
  after(async () => {
    await conn?.end();
    await srv?.stop();
  });

  it('derives reader server ids that are stable, distinct and clear of tablet ids', () => {
    const a = binlogReaderServerId('customer.import', '-80/-40', 1234);
    assert.equal(a, binlogReaderServerId('customer.import', '-80/-40', 1234));
    assert.notEqual(a, binlogReaderServerId('customer.import', '-80/40-c0', 1234));
    assert.notEqual(a, binlogReaderServerId('customer.import', '-80/-40', 1235));
    assert.notEqual(a, binlogReaderServerId('customer.import', '-80/-40', 1234, 'retry'));
    for (let i = 0; i < 1000; i++) {
      const id = binlogReaderServerId('wf', `s${i}`, i);
      assert.ok(id >= 1_000_000_000 && id < 2_000_000_000 && Number.isInteger(id), String(id));
    }
  });

  for (const decoder of ['mariadb', 'zongji'] as const) {
  it(`delivers every value type exactly as the copy reader reads it, producing identical SQL (${decoder} decoder)`, async () => {
    const table = `alltypes_${decoder}`;
    await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
    await conn.query(ALL_TYPES_DDL(table));
    const start = await pos();
    const stream = await open(start, [table], { decoder });
    assert.equal(stream.decoder, decoder);
    try {
      const schema = await readTableSchema(conn, db, table);
      const snapshot = async () => {
        const rows = await copyRead(conn, db, schema, 1000);
        return new Map(rows.map((r) => [r[0], Object.fromEntries(schema.columns.map((c, i) => [c.name, r[i]])) as Record<string, RowValue>]));
      };
      const sameSql = (a: Record<string, RowValue>, b: Record<string, RowValue>) =>
        assert.equal(upsertRowSql(db, 'x', schema.columns, a, schema.primaryKey), upsertRowSql(db, 'x', schema.columns, b, schema.primaryKey));

      for (const sql of ALL_TYPES_ROWS(table)) await conn.query(sql);
      const inserted = await pos();
      const items = await collect(stream, (xs) => txns(xs).some((t) => t.position === inserted));
      const before = await snapshot();
      const inserts = txns(items).flatMap((t) => t.changes);
      assert.deepEqual(inserts.map((c) => [c.kind, c.after?.id]), [['insert', 1], ['insert', 2], ['insert', 3], ['insert', 4], ['insert', 5], ['insert', 0], ['insert', 6]]);
      for (const ins of inserts) {
        const current = before.get(ins.after?.id as number);
        assert.ok(current && ins.after);
        assert.deepEqual(ins.after, current, `row ${String(ins.after.id)}`);
        sameSql(ins.after, current);
      }

      // Updates and deletes carry the same values in their images.
      await conn.query(`UPDATE ${table} SET ti = ti WHERE id = 1`); // no change: not logged
      await conn.query(`UPDATE ${table} SET i = COALESCE(i, 0) + 1 WHERE id IN (1, 2)`);
      await conn.query(`DELETE FROM ${table} WHERE id = 3`);
      const changed = await pos();
      const more = txns(await collect(stream, (xs) => txns(xs).some((t) => t.position === changed))).flatMap((t) => t.changes);
      const after = await snapshot();
      assert.deepEqual(more.map((c) => [c.kind, (c.after ?? c.before)?.id]), [['update', 1], ['update', 2], ['delete', 3]]);
      for (const u of more) {
        const id = (u.after ?? u.before)?.id as number;
        assert.deepEqual(u.before, before.get(id));
        if (u.kind === 'update') {
          assert.deepEqual(u.after, after.get(id));
          sameSql(u.after ?? {}, after.get(id) ?? {});
        }
      }

      // Spot checks of the forms that needed normalizing.
      const r2 = inserts.find((c) => c.after?.id === 2)?.after ?? {};
      assert.deepEqual([r2.tm0, r2.y, r2.e, r2.dtm, r2.dt, r2.bu], ['-01:00:00', 0, '', '2020-01-01 00:00:00', '0000-00-00', '9007199254740993']);
      const r1 = inserts.find((c) => c.after?.id === 1)?.after ?? {};
      assert.equal(r1.bu, '18446744073709551615');
      assert.equal((r1.l1 as Buffer).toString('hex'), Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1)).toString('hex'));
      assert.equal(r1.j, '{"a": 1.50, "b":[1,2,  3], "c": "é\\u00e9", "big": 18446744073709551616}');
      assert.equal(r1.g, -2147483648);
    } finally {
      await stream.close();
      await conn.query(`SET SESSION sql_mode = '${WRITER_SQL_MODE}'`);
    }
  });
  }

  for (const decoder of ['mariadb', 'zongji'] as const) {
  it(`delivers TEXT/BLOB sizes, wide CHAR, DECIMAL limits, wide ENUM/SET, negative TIME fractions, spatial, INET and UUID values as the copy reader reads them (${decoder} decoder)`, async () => {
    const table = `moretypes_${decoder}`;
    await conn.query(MORE_TYPES_DDL(table));
    // zongji parses spatial values into objects (normalizing refuses them): the same bytes as BLOBs.
    if (decoder === 'zongji') await conn.query(`ALTER TABLE ${table} MODIFY geo LONGBLOB, MODIFY pt LONGBLOB, MODIFY mpoly LONGBLOB`);
    const start = await pos();
    const stream = await open(start, [table], { decoder });
    try {
      const schema = await readTableSchema(conn, db, table);
      const snapshot = async () => new Map((await copyRead(conn, db, schema, 1000)).map((r) =>
        [String(r[0]), Object.fromEntries(schema.columns.map((c, i) => [c.name, r[i]])) as Record<string, RowValue>]));
      for (const sql of MORE_TYPES_ROWS(table)) await conn.query(sql);
      await conn.query(`UPDATE ${table} SET d1 = COALESCE(d1, 0) + 1`);
      await conn.query(`DELETE FROM ${table} WHERE id = 1`);
      const done = await pos();
      const changes = txns(await collect(stream, (xs) => txns(xs).some((t) => t.position === done))).flatMap((t) => t.changes);
      const after = await snapshot();
      assert.deepEqual(changes.map((c) => [c.kind, String((c.after ?? c.before)?.id)]),
        [['insert', '18446744073709551615'], ['insert', '1'], ['insert', '2'], ['update', '1'], ['update', '2'], ['update', '18446744073709551615'], ['delete', '1']]);
      for (const c of changes.filter((x) => x.kind === 'update' && x.after?.id !== '1')) {
        const id = String(c.after?.id);
        assert.deepEqual(c.after, after.get(id), `row ${id}`);
        assert.equal(upsertRowSql(db, 'x', schema.columns, c.after ?? {}, schema.primaryKey), upsertRowSql(db, 'x', schema.columns, after.get(id) ?? {}, schema.primaryKey));
      }
      const deleted = changes[changes.length - 1].before ?? {};
      assert.equal(deleted.d1, '1');
      assert.equal(deleted.dmax, '0.000000000000000000000000000001');
    } finally {
      await stream.close();
    }
  });
  }

  it('with a row filter, decodes only the changes whose image the filter keeps, reading past every column type to the filter column', async () => {
    // The filter column comes after every type of both fixtures, so each must be skipped exactly.
    for (const [table, ddl, rows] of [['filtered_all', ALL_TYPES_DDL, ALL_TYPES_ROWS], ['filtered_more', MORE_TYPES_DDL, MORE_TYPES_ROWS]] as const) {
      await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
      await conn.query(ddl(table));
      await conn.query(`ALTER TABLE ${table} ADD COLUMN pick INT NULL INVISIBLE`); // invisible: INSERTs without a column list still fit
      const start = await pos();
      const all = await open(start, [table]);
      const kept = await open(start, [table], {
        serverId: binlogReaderServerId('test', 'binlog-filtered', process.pid),
        rowFilters: new Map([[table, { column: 'pick', keep: (v: RowValue) => v === 1 }]]),
      });
      try {
        for (const sql of rows(table)) await conn.query(sql); // pick NULL: not kept
        await conn.query(`UPDATE ${table} SET pick = id % 2`); // odd ids come in, even ones stay out
        await conn.query(`UPDATE ${table} SET pick = 1 - pick WHERE id IN (1, 2)`); // 1 leaves, 2 comes in
        await conn.query(`DELETE FROM ${table} WHERE pick = 1 AND id <> 2`);
        const done = await pos();
        const until = (xs: BinlogItem[]) => txns(xs).some((t) => t.position === done);
        const everything = txns(await collect(all, until)).flatMap((t) => t.changes);
        const got = txns(await collect(kept, until));
        // Each kept change says which of its images the filter keeps.
        const expected = everything.filter((c) => c.before?.pick === 1 || c.after?.pick === 1)
          .map((c) => ({ ...c, kept: (c.before?.pick === 1 ? KEPT_BEFORE : 0) | (c.after?.pick === 1 ? KEPT_AFTER : 0) }));
        assert.ok(expected.length >= 4 && expected.length < everything.length, `${expected.length} of ${everything.length}`);
        assert.ok(expected.some((c) => c.kept === KEPT_BEFORE) && expected.some((c) => c.kept === KEPT_AFTER));
        assert.deepEqual(got.flatMap((t) => t.changes), expected);
        // Transactions whose changes were all left out still advance the position.
        assert.equal(got[got.length - 1].position, done);
      } finally {
        await all.close();
        await kept.close();
        await conn.query(`SET SESSION sql_mode = '${WRITER_SQL_MODE}'`);
      }
    }
  });

  it('streams inserts, updates and deletes with images, in transaction order, only for tables in scope', async () => {
    await conn.query('CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10))');
    await conn.query('CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(10))');
    await conn.query('CREATE TABLE outside (id INT PRIMARY KEY)');
    const start = await pos();
    const stream = await open(start, ['a', 'b']);
    try {
      await conn.query("INSERT INTO a VALUES (1, 'one'), (2, 'two')");
      await conn.query('BEGIN');
      await conn.query("UPDATE a SET v = 'uno' WHERE id = 1");
      await conn.query('INSERT INTO outside VALUES (1)');
      await conn.query("INSERT INTO b VALUES (7, 'seven')");
      await conn.query('DELETE FROM a WHERE id = 2');
      await conn.query('COMMIT');
      await conn.query('INSERT INTO outside VALUES (2)');
      await conn.query('INSERT INTO outside VALUES (3)');
      await conn.query("UPDATE b SET id = 8 WHERE id = 7");
      const last = await pos();
      const items = await collect(stream, (xs) => txns(xs).some((t) => t.position === last));
      const ts = txns(items);
      const real = withChanges(items);
      assert.equal(real.length, 3);
      assert.deepEqual(real[0].changes, [
        { table: 'a', kind: 'insert', after: { id: 1, v: 'one' } },
        { table: 'a', kind: 'insert', after: { id: 2, v: 'two' } },
      ]);
      assert.deepEqual(real[1].changes, [
        { table: 'a', kind: 'update', before: { id: 1, v: 'one' }, after: { id: 1, v: 'uno' } },
        { table: 'b', kind: 'insert', after: { id: 7, v: 'seven' } },
        { table: 'a', kind: 'delete', before: { id: 2, v: 'two' } },
      ]);
      assert.deepEqual(real[2].changes, [{ table: 'b', kind: 'update', before: { id: 7, v: 'seven' }, after: { id: 8, v: 'seven' } }]);
      // Every transaction advanced the position by its own GTID, none is lost or out of order.
      const seqs = ts.map((t) => Number(t.gtid.split('-')[2]));
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
      for (const t of ts) {
        assert.equal(t.complete, true);
        assert.equal(t.position, t.gtid);
        assert.ok(Math.abs(t.timestamp - Date.now() / 1000) < 60);
      }
      assert.equal(ts[ts.length - 1].position, last);
      assert.equal(stream.position, last);
    } finally {
      await stream.close();
    }
  });

  it('keeps a transaction whole when a statement on another database comes before its rows (a MIXED session)', async () => {
    await conn.query('CREATE DATABASE vtm_elsewhere');
    await conn.query('CREATE TABLE vtm_elsewhere.counter (id INT PRIMARY KEY, n INT) ENGINE=InnoDB');
    await conn.query('INSERT INTO vtm_elsewhere.counter VALUES (1, 0)');
    await conn.query('CREATE TABLE mixed (id INT PRIMARY KEY, u VARCHAR(36))');
    const start = await pos();
    const stream = await open(start, ['mixed']);
    try {
      // MIXED logs the safe UPDATE as a statement and the INSERT (UUID() is unsafe) as rows,
      // in the one transaction: the statement does not end it.
      await conn.query("SET SESSION binlog_format = 'MIXED'");
      await conn.query('USE vtm_elsewhere');
      await conn.query('BEGIN');
      await conn.query('UPDATE counter SET n = n + 1 WHERE id = 1');
      await conn.query(`INSERT INTO ${db}.mixed VALUES (1, UUID()), (2, UUID())`);
      await conn.query('COMMIT');
      await conn.query("SET SESSION binlog_format = 'ROW'");
      await conn.query(`USE ${db}`);
      const last = await pos();
      const items = await collect(stream, (xs) => txns(xs).some((t) => t.position === last));
      const real = withChanges(items);
      assert.equal(real.length, 1);
      assert.deepEqual(real[0].changes.map((c) => [c.kind, c.after?.id]), [['insert', 1], ['insert', 2]]);
      assert.equal(real[0].complete, true);
      assert.equal(real[0].position, last);
    } finally {
      await conn.query("SET SESSION binlog_format = 'ROW'");
      await conn.query(`USE ${db}`);
      await stream.close();
    }
  });

  it('surfaces DDL on the database and decodes rows in the new shape afterwards', async () => {
    await conn.query('CREATE TABLE d (id INT PRIMARY KEY, v INT)');
    const start = await pos();
    const stream = await open(start, ['d']);
    try {
      await conn.query('INSERT INTO d VALUES (1, 10)');
      await conn.query('ALTER TABLE d ADD COLUMN w VARCHAR(5) CHARACTER SET latin1 AFTER id');
      await conn.query("INSERT INTO d VALUES (2, X'e9', 20)");
      await conn.query('CREATE TABLE vtm_other_db_table (id INT PRIMARY KEY)');
      const last = await pos();
      const items = await collect(stream, (xs) => txns(xs).some((t) => t.position === last));
      const real = withChanges(items);
      assert.deepEqual(real.map((t) => t.ddl ?? null), [null, { db, sql: 'ALTER TABLE d ADD COLUMN w VARCHAR(5) CHARACTER SET latin1 AFTER id' }, null,
        { db, sql: 'CREATE TABLE vtm_other_db_table (id INT PRIMARY KEY)' }]);
      assert.deepEqual(real[0].changes, [{ table: 'd', kind: 'insert', after: { id: 1, v: 10 } }]);
      assert.deepEqual(real[2].changes, [{ table: 'd', kind: 'insert', after: { id: 2, w: Buffer.from('e9', 'hex'), v: 20 } }]);
    } finally {
      await stream.close();
    }
  });

  it('started before later ALTERs, decodes each row in the columns it was logged with (names from binlog_row_metadata=FULL)', async () => {
    await conn.query('CREATE TABLE o (id INT PRIMARY KEY, a INT, b VARCHAR(10))');
    const start = await pos();
    await conn.query("INSERT INTO o VALUES (1, 10, 'x')");
    await conn.query('ALTER TABLE o ADD COLUMN c INT NOT NULL DEFAULT 5 AFTER id');
    await conn.query("INSERT INTO o (id, c, a, b) VALUES (2, 7, 20, 'y')");
    // Same shape, columns swapped: told apart by name only.
    await conn.query('ALTER TABLE o MODIFY a INT AFTER b');
    await conn.query("UPDATE o SET b = 'z' WHERE id = 1");
    await conn.query('ALTER TABLE o MODIFY a INT AFTER c');
    await conn.query("INSERT INTO o (id, c, a, b) VALUES (3, 8, 30, 'w')");
    const last = await pos();
    // Opened now, with today's schema (id, c, a, b), from before all of it.
    const stream = await open(start, ['o']);
    try {
      const real = withChanges(await collect(stream, (xs) => txns(xs).some((t) => t.position === last)));
      assert.deepEqual(real.filter((t) => !t.ddl).map((t) => t.changes), [
        [{ table: 'o', kind: 'insert', after: { id: 1, a: 10, b: 'x' } }],
        [{ table: 'o', kind: 'insert', after: { id: 2, c: 7, a: 20, b: 'y' } }],
        [{ table: 'o', kind: 'update', before: { id: 1, c: 5, b: 'x', a: 10 }, after: { id: 1, c: 5, b: 'z', a: 10 } }],
        [{ table: 'o', kind: 'insert', after: { id: 3, c: 8, a: 30, b: 'w' } }],
      ]);
    } finally {
      await stream.close();
    }
    // A column dropped since has no definition to decode it with: the stream refuses, naming it.
    await conn.query('CREATE TABLE g (id INT PRIMARY KEY, gone INT, v INT)');
    const before = await pos();
    await conn.query('INSERT INTO g VALUES (1, 2, 3)');
    await conn.query('ALTER TABLE g DROP COLUMN gone');
    const refused = await open(before, ['g']);
    await assert.rejects(collect(refused, () => false), (err: Error) => {
      assert.match(err.message, /does not match its current schema \(columns \(id, gone, v\) vs \(id, v\)\)/);
      // Catch-up shows such a stream in Error: no tablet reads these rows.
      assert.equal(isShapeMismatch(err), true);
      return true;
    });
    await refused.close();
  });

  it('resumes from a mid-stream position with exactly the transactions after it', async () => {
    await conn.query('CREATE TABLE r (id INT PRIMARY KEY)');
    const start = await pos();
    for (let i = 1; i <= 20; i++) await conn.query('INSERT INTO r VALUES (?)', [i]);
    const last = await pos();
    const first = await open(start, ['r']);
    const all = txns(await collect(first, (xs) => txns(xs).some((t) => t.position === last)));
    await first.close();
    assert.deepEqual(all.flatMap((t) => t.changes.map((c) => c.after?.id)), Array.from({ length: 20 }, (_, i) => i + 1));
    for (const k of [0, 7, 18]) {
      const resumed = await open(all[k].position, ['r']);
      const rest = txns(await collect(resumed, (xs) => txns(xs).some((t) => t.position === last)));
      await resumed.close();
      assert.deepEqual(rest.map((t) => t.gtid), all.slice(k + 1).map((t) => t.gtid));
      assert.deepEqual(rest.map((t) => t.changes), all.slice(k + 1).map((t) => t.changes));
    }
  });

  it('coalesces transactions on other tables and yields heartbeats while idle', async () => {
    await conn.query('CREATE TABLE h (id INT PRIMARY KEY)');
    await conn.query('CREATE TABLE busy (id INT PRIMARY KEY)');
    for (let i = 1; i <= 50; i++) await conn.query('INSERT INTO busy VALUES (?)', [i]);
    const last = await pos();
    // Started behind the 50 unrelated transactions, the consumer gets far fewer items than 50
    // (runs not yet taken are merged), ending exactly at the last position.
    const stream = await open(await posBefore(51), ['h']);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const items = await collect(stream, (xs) => xs.some((x) => x.position === last));
      assert.ok(txns(items).length < 10, `${txns(items).length} items for 50 unrelated transactions`);
      assert.ok(txns(items).every((t) => t.changes.length === 0));
      const t0 = Date.now();
      const beats = await collect(stream, (xs) => xs.filter((x) => x.type === 'heartbeat').length >= 2, 5_000);
      const waited = Date.now() - t0;
      assert.ok(beats.every((b) => b.type === 'heartbeat' && b.position === last), JSON.stringify(beats));
      assert.ok(waited < 2_000, `two heartbeats took ${waited} ms`);
      assert.ok(Math.abs(beats[0].timestamp - Date.now() / 1000) < 5);
    } finally {
      await stream.close();
    }
  });

  it('keeps delivering after coalescing transactions whose large rows a filter left out', async () => {
    // Each filtered-out row still counts its binlog bytes while its (empty) transaction is queued;
    // merged into a later empty one, those bytes must leave the bound with it. They once stayed,
    // the reader stayed paused with nothing queued, and a catch-up stream stood still for good.
    await conn.query('CREATE TABLE wide_out (id INT PRIMARY KEY, pick INT, body LONGBLOB)');
    const big = async (id: number) => conn.query('INSERT INTO wide_out VALUES (?, 0, REPEAT(?, 200000))', [id, 'b']);
    const small = async (id: number) => conn.query('INSERT INTO wide_out VALUES (?, 0, NULL)', [id]);
    const start = await pos();
    for (let i = 0; i < 3; i++) { await big(10 * i + 1); await small(10 * i + 2); }
    const first = await pos();
    const stream = await open(start, ['wide_out'], {
      maxBufferedBytes: 256 * 1024,
      rowFilters: new Map([['wide_out', { column: 'pick', keep: (v: RowValue) => v === 1 }]]),
    });
    try {
      // Not taking anything yet: the reader merges the six empty transactions into one.
      await new Promise((r) => setTimeout(r, 500));
      const merged = txns(await collect(stream, (xs) => xs.some((x) => x.position === first)));
      assert.ok(merged.length < 6 && merged.every((t) => t.changes.length === 0), JSON.stringify(merged.map((t) => t.changes.length)));
      // Rows the filter keeps, after more large ones it does not, still arrive.
      for (let i = 3; i < 6; i++) await big(10 * i + 1);
      await conn.query('INSERT INTO wide_out VALUES (99, 1, NULL)');
      const last = await pos();
      const later = txns(await collect(stream, (xs) => xs.some((x) => x.position === last), 10_000));
      assert.deepEqual(later.flatMap((t) => t.changes.map((c) => c.after?.id)), [99]);
      assert.equal(stream.paused, false);
    } finally {
      await stream.close();
    }
  });

  async function posBefore(n: number): Promise<string> {
    const p = await pos();
    const [d, s, q] = p.split('-');
    return `${d}-${s}-${Number(q) - n}`;
  }

  it('pauses the connection when the consumer is behind, keeping a 200,000-event backlog bounded', async () => {
    await conn.query('CREATE TABLE bp (id INT PRIMARY KEY, pad VARCHAR(20))');
    const start = await pos();
    // 200 transactions of 1000 rows each: 200,000 row events.
    for (let t = 0; t < 200; t++) {
      await conn.query(`INSERT INTO bp SELECT seq, 'padpadpadpad' FROM seq_${t * 1000 + 1}_to_${(t + 1) * 1000}`);
    }
    const last = await pos();
    const stream = await open(start, ['bp'], { maxBufferedChanges: 5_000 });
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      // The consumer took nothing yet: reading stopped near the bound instead of buffering all.
      assert.equal(stream.paused, true);
      assert.ok(stream.bufferedChanges >= 5_000 && stream.bufferedChanges <= 7_000, `${stream.bufferedChanges} buffered`);
      const heapBefore = process.memoryUsage().heapUsed;
      let n = 0;
      let expect = 1;
      let maxBuffered = 0;
      for await (const item of stream) {
        if (item.type !== 'transaction') continue;
        for (const c of item.changes) {
          assert.equal(c.after?.id, expect++);
          n++;
        }
        maxBuffered = Math.max(maxBuffered, stream.bufferedChanges);
        if (item.position === last) break;
      }
      assert.equal(n, 200_000);
      assert.ok(maxBuffered <= 7_000, `max buffered ${maxBuffered}`);
      assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
    } finally {
      await stream.close();
    }
  });

  it('yields a transaction too large to buffer in parts, positioned before it until the last', async () => {
    await conn.query('CREATE TABLE big (id INT PRIMARY KEY)');
    const start = await pos();
    await conn.query('INSERT INTO big SELECT seq FROM seq_1_to_5000');
    const last = await pos();
    const stream = await open(start, ['big'], { maxBufferedChanges: 2_000 });
    try {
      const parts = txns(await collect(stream, (xs) => txns(xs).some((t) => t.position === last)));
      // Parts are cut at row-event boundaries once 1,000 changes (half the bound) are buffered.
      assert.ok(parts.length >= 3, `${parts.length} parts`);
      assert.deepEqual(parts.slice(0, -1).map((p) => [p.complete, p.position, p.gtid]), parts.slice(0, -1).map(() => [false, start, last]));
      assert.deepEqual(parts.slice(-1).map((p) => [p.complete, p.position, p.gtid]), [[true, last, last]]);
      assert.ok(parts.every((p) => p.changes.length < 1000 + 2000), JSON.stringify(parts.map((p) => p.changes.length)));
      assert.deepEqual(parts.flatMap((p) => p.changes.map((c) => c.after?.id)), Array.from({ length: 5000 }, (_, i) => i + 1));
    } finally {
      await stream.close();
    }
  });

  it('names host:port and the position when the position is gone, ahead, or the server dies', async () => {
    const where = `127.0.0.1:${srv.port}`;
    await conn.query('CREATE TABLE e (id INT PRIMARY KEY)');
    const old = await pos();
    await conn.query('INSERT INTO e VALUES (1)');
    const [d, s, q] = (await pos()).split('-');
    await assert.rejects(open(`${d}-${s}-${Number(q) + 100}`, ['e']),
      new RegExp(`binlog position '${d}-${s}-${Number(q) + 100}' is ahead of ${where}, whose binlog ends at '${d}-${s}-${q}'`));
    await assert.rejects(open(`${d}-${s}-${q},9-1-1`, ['e']), /is ahead of/);
    await assert.rejects(open(old, ['nope']), new RegExp(`table ${db}\\.nope does not exist`));

    // Purge the binlog that holds `old`.
    await conn.query('FLUSH BINARY LOGS');
    await conn.query('INSERT INTO e VALUES (2)');
    const [[master]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    for (let i = 0; i < 100; i++) {
      await conn.query(`PURGE BINARY LOGS TO '${String(master.File)}'`);
      const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
      if (logs.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const purged = await open(old, ['e']);
    await assert.rejects(collect(purged, () => false), (err: Error) => {
      assert.match(err.message, new RegExp(`binlog position '${old}' is not available on ${where} \\(binlogs purged, or the position is not in this server's history\\).*errno 1236`));
      // Catch-up shows such a stream in Error (other failures, such as the server dying below, not).
      assert.equal(isPositionUnavailable(err), true);
      return true;
    });

    // The server dies mid-stream: the error names where to resume.
    const now = await pos();
    const live = await open(now, ['e']);
    await conn.query('INSERT INTO e VALUES (3)');
    const after3 = await pos();
    const got = await collect(live, (xs) => txns(xs).some((t) => t.position === after3));
    assert.deepEqual(txns(got).flatMap((t) => t.changes), [{ table: 'e', kind: 'insert', after: { id: 3 } }]);
    await srv.kill();
    await assert.rejects(collect(live, () => false), (err: Error) => {
      assert.match(err.message, new RegExp(`lost the binlog connection to ${where} at position '${after3}'`));
      assert.equal(isPositionUnavailable(err), false);
      return true;
    });
    await assert.rejects(open(after3, ['e']), new RegExp(`cannot open the binlog of ${where}: connect ECONNREFUSED`));
    await srv.start();
    conn = await connectMysql(srv.endpoint, ROW_READER_CONNECT_OPTIONS);
    await conn.query(`USE ${db}`);
    // ... and resuming there after the restart continues with the next transaction.
    await conn.query('INSERT INTO e VALUES (4)');
    const after4 = await pos();
    const resumed = await open(after3, ['e']);
    const more = await collect(resumed, (xs) => txns(xs).some((t) => t.position === after4));
    await resumed.close();
    assert.deepEqual(withChanges(more).flatMap((t) => t.changes), [{ table: 'e', kind: 'insert', after: { id: 4 } }]);
  });

  it('hands a source with a column type our decoder does not read (COMPRESSED) over to zongji', async () => {
    // Its own database: the hand-over is remembered per server and database.
    const zdb = 'vtm_binlog_compressed';
    await conn.query(`CREATE DATABASE ${zdb}`);
    try {
      await conn.query(`CREATE TABLE ${zdb}.z (id INT PRIMARY KEY, v VARCHAR(100) COMPRESSED, t TEXT COMPRESSED)`);
      const start = await pos();
      const first = await openBinlogStream({ endpoint: srv.endpoint, serverId: SERVER_ID, startPosition: start, schemaTables: { db: zdb, tables: ['z'] }, heartbeatSeconds: 0.25 });
      assert.equal(first.decoder, 'mariadb');
      await conn.query(`INSERT INTO ${zdb}.z VALUES (1, REPEAT('ab', 40), REPEAT('é', 300))`);
      await assert.rejects(collect(first, () => false), /table vtm_binlog_compressed\.z: column v .*; reconnect to read it with zongji/);
      const second = await openBinlogStream({ endpoint: srv.endpoint, serverId: SERVER_ID, startPosition: start, schemaTables: { db: zdb, tables: ['z'] }, heartbeatSeconds: 0.25 });
      try {
        assert.equal(second.decoder, 'zongji');
        const items = await collect(second, (xs) => withChanges(xs).length > 0);
        assert.deepEqual(withChanges(items).flatMap((t) => t.changes), [{ table: 'z', kind: 'insert', after: { id: 1, v: 'ab'.repeat(40), t: 'é'.repeat(300) } }]);
      } finally {
        await second.close();
      }
    } finally {
      await conn.query(`DROP DATABASE ${zdb}`);
    }
  });

  it('stops cleanly: close() ends iteration, and so does breaking out of for-await', async () => {
    await conn.query('CREATE TABLE c (id INT PRIMARY KEY)');
    const stream = await open(await pos(), ['c']);
    const pending = collect(stream, () => false, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await stream.close();
    const items = await pending;
    assert.ok(items.every((i) => i.type === 'heartbeat'));
    const again = await open(await pos(), ['c']);
    await conn.query('INSERT INTO c VALUES (1)');
    for await (const item of again) {
      if (item.type === 'transaction' && item.changes.length > 0) break;
    }
    // The reader's dump thread is gone from the server.
    for (let i = 0; i < 50; i++) {
      const [rows] = await conn.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
      if (String(rows[0].n) === '0') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('a binlog dump thread is still running');
  });

  it('a server that hangs mid-stream (SIGSTOP, as behind a partition): the stream fails after its idle timeout and closes, instead of waiting for ever', async () => {
    await conn.query('CREATE TABLE hang (id INT PRIMARY KEY)');
    const start = await pos();
    const stream = await open(start, ['hang'], { idleTimeoutMs: 1_500 });
    await conn.query('INSERT INTO hang VALUES (1)');
    const after1 = await pos();
    await collect(stream, (xs) => txns(xs).some((t) => t.position === after1));
    await srv.freeze();
    try {
      // The sockets stay open (the kernel still answers for the stopped server): only the idle
      // watchdog can tell, and closing must not wait for the server's answer to KILL or QUIT.
      await assert.rejects(collect(stream, () => false, 20_000),
        new RegExp(`lost the binlog connection to 127\\.0\\.0\\.1:${srv.port} at position '${after1}': no events or heartbeats for \\d+ s`));
      await stream.close();
    } finally {
      srv.thaw();
    }
    // Back: a new stream from the same position goes on.
    await conn.query('INSERT INTO hang VALUES (2)');
    const after2 = await pos();
    const resumed = await open(after1, ['hang']);
    const more = await collect(resumed, (xs) => txns(xs).some((t) => t.position === after2));
    await resumed.close();
    assert.deepEqual(withChanges(more).flatMap((t) => t.changes), [{ table: 'hang', kind: 'insert', after: { id: 2 } }]);
  });
});
