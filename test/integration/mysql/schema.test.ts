import { strict as assert } from 'node:assert';
import type { RowDataPacket } from 'mysql2/promise';
import { quoteId, withMysql, type Connection, type MysqlEndpoint } from '../../../src/mysql/connect';
import {
  addSecondaryKeysSql, binlogSettings, createTableWithoutSecondaryKeys, deferrableSecondaryKeys, listBaseTables, readTableSchema,
  readTableSchemas,
} from '../../../src/mysql/schema';
import { createScratchDb, scratchName, startPrivatePair, type PrivatePair } from './scratch';

const T1 = `CREATE TABLE t1 (
  a INT NOT NULL,
  b VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_german1_ci NOT NULL,
  j JSON,
  g INT AS (a * 2) VIRTUAL,
  s INT AS (a + 1) STORED,
  inv INT INVISIBLE DEFAULT 5,
  txt TEXT,
  e ENUM('x', 'y''z', 'a,b') NOT NULL DEFAULT 'x',
  st SET('p', 'q'),
  bt BIT(10),
  u BIGINT UNSIGNED,
  d DECIMAL(12, 3),
  ts TIMESTAMP(6) NULL,
  tm TIME(3),
  dt DATETIME,
  PRIMARY KEY (b, a),
  UNIQUE KEY uq (j(10)),
  UNIQUE KEY lu (txt) USING HASH,
  KEY k1 (txt(20) DESC, a) COMMENT 'it''s',
  KEY k2 (g),
  KEY k3 (u) IGNORED,
  FULLTEXT KEY ft (txt)
) ENGINE=InnoDB`;

async function showCreate(c: Connection, db: string, table: string): Promise<string> {
  const [r] = await c.query<RowDataPacket[]>(`SHOW CREATE TABLE ${quoteId(db)}.${quoteId(table)}`);
  return String(r[0]['Create Table']);
}

describe('mysql schema introspection (MariaDB)', function () {
  this.timeout(60_000);
  let pair: PrivatePair;
  let primary: MysqlEndpoint;
  const db = scratchName('schema');
  const db2 = scratchName('schema2');

  before(async () => {
    pair = await startPrivatePair({ replica: false });
    ({ primary } = pair);
    await createScratchDb(primary, db);
    await createScratchDb(primary, db2);
    await withMysql({ ...primary, database: db }, async (c) => {
      await c.query(T1);
      await c.query('CREATE TABLE `B` (id INT PRIMARY KEY)');
      await c.query('CREATE TABLE `_x` (id INT PRIMARY KEY)');
      await c.query('CREATE TABLE `a` (id INT PRIMARY KEY)');
      await c.query('CREATE VIEW v AS SELECT * FROM a');
      await c.query('CREATE TABLE p1 (id INT PRIMARY KEY, x INT)');
      await c.query('CREATE TABLE c1 (id INT PRIMARY KEY, pid INT, q INT, w INT, KEY kp (pid, q), KEY kw (w), CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p1 (id))');
      await c.query('CREATE TABLE nokeys (id INT)');
    });
  });
  after(async () => {
    await pair?.stop();
  });

  it('lists base tables sorted bytewise, without views', async () => {
    await withMysql(primary, async (c) => {
      assert.deepEqual(await listBaseTables(c, db), ['B', '_x', 'a', 'c1', 'nokeys', 'p1', 't1']);
      assert.deepEqual(await listBaseTables(c, 'vtm_no_such_db'), []);
    });
  });

  it('reads columns, keys and estimates of a table', async () => {
    const s = await withMysql(primary, (c) => readTableSchema(c, db, 't1'));
    assert.equal(s.name, 't1');
    assert.equal(s.engine, 'InnoDB');
    assert.equal(s.estimatedRows, 0);
    assert.equal(s.estimatedBytes, 16384);
    assert.deepEqual(s.primaryKey, ['b', 'a']);
    assert.deepEqual(s.foreignKeys, []);
    const col = (name: string) => {
      const c = s.columns.find((x) => x.name === name);
      assert.ok(c, name);
      return c;
    };
    assert.deepEqual(s.columns.map((c) => c.name), ['a', 'b', 'j', 'g', 's', 'inv', 'txt', 'e', 'st', 'bt', 'u', 'd', 'ts', 'tm', 'dt']);
    assert.deepEqual(s.columns.map((c) => c.ordinal), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(col('a'), {
      name: 'a', ordinal: 1, dataType: 'int', columnType: 'int(11)', unsigned: false, nullable: false, generated: false, invisible: false,
      charset: null, collation: null, numericPrecision: null, numericScale: null, datetimePrecision: null, enumValues: null,
    });
    assert.deepEqual(col('b'), {
      name: 'b', ordinal: 2, dataType: 'varchar', columnType: 'varchar(20)', unsigned: false, nullable: false, generated: false, invisible: false,
      charset: 'latin1', collation: 'latin1_german1_ci', numericPrecision: null, numericScale: null, datetimePrecision: null, enumValues: null,
    });
    assert.equal(col('j').dataType, 'json');
    assert.equal(col('j').columnType, 'longtext');
    assert.equal(col('j').collation, 'utf8mb4_bin');
    assert.equal(col('txt').dataType, 'text');
    assert.deepEqual([col('g').generated, col('s').generated, col('a').generated], [true, true, false]);
    assert.deepEqual([col('inv').invisible, col('g').invisible], [true, false]);
    assert.deepEqual(col('e').enumValues, ['x', "y'z", 'a,b']);
    assert.equal(col('e').dataType, 'enum');
    assert.equal(col('e').nullable, false);
    assert.deepEqual(col('st').enumValues, ['p', 'q']);
    assert.equal(col('bt').columnType, 'bit(10)');
    assert.deepEqual([col('u').dataType, col('u').columnType, col('u').unsigned], ['bigint', 'bigint(20) unsigned', true]);
    assert.deepEqual([col('d').numericPrecision, col('d').numericScale], [12, 3]);
    assert.deepEqual([col('ts').datetimePrecision, col('tm').datetimePrecision, col('dt').datetimePrecision], [6, 3, 0]);

    const key = (name: string) => {
      const k = s.secondaryKeys.find((x) => x.name === name);
      assert.ok(k, name);
      return k;
    };
    assert.deepEqual(s.secondaryKeys.map((k) => k.name), ['ft', 'k1', 'k2', 'k3', 'lu', 'uq']);
    assert.deepEqual(key('k1'), {
      name: 'k1', unique: false, columns: ['txt', 'a'], prefixLengths: [20, null], descending: [true, false], expressions: [null, null],
      indexType: 'BTREE', comment: "it's", ignored: false,
    });
    assert.deepEqual([key('uq').unique, key('uq').prefixLengths], [true, [10]]);
    assert.deepEqual([key('lu').unique, key('lu').indexType], [true, 'HASH']);
    assert.equal(key('ft').indexType, 'FULLTEXT');
    assert.equal(key('k3').ignored, true);
    assert.match(s.createTable, /^CREATE TABLE `t1` \(\n {2}`a` int\(11\) NOT NULL,\n/);
  });

  it('reads several tables at once, foreign keys included, and names a missing table', async () => {
    await withMysql(primary, async (c) => {
      const m = await readTableSchemas(c, db, ['c1', 'p1', 'nokeys']);
      assert.deepEqual([...m.keys()], ['c1', 'p1', 'nokeys']);
      assert.deepEqual(m.get('c1')?.foreignKeys, [{ name: 'fk1', columns: ['pid'], referencedDb: db, referencedTable: 'p1', referencedColumns: ['id'] }]);
      assert.deepEqual(m.get('nokeys')?.primaryKey, []);
      assert.deepEqual(m.get('p1')?.columns.map((x) => x.name), ['id', 'x']);
      assert.equal((await readTableSchemas(c, db)).size, 7);
      await assert.rejects(readTableSchemas(c, db, ['p1', 'nope']), new RegExp(`table ${db}\\.nope does not exist`));
      await assert.rejects(readTableSchema(c, db, 'v'), new RegExp(`table ${db}\\.v does not exist \\(or is not a base table\\)`));
    });
  });

  it('reports the binlog settings validation needs', async () => {
    const s = await withMysql(primary, (c) => binlogSettings(c));
    assert.deepEqual({ ...s, version: s.version.includes('MariaDB') }, {
      flavor: 'MariaDB', version: true, logBin: true, binlogFormat: 'ROW', binlogRowImage: 'FULL', binlogRowMetadata: 'FULL',
      gtidMode: null, gtidStrictMode: true, serverId: pair.servers[0].serverId, binlogTransactionCompression: null,
    });
  });

  it('defers all secondary keys but FULLTEXT ones, and re-adds them to the identical table', async () => {
    await withMysql(primary, async (c) => {
      const s = await readTableSchema(c, db, 't1');
      assert.deepEqual(deferrableSecondaryKeys(s).map((k) => k.name), ['k1', 'k2', 'k3', 'lu', 'uq']);
      const stripped = createTableWithoutSecondaryKeys(s.createTable, s);
      assert.doesNotMatch(stripped, /KEY `(k1|k2|k3|lu|uq)`/);
      assert.match(stripped, /PRIMARY KEY \(`b`,`a`\),\n {2}FULLTEXT KEY `ft` \(`txt`\)\n\) ENGINE=InnoDB/);
      const alter = addSecondaryKeysSql('t1', s);
      // In the order of the source's SHOW CREATE TABLE, so the rebuilt table shows them alike.
      assert.equal(alter, 'ALTER TABLE `t1` ADD UNIQUE KEY `uq` (`j`(10)), ADD UNIQUE KEY `lu` (`txt`) USING HASH, ' +
        'ADD KEY `k1` (`txt`(20) DESC,`a`) COMMENT \'it\'\'s\', ADD KEY `k2` (`g`), ADD KEY `k3` (`u`) IGNORED');
      await c.query(`USE ${quoteId(db2)}`);
      await c.query(stripped);
      const bare = await readTableSchema(c, db2, 't1');
      assert.deepEqual(bare.secondaryKeys.map((k) => k.name), ['ft']);
      await c.query(alter);
      assert.equal(await showCreate(c, db2, 't1'), await showCreate(c, db, 't1'));
      const again = await readTableSchema(c, db2, 't1');
      assert.deepEqual(again.secondaryKeys, s.secondaryKeys);
    });
  });

  it('re-adds a SPATIAL key without the prefix length information_schema reports for it', async () => {
    await withMysql(primary, async (c) => {
      await c.query(`CREATE TABLE ${quoteId(db)}.sp (id INT PRIMARY KEY, pos POINT NOT NULL, SPATIAL KEY sk (pos))`);
      try {
        const s = await readTableSchema(c, db, 'sp');
        assert.equal(addSecondaryKeysSql('sp', s, db2), `ALTER TABLE ${quoteId(db2)}.\`sp\` ADD SPATIAL KEY \`sk\` (\`pos\`)`);
        await c.query(`USE ${quoteId(db2)}`);
        await c.query(createTableWithoutSecondaryKeys(s.createTable, s));
        await c.query(addSecondaryKeysSql('sp', s, db2));
        assert.deepEqual((await readTableSchema(c, db2, 'sp')).secondaryKeys, s.secondaryKeys);
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${quoteId(db)}.sp, ${quoteId(db2)}.sp`);
      }
    });
  });

  it('keeps a key a foreign key needs, and leaves tables without deferrable keys alone', async () => {
    await withMysql(primary, async (c) => {
      const s = await readTableSchema(c, db, 'c1');
      assert.deepEqual(deferrableSecondaryKeys(s).map((k) => k.name), ['kw']);
      const stripped = createTableWithoutSecondaryKeys(s.createTable, s);
      assert.equal(stripped, s.createTable.replace('  KEY `kw` (`w`),\n', ''));
      assert.equal(addSecondaryKeysSql('c1', s, 'x'), 'ALTER TABLE `x`.`c1` ADD KEY `kw` (`w`)');
      const p = await readTableSchema(c, db, 'p1');
      assert.equal(createTableWithoutSecondaryKeys(p.createTable, p), p.createTable);
      assert.equal(addSecondaryKeysSql('p1', p), '');
    });
  });
});
