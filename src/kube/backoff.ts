// Exponential backoff with full jitter for reconnects (log streams, watches): the delay before attempt n is a random
// value in [base*2^n / 2, base*2^n], capped. `reset()` after a connection proved healthy. A server's Retry-After wins.

export interface BackoffOptions {
  /** First delay in ms (default 250). */
  baseMs?: number;
  /** Largest delay in ms (default 30 s). */
  maxMs?: number;
  /** Random source in [0, 1), injectable for tests. */
  random?: () => number;
}

export class Backoff {
  attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 250;
    this.maxMs = opts.maxMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; `atLeastMs` (e.g. from Retry-After) raises it. */
  next(atLeastMs = 0): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    return Math.max(delay, Math.min(atLeastMs, 10 * 60_000));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** setTimeout that an AbortSignal cancels; resolves false when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
