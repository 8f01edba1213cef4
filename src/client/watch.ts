// `status --watch`: redraws the status every interval until Ctrl-C or until the workflow closes.
// On a terminal the screen is cleared before each snapshot; into a pipe or file, snapshots follow
// each other separated by a blank line, so the output stays a readable log.
import { NoStreamsError } from './live';
import { sleep } from './temporal';

export const CLEAR_SCREEN = '\x1b[H\x1b[2J';

export interface WatchOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export async function watchStatus(render: () => Promise<string>, intervalMs: number, out: WatchOutput = process.stdout): Promise<void> {
  let first = true;
  for (;;) {
    let text: string;
    try {
      text = await render();
    } catch (err) {
      // The run closed while we watched: say how it ended and stop. A run that never existed is an error.
      if (err instanceof NoStreamsError && err.lastRun && !first) {
        out.write(`${out.isTTY ? '' : '\n'}Workflow closed: ${err.lastRun.state}\n`);
        return;
      }
      if (first) throw err;
      // A passing error (a query that timed out while the worker restarts) is shown, not fatal.
      text = `Error: ${(err as Error).message}\n`;
    }
    out.write(out.isTTY ? `${CLEAR_SCREEN}${text}` : `${first ? '' : '\n'}${text}`);
    first = false;
    await sleep(intervalMs);
  }
}
