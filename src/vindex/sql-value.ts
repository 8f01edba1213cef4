// The values vindexes are asked to map, and their SQL text form.
//
// Rows reach us from two readers that disagree on representation: mysql2 (BIGINT read as
// decimal strings, text as strings or Buffers) and the binlog reader (numbers, bigints,
// strings, Buffers). Vitess hashes a value's wire form, which for MySQL's text protocol is its
// SQL text, so every representation of the same value must produce the same bytes.

/** A column value as one of our MySQL readers hands it over. `null` is SQL NULL. */
export type SqlValue = string | number | bigint | Buffer | Uint8Array | null;

/**
 * Throws for a JavaScript number that cannot be the exact value of an integer column.
 * A BIGINT above 2^53 read as a number has already been rounded by the driver; routing the
 * rounded value would silently send the row to the wrong shard, so refuse it loudly instead.
 */
export function assertExactNumber(value: number): void {
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new RangeError(
      `integer ${value} is beyond 2^53 and may have lost precision; read BIGINT columns as strings or bigints`,
    );
  }
}

/**
 * The value's SQL text as a string, for hashing by text (xxhash). Numbers and bigints print as
 * MySQL prints integers; NULL is the empty string, as Vitess hashes a NULL's empty raw bytes.
 * Returns a Uint8Array unchanged when the value already is bytes (binary columns, which need
 * not be valid UTF-8).
 */
export function sqlText(value: SqlValue): string | Uint8Array {
  if (value === null) return '';
  if (typeof value === 'number') {
    assertExactNumber(value);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
