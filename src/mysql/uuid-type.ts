// MariaDB's UUID type (10.7+). Its binlog row image carries the 16 bytes in the order the text
// shows them (trailing zero bytes may be left out, as for any fixed-size string), and the server
// prints them as lowercase 8-4-4-4-12 hex.
//
// Its sort order is not that byte order. For an RFC 4122 style value (version 1 to 5, variant bit
// set) the server stores the five groups in reverse (node, clock sequence, time high, time mid,
// time low), so time-based UUIDs sort by time; any other value is stored as it is. Indexes, ORDER
// BY and > compare those stored bytes. Checked against MariaDB 10.11's ORDER BY on random values of
// every version and variant (test/integration/vdiff/key-order.test.ts).

/** The text form of a UUID column's binlogged bytes. */
export function formatUuid(bytes: Buffer): string {
  const hex = (bytes.length >= 16 ? bytes.subarray(0, 16) : Buffer.concat([bytes, Buffer.alloc(16 - bytes.length)])).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether the server stores this value (in text byte order) with its groups reversed. */
function storedReversed(b: Buffer): boolean {
  return b[6] >= 0x01 && b[6] <= 0x5f && (b[8] & 0x80) !== 0;
}

/** Bytes whose bytewise order is the server's order of UUID values (`text` as the server prints it). */
export function uuidSortKey(text: string): Buffer {
  const b = Buffer.from(text.replace(/-/g, ''), 'hex');
  if (b.length !== 16) throw new Error(`not a UUID value: ${text}`);
  if (!storedReversed(b)) return b;
  return Buffer.concat([b.subarray(10, 16), b.subarray(8, 10), b.subarray(6, 8), b.subarray(4, 6), b.subarray(0, 4)]);
}

/** Two UUID texts in the server's order. */
export function compareUuids(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(uuidSortKey(a), uuidSortKey(b));
}
