// Driving an Ink app rendered by ink-testing-library: keys in, frames out (styling stripped). A test file that reads
// frames must import the UI as outside CI (Ink draws only the last frame under CI): see the top of test/ui.test.tsx.
import type { render } from 'ink-testing-library';

export type Rendered = ReturnType<typeof render>;

export const tick = (ms = 25) => new Promise((r) => setTimeout(r, ms));

/** The frame without SGR styling. */
export const plain = (frame: string | undefined) => (frame ?? '').replace(/\x1b\[[0-9;]*m/g, '');
export const lines = (frame: string | undefined) => plain(frame).split('\n');

/** Sends keys, then waits until the app has drawn a new frame and no other follows for a moment. */
export async function press(r: Rendered, keys: string, settleMs = 30): Promise<void> {
  const before = r.frames.length;
  r.stdin.write(keys);
  const end = Date.now() + 3000;
  while (r.frames.length === before && Date.now() < end) await tick(5);
  let n = -1;
  while (n !== r.frames.length && Date.now() < end) {
    n = r.frames.length;
    await tick(settleMs);
  }
}

/** Polls until `cond` holds (bounded): for what a real timer draws, however loaded the machine is. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}
