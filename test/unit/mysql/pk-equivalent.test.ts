import { strict as assert } from 'node:assert';
import { primaryKeyEquivalent } from '../../../src/mysql/pk-equivalent';
import type { KeySchema } from '../../../src/mysql/schema';
import { col } from './columns';

const key = (name: string, columns: string[], extra: Partial<KeySchema> = {}): KeySchema => ({
  name, unique: true, columns, prefixLengths: columns.map(() => null), descending: columns.map(() => false),
  expressions: columns.map(() => null), indexType: 'BTREE', comment: '', ignored: false, ...extra,
});

const notNull = { nullable: false };
const columns = [
  col('id', 'bigint(20)', notNull), col('code', 'int(11)', notNull), col('sku', 'varchar(20)', notNull),
  col('email', 'varchar(80)'), col('small', 'tinyint(4)', notNull), col('at', 'datetime', notNull),
  col('gen', 'int(11)', { nullable: false, generated: true }), col('body', 'text', notNull),
];
const pke = (keys: KeySchema[]) => primaryKeyEquivalent(keys, columns)?.name;

describe('primary key equivalent (Vitess GetPrimaryKeyEquivalentColumns)', () => {
  it('takes the cheapest unique NOT NULL key by its column types', () => {
    assert.equal(pke([key('by_sku', ['sku']), key('by_code', ['code']), key('by_id', ['id'])]), 'by_code'); // int 7 < bigint 10 < varchar 61
    assert.equal(pke([key('by_id', ['id']), key('two_small', ['small', 'small'])]), 'two_small'); // 1 + 1 < 10
    assert.equal(pke([key('by_at', ['at']), key('by_body', ['body'])]), 'by_at'); // datetime 14 < text 1000
  });

  it('breaks cost ties by fewer columns, then by name', () => {
    assert.equal(pke([key('b', ['code']), key('a', ['code'])]), 'a');
    assert.equal(pke([key('pair', ['small', 'at']), key('one', ['code', 'id'])]), 'pair'); // 15 vs 17
  });

  it('passes over non-unique keys, keys with a nullable, generated or expression part, and empty ones', () => {
    assert.equal(pke([key('plain', ['code'], { unique: false })]), undefined);
    assert.equal(pke([key('by_email', ['email'])]), undefined);
    assert.equal(pke([key('by_email_code', ['code', 'email'])]), undefined);
    assert.equal(pke([key('by_gen', ['gen'])]), undefined);
    assert.equal(pke([key('by_expr', ['code'], { expressions: ['(`code` + 1)'] })]), undefined);
    assert.equal(pke([key('by_email', ['email']), key('by_sku', ['sku'])]), 'by_sku');
  });
});
