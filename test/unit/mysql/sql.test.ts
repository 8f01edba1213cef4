import { strict as assert } from 'node:assert';
import { deleteByPkSql, multiRowInsertSql, pkAfterClause, selectChunkSql, upsertRowSql } from '../../../src/mysql/sql';
import { col, latin1 } from './columns';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('SQL building', () => {
  const id = col('id', 'bigint(20) unsigned');
  const sid = col('sid', 'int(11)');
  const name = col('name', 'varchar(40)');
  const l1 = col('l1', 'varchar(40)', latin1);
  const u3 = col('u3', 'varchar(40)', { charset: 'utf8mb3', collation: 'utf8mb3_bin' });
  const dec = col('d', 'decimal(12,3)');
  const en = col('e', "enum('a','b','c')", { enumValues: ['a', 'b', 'c'] });
  const st = col('s', "set('x','y','z')", { enumValues: ['x', 'y', 'z'] });
  const bit = col('bt', 'bit(12)');
  const vb = col('vb', 'varbinary(8)');
  const dt = col('dt', 'datetime(6)');
  const dbl = col('f', 'double');
  const gen = col('g', 'int(11)', { generated: true });

  describe('pkAfterClause', () => {
    it('uses a bare comparison for a single-column key, with integers cast from exact strings', () => {
      assert.deepEqual(pkAfterClause([id], ['18446744073709551615']), { sql: '`id` > CAST(? AS UNSIGNED)', params: ['18446744073709551615'] });
      assert.deepEqual(pkAfterClause([sid], [-5], 't'), { sql: '`t`.`sid` > CAST(? AS SIGNED)', params: ['-5'] });
      assert.deepEqual(pkAfterClause([id], [9007199254740993n]), { sql: '`id` > CAST(? AS UNSIGNED)', params: ['9007199254740993'] });
      assert.deepEqual(pkAfterClause([name], ['Zoë']), { sql: '`name` > ?', params: ['Zoë'] });
      assert.deepEqual(pkAfterClause([dbl], [0.5]), { sql: '`f` > ?', params: [0.5] });
      assert.deepEqual(pkAfterClause([dt], ['2020-01-01 00:00:00']), { sql: '`dt` > ?', params: ['2020-01-01 00:00:00'] });
      assert.deepEqual(pkAfterClause([vb], [hex('00ff')]), { sql: '`vb` > ?', params: [hex('00ff')] });
      // The server compares a UUID column with the text as a UUID (in its stored order).
      assert.deepEqual(pkAfterClause([col('u', 'uuid')], ['00112233-4455-1677-8899-aabbccddeeff']), { sql: '`u` > ?', params: ['00112233-4455-1677-8899-aabbccddeeff'] });
    });

    it('compares non-utf8mb4 text in the column charset and collation, ENUM/SET by index, BIT as a number', () => {
      assert.deepEqual(pkAfterClause([l1], [hex('e9')]), { sql: '`l1` > CONVERT(? USING latin1) COLLATE latin1_swedish_ci', params: [hex('e9')] });
      assert.deepEqual(pkAfterClause([u3], ['x']), { sql: '`u3` > CONVERT(? USING utf8mb3) COLLATE utf8mb3_bin', params: ['x'] });
      assert.deepEqual(pkAfterClause([dec], ['-1.500']), { sql: '`d` > CAST(? AS DECIMAL(12,3))', params: ['-1.500'] });
      assert.deepEqual(pkAfterClause([en], ['b']), { sql: '`e` > ?', params: [2] });
      assert.deepEqual(pkAfterClause([en], ['']), { sql: '`e` > ?', params: [0] });
      assert.deepEqual(pkAfterClause([en], ['C']), { sql: '`e` > ?', params: [3] });
      assert.deepEqual(pkAfterClause([st], ['x,z']), { sql: '`s` > ?', params: [5] });
      assert.deepEqual(pkAfterClause([bit], [hex('0a01')]), { sql: '`bt` > CAST(? AS UNSIGNED)', params: ['2561'] });
      assert.throws(() => pkAfterClause([en], ['d']), /'d' is not a member of e enum\('a','b','c'\)/);
    });

    it('expands composite keys lexicographically behind a leading-column bound', () => {
      assert.deepEqual(pkAfterClause([sid, name, l1], [7, 'bob', hex('41')], 't'), {
        sql: '`t`.`sid` >= CAST(? AS SIGNED) AND ((`t`.`sid` > CAST(? AS SIGNED)) OR (`t`.`sid` = CAST(? AS SIGNED) AND `t`.`name` > ?) OR ' +
          '(`t`.`sid` = CAST(? AS SIGNED) AND `t`.`name` = ? AND `t`.`l1` > CONVERT(? USING latin1) COLLATE latin1_swedish_ci))',
        params: ['7', '7', '7', 'bob', '7', 'bob', hex('41')],
      });
    });

    it('rejects lastpk values that do not match the key', () => {
      assert.throws(() => pkAfterClause([sid, name], [1]), /lastpk has 1 values for a 2-column primary key/);
      assert.throws(() => pkAfterClause([sid], [null]), /primary key column sid has a NULL lastpk value/);
      assert.throws(() => pkAfterClause([], []), /without a primary key/);
      assert.throws(() => pkAfterClause([col('v', 'vector(4)')], [hex('00')]), /cannot be a copied primary key/);
    });
  });

  describe('selectChunkSql', () => {
    it('reads the first chunk in key order through the primary key', () => {
      assert.deepEqual(selectChunkSql('vt_commerce', 'customer', [id, name, l1], [id], null, 1000), {
        sql: 'SELECT `customer`.`id`, `customer`.`name`, CAST(`customer`.`l1` AS BINARY) AS `l1` FROM `vt_commerce`.`customer` FORCE INDEX (PRIMARY) ' +
          'ORDER BY `customer`.`id` LIMIT 1000',
        params: [],
      });
    });

    it('continues after lastpk, with one SQL text for every chunk', () => {
      const a = selectChunkSql('db', 't', [sid, name], [sid, name], [1, 'a'], 500);
      const b = selectChunkSql('db', 't', [sid, name], [sid, name], [2, 'b'], 500);
      assert.equal(a.sql, 'SELECT `t`.`sid`, `t`.`name` FROM `db`.`t` FORCE INDEX (PRIMARY) WHERE `t`.`sid` >= CAST(? AS SIGNED) AND ' +
        '((`t`.`sid` > CAST(? AS SIGNED)) OR (`t`.`sid` = CAST(? AS SIGNED) AND `t`.`name` > ?)) ORDER BY `t`.`sid`, `t`.`name` LIMIT 500');
      assert.equal(b.sql, a.sql);
      assert.deepEqual(b.params, ['2', '2', '2', 'b']);
      assert.throws(() => selectChunkSql('db', 't', [sid], [sid], null, 0), /chunk limit must be a positive integer, got 0/);
      assert.throws(() => selectChunkSql('db', 't', [sid], [], null, 10), /table db.t has no primary key/);
    });
  });

  describe('multiRowInsertSql', () => {
    it('writes a batch as one INSERT with exact literals, skipping generated columns', () => {
      const cols = [id, gen, name, l1, dbl, vb];
      const rows = [
        ['1', 99, "O'Brien", hex('e9'), 0.1, hex('00')],
        ['18446744073709551615', 100, null, null, -2.5e-10, hex('')],
      ];
      assert.equal(multiRowInsertSql('db', 't', cols, rows, { upsert: false }),
        "INSERT INTO `db`.`t` (`id`,`name`,`l1`,`f`,`vb`) VALUES (1,'O\\'Brien',_latin1 X'e9' COLLATE latin1_swedish_ci,0.1e0,X'00')," +
        "(18446744073709551615,NULL,NULL,-2.5e-10,X'')");
      assert.equal(multiRowInsertSql('db', 't', cols, rows.slice(0, 1), { upsert: true, primaryKey: ['id'] }),
        "INSERT INTO `db`.`t` (`id`,`name`,`l1`,`f`,`vb`) VALUES (1,'O\\'Brien',_latin1 X'e9' COLLATE latin1_swedish_ci,0.1e0,X'00')" +
        ' ON DUPLICATE KEY UPDATE `name`=VALUES(`name`),`l1`=VALUES(`l1`),`f`=VALUES(`f`),`vb`=VALUES(`vb`)');
    });

    it('keeps a replayed insert of a key-only table a no-op', () => {
      assert.equal(multiRowInsertSql('db', 't', [sid, name], [[1, 'a']], { upsert: true, primaryKey: ['sid', 'name'] }),
        "INSERT INTO `db`.`t` (`sid`,`name`) VALUES (1,'a') ON DUPLICATE KEY UPDATE `sid`=VALUES(`sid`)");
    });

    it('rejects malformed batches', () => {
      assert.throws(() => multiRowInsertSql('db', 't', [sid], [], { upsert: false }), /at least one row/);
      assert.throws(() => multiRowInsertSql('db', 't', [sid, name], [[1]], { upsert: false }), /row 0 has 1 values for 2 columns/);
      assert.throws(() => multiRowInsertSql('db', 't', [sid], [[1]], { upsert: true }), /upsert into db.t needs its primary key/);
      assert.throws(() => multiRowInsertSql('db', 't', [gen], [[1]], { upsert: false }), /no writable columns/);
    });
  });

  describe('single-row statements', () => {
    it('upserts a row given by column name, ignoring generated columns', () => {
      assert.equal(upsertRowSql('db', 't', [sid, gen, name], { sid: 3, g: 6, name: 'x' }, ['sid']),
        "INSERT INTO `db`.`t` (`sid`,`name`) VALUES (3,'x') ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)");
      assert.equal(upsertRowSql('db', 't', [sid, gen, name], { sid: 3, name: 'x' }, ['sid']),
        "INSERT INTO `db`.`t` (`sid`,`name`) VALUES (3,'x') ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)");
      assert.throws(() => upsertRowSql('db', 't', [sid, name], { sid: 3 }, ['sid']), /row has no value for column name/);
    });

    it('deletes by primary key with exact literals', () => {
      assert.equal(deleteByPkSql('db', 't', [id, l1], ['18446744073709551615', hex('e9')]),
        "DELETE FROM `db`.`t` WHERE `id`=18446744073709551615 AND `l1`=_latin1 X'e9' COLLATE latin1_swedish_ci");
      assert.equal(deleteByPkSql('db', 't', [sid], { sid: 4, name: 'ignored' }), 'DELETE FROM `db`.`t` WHERE `sid`=4');
      assert.throws(() => deleteByPkSql('db', 't', [sid], [null]), /primary key column sid is NULL/);
      assert.throws(() => deleteByPkSql('db', 't', [], []), /has no primary key/);
    });
  });
});
