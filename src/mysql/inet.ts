// MariaDB's INET4 and INET6 types. Their stored (and binlogged) form is the address in network
// byte order, 4 or 16 bytes; SELECT gives the text form, which is the canonical value here
// (values.ts). The binlog decoders format the bytes exactly as the server prints them, so a value
// is the same string whichever path read it.

/** INET4: dotted decimal. */
export function formatInet4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * INET6 as the server prints it (the classic inet_ntop): lowercase hex groups without leading
 * zeros, the first longest run of two or more zero groups as '::', and IPv4-compatible
 * (::a.b.c.d, but not ::1 or ::) and IPv4-mapped (::ffff:a.b.c.d) addresses with a dotted tail.
 */
export function formatInet6(b: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(i * 2));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += formatInet4(b.subarray(12, 16));
      break;
    }
    out += words[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

/** The text form of an INET4/INET6 column's stored bytes (`width` 4 or 16; trailing zero bytes may have been left out). */
export function formatInet(bytes: Buffer, width: number): string {
  const full = bytes.length === width ? bytes : Buffer.concat([bytes, Buffer.alloc(width - bytes.length)]);
  return width === 4 ? formatInet4(full) : formatInet6(full);
}

export const inetWidth = (dataType: string): number => (dataType === 'inet4' ? 4 : 16);

/** The stored bytes of an INET4/INET6 text (any form the server prints), whose order is the server's. */
export function parseInet(text: string, width: number): Buffer {
  const bad = () => new Error(`not an ${width === 4 ? 'INET4' : 'INET6'} value: ${text}`);
  const dotted = (s: string): number[] => {
    const parts = s.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) throw bad();
    return parts.map(Number);
  };
  if (width === 4) return Buffer.from(dotted(text));
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    parts.forEach((p, i) => {
      if (i === parts.length - 1 && p.includes('.')) {
        const [a, b, c, d] = dotted(p);
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else throw bad();
    });
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) throw bad();
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}
