// MariaDB's fixed-size binary types: INET4, INET6 and UUID. Stored and binlogged as bytes, read and
// written as the text the server prints (vtmigrate's value for them, values.ts ValueKind.FixedBinary).
import { formatInet, inetWidth } from './inet';
import { formatUuid } from './uuid-type';

export const FIXED_BINARY_TYPES: ReadonlySet<string> = new Set(['inet4', 'inet6', 'uuid']);

/** The text form of a column's stored bytes (a binlog may have left trailing zero bytes out). */
export function fixedBinaryText(bytes: Buffer, dataType: string): string {
  return dataType === 'uuid' ? formatUuid(bytes) : formatInet(bytes, inetWidth(dataType));
}
