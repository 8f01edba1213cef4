// Polling for tests that wait on real processes (replication, ports, restarts): the condition is
// checked until it holds or the deadline passes, and the failure names what never happened.
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
