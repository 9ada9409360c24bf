// What every live run (watch, agent) shares (with live-run.ts): how it ends (the caller's signal, the user quitting
// the TUI, a fatal start-up problem, a failed commit), the pod selections of TARGET / -l / -n / -A, where notices go,
// and the view's sinks.
import { safeText } from '../text.js';
import { UserError } from '../errors.js';
import { LinesSink } from '../output/lines.js';
import { JsonSink } from '../output/json.js';
import type { TextOut } from '../output/sinkio.js';
import type { Sink } from '../pipeline.js';
import type { KubeClient } from '../kube/http.js';
import type { Selection } from '../kube/pods.js';
import { startupError } from '../kube/startup.js';
import { namespaceExists, resolveTargets } from '../kube/targets.js';
import type { OutageOut } from '../kube/outage.js';
import type { Topology } from '../classify/index.js';
import type { LiveFeed } from '../live/feed.js';
import { isStoreFailure, storeFailure } from '../../db/errors.js';
import type { OutputMode } from './options.js';

/**
 * How the run ends: the caller's signal, the user quitting the TUI, a fatal start-up problem (the pods cannot be
 * listed at all) or a failed commit. `fatal` is the first problem to tell the user (it is thrown at the end).
 */
export class RunEnd {
  private readonly ac = new AbortController();
  readonly signal = this.ac.signal;
  /** Resolves once the run is told to end. */
  readonly stopped: Promise<void>;
  fatal: UserError | null = null;
  /** A commit that failed: the store is then abandoned instead of flushed. */
  storeFailed: unknown = null;

  constructor(
    outer: AbortSignal | undefined,
    private readonly dbPath: string,
  ) {
    if (outer?.aborted) this.ac.abort();
    else outer?.addEventListener('abort', () => this.ac.abort(), { once: true });
    this.stopped = new Promise<void>((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  stop(): void {
    this.ac.abort();
  }

  /** A problem that ends the run; the first one is what the user sees. */
  fail(err: UserError): void {
    this.fatal ??= err;
    this.ac.abort();
  }

  /** A commit failed (disk full, database locked for too long): one clear line when it is the database's. */
  storeFailure(err: unknown): void {
    this.storeFailed = err;
    this.fatal ??= isStoreFailure(err) ? storeFailure(err, this.dbPath) : null;
  }

  /** Throws what ended the run, if anything did. */
  rethrow(): void {
    if (this.fatal) throw this.fatal;
    if (this.storeFailed) throw this.storeFailed;
  }
}

/** The pod selections of TARGET... and the flags; an API failure closes the client and ends the run as one line. */
export async function resolveSelections(
  client: KubeClient,
  o: { targets?: string[]; allNamespaces?: boolean; selector?: string },
  kube: { namespace: string; server: string },
  check?: { follow: boolean; say(message: string): void },
): Promise<Selection[]> {
  try {
    // A namespace that does not exist lists no pods, like one without any: say which it is.
    if (check && !o.allNamespaces && !(await namespaceExists(client, kube.namespace))) {
      const what = `namespace "${safeText(kube.namespace)}" not found`;
      if (!check.follow) throw new UserError(what, 'kubectl get namespaces, then -n NAMESPACE');
      check.say(`${what}; waiting for it`);
    }
    return await resolveTargets(client, o.targets ?? [], {
      namespace: kube.namespace,
      allNamespaces: o.allNamespaces ?? false,
      labelSelector: o.selector,
    });
  } catch (err) {
    client.close();
    if (err instanceof UserError) throw err;
    startupError(err, kube.server);
  }
}

/** --exclude-pod: every selection leaves those pods out. */
export function excludePods(selections: Selection[], excluded: ((name: string) => boolean) | undefined): Selection[] {
  if (!excluded) return selections;
  return selections.map((s) => {
    const match = s.match;
    return { ...s, match: (name: string) => (!match || match(name)) && !excluded(name) };
  });
}

/** Notices (queued streams, per-stream errors): on the TUI's status line when there is one, else on stderr. */
export function noticesTo(live: LiveFeed | null, stderr: TextOut): (message: string) => void {
  return (msg) => {
    if (live) live.stats.notice(msg);
    else stderr.write(`snatscope: ${safeText(msg)}\n`); // API-server text in a notice is never raw on a terminal
  };
}

/** Where each request goes besides the store: the lines or NDJSON view, or LiveStats behind the TUI. */
export function viewSinks(
  view: OutputMode, live: LiveFeed | null, stdout: TextOut, o: { allNamespaces?: boolean; timestamps?: boolean; prefix?: boolean },
  env: NodeJS.ProcessEnv, topology?: Topology,
): Sink[] {
  if (view === 'lines') {
    // The container after the pod when the pod has several (the topology knows).
    const containersOf = topology ? (ns: string, pod: string) => topology.pods.get(`${ns}/${pod}`)?.containers.length ?? 1 : undefined;
    return [new LinesSink(stdout, { showNamespace: o.allNamespaces, env, containersOf, timestamps: o.timestamps, prefix: o.prefix })];
  }
  if (view === 'json') return [new JsonSink(stdout)];
  if (live) return [live.stats];
  return [];
}

/** The outage status: the TUI's status line; on a terminal one stderr line rewritten in place; else a line each way. */
export function outageOut(live: LiveFeed | null, stderr: TextOut): OutageOut {
  if (live) return { line: (t) => { if (t) live.stats.notice(t); }, done: (t) => live.stats.notice(t) };
  if (stderr.isTTY) {
    let shown = false;
    return {
      line: (t) => {
        stderr.write(t ? `\r\x1b[Ksnatscope: ${t}` : shown ? '\r\x1b[K' : '');
        shown = t !== null;
      },
      done: (t) => stderr.write(`snatscope: ${t}\n`),
    };
  }
  let said = false;
  return {
    line: (t) => {
      if (t && !said) stderr.write(`snatscope: ${t}\n`);
      said = t !== null;
    },
    done: (t) => stderr.write(`snatscope: ${t}\n`),
  };
}
