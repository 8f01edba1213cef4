// JSON documents for VDiff: the same document may be written in other forms on each side (a
// MySQL source's JSON text, a binlog's binary JSON decoded by us: spacing, key order, 1.0 for 1),
// but nothing that changes what it holds may compare equal. JSON.parse cannot tell: it rounds
// numbers to doubles (9007199254740993 is ...992) and keeps only the last of duplicate keys.
// So documents are read here into a canonical text: no spacing, object members sorted by key
// (duplicates kept, in order), strings unescaped, numbers as exact decimals.

/** The canonical text of a JSON document, or undefined when it is not JSON. */
export function canonicalJson(text: string): string | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  const fail = (): never => {
    throw new SyntaxError(`not JSON at ${at}`);
  };
  // Sticky (y): matched where `at` is, without copying the rest of the text.
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const token = (re: RegExp): string => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return fail();
    at += m[0].length;
    return m[0];
  };
  const string = (): string => JSON.stringify(JSON.parse(token(STRING)) as string);
  const number = (): string => exactDecimal(token(NUMBER));
  const value = (): string => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const members: [string, string][] = [];
      space();
      if (text[at] === '}') at++;
      else {
        for (;;) {
          space();
          const key = string();
          space();
          if (text[at++] !== ':') fail();
          members.push([key, value()]);
          space();
          const sep = text[at++];
          if (sep === '}') break;
          if (sep !== ',') fail();
        }
      }
      // Stable: duplicate keys keep their order (MariaDB reads the first, JSON.parse the last).
      members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`;
    }
    if (c === '[') {
      at++;
      const items: string[] = [];
      space();
      if (text[at] === ']') at++;
      else {
        for (;;) {
          items.push(value());
          space();
          const sep = text[at++];
          if (sep === ']') break;
          if (sep !== ',') fail();
        }
      }
      return `[${items.join(',')}]`;
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return word;
      }
    }
    return number();
  };
  try {
    const out = value();
    space();
    return at === text.length ? out : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON number as `<sign><digits>e<exponent>` with no leading or trailing zero digits ('0' for zero). */
export function exactDecimal(n: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(n)!;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = BigInt(exp) - BigInt(frac.length);
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += BigInt(trailing);
  return `${sign}${digits}e${exponent}`;
}
