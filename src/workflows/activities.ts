// Activity proxies, grouped by how long they run. Copy and catch-up run for minutes and
// heartbeat; the rest are short admin steps.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ADMIN_ATTEMPTS } from './api';

/** Bad input and incompatible schemas are not retried: the message names the culprit. */
export const NON_RETRYABLE = ['InvalidInput', 'SchemaError', 'WorkflowExists'];

/**
 * Short admin steps, tried `attempts` times before the failure reaches the workflow (0: until
 * they succeed, as Temporal reads it; anything but a whole number ≥ 0: the default).
 */
export function adminActivities(attempts = ADMIN_ATTEMPTS) {
  const maximumAttempts = Number.isInteger(attempts) && attempts >= 0 ? attempts : ADMIN_ATTEMPTS;
  return proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

export const admin = adminActivities();

export const streaming = proxyActivities<Activities>({
  // Each call returns after a slice (CopyTask/CatchUpTask.sliceMs); this bounds a hung one.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE },
});
