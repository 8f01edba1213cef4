// schemaDrift: what create reports when a table's definition differs between source shards.
import { strict as assert } from 'node:assert';
import { schemaDrift } from '../../../src/activities/schema-drift';
import type { ColumnSchema, TableSchema } from '../../../src/mysql/schema';

function col(name: string, columnType: string, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name, ordinal: 0, dataType: columnType.replace(/\(.*/, ''), columnType, unsigned: false, nullable: true, generated: false, invisible: false,
    charset: null, collation: null, numericPrecision: null, numericScale: null, datetimePrecision: null, enumValues: null, ...extra,
  };
}

function table(columns: ColumnSchema[], primaryKey = ['id']): TableSchema {
  return { name: 't', columns: columns.map((c, i) => ({ ...c, ordinal: i + 1 })), primaryKey } as unknown as TableSchema;
}

const base = [col('id', 'bigint(20)', { nullable: false }), col('name', 'varchar(20)', { collation: 'utf8mb4_general_ci' }), col('n', 'int(11)')];

describe('schemaDrift', () => {
  it('agrees on the same columns in another order, and on column name case', () => {
    assert.equal(schemaDrift(table(base), table([base[2], base[0], { ...base[1], name: 'NAME' }])), undefined);
  });

  it('names missing and extra columns', () => {
    assert.equal(schemaDrift(table(base), table([base[0], base[2], col('added', 'int(11)')])), 'no column(s) name; extra column(s) added');
  });

  it('names a column whose type, nullability, collation or generation differs', () => {
    const other = [base[0], { ...base[1], collation: 'utf8mb4_bin' }, col('n', 'int(11)', { nullable: false })];
    assert.equal(schemaDrift(table(base), table(other)),
      'column name is varchar(20) NULL utf8mb4_bin, not varchar(20) NULL utf8mb4_general_ci; column n is int(11) NOT NULL, not int(11) NULL');
    assert.equal(schemaDrift(table(base), table([base[0], base[1], col('n', 'int(11)', { generated: true })])), 'column n is int(11) NULL GENERATED, not int(11) NULL');
  });

  it('names a different primary key', () => {
    assert.equal(schemaDrift(table(base), table(base, ['id', 'n'])), 'primary key (id, n), not (id)');
  });
});
