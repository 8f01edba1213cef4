import { strict as assert } from 'node:assert';
import { copyRanks } from '../../../src/activities/copy-order';
import type { ForeignKeySchema, TableSchema } from '../../../src/mysql/schema';

const DB = 'vt_shop';

function table(name: string, references: string[] = [], db = DB): TableSchema {
  const foreignKeys: ForeignKeySchema[] = references.map((r, i) => ({ name: `fk${i}`, columns: ['c'], referencedDb: db, referencedTable: r, referencedColumns: ['id'] }));
  return { name, columns: [], primaryKey: ['id'], secondaryKeys: [], foreignKeys, createTable: '', engine: 'InnoDB', estimatedRows: 0, estimatedBytes: 0 } as unknown as TableSchema;
}

const schemas = (...tables: TableSchema[]) => new Map(tables.map((t) => [t.name, t]));
const order = (ranks: Map<string, number>) => [...ranks].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1)).map(([n]) => n);

describe('copy order: tables a foreign key references first', () => {
  it('copies a parent before the children that sort before it by name, and a grandchild last', () => {
    const ranks = copyRanks(schemas(table('order_items', ['orders']), table('orders', ['customers']), table('customers'), table('audit')), DB);
    assert.deepEqual(Object.fromEntries(ranks), { order_items: 2, orders: 1, customers: 0, audit: 0 });
    assert.deepEqual(order(ranks), ['audit', 'customers', 'orders', 'order_items']);
  });

  it('takes the deepest of several parents', () => {
    const ranks = copyRanks(schemas(table('a_link', ['b_left', 'c_right']), table('b_left'), table('c_right', ['d_root']), table('d_root')), DB);
    assert.equal(ranks.get('a_link'), 2);
    assert.equal(ranks.get('c_right'), 1);
  });

  it('ignores self-references, tables not migrated and other databases', () => {
    const ranks = copyRanks(schemas(table('emp', ['emp']), table('child', ['not_migrated']), table('other', ['emp'], 'vt_elsewhere')), DB);
    assert.deepEqual(Object.fromEntries(ranks), { emp: 0, child: 0, other: 0 });
  });

  it('ends on a cycle, with every table ranked', () => {
    const ranks = copyRanks(schemas(table('x', ['y']), table('y', ['x']), table('z')), DB);
    assert.equal(ranks.size, 3);
    assert.equal(ranks.get('z'), 0);
    assert.deepEqual([ranks.get('x'), ranks.get('y')].sort(), [0, 1]);
  });
});
