// Workflow time. Inside a workflow the SDK replaces Date with a deterministic clock that reads
// the time of the current workflow task, so this is replay-safe (unlike in activities).
export function workflowNow(): number {
  // eslint-disable-next-line no-restricted-properties
  return Date.now();
}
