import { strict as assert } from 'node:assert';
import { requestProblems } from '../../../src/workflows/request-check';

const valid = { workflow: 'import', targetKeyspace: 'customer', sourceKeyspace: 'commerce', mountName: 'ext1', allTables: true };

describe('requestProblems (a Migrate request from the Temporal CLI)', () => {
  it('accepts what the CLI sends, with or without the optional fields', () => {
    assert.deepEqual(requestProblems(valid), []);
    assert.deepEqual(requestProblems({
      ...valid, allTables: false, tables: ['a', 'b'], excludeTables: [], sourceTimeZone: 'US/Pacific', noRoutingRules: false, cells: ['zone1'],
      allCells: false, tabletTypes: ['REPLICA'], tabletTypesInPreferenceOrder: true, onDdl: 'EXEC_IGNORE', deferSecondaryKeys: false,
      autoStart: true, stopAfterCopy: false, copyBatchRows: 100, copyBatchBytes: 1 << 20, shardHistoryLimit: 500, stepAttempts: 2,
    }), []);
    // null takes the default, as an absent field does.
    assert.deepEqual(requestProblems({ ...valid, cells: null, onDdl: null }), []);
  });

  it('names each missing required field', () => {
    assert.deepEqual(requestProblems({ workflow: 'import', targetKeyspace: 'customer' }), [
      'sourceKeyspace is required (a non-empty string)',
      'mountName is required (a non-empty string)',
    ]);
    assert.deepEqual(requestProblems({ ...valid, workflow: '' }), ['workflow must be a non-empty string, not ""']);
  });

  it('names an unknown field (a typo such as source_keyspace) and lists the known ones', () => {
    const [unknown, missing] = requestProblems({ workflow: 'import', targetKeyspace: 'customer', mountName: 'ext1', source_keyspace: 'commerce', allTables: true });
    assert.match(unknown, /^unknown field\(s\) source_keyspace \(the fields are workflow, targetKeyspace, sourceKeyspace, mountName, allTables, /);
    assert.equal(missing, 'sourceKeyspace is required (a non-empty string)');
  });

  it('names a field of the wrong type, with the value given', () => {
    assert.deepEqual(requestProblems({ ...valid, allTables: 'yes', tables: 'a,b', copyBatchRows: 0, stepAttempts: 2.5, onDdl: 'ignore', cells: [1] }), [
      'allTables must be true or false, not "yes"',
      'tables must be an array of strings, not "a,b"',
      'cells must be an array of strings, not [1]',
      'onDdl must be IGNORE, STOP, EXEC, EXEC_IGNORE, not "ignore"',
      'copyBatchRows must be a positive integer, not 0',
      'stepAttempts must be a whole number (0: until it succeeds), not 2.5',
    ]);
  });

  it('takes stepAttempts 0 (try until it succeeds), as the activities read it', () => {
    assert.deepEqual(requestProblems({ ...valid, stepAttempts: 0 }), []);
    assert.deepEqual(requestProblems({ ...valid, stepAttempts: -1 }), ['stepAttempts must be a whole number (0: until it succeeds), not -1']);
  });

  it('refuses what is not an object', () => {
    for (const req of [undefined, null, 'customer', [valid]]) assert.deepEqual(requestProblems(req), ['the request must be a JSON object']);
  });
});
