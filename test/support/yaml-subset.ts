// A parser for the small subset of YAML that temporal-compose.yml is written in, so a test can
// read the file without a YAML library (the project declares none; js-yaml is only present as
// mocha's own dependency, which we must not rely on). Keeping the compose file in JSON-style
// flow syntax instead would let JSON.parse read it, but would cost operators the comments and
// the familiar compose layout. The subset:
//
//   - block mappings (`key: value`, `key:` followed by a more indented block), unique keys;
//   - block sequences (`- item`) of scalars, indented under their key;
//   - one-line flow sequences of scalars (`["CMD", "pg_isready"]`);
//   - scalars: plain, 'single-quoted' or "double-quoted" (JSON escapes); all stay strings, an
//     empty value is null: no implicit typing, so `5432` is "5432" and `yes` is "yes";
//   - `#` comments, blank lines; spaces (not tabs) for indentation.
//
// Anything else (anchors, aliases, tags, block scalars, flow mappings, multi-line flows,
// mappings inside sequences, several documents) is an error naming the line, never a silent
// misreading.
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line { no: number; indent: number; text: string }

export class YamlSubsetError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/** The line without its comment: a `#` at the start or after a space, outside quotes. */
function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || raw[i - 1] === ' ')) {
      return raw.slice(0, i);
    }
  }
  return raw;
}

function toLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const no = i + 1;
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    if (body.slice(0, indent).includes('\t')) throw new YamlSubsetError(no, 'tabs are not allowed in indentation');
    if (indent === 0 && (body === '---' || body === '...')) throw new YamlSubsetError(no, 'document markers are not supported');
    lines.push({ no, indent, text: body.slice(indent) });
  });
  return lines;
}

/** Splits a flow sequence's inside at commas outside quotes. */
function splitFlow(inner: string, no: number): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[' || c === ']' || c === '{' || c === '}') {
      throw new YamlSubsetError(no, 'nested flow collections are not supported');
    } else if (c === ',') {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) throw new YamlSubsetError(no, 'unterminated quoted string');
  const last = inner.slice(start);
  if (last.trim() !== '' || items.length > 0) items.push(last);
  return items.map((s) => s.trim());
}

export function parseScalar(token: string, no: number): YamlValue {
  const t = token.trim();
  if (t === '') return null;
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlSubsetError(no, `unterminated double-quoted string: ${t}`);
    try {
      return JSON.parse(t) as string;
    } catch {
      throw new YamlSubsetError(no, `a double-quoted string this parser cannot read: ${t}`);
    }
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2 || /(^|[^'])'([^']|$)/.test(t.slice(1, -1))) throw new YamlSubsetError(no, `bad single-quoted string: ${t}`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlSubsetError(no, 'flow sequences must open and close on one line');
    return splitFlow(t.slice(1, -1), no).map((item) => {
      if (item === '') throw new YamlSubsetError(no, 'empty item in a flow sequence');
      return parseScalar(item, no);
    });
  }
  if (/^[&*!|>{%@`]/.test(t)) throw new YamlSubsetError(no, `unsupported YAML syntax: ${t}`);
  if (t.includes(': ') || t.endsWith(':')) throw new YamlSubsetError(no, `a plain scalar cannot contain ": " (quote it): ${t}`);
  return t;
}

/** `key: rest` → [key, rest]; undefined when the line is not a mapping entry. */
function splitKey(text: string, no: number): [string, string] | undefined {
  if (text.startsWith('"') || text.startsWith("'")) {
    const close = text.indexOf(text[0], 1);
    if (close < 0 || text[close + 1] !== ':') return undefined;
    return [parseScalar(text.slice(0, close + 1), no) as string, text.slice(close + 2)];
  }
  const m = /^([^\s:#][^:]*?):(?: (.*))?$/.exec(text);
  return m ? [m[1], m[2] ?? ''] : undefined;
}

class Parser {
  private pos = 0;
  constructor(private readonly lines: Line[]) {}

  parseDocument(): YamlValue {
    if (this.lines.length === 0) return null;
    const value = this.parseBlock(this.lines[0].indent);
    if (this.pos < this.lines.length) throw new YamlSubsetError(this.lines[this.pos].no, 'unexpected indentation');
    return value;
  }

  private parseBlock(indent: number): YamlValue {
    const first = this.lines[this.pos];
    if (first.text === '-' || first.text.startsWith('- ')) return this.parseSequence(indent);
    return this.parseMapping(indent);
  }

  private parseSequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    while (this.pos < this.lines.length && this.lines[this.pos].indent === indent) {
      const line = this.lines[this.pos];
      if (!(line.text === '-' || line.text.startsWith('- '))) throw new YamlSubsetError(line.no, 'expected a sequence item "- "');
      const rest = line.text.slice(1).trim();
      if (rest === '' || splitKey(rest, line.no) !== undefined) throw new YamlSubsetError(line.no, 'only scalars are supported as sequence items');
      items.push(parseScalar(rest, line.no));
      this.pos++;
    }
    return items;
  }

  private parseMapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    while (this.pos < this.lines.length && this.lines[this.pos].indent === indent) {
      const line = this.lines[this.pos];
      const kv = splitKey(line.text, line.no);
      if (!kv) throw new YamlSubsetError(line.no, `expected "key: value": ${line.text}`);
      const [key, rest] = kv;
      if (Object.prototype.hasOwnProperty.call(map, key)) throw new YamlSubsetError(line.no, `duplicate key "${key}"`);
      this.pos++;
      const next = this.lines[this.pos];
      if (rest.trim() !== '') {
        map[key] = parseScalar(rest, line.no);
      } else if (next && next.indent > indent) {
        map[key] = this.parseBlock(next.indent);
      } else if (next && next.indent === indent && next.text.startsWith('- ')) {
        throw new YamlSubsetError(next.no, `indent the items of "${key}" under it`);
      } else {
        map[key] = null;
      }
    }
    if (this.pos < this.lines.length && this.lines[this.pos].indent > indent) {
      throw new YamlSubsetError(this.lines[this.pos].no, 'unexpected indentation');
    }
    return map;
  }
}

export function parseYamlSubset(text: string): YamlValue {
  return new Parser(toLines(text)).parseDocument();
}
