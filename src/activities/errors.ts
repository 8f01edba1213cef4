// Error classes the workflows treat differently: bad input is never retried (the message names
// the table, keyspace, flag or setting at fault); everything else is retried with backoff.
import { ApplicationFailure } from '@temporalio/common';

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidInput');
}

export function schemaError(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'SchemaError');
}

/**
 * A value the table's vindex cannot map (e.g. bytes that are not UTF-8 for a unicode_loose
 * vindex). Vitess's stream fails on it too; the operator fixes the row and starts the workflow.
 */
export function vindexError(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'VindexError');
}

export function isSchemaError(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === 'SchemaError';
}

/** ER_DUP_ENTRY (1062): a row with that key value exists. */
export function isDuplicateKeyError(err: unknown): boolean {
  return (err as { errno?: number }).errno === 1062;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
