// The bench tables: `narrow` (~100-byte rows, one secondary index) and `wide` (a ~2 KB TEXT
// column), both sharded by the hash vindex on id, on the source and the target.
export const SOURCE_KEYSPACE = 'benchsrc';
export const TARGET_KEYSPACE = 'benchdst';
export const SOURCE_DB = `vt_${SOURCE_KEYSPACE}`;
export const TARGET_DB = `vt_${TARGET_KEYSPACE}`;
export const MOUNT_NAME = 'benchext';

export const TABLES = ['narrow', 'wide'] as const;
export type TableName = typeof TABLES[number];

export const NARROW_DDL = `CREATE TABLE narrow (
  id BIGINT UNSIGNED NOT NULL,
  customer_id BIGINT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  status TINYINT NOT NULL,
  created DATETIME NOT NULL,
  name VARCHAR(64) NOT NULL,
  note VARCHAR(128) NOT NULL,
  PRIMARY KEY (id),
  KEY customer_idx (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export const WIDE_DDL = `CREATE TABLE wide (
  id BIGINT UNSIGNED NOT NULL,
  customer_id BIGINT NOT NULL,
  updated DATETIME NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export const TABLE_DDL: Record<TableName, string> = { narrow: NARROW_DDL, wide: WIDE_DDL };

/** Column order of the data files (the table's own order). */
export const TABLE_COLUMNS: Record<TableName, string[]> = {
  narrow: ['id', 'customer_id', 'price', 'status', 'created', 'name', 'note'],
  wide: ['id', 'customer_id', 'updated', 'body'],
};

export function vschemaJson(sharded: boolean): string {
  if (!sharded) return JSON.stringify({ sharded: false, tables: { narrow: {}, wide: {} } }, null, 2) + '\n';
  return JSON.stringify({
    sharded: true,
    vindexes: { hash: { type: 'hash' } },
    tables: {
      narrow: { column_vindexes: [{ column: 'id', name: 'hash' }] },
      wide: { column_vindexes: [{ column: 'id', name: 'hash' }] },
    },
  }, null, 2) + '\n';
}
