// Starts the TUI on the terminal: renders App with Ink, re-reads LiveStats.snapshot() on a timer (at most
// 10 frames/s) and resolves once the user quits (q or Ctrl-C) or `signal` aborts, after onQuit (which flushes the
// store), with Ink unmounted so the terminal is given back. When the terminal gets narrower it clears the screen first:
// the terminal re-wraps the old, wider frame onto more rows than Ink erases, which would leave it above the new one.

import { render } from 'ink';
import type { LiveStats } from '../src/live/stats.js';
import type { Policy } from '../src/live/whatif.js';
import { App } from './App.js';

export interface RunTuiOptions {
  stats: LiveStats;
  onQuit: () => Promise<void> | void;
  onSwitchPolicy?: (p: Policy) => Promise<void>;
  /** Default 200 ms; clamped to at least 100 ms. */
  refreshMs?: number;
  /** Force Unicode glyphs on/off (default: from LANG/LC_ALL/TERM). */
  unicode?: boolean;
  /** Let Ink route console output above the UI (default true). */
  patchConsole?: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Quits as if the user had (onQuit, unmount, resolve) when it aborts: a signal, a --duration, a fatal error. */
  signal?: AbortSignal;
}

/** Clear screen, cursor home. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/**
 * Clears the screen whenever the terminal gets narrower, ahead of Ink's own resize handler (which then redraws the
 * whole frame from the top). Returns the function that stops it.
 */
export function clearOnNarrowing(out: NodeJS.WriteStream): () => void {
  let cols = out.columns || 0;
  const onResize = () => {
    const now = out.columns || 0;
    if (now > 0 && now < cols && out.isTTY) out.write(CLEAR_SCREEN);
    cols = now;
  };
  out.prependListener('resize', onResize);
  return () => void out.off('resize', onResize);
}

export function runTui(opts: RunTuiOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const stopClearing = clearOnNarrowing(opts.stdout ?? process.stdout);
    const onAbort = () => void onQuit();
    const onQuit = async () => {
      if (done) return;
      done = true;
      stopClearing();
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        await opts.onQuit();
      } catch (err) {
        instance.unmount();
        reject(err);
        return;
      }
      instance.unmount();
      resolve();
    };
    const instance = render(
      <App
        stats={opts.stats}
        onQuit={onQuit}
        onSwitchPolicy={opts.onSwitchPolicy}
        refreshMs={Math.max(100, opts.refreshMs ?? 200)}
        unicode={opts.unicode}
      />,
      {
        exitOnCtrlC: false,
        maxFps: 10,
        patchConsole: opts.patchConsole ?? true,
        ...(opts.stdout ? { stdout: opts.stdout } : {}),
        ...(opts.stdin ? { stdin: opts.stdin } : {}),
      },
    );
    instance.waitUntilExit().catch((err: unknown) => {
      if (!done) {
        done = true;
        stopClearing();
        opts.signal?.removeEventListener('abort', onAbort);
        reject(err);
      }
    });
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
