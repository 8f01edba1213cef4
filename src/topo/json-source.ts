// A small JSON parser that keeps the line and column of every value, so that a malformed or
// mistyped VSchema can be reported at the exact place an operator has to fix (JSON.parse only
// gives an offset, and only for syntax errors). Strict RFC 8259 JSON, no comments.

export interface Position {
  line: number; // 1-based
  column: number; // 1-based
}

export type JsonNode =
  | { kind: 'object'; pos: Position; entries: Array<{ key: string; keyPos: Position; value: JsonNode }> }
  | { kind: 'array'; pos: Position; items: JsonNode[] }
  | { kind: 'string'; pos: Position; value: string }
  | { kind: 'number'; pos: Position; value: number; text: string }
  | { kind: 'bool'; pos: Position; value: boolean }
  | { kind: 'null'; pos: Position };

export class JsonSyntaxError extends Error {
  readonly pos: Position;
  readonly reason: string;

  constructor(pos: Position, reason: string) {
    super(`syntax error (line ${pos.line}:${pos.column}): ${reason}`);
    this.name = 'JsonSyntaxError';
    this.pos = pos;
    this.reason = reason;
  }
}

export function parseJsonWithPositions(text: string): JsonNode {
  const p = new Parser(text);
  p.skipSpace();
  const node = p.value();
  p.skipSpace();
  if (!p.atEnd()) p.fail(`unexpected token ${p.describeHere()} after the top-level value`);
  return node;
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  pos(): Position {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  fail(reason: string): never {
    throw new JsonSyntaxError(this.pos(), reason);
  }

  describeHere(): string {
    if (this.atEnd()) return 'end of input';
    const m = /^[A-Za-z0-9_.+-]+/.exec(this.s.slice(this.i, this.i + 20));
    return JSON.stringify(m ? m[0] : this.s[this.i]);
  }

  skipSpace(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
      } else {
        break;
      }
    }
  }

  value(): JsonNode {
    const pos = this.pos();
    const c = this.s[this.i];
    if (c === '{') return this.object(pos);
    if (c === '[') return this.array(pos);
    if (c === '"') return { kind: 'string', pos, value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(pos);
    for (const [word, node] of [
      ['true', { kind: 'bool', pos, value: true }],
      ['false', { kind: 'bool', pos, value: false }],
      ['null', { kind: 'null', pos }],
    ] as Array<[string, JsonNode]>) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return node;
      }
    }
    return this.fail(this.atEnd() ? 'unexpected end of input' : `unexpected token ${this.describeHere()}`);
  }

  private object(pos: Position): JsonNode {
    this.i++; // {
    const entries: Array<{ key: string; keyPos: Position; value: JsonNode }> = [];
    this.skipSpace();
    if (this.s[this.i] === '}') {
      this.i++;
      return { kind: 'object', pos, entries };
    }
    for (;;) {
      this.skipSpace();
      const keyPos = this.pos();
      if (this.s[this.i] !== '"') {
        this.fail(this.atEnd() ? 'unexpected end of input, expected a field name' : `unexpected token ${this.describeHere()}, expected a field name in double quotes`);
      }
      const key = this.string();
      this.skipSpace();
      if (this.s[this.i] !== ':') this.fail(`unexpected token ${this.describeHere()}, expected ':' after field name ${JSON.stringify(key)}`);
      this.i++;
      this.skipSpace();
      const value = this.value();
      entries.push({ key, keyPos, value });
      this.skipSpace();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        this.skipSpace();
        if (this.s[this.i] === '}') this.fail("unexpected token \"}\" after ',' (trailing commas are not allowed in JSON)");
        continue;
      }
      if (c === '}') {
        this.i++;
        return { kind: 'object', pos, entries };
      }
      this.fail(this.atEnd() ? "unexpected end of input, expected ',' or '}'" : `unexpected token ${this.describeHere()}, expected ',' or '}'`);
    }
  }

  private array(pos: Position): JsonNode {
    this.i++; // [
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.s[this.i] === ']') {
      this.i++;
      return { kind: 'array', pos, items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        this.skipSpace();
        if (this.s[this.i] === ']') this.fail("unexpected token \"]\" after ',' (trailing commas are not allowed in JSON)");
        continue;
      }
      if (c === ']') {
        this.i++;
        return { kind: 'array', pos, items };
      }
      this.fail(this.atEnd() ? "unexpected end of input, expected ',' or ']'" : `unexpected token ${this.describeHere()}, expected ',' or ']'`);
    }
  }

  private string(): string {
    this.i++; // opening quote
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail('unexpected end of input inside a string');
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\n' || c < ' ') this.fail('control character inside a string (newlines must be written as \\n)');
      if (c === '\\') {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          this.fail(`invalid escape sequence ${JSON.stringify(this.s.slice(this.i, this.i + 2))} in a string`);
        }
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private number(pos: Position): JsonNode {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail(`invalid number ${this.describeHere()}`);
    this.i += m[0].length;
    const next = this.s[this.i];
    if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
      this.i -= m[0].length;
      this.fail(`invalid number ${this.describeHere()}`);
    }
    return { kind: 'number', pos, value: Number(m[0]), text: m[0] };
  }
}
