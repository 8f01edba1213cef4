// The operator-facing text of a failed activity or child workflow: the cause's message, not
// Temporal's wrapper ("Activity task failed").
import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

export function failureMessage(err: unknown): string {
  if ((err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
