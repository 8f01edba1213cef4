// LOAD DATA LOCAL INFILE of rows held as text-protocol bytes (text-values.ts): the copy's write
// path. The server parses a tab-separated stream much faster than a multi-row INSERT, and the
// worker only copies bytes (no JS strings). CHARACTER SET binary means "no conversion": every
// column receives exactly the bytes read from the source (utf8mb4 text as the server sent it,
// binary values, non-utf8 text selected as CAST(col AS BINARY)).
import { quoteId } from './connect';
import type { TextValue } from './text-values';

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const NUL = 0x00;
const NULL_FIELD = Buffer.from('\\N');

export function loadDataStatement(db: string, table: string, columns: readonly string[]): string {
  return `LOAD DATA LOCAL INFILE 'vtmigrate-rows' INTO TABLE ${quoteId(db)}.${quoteId(table)} CHARACTER SET binary ` +
    "FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
    `(${columns.map(quoteId).join(',')})`;
}

function escapedLength(b: Buffer): number {
  let n = b.length;
  for (let i = 0; i < b.length; i++) {
    const x = b[i];
    if (x === BACKSLASH || x === TAB || x === NEWLINE || x === NUL) n++;
  }
  return n;
}

/**
 * The rows as LOAD DATA input: fields separated by tabs, rows ended by newlines, NULL as \N, and
 * backslash, tab, newline and NUL inside a value escaped with a backslash. `mayNeedEscaping[i]`
 * is false for columns whose text can never hold those bytes (numbers, temporal values), which
 * are then copied without a scan.
 */
export function encodeRows(rows: readonly (readonly TextValue[])[], mayNeedEscaping: readonly boolean[]): Buffer {
  const width = mayNeedEscaping.length;
  // Pass 1: the exact size, and which values hold bytes to escape.
  let size = 0;
  const escaped = new Uint8Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== width) throw new Error(`a row has ${row.length} values for ${width} columns`);
    size += width; // separators and the newline
    for (let i = 0; i < width; i++) {
      const v = row[i];
      if (v === null) {
        size += 2;
      } else if (!mayNeedEscaping[i]) {
        size += v.length;
      } else {
        const n = escapedLength(v);
        if (n !== v.length) escaped[r * width + i] = 1;
        size += n;
      }
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i < width; i++) {
      if (i > 0) out[at++] = TAB;
      const v = row[i];
      if (v === null) {
        at += NULL_FIELD.copy(out, at);
      } else if (escaped[r * width + i] === 0) {
        at += v.copy(out, at);
      } else {
        for (let k = 0; k < v.length; k++) {
          const x = v[k];
          switch (x) {
            case BACKSLASH: out[at++] = BACKSLASH; out[at++] = BACKSLASH; break;
            case TAB: out[at++] = BACKSLASH; out[at++] = 0x74; break; // \t
            case NEWLINE: out[at++] = BACKSLASH; out[at++] = 0x6e; break; // \n
            case NUL: out[at++] = BACKSLASH; out[at++] = 0x30; break; // \0
            default: out[at++] = x;
          }
        }
      }
    }
    out[at++] = NEWLINE;
  }
  if (at !== size) throw new Error(`LOAD DATA encoding wrote ${at} bytes, expected ${size}`);
  return out;
}
