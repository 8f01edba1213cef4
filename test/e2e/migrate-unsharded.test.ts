// Unsharded keyspaces on either side of a migration, the way many imports start or end: a
// sharded source merged into one unsharded shard (`commerce` -80,80- → `single/0`: two streams
// into one shard, nothing filtered), and an unsharded source split over a sharded target
// (`legacy/0` → `customer` -40,40-c0,c0-: one source stream per target shard, each keeping the
// rows its key range owns, and rows whose vindex column changes moving between target shards;
// string keys routed by unicode_loose_md5 and unicode_loose_xxhash, with the shards they belong
// on computed from weights Vitess's own collation code gave, test/fixtures/unicode-loose-weights.json).
// Both run copy, catch-up under writes, cutover and complete; an independent check (plain SQL
// on every primary, routing recomputed with OpenSSL) must find the source's rows, byte for byte,
// where they belong and nowhere else.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import xxhash from 'xxhash-wasm';
import { migrateWorkflowId } from '../../src/workflows/api';
import { hashKsid, md5Ksid, shardOf } from '../support/routing';
import {
  acquireHarness,
  createSourceTables,
  cutoverAndComplete,
  dropTables,
  editVSchema,
  ensureMount,
  execOn,
  onSourceShardOf,
  qid,
  releaseHarness,
  rowsOn,
  SOURCE_SHARDS,
  tablet,
  TARGET_SHARDS,
  terminateIfRunning,
  vtmigrateOn,
  waitReplicasCaughtUp,
  waitStatus,
  type Harness,
  type TabletInfo,
} from '../support/migrate-harness';

const MOUNT = 'unsharded';

/** Every row of `table` on these tablets, each column as HEX of its value, by primary key `pk`; where each row was. */
async function rowsByKey(tablets: TabletInfo[], table: string, pk: string): Promise<Map<string, { shard: string; row: Record<string, string | null> }>> {
  const out = new Map<string, { shard: string; row: Record<string, string | null> }>();
  for (const t of tablets) {
    const cols = (await rowsOn<{ c: string }>(t.port, 'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
      [t.db, table])).map((r) => r.c);
    const rows = await rowsOn<Record<string, string | null>>(t.port,
      `SELECT ${cols.map((c) => `HEX(${qid(c)}) AS ${qid(c)}`).join(', ')}, CAST(${qid(pk)} AS CHAR) AS _pk FROM ${qid(table)}`, [], t.db);
    for (const r of rows) {
      const key = r._pk!;
      delete r._pk;
      assert.ok(!out.has(key), `${table} ${pk} ${key} is on two shards (${out.get(key)?.shard} and ${t.shard})`);
      out.set(key, { shard: t.shard, row: r });
    }
  }
  return out;
}

/** Source rows == target rows, each on the shard `shardFor` names. */
function assertSameRows(table: string, source: Awaited<ReturnType<typeof rowsByKey>>, target: Awaited<ReturnType<typeof rowsByKey>>,
  shardFor: (row: Record<string, string | null>) => string): void {
  const problems: string[] = [];
  for (const [k, s] of source) {
    const t = target.get(k);
    if (!t) problems.push(`${table} ${k}: missing on the target`);
    else if (JSON.stringify(t.row) !== JSON.stringify(s.row)) problems.push(`${table} ${k}: source ${JSON.stringify(s.row)} target ${JSON.stringify(t.row)}`);
    else if (t.shard !== shardFor(s.row)) problems.push(`${table} ${k}: on target shard ${t.shard}, belongs on ${shardFor(s.row)}`);
  }
  for (const k of target.keys()) if (!source.has(k)) problems.push(`${table} ${k}: extra row on the target`);
  assert.deepEqual(problems.slice(0, 10), []);
}

/**
 * Strings with the bytes Vitess's unicode_loose vindexes hash for them, as Vitess's collate.Hasher
 * computed them: distinct once trailing spaces are trimmed (the key columns pad), at most 60 characters.
 */
function looseKeys(): { text: string; weights: Buffer }[] {
  const file = join(__dirname, '../../../test/fixtures/unicode-loose-weights.json');
  const seen = new Set<string>();
  const out: { text: string; weights: Buffer }[] = [];
  for (const [input, weights] of JSON.parse(readFileSync(file, 'utf8')) as [string, string][]) {
    const text = Buffer.from(input, 'base64').toString('utf8');
    const trimmed = text.replace(/ +$/, '');
    if (seen.has(trimmed) || [...text].length > 60) continue;
    seen.add(trimmed);
    out.push({ text, weights: Buffer.from(weights, 'hex') });
  }
  return out;
}

/** A string as an SQL literal that survives any bytes: CONVERT(X'…' USING utf8mb4). */
const utf8Literal = (text: string) => `CONVERT(X'${Buffer.from(text).toString('hex')}' USING utf8mb4)`;

/** A BIGINT from its HEX(value) text (HEX of an integer column is its value in hex). */
const fromHex = (hex: string | null) => BigInt(`0x${hex}`);

describe('Migrate with unsharded keyspaces: sharded → unsharded and unsharded → sharded', function () {
  this.timeout(300_000);
  let h: Harness;

  before(async () => {
    h = await acquireHarness();
    await ensureMount(h, MOUNT);
  });

  after(async () => {
    if (!h) return;
    await releaseHarness();
  });

  describe('commerce (-80, 80-) → single/0', () => {
    const TABLE = 'merged_items';
    const ID = migrateWorkflowId('single', 'merge');
    const single = () => tablet(h, 'target', '0', 'PRIMARY', 'single');

    before(async () => {
      await terminateIfRunning(h, ID);
      await createSourceTables(h, {
        [TABLE]: `CREATE TABLE ${TABLE} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NULL, KEY by_name (name)) ENGINE=InnoDB`,
      });
      await execOn(single().port, `DROP TABLE IF EXISTS ${TABLE}`, single().db);
      await editVSchema(h, 'source', 'commerce', (v) => {
        v.vindexes!.hash ??= { type: 'hash' };
        v.tables![TABLE] = { column_vindexes: [{ column: 'id', name: 'hash' }] };
      });
      for (let id = 1; id <= 400; id++) await onSourceShardOf(h, BigInt(id), [`INSERT INTO ${TABLE} VALUES (${id}, 'item ${id}', ${id % 7 === 0 ? 'NULL' : id})`]);
      await waitReplicasCaughtUp(h);
    });

    after(async () => {
      await terminateIfRunning(h, ID);
      await dropTables(h, [TABLE]);
      await editVSchema(h, 'source', 'commerce', (v) => { delete v.tables![TABLE]; }).catch(() => undefined);
      await editVSchema(h, 'target', 'single', (v) => { delete v.tables![TABLE]; }).catch(() => undefined);
    });

    it('refuses a table the source VSchema has no vindex for: which source shard a row belongs to decides which version stands', async () => {
      await editVSchema(h, 'source', 'commerce', (v) => { delete v.tables![TABLE]; });
      try {
        const r = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', 'merge', '--target-keyspace', 'single', 'create',
          '--source-keyspace', 'commerce', '--mount-name', MOUNT, '--tables', TABLE]);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, new RegExp(`table ${TABLE} has no vindex in the VSchema of source keyspace commerce: its 2 shards all feed target keyspace single's one shard, .*ApplyVSchema on the source cluster`));
        // Refused before anything was written.
        const [has] = await rowsOn<{ n: number }>(single().port, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [single().db, TABLE]);
        assert.equal(Number(has.n), 0);
      } finally {
        await editVSchema(h, 'source', 'commerce', (v) => { v.tables![TABLE] = { column_vindexes: [{ column: 'id', name: 'hash' }] }; });
      }
    });

    it('merges both source shards into the one target shard, with catch-up, cutover and complete', async () => {
      const r = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', 'merge', '--target-keyspace', 'single', 'create',
        '--source-keyspace', 'commerce', '--mount-name', MOUNT, '--tables', TABLE]);
      assert.equal(r.code, 0, r.stderr);
      const handle = h.client.workflow.getHandle(ID);
      const running = await waitStatus(handle, 'the copy is done', (s) => s.phase === 'Running' && s.shards.every((x) => x.phase === 'Running'), 120_000);
      // One target shard, fed by both source shards.
      assert.deepEqual(running.shards.map((s) => s.shard), ['0']);

      // Catch-up: inserts, updates and deletes on both source shards.
      for (let id = 401; id <= 500; id++) await onSourceShardOf(h, BigInt(id), [`INSERT INTO ${TABLE} VALUES (${id}, 'late ${id}', ${id})`]);
      for (let id = 1; id <= 100; id += 3) await onSourceShardOf(h, BigInt(id), [`UPDATE ${TABLE} SET qty = COALESCE(qty, 0) + 1000, name = 'updated' WHERE id = ${id}`]);
      for (let id = 2; id <= 200; id += 5) await onSourceShardOf(h, BigInt(id), [`DELETE FROM ${TABLE} WHERE id = ${id}`]);
      const sources = SOURCE_SHARDS.map((s) => tablet(h, 'source', s));
      assert.ok(new Set(sources.map((t) => t.port)).size === 2);

      await cutoverAndComplete(handle, 120_000);

      const source = await rowsByKey(sources, TABLE, 'id');
      const target = await rowsByKey([single()], TABLE, 'id');
      assert.equal(source.size, 400 + 100 - 40);
      assertSameRows(TABLE, source, target, () => '0');
      // Nothing was written to the sharded keyspace of the same cluster.
      for (const s of TARGET_SHARDS) {
        const t = tablet(h, 'target', s);
        const [has] = await rowsOn<{ n: number }>(t.port, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [t.db, TABLE]);
        assert.equal(Number(has.n), 0, `${TABLE} created on customer/${s}`);
      }
      // The unsharded target's VSchema lists the table, without vindexes.
      const vschema = JSON.parse((await vtmigrateOn(h, 'target', ['GetVSchema', 'single'])).stdout) as { sharded: boolean; tables: Record<string, { column_vindexes: unknown[] }> };
      assert.equal(vschema.sharded, false);
      assert.deepEqual(vschema.tables[TABLE]?.column_vindexes, [], JSON.stringify(vschema));
    });
  });

  describe('legacy/0 → customer (-40, 40-c0, c0-)', () => {
    const ACCOUNTS = 'legacy_accounts';
    const ORDERS = 'legacy_orders';
    const PEOPLE = 'legacy_people'; // unicode_loose_md5 on the primary key
    const VISITS = 'legacy_visits'; // unicode_loose_xxhash on a column that is not the key
    const COUNTRIES = 'legacy_countries'; // a reference table: whole on every target shard
    const NOPK = 'legacy_nopk'; // no primary key: keyed by its cheapest unique NOT NULL key (Vitess's PKE), `code`
    const keys = looseKeys();
    const weightsOf = new Map(keys.map((k) => [k.text.replace(/ +$/, ''), k.weights]));
    let h64: (bytes: Uint8Array) => bigint;
    const ID = migrateWorkflowId('customer', 'split');
    const legacy = () => tablet(h, 'source', '0', 'PRIMARY', 'legacy');
    const onLegacy = (sql: string[]) => execOn(legacy().port, sql, legacy().db);
    const byHash = (column: string) => (row: Record<string, string | null>) => shardOf(TARGET_SHARDS, hashKsid(fromHex(row[column])));

    /** The target shard of a HEX'd string key, from Vitess's weights for it. */
    const byLoose = (column: string, hash: (weights: Buffer) => Buffer) => (row: Record<string, string | null>) => {
      const text = Buffer.from(row[column]!, 'hex').toString('utf8').replace(/ +$/, '');
      const weights = weightsOf.get(text);
      assert.ok(weights, `no Vitess weights for ${JSON.stringify(text)}`);
      return shardOf(TARGET_SHARDS, hash(weights));
    };
    const xxhashKsid = (weights: Buffer) => {
      const ksid = Buffer.alloc(8);
      ksid.writeBigUInt64LE(h64(weights));
      return ksid;
    };

    before(async () => {
      await terminateIfRunning(h, ID);
      await dropTables(h, [ACCOUNTS, ORDERS, PEOPLE, VISITS, NOPK, COUNTRIES]);
      h64 = (await xxhash()).h64Raw;
      assert.ok(keys.length > 400, `${keys.length} keys`);
      await onLegacy([
        `CREATE TABLE ${PEOPLE} (name VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB`,
        `CREATE TABLE ${COUNTRIES} (code CHAR(2) NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB`,
        `INSERT INTO ${COUNTRIES} VALUES ('de', 'Germany'), ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil'), ('ke', 'Kenya'), ('nz', 'New Zealand')`,
        `CREATE TABLE ${NOPK} (sku VARCHAR(20) NOT NULL, code INT NOT NULL, email VARCHAR(80) NULL, note TEXT NULL,
          UNIQUE KEY by_sku (sku), UNIQUE KEY by_code (code), UNIQUE KEY by_email (email)) ENGINE=InnoDB`,
        `INSERT INTO ${NOPK} VALUES ${Array.from({ length: 300 }, (_, i) => `('S${i + 1}', ${i + 1}, ${i % 3 === 0 ? 'NULL' : `'e${i + 1}@example.com'`}, 'n${i + 1}')`).join(',')}`,
        `CREATE TABLE ${VISITS} (id INT NOT NULL PRIMARY KEY, city VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL, KEY city (city)) ENGINE=InnoDB`,
        // The first 300 keys are copied, the rest arrive during catch-up.
        `INSERT INTO ${PEOPLE} VALUES ${keys.slice(0, 300).map((k, i) => `(${utf8Literal(k.text)}, ${i})`).join(',')}`,
        `INSERT INTO ${VISITS} VALUES ${keys.slice(0, 300).map((k, i) => `(${i}, ${utf8Literal(k.text)})`).join(',')}`,
      ]);
      await onLegacy([
        `CREATE TABLE ${ACCOUNTS} (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, email VARCHAR(80) NOT NULL, balance DECIMAL(12,2) NOT NULL, UNIQUE KEY email (email)) ENGINE=InnoDB`,
        // The vindex column is not the primary key: an update of account_id moves the order to another target shard.
        `CREATE TABLE ${ORDERS} (order_id BIGINT NOT NULL PRIMARY KEY, account_id BIGINT NOT NULL, note TEXT NULL, KEY account (account_id)) ENGINE=InnoDB`,
      ]);
      await editVSchema(h, 'target', 'customer', (v) => {
        v.vindexes!.hash ??= { type: 'hash' };
        v.tables![ACCOUNTS] = { column_vindexes: [{ column: 'id', name: 'hash' }] };
        v.tables![ORDERS] = { column_vindexes: [{ column: 'account_id', name: 'hash' }] };
        v.vindexes!.loose_md5 = { type: 'unicode_loose_md5' };
        v.vindexes!.loose_xxhash = { type: 'unicode_loose_xxhash' };
        v.tables![PEOPLE] = { column_vindexes: [{ column: 'name', name: 'loose_md5' }] };
        v.tables![VISITS] = { column_vindexes: [{ column: 'city', name: 'loose_xxhash' }] };
        v.tables![NOPK] = { column_vindexes: [{ column: 'code', name: 'hash' }] };
        v.tables![COUNTRIES] = { type: 'reference' };
      });
      const accounts = Array.from({ length: 300 }, (_, i) => i + 1);
      await onLegacy([
        `INSERT INTO ${ACCOUNTS} VALUES ${accounts.map((id) => `(${id}, 'a${id}@example.com', ${id}.25)`).join(',')}`,
        // The top of the BIGINT UNSIGNED range, which a signed reading would put elsewhere.
        `INSERT INTO ${ACCOUNTS} VALUES (18446744073709551615, 'max@example.com', 0)`,
        `INSERT INTO ${ORDERS} VALUES ${Array.from({ length: 600 }, (_, i) => `(${i + 1}, ${(i % 300) + 1}, ${i % 11 === 0 ? 'NULL' : `'order ${i + 1}'`})`).join(',')}`,
      ]);
    });

    after(async () => {
      await terminateIfRunning(h, ID);
      await dropTables(h, [ACCOUNTS, ORDERS, PEOPLE, VISITS, NOPK, COUNTRIES]);
      await editVSchema(h, 'target', 'customer', (v) => {
        for (const t of [ACCOUNTS, ORDERS, PEOPLE, VISITS, NOPK, COUNTRIES]) delete v.tables![t];
        delete v.vindexes!.loose_md5;
        delete v.vindexes!.loose_xxhash;
      }).catch(() => undefined);
    });

    it('splits the one source shard over the target shards by their vindexes, moving rows whose vindex column changes', async () => {
      const r = await vtmigrateOn(h, 'target', ['Migrate', '--workflow', 'split', '--target-keyspace', 'customer', 'create',
        '--source-keyspace', 'legacy', '--mount-name', MOUNT, '--tables', `${ACCOUNTS},${ORDERS},${PEOPLE},${VISITS},${NOPK},${COUNTRIES}`]);
      assert.equal(r.code, 0, r.stderr);
      const handle = h.client.workflow.getHandle(ID);
      await waitStatus(handle, 'the copy is done', (s) => s.phase === 'Running' && s.shards.every((x) => x.phase === 'Running'), 120_000);

      // Catch-up: new rows, a unique email handed from one account to another (different target
      // shards), orders moved between accounts (and so between target shards), deletes.
      await onLegacy([
        `INSERT INTO ${ACCOUNTS} VALUES ${Array.from({ length: 50 }, (_, i) => `(${1000 + i}, 'n${i}@example.com', 1)`).join(',')}`,
        `UPDATE ${ACCOUNTS} SET email = 'gone@example.com' WHERE id = 1`,
        `UPDATE ${ACCOUNTS} SET email = 'a1@example.com', balance = balance + 1 WHERE id = 2`,
        `UPDATE ${ORDERS} SET account_id = account_id + 7 WHERE order_id % 4 = 0`,
        `UPDATE ${ORDERS} SET note = CONCAT(COALESCE(note, ''), ' edited') WHERE order_id % 9 = 0`,
        `DELETE FROM ${ORDERS} WHERE order_id % 10 = 3`,
        `DELETE FROM ${ACCOUNTS} WHERE id BETWEEN 250 AND 260`,
        `INSERT INTO ${ORDERS} VALUES (5000, 18446744073709551, 'big account')`,
        // String keys: new ones, renamed ones (a new primary key, so often another shard), deleted
        // ones, and cities changed to other strings, to NULL (no bytes: MD5/XXH64 of nothing) and back.
        // (the last 40 keys are kept for the renames)
        `INSERT INTO ${PEOPLE} VALUES ${keys.slice(300, -40).map((k, i) => `(${utf8Literal(k.text)}, ${300 + i})`).join(',')}`,
        ...keys.slice(-40).map((k, i) => `UPDATE ${PEOPLE} SET name = ${utf8Literal(k.text)} WHERE n = ${i * 7}`),
        `DELETE FROM ${PEOPLE} WHERE n BETWEEN 100 AND 119`,
        `INSERT INTO ${VISITS} VALUES ${keys.slice(300).map((k, i) => `(${300 + i}, ${utf8Literal(k.text)})`).join(',')}`,
        ...Array.from({ length: 60 }, (_, i) => `UPDATE ${VISITS} SET city = ${utf8Literal(keys[keys.length - 1 - i]!.text)} WHERE id = ${i}`),
        `UPDATE ${VISITS} SET city = NULL WHERE id BETWEEN 200 AND 209`,
        `DELETE FROM ${VISITS} WHERE id BETWEEN 210 AND 219`,
        // The keyless table: new rows, deletes, its key changed (rows move between shards), a unique sku handed on.
        `INSERT INTO ${NOPK} VALUES ${Array.from({ length: 50 }, (_, i) => `('S${301 + i}', ${301 + i}, NULL, 'late')`).join(',')}`,
        `DELETE FROM ${NOPK} WHERE code BETWEEN 100 AND 109`,
        `UPDATE ${NOPK} SET code = code + 1000, note = 'moved' WHERE code % 10 = 0`,
        `UPDATE ${NOPK} SET note = CONCAT(COALESCE(note, ''), ' edited'), email = NULL WHERE code % 7 = 0`,
        `UPDATE ${NOPK} SET sku = 'gone' WHERE code = 5`,
        `UPDATE ${NOPK} SET sku = 'S5' WHERE code = 6`,
        `INSERT INTO ${COUNTRIES} VALUES ('it', 'Italy'), ('mx', 'Mexico')`,
        `UPDATE ${COUNTRIES} SET name = 'Deutschland' WHERE code = 'de'`,
        `UPDATE ${COUNTRIES} SET code = 'nl', name = 'Netherlands' WHERE code = 'nz'`,
        `DELETE FROM ${COUNTRIES} WHERE code IN ('fr', 'br')`,
      ]);

      await cutoverAndComplete(handle, 120_000);

      const targets = TARGET_SHARDS.map((s) => tablet(h, 'target', s));
      const accounts = await rowsByKey([legacy()], ACCOUNTS, 'id');
      assert.equal(accounts.size, 301 + 50 - 11);
      assertSameRows(ACCOUNTS, accounts, await rowsByKey(targets, ACCOUNTS, 'id'), byHash('id'));
      const orders = await rowsByKey([legacy()], ORDERS, 'order_id');
      assert.equal(orders.size, 600 - 60 + 1);
      assertSameRows(ORDERS, orders, await rowsByKey(targets, ORDERS, 'order_id'), byHash('account_id'));
      const people = await rowsByKey([legacy()], PEOPLE, 'n');
      assert.equal(people.size, keys.length - 40 - 20);
      assertSameRows(PEOPLE, people, await rowsByKey(targets, PEOPLE, 'n'), byLoose('name', md5Ksid));
      const visits = await rowsByKey([legacy()], VISITS, 'id');
      assert.equal(visits.size, keys.length - 10);
      assertSameRows(VISITS, visits, await rowsByKey(targets, VISITS, 'id'),
        (row) => (row.city === null ? shardOf(TARGET_SHARDS, xxhashKsid(Buffer.alloc(0))) : byLoose('city', xxhashKsid)(row)));
      const nopk = await rowsByKey([legacy()], NOPK, 'code');
      assert.equal(nopk.size, 340);
      assertSameRows(NOPK, nopk, await rowsByKey(targets, NOPK, 'code'), byHash('code'));
      for (const t of targets) {
        const [created] = await rowsOn<Record<string, string>>(t.port, `SHOW CREATE TABLE ${NOPK}`, [], t.db);
        const ddl = created['Create Table']!;
        // Still keyless, with every unique key (those deferred during the copy added back).
        assert.ok(!/PRIMARY KEY/.test(ddl) && ['by_sku', 'by_code', 'by_email'].every((k) => ddl.includes(`UNIQUE KEY \`${k}\``)), ddl);
      }
      // The reference table: every target shard holds all of it.
      const countries = await rowsByKey([legacy()], COUNTRIES, 'code');
      assert.deepEqual([...countries.keys()].sort(), ['de', 'it', 'jp', 'ke', 'mx', 'nl']);
      for (const t of targets) assertSameRows(COUNTRIES, countries, await rowsByKey([t], COUNTRIES, 'code'), () => t.shard);
      // The rows are spread: every target shard holds some of each table.
      for (const t of targets) {
        const [n] = await rowsOn<{ a: number; o: number; p: number; v: number }>(t.port,
          `SELECT (SELECT COUNT(*) FROM ${ACCOUNTS}) AS a, (SELECT COUNT(*) FROM ${ORDERS}) AS o, (SELECT COUNT(*) FROM ${PEOPLE}) AS p, (SELECT COUNT(*) FROM ${VISITS}) AS v`, [], t.db);
        assert.ok(Number(n.a) > 0 && Number(n.o) > 0 && Number(n.p) > 0 && Number(n.v) > 0, `customer/${t.shard}: ${JSON.stringify(n)}`);
      }
    });
  });
});
