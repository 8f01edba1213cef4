import { strict as assert } from 'node:assert';
import { NoStreamsError } from '../../../src/client/live';

// What `status`, `cancel` and the rest say of a workflow without a running run.
describe('no streams found', () => {
  const closed = (state: string) => ({ state: state as 'FAILED', closeTime: new Date('2026-12-04T10:00:00Z') });

  it('is Vitess\'s text alone for a workflow that never ran', () => {
    assert.equal(new NoStreamsError('customer', 'imp').message, 'no streams found in keyspace customer for imp');
  });

  it('points to cancel when the last run ended without cleaning up (failed, terminated, cancelled from Temporal, timed out)', () => {
    for (const state of ['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']) {
      assert.equal(new NoStreamsError('customer', 'imp', closed(state)).message,
        `no streams found in keyspace customer for imp (its last run ended ${state} at 2026-12-04T10:00:00.000Z; ` +
        'if it left streams or tables on the target, Migrate --workflow imp --target-keyspace customer cancel removes them)');
    }
  });

  it('does not for a run that completed (complete or cancel removed its state) or was refused before it touched the target', () => {
    assert.equal(new NoStreamsError('customer', 'imp', closed('COMPLETED')).message,
      'no streams found in keyspace customer for imp (its last run ended COMPLETED at 2026-12-04T10:00:00.000Z)');
    assert.equal(new NoStreamsError('customer', 'imp', closed('COMPLETED'), 'the migration was cancelled').message,
      'no streams found in keyspace customer for imp (its last run ended COMPLETED at 2026-12-04T10:00:00.000Z: the migration was cancelled)');
    assert.equal(new NoStreamsError('customer', 'imp', closed('FAILED'), 'invalid Migrate request: x', 'none possible').message,
      'no streams found in keyspace customer for imp (its last run ended FAILED at 2026-12-04T10:00:00.000Z: invalid Migrate request: x)');
  });

  it('says so once cancel found nothing left', () => {
    assert.equal(new NoStreamsError('customer', 'imp', closed('TERMINATED'), undefined, 'nothing').message,
      'no streams found in keyspace customer for imp (its last run ended TERMINATED at 2026-12-04T10:00:00.000Z; it left nothing on the target)');
  });
});
