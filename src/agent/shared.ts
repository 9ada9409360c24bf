// What the agent run shares with watch's: how the run ends (signal, TUI quit, fatal start-up error, failed commit),
// the pod selections of TARGET/-l/-n/-A, and the view's sinks.
import type { Selection } from '../kube/pods.js';
import { resolveTargets } from '../kube/targets.js';
import { startupError } from '../kube/startup.js';
import type { KubeClient } from '../kube/http.js';
import type { LiveFeed } from '../live/feed.js';
import { JsonSink } from '../output/json.js';
import { LinesSink } from '../output/lines.js';
import type { TextOut } from '../output/sinkio.js';
import type { Sink } from '../pipeline.js';
import { UserError } from '../errors.js';
import { isStoreFailure, storeFailure } from '../../db/index.js';
import { chooseView, type OutputMode } from '../commands/watch.js';

export { chooseView, type OutputMode };

export class RunEnd {
  private readonly ac = new AbortController();
  readonly signal = this.ac.signal;
  readonly stopped: Promise<void>;
  fatal: UserError | null = null;
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

  fail(err: UserError): void {
    this.fatal ??= err;
    this.ac.abort();
  }

  storeFailure(err: unknown): void {
    this.storeFailed = err;
    this.fatal ??= isStoreFailure(err) ? storeFailure(err, this.dbPath) : null;
  }

  rethrow(): void {
    if (this.fatal) throw this.fatal;
    if (this.storeFailed) throw this.storeFailed;
  }
}

export async function resolveSelectionsFor(
  client: KubeClient,
  o: { targets?: string[]; allNamespaces?: boolean; selector?: string },
  kube: { namespace: string; server: string },
): Promise<Selection[]> {
  try {
    return await resolveTargets(client, o.targets ?? [], { namespace: kube.namespace, allNamespaces: o.allNamespaces ?? false, labelSelector: o.selector });
  } catch (err) {
    client.close();
    startupError(err, kube.server);
  }
}

export function viewSinksFor(view: OutputMode, live: LiveFeed | null, stdout: TextOut, allNamespaces: boolean | undefined, env: NodeJS.ProcessEnv): Sink[] {
  if (view === 'lines') return [new LinesSink(stdout, { showNamespace: allNamespaces, env })];
  if (view === 'json') return [new JsonSink(stdout)];
  if (view === 'tui' && live) return [live.stats];
  return [];
}
