// ColumnSchema fixtures for the pure SQL/value tests, shaped as readTableSchema returns them.
import type { ColumnSchema } from '../../../src/mysql/schema';

export function col(name: string, columnType: string, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  const dataType = (extra.dataType ?? columnType.replace(/[( ].*$/, '')).toLowerCase();
  const isText = ['char', 'varchar', 'text', 'tinytext', 'mediumtext', 'longtext', 'enum', 'set', 'json'].includes(dataType);
  const dec = /^decimal\((\d+),(\d+)\)/.exec(columnType);
  const frac = /^(?:time|datetime|timestamp)\((\d)\)/.exec(columnType);
  return {
    name,
    ordinal: 1,
    dataType,
    columnType,
    unsigned: /unsigned/.test(columnType),
    nullable: true,
    generated: false,
    invisible: false,
    charset: isText ? 'utf8mb4' : null,
    collation: isText ? (dataType === 'json' ? 'utf8mb4_bin' : 'utf8mb4_general_ci') : null,
    numericPrecision: dec ? Number(dec[1]) : null,
    numericScale: dec ? Number(dec[2]) : null,
    datetimePrecision: ['time', 'datetime', 'timestamp'].includes(dataType) ? Number(frac?.[1] ?? 0) : null,
    enumValues: null,
    ...extra,
  };
}

export const latin1 = { charset: 'latin1', collation: 'latin1_swedish_ci' } as const;
