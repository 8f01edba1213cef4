// LOAD DATA LOCAL INFILE of rows held as text-protocol bytes (text-values.ts): the copy's write
// path. The server parses a tab-separated stream much faster than a multi-row INSERT, and the
// worker only copies bytes (no JS strings). CHARACTER SET binary means "no conversion": every
// column receives exactly the bytes read from the source (utf8mb4 text as the server sent it,
// binary values, non-utf8 text selected as CAST(col AS BINARY)).
import { quoteId } from './connect';
import type { RawRow } from './raw-rows';
import type { TextValue } from './text-values';

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const NUL = 0x00;

export function loadDataStatement(db: string, table: string, columns: readonly string[]): string {
  return `LOAD DATA LOCAL INFILE 'vtmigrate-rows' INTO TABLE ${quoteId(db)}.${quoteId(table)} CHARACTER SET binary ` +
    "FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
    `(${columns.map(quoteId).join(',')})`;
}

/** Whether bytes [from, to) of b hold a byte LOAD DATA needs escaped (native scans for long values). */
function needsEscaping(b: Buffer, from: number, to: number): boolean {
  if (to - from < 48) {
    for (let i = from; i < to; i++) {
      const x = b[i];
      if (x === BACKSLASH || x === TAB || x === NEWLINE || x === NUL) return true;
    }
    return false;
  }
  const v = b.subarray(from, to);
  return v.indexOf(BACKSLASH) >= 0 || v.indexOf(TAB) >= 0 || v.indexOf(NEWLINE) >= 0 || v.indexOf(NUL) >= 0;
}

/** Copies bytes [from, to) of b to out at `at` with backslash, tab, newline and NUL escaped; returns the end. */
function escapeInto(b: Buffer, from: number, to: number, out: Buffer, at: number): number {
  for (let k = from; k < to; k++) {
    const x = b[k];
    switch (x) {
      case BACKSLASH: out[at++] = BACKSLASH; out[at++] = BACKSLASH; break;
      case TAB: out[at++] = BACKSLASH; out[at++] = 0x74; break; // \t
      case NEWLINE: out[at++] = BACKSLASH; out[at++] = 0x6e; break; // \n
      case NUL: out[at++] = BACKSLASH; out[at++] = 0x30; break; // \0
      default: out[at++] = x;
    }
  }
  return at;
}

/**
 * LOAD DATA input built a row at a time: fields separated by tabs, rows ended by newlines, NULL
 * as \N, and backslash, tab, newline and NUL inside a value escaped with a backslash.
 * `mayNeedEscaping[i]` is false for columns whose text can never hold those bytes (numbers,
 * temporal values), which are copied without a scan. Rows can be appended as they arrive from
 * the source, so they need not be held as objects until the batch is written.
 */
export class RowEncoder {
  private buf: Buffer;
  private at = 0;
  rows = 0;

  constructor(private readonly mayNeedEscaping: readonly boolean[], initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get bytes(): number {
    return this.at;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  append(row: readonly TextValue[]): void {
    const width = this.mayNeedEscaping.length;
    if (row.length !== width) throw new Error(`a row has ${row.length} values for ${width} columns`);
    for (let i = 0; i < width; i++) {
      const v = row[i];
      if (v === null) this.nullField(i);
      else this.field(i, v, 0, v.length);
    }
    this.endRow();
  }

  /**
   * Appends the row `row` is positioned at (raw-rows.ts: the fields of a text-protocol row
   * packet), as append() would append its values. Returns the bytes of its values, as
   * rowBytes (table-reader.ts) counts them.
   */
  appendRaw(row: RawRow): number {
    const width = this.mayNeedEscaping.length;
    let bytes = 0;
    for (let i = 0; i < width; i++) {
      row.next();
      if (row.isNull) {
        this.nullField(i);
        bytes += 1; // as rowBytes counts a NULL
      } else {
        this.field(i, row.buf, row.from, row.to);
        bytes += row.to - row.from;
      }
    }
    this.endRow();
    return bytes;
  }

  private nullField(i: number): void {
    this.reserve(3);
    if (i > 0) this.buf[this.at++] = TAB;
    this.buf[this.at++] = BACKSLASH;
    this.buf[this.at++] = 0x4e; // \N
  }

  /** Column i's value, bytes [from, to) of b, escaped where it needs to be. */
  private field(i: number, b: Buffer, from: number, to: number): void {
    this.reserve(1 + 2 * (to - from));
    if (i > 0) this.buf[this.at++] = TAB;
    if (this.mayNeedEscaping[i] && needsEscaping(b, from, to)) {
      this.at = escapeInto(b, from, to, this.buf, this.at);
    } else if (to - from < 64) {
      // Buffer.copy's own checks cost more than copying a short value byte by byte.
      const out = this.buf;
      let at = this.at;
      for (let k = from; k < to; k++) out[at++] = b[k];
      this.at = at;
    } else {
      this.at += b.copy(this.buf, this.at, from, to);
    }
  }

  private endRow(): void {
    this.reserve(1);
    this.buf[this.at++] = NEWLINE;
    this.rows++;
  }

  /** The encoded rows (a view of the encoder's buffer: take it once, at the end). */
  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

