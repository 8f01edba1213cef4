// The YAML-subset parser the compose test reads temporal-compose.yml with: what it reads, and
// that everything outside the subset is refused (with its line) rather than misread.
import { strict as assert } from 'node:assert';
import { parseYamlSubset } from '../support/yaml-subset';

describe('yaml-subset parser', () => {
  it('reads nested mappings, sequences, flow sequences and every scalar form as strings', () => {
    const text = [
      '# a comment',
      'name: demo',
      'services:',
      '  db:',
      '    image: postgres:16   # trailing comment',
      '    environment:',
      '      PORT: 5432',
      '      EMPTY:',
      "      QUOTED: 'it''s # not a comment'",
      '      DOUBLE: "a\\tb: c"',
      '    ports:',
      '      - "7233:7233"',
      '      - 8080:8080',
      '    healthcheck:',
      '      test: ["CMD-SHELL", \'pg_isready -U x\', plain, "a, b"]',
      '',
      'volumes:',
      '  data:',
    ].join('\n');
    assert.deepEqual(parseYamlSubset(text), {
      name: 'demo',
      services: {
        db: {
          image: 'postgres:16',
          environment: { PORT: '5432', EMPTY: null, QUOTED: "it's # not a comment", DOUBLE: 'a\tb: c' },
          ports: ['7233:7233', '8080:8080'],
          healthcheck: { test: ['CMD-SHELL', 'pg_isready -U x', 'plain', 'a, b'] },
        },
      },
      volumes: { data: null },
    });
  });

  it('keeps URLs and colons inside plain scalars', () => {
    assert.deepEqual(parseYamlSubset('a: http://x:1/y\nb: ${VAR:?message}\nc: []'), { a: 'http://x:1/y', b: '${VAR:?message}', c: [] });
  });

  const refused: [string, string, RegExp][] = [
    ['anchors', 'a: &x 1\nb: *x', /line 1: unsupported YAML syntax: &x 1/],
    ['block scalars', 'a: |\n  text', /line 1: unsupported YAML syntax: \|/],
    ['flow mappings', 'a: {b: 1}', /line 1: unsupported YAML syntax/],
    ['nested flow sequences', 'a: [[1], 2]', /line 1: nested flow collections are not supported/],
    ['multi-line flow sequences', 'a: [1,\n  2]', /line 1: flow sequences must open and close on one line/],
    ['mappings in sequences', 'a:\n  - b: 1', /line 2: only scalars are supported as sequence items/],
    ['sequences at their key\'s indentation', 'a:\n- 1', /line 2: indent the items of "a" under it/],
    ['duplicate keys', 'a: 1\na: 2', /line 2: duplicate key "a"/],
    ['tabs', 'a:\n\tb: 1', /line 2: tabs are not allowed/],
    ['stray indentation', 'a: 1\n   b: 2', /line 2: unexpected indentation/],
    ['several documents', '---\na: 1', /line 1: document markers are not supported/],
    ['unquoted ": " in a value', 'a: b: c', /line 1: a plain scalar cannot contain ": "/],
    ['unterminated quotes', 'a: "b', /line 1: unterminated double-quoted string/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseYamlSubset(text), message);
    });
  }
});
