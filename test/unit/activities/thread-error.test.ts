// Errors of an activity's work run in a worker thread cross to the activity's thread as data
// (activity-thread.ts): what the workflow tells apart must survive the trip.
import { strict as assert } from 'node:assert';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { decodeThreadError, encodeThreadError } from '../../../src/activities/activity-thread';
import { invalidInput, isDuplicateKeyError, isSchemaError, schemaError } from '../../../src/activities/errors';

const roundTrip = (err: unknown) => decodeThreadError(structuredClone(encodeThreadError(err)));

describe('worker thread errors', () => {
  it('keeps a schema error non-retryable with its type and message', () => {
    const back = roundTrip(schemaError('table t: key column id is missing on source shard -80'));
    assert.ok(back instanceof ApplicationFailure);
    assert.equal(back.nonRetryable, true);
    assert.ok(isSchemaError(back));
    assert.equal(back.message, 'table t: key column id is missing on source shard -80');
  });

  it('keeps invalid input non-retryable', () => {
    const back = roundTrip(invalidInput('vdiff with UUID x not found on tablet zone1-100')) as ApplicationFailure;
    assert.equal(back.type, 'InvalidInput');
    assert.equal(back.nonRetryable, true);
  });

  it('keeps a retryable application failure retryable', () => {
    const back = roundTrip(ApplicationFailure.retryable('busy', 'Busy')) as ApplicationFailure;
    assert.equal(back.type, 'Busy');
    assert.equal(back.nonRetryable, false);
  });

  it('keeps cancellation a cancellation', () => {
    const back = roundTrip(new CancelledFailure('CANCELLED'));
    assert.ok(back instanceof CancelledFailure);
  });

  it('keeps a driver error retryable, with its code and errno', () => {
    const err = Object.assign(new Error("Duplicate entry '1' for key 'PRIMARY'"), { code: 'ER_DUP_ENTRY', errno: 1062 });
    const back = roundTrip(err) as Error & { code?: string };
    assert.ok(!(back instanceof ApplicationFailure));
    assert.equal(back.code, 'ER_DUP_ENTRY');
    assert.ok(isDuplicateKeyError(back));
    assert.equal(back.message, err.message);
  });

  it('turns a thrown non-error into its text', () => {
    assert.equal(roundTrip('lost').message, 'lost');
  });
});
