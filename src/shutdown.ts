// SIGINT and SIGTERM for every long-running command (watch, demo, ingest, report --every), in one place: the first
// signal aborts the run's AbortSignal, so the run stops cleanly (streams stopped, store flushed, TUI unmounted,
// schedule stopped); a second one stops waiting and exits at once. The handlers are removed when the run settles.

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code of a run a signal stopped, as shells report it (128 + signal number). */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface Stopped<T> {
  result: T;
  /** The first signal that arrived, or null when the run ended by itself. */
  received: StopSignal | null;
}

/** Runs `work` with SIGINT/SIGTERM turned into an abort of the signal it is given. */
export async function untilSignal<T>(work: (signal: AbortSignal) => Promise<T>, proc: NodeJS.Process = process): Promise<Stopped<T>> {
  const ac = new AbortController();
  let received: StopSignal | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    const sig: StopSignal = s === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    if (received) {
      proc.exit(SIGNAL_EXIT[sig]); // a second signal: stop waiting
      return;
    }
    received = sig;
    ac.abort();
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  try {
    const result = await work(ac.signal);
    return { result, received };
  } finally {
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
  }
}
