import { strict as assert } from 'node:assert';
import { VSchemaJsonError, formatVSchemaJSON, parseVSchemaJSON } from '../../../src/topo/vschema-json';

const snake = `{
  "sharded": true,
  "vindexes": { "hash": { "type": "hash" } },
  "tables": {
    "customer": {
      "column_vindexes": [ { "column": "customer_id", "name": "hash" } ],
      "auto_increment": { "column": "customer_id", "sequence": "customer_seq" }
    }
  }
}`;

const camel = `{
  "sharded": true,
  "vindexes": { "hash": { "type": "hash" } },
  "tables": {
    "customer": {
      "columnVindexes": [ { "column": "customer_id", "name": "hash" } ],
      "autoIncrement": { "column": "customer_id", "sequence": "customer_seq" }
    }
  }
}`;

describe('VSchema JSON', () => {
  it('reads column_vindexes and columnVindexes (and every other field) alike', () => {
    const a = parseVSchemaJSON(snake);
    const b = parseVSchemaJSON(camel);
    assert.deepEqual(a, b);
    assert.deepEqual(a.warnings, []);
    assert.equal(a.vschema.sharded, true);
    assert.deepEqual(a.vschema.tables.customer.columnVindexes, [{ column: 'customer_id', name: 'hash', columns: [] }]);
    assert.deepEqual(a.vschema.tables.customer.autoIncrement, { column: 'customer_id', sequence: 'customer_seq' });
    assert.deepEqual(a.vschema.vindexes.hash, { type: 'hash', params: {}, owner: '' });
  });

  it('accepts enum names and numbers, int32 as strings, null as unset', () => {
    const { vschema } = parseVSchemaJSON(`{"foreign_key_mode": "managed", "tables": {"t": {"columns": [{"name": "c", "type": "VARCHAR", "size": "12", "nullable": null}]}}, "multi_tenant_spec": null}`);
    assert.equal(vschema.foreignKeyMode, 3);
    assert.equal(vschema.tables.t.columns[0].type, 6165);
    assert.equal(vschema.tables.t.columns[0].size, 12);
    assert.equal(vschema.tables.t.columns[0].nullable, undefined);
    assert.equal(vschema.multiTenantSpec, undefined);
    assert.equal(parseVSchemaJSON('{"foreignKeyMode": 2}').vschema.foreignKeyMode, 2);
  });

  it('ignores unknown fields, as Vitess does, but reports each with its place', () => {
    const { vschema, warnings } = parseVSchemaJSON(`{
  "sharded": true,
  "shardedd": true,
  "tables": { "t": { "colum_vindexes": [] } }
}`);
    assert.equal(vschema.sharded, true);
    assert.deepEqual(warnings, [
      'unknown field "shardedd" at shardedd (line 3, column 3) was ignored',
      'unknown field "colum_vindexes" at tables.t.colum_vindexes (line 4, column 22) was ignored',
    ]);
  });

  describe('errors say where', () => {
    const cases: Array<[string, string, string]> = [
      ['a missing comma', '{\n  "sharded": true\n  "tables": {}\n}', 'malformed JSON in f.json at line 3, column 3: unexpected token "\\"", expected \',\' or \'}\''],
      ['a trailing comma', '{"sharded": true,}', 'malformed JSON in f.json at line 1, column 18: unexpected token "}" after \',\' (trailing commas are not allowed in JSON)'],
      ['an unquoted key', '{\n sharded: true}', 'malformed JSON in f.json at line 2, column 2: unexpected token "sharded", expected a field name in double quotes'],
      ['truncated input', '{"tables": {', 'malformed JSON in f.json at line 1, column 13: unexpected end of input, expected a field name'],
      ['empty input', '', 'malformed JSON in f.json at line 1, column 1: unexpected end of input'],
      ['a string for a bool', '{"sharded": "yes"}', 'invalid VSchema in f.json at line 1, column 13: invalid value for bool field sharded: "yes"'],
      ['a number for a string, deep inside', '{"tables": {"t": {"column_vindexes": [{"column": 5}]}}}', 'invalid VSchema in f.json at line 1, column 50: invalid value for string field column in tables.t.column_vindexes[0]: 5'],
      ['an unknown enum name', '{"foreign_key_mode": "sometimes"}', 'invalid VSchema in f.json at line 1, column 22: invalid value for enum field foreign_key_mode: "sometimes"'],
      ['the same field in both spellings', '{"tables": {"t": {"column_vindexes": [], "columnVindexes": []}}}', 'invalid VSchema in f.json at line 1, column 42: duplicate field "columnVindexes" in tables.t'],
      ['a list that is not an array', '{"tables": {"t": {"column_vindexes": {}}}}', 'invalid VSchema in f.json at line 1, column 38: invalid value for repeated field column_vindexes in tables.t: an object'],
      ['a top-level array', '[]', 'invalid VSchema in f.json at line 1, column 1: expected an object for Keyspace, got an array'],
      ['garbage after the document', '{} x', 'malformed JSON in f.json at line 1, column 4: unexpected token "x" after the top-level value'],
    ];
    for (const [what, input, message] of cases) {
      it(what, () => {
        assert.throws(() => parseVSchemaJSON(input, 'f.json'), (err: unknown) => {
          assert.ok(err instanceof VSchemaJsonError);
          assert.equal(err.message, message);
          return true;
        });
      });
    }
  });

  it('prints in vtctldclient\'s protojson shape', () => {
    const { vschema } = parseVSchemaJSON(snake);
    assert.equal(formatVSchemaJSON(vschema), `{
  "sharded": true,
  "vindexes": {
    "hash": {
      "type": "hash",
      "params": {},
      "owner": ""
    }
  },
  "tables": {
    "customer": {
      "type": "",
      "column_vindexes": [
        {
          "column": "customer_id",
          "name": "hash",
          "columns": []
        }
      ],
      "auto_increment": {
        "column": "customer_id",
        "sequence": "customer_seq"
      },
      "columns": [],
      "pinned": "",
      "column_list_authoritative": false,
      "source": ""
    }
  },
  "require_explicit_routing": false,
  "foreign_key_mode": "unspecified",
  "multi_tenant_spec": null
}`);
    assert.equal(formatVSchemaJSON(parseVSchemaJSON('{"sharded": false}').vschema, { emitUnpopulated: false }), '{}');
  });
});
