// Runs `snatscope watch` in-process (runWatch) against the test cluster, with fast timeouts, and collects what it
// says; plus a writer of tagged lines that remembers every line it served.
import { runWatch, type WatchOptions, type WatchRun, type WatchTuning } from '../../src/watch/run.js';
import { accessLine, exactlyOnce, readRows, waitFor, type Cluster } from './kube.js';

export const FAST: WatchTuning = {
  idleMs: 500,
  endGraceMs: 60,
  backoff: { baseMs: 20, maxMs: 250 },
  watch: { idleMs: 3000, backoff: { baseMs: 20, maxMs: 250 } },
  flushMs: 50,
};

export class Out {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export interface RunningWatch {
  done: Promise<Awaited<ReturnType<typeof runWatch>>>;
  stop(): Promise<Awaited<ReturnType<typeof runWatch>>>;
  stdout: Out;
  stderr: Out;
  run: () => WatchRun;
}

export async function startWatch(c: Cluster, opts: Partial<WatchOptions> = {}, tuning: WatchTuning = FAST): Promise<RunningWatch> {
  const ac = new AbortController();
  const stdout = new Out();
  const stderr = new Out();
  let run: WatchRun | null = null;
  const done = runWatch(
    { kubeconfig: c.kubeconfig, db: c.db, output: 'none', format: 'main', ...opts },
    { signal: ac.signal, stdout, stderr, env: {}, tuning, onStarted: (r) => (run = r) },
  );
  let failed = false;
  done.catch(() => (failed = true));
  await waitFor(() => run !== null || failed || stderr.text.includes('error'), 10_000, 'watch to start');
  return {
    done,
    stdout,
    stderr,
    run: () => run!,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

/** Serves tagged lines on a container's current instance and remembers each tag (the lines served). */
export class Served {
  readonly tags: string[] = [];
  constructor(private readonly c: Cluster) {}

  put(pod: string, tag: string, time?: number, container = 'nginx'): void {
    if (!this.c.model.appendLog('default', pod, container, accessLine(tag), time)) throw new Error(`no pod ${pod}`);
    this.tags.push(tag);
  }

  many(pod: string, prefix: string, n: number, time?: number): void {
    for (let i = 0; i < n; i++) this.put(pod, `${prefix}${i}`, time);
  }

  /** Targets stored twice and served tags not stored. */
  check(): { stored: number; served: number; dup: string[]; missing: string[] } {
    const rows = readRows(this.c.db);
    const { dup, missing } = exactlyOnce(rows, this.tags.map((t) => `/r/${t}`));
    return { stored: rows.length, served: this.tags.length, dup, missing };
  }

  async allStored(what: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.check().missing.length === 0, timeoutMs, what);
  }
}
