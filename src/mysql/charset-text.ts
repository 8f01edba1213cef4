// The text of a non-utf8 string column's bytes, as a utf8mb4 client reads it. vtmigrate carries
// such values as their own bytes (values.ts TextBytes), but Vitess routes a row by the value its
// client wrote, in the connection's utf8mb4: a vindex must see that text, not latin1 bytes.
//
// Each charset here decodes exactly as MariaDB's CONVERT(... USING utf8mb4) does, byte for byte
// (test/integration/mysql/charset-text.test.ts checks every byte of the single-byte ones against
// the server). latin1 is MariaDB's (cp1252, with its five unassigned bytes as C1 controls), not
// ISO-8859-1; Node's TextDecoder('windows-1252') gets those wrong, hence the table. For other
// charsets only ASCII values are taken; anything else is an error, never a guess.

/** cp1252's 0x80..0x9F; MariaDB maps the unassigned 0x81, 0x8D, 0x8F, 0x90, 0x9D to U+0081... */
const LATIN1_HIGH_CONTROLS = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeLatin1(b: Uint8Array): string {
  let out = '';
  for (const byte of b) out += byte >= 0x80 && byte < 0xa0 ? LATIN1_HIGH_CONTROLS[byte - 0x80] : String.fromCharCode(byte);
  return out;
}

/** Charsets whose WHATWG decoder matches MariaDB's conversion for every value it accepts. */
const WHATWG: Record<string, string> = {
  cp1250: 'windows-1250', cp1251: 'windows-1251', cp1257: 'windows-1257', latin2: 'iso-8859-2',
  latin7: 'iso-8859-13', koi8r: 'koi8-r', macroman: 'macintosh', utf16: 'utf-16be', utf16le: 'utf-16le',
};

/**
 * In the Windows code pages, bytes a WHATWG decoder maps to C1 controls are unassigned: MariaDB
 * has no conversion for them (and no utf8mb4 client can have written them). The ISO-8859 ones
 * and UTF-16 hold C1 controls as such.
 */
const UNASSIGNED_AS_C1 = new Set(['cp1250', 'cp1251', 'cp1257']);
const C1_CONTROL = /[\u0080-\u009f]/;

/** Charsets whose bytes below 0x80 are ASCII, one byte per character. */
const NOT_ASCII_BASED = new Set(['utf16', 'utf16le', 'ucs2', 'utf32']);

export const TEXT_CHARSETS: readonly string[] = ['latin1', ...Object.keys(WHATWG)];

/**
 * A decoder from a column's bytes in `charset` to its text, throwing for bytes it cannot convert
 * exactly (bytes invalid in the charset, or a charset it does not know and a non-ASCII value).
 */
export function charsetTextDecoder(charset: string): (b: Uint8Array) => string {
  if (charset === 'latin1') return decodeLatin1;
  const label = WHATWG[charset];
  if (label) {
    const decoder = new TextDecoder(label, { fatal: true });
    const c1Invalid = UNASSIGNED_AS_C1.has(charset);
    const invalid = (b: Uint8Array) => new Error(`value 0x${Buffer.from(b).toString('hex')} is not valid ${charset}`);
    return (b) => {
      let text: string;
      try {
        text = decoder.decode(b);
      } catch {
        throw invalid(b);
      }
      if (c1Invalid && C1_CONTROL.test(text)) throw invalid(b);
      return text;
    };
  }
  return (b) => {
    if (!NOT_ASCII_BASED.has(charset) && b.every((byte) => byte < 0x80)) return Buffer.from(b).toString('latin1');
    throw new Error(`value 0x${Buffer.from(b).toString('hex')} in charset ${charset} cannot be converted to the utf8mb4 text Vitess routes by ` +
      `(vtmigrate converts ${TEXT_CHARSETS.join(', ')}, and ASCII values of other charsets)`);
  };
}
