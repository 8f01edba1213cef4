import { strict as assert } from 'node:assert';
import { msToTs } from '@temporalio/common/lib/time';
import { retryingActivity, type PendingAttempt } from '../../../src/client/live';
import { retriedAttempt } from '../../../src/client/vdiff-live';

// What DescribeWorkflowExecution says of a pending activity, at epoch seconds `s`.
const at = (s: number) => msToTs(s * 1000);
const SCHEDULED = 1;
const STARTED = 2;
const failed: PendingAttempt = {
  activityType: { name: 'catchUp' }, attempt: 3, state: STARTED,
  lastFailure: { message: 'connect ECONNREFUSED 127.0.0.1:17800' }, lastStartedTime: at(1000),
};

describe('a retried activity in status', () => {
  it('is retrying while it waits for its next attempt', () => {
    assert.deepEqual(retryingActivity({ ...failed, state: SCHEDULED, lastHeartbeatTime: at(990) }),
      { activity: 'catchUp', attempt: 3, message: 'connect ECONNREFUSED 127.0.0.1:17800' });
  });

  it('is still retrying while the new attempt has not heartbeated (the last heartbeat is the failed attempt\'s)', () => {
    assert.equal(retryingActivity({ ...failed, lastHeartbeatTime: at(990) })?.attempt, 3);
    assert.equal(retryingActivity({ ...failed })?.attempt, 3);
  });

  it('is running again once the new attempt heartbeats, however long ago the failure was', () => {
    assert.equal(retryingActivity({ ...failed, lastHeartbeatTime: at(1000) }), undefined);
    assert.equal(retryingActivity({ ...failed, lastHeartbeatTime: at(5000) }), undefined);
  });

  it('is not retrying on a first attempt or without a failure', () => {
    assert.equal(retryingActivity({ ...failed, attempt: 1 }), undefined);
    assert.equal(retryingActivity({ ...failed, attempt: 2, lastFailure: undefined }), undefined);
  });

  it('says in an operator\'s words that the worker of an attempt went silent', () => {
    assert.deepEqual(retryingActivity({ ...failed, state: SCHEDULED, lastFailure: { message: 'activity Heartbeat timeout' } })?.message,
      'activity Heartbeat timeout: the worker running it stopped answering (killed, or cut off); a live worker takes it over');
  });
});

describe('a retried VDiff shard in show', () => {
  const diff: PendingAttempt = { ...failed, activityType: { name: 'vdiffShard' }, attempt: 2, lastFailure: { message: 'timed out after 30s waiting for the streams' } };

  it('is in error, as Vitess shows it, while the failed attempt is retried', () => {
    assert.deepEqual(retriedAttempt({ ...diff, state: SCHEDULED }), { state: 'error', lastError: 'timed out after 30s waiting for the streams' });
    assert.deepEqual(retriedAttempt({ ...diff, lastHeartbeatTime: at(990) }), { state: 'error', lastError: 'timed out after 30s waiting for the streams' });
  });

  it('stays started once the next attempt runs, the failure still saying why it takes longer', () => {
    assert.deepEqual(retriedAttempt({ ...diff, lastHeartbeatTime: at(1000) }),
      { lastError: 'attempt 1 failed: timed out after 30s waiting for the streams; attempt 2 running' });
  });

  it('shows nothing on a first attempt', () => {
    assert.equal(retriedAttempt({ ...diff, attempt: 1 }), undefined);
  });
});
