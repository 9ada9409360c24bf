// The cluster topology of a watch run: a TopologyWatch started before the pod streams (so the first lines are
// classified against the cluster as it is), its first sync awaited up to a time limit (then the run goes on with what
// is known), and every change handed to `onChange` (the run snapshots the topology into the store and refreshes the
// view). An error retrying cannot fix before the first sync goes to `onFatal`; later ones are said and retried.
import type { Topology } from '../classify/index.js';
import type { KubeClient, KubeError } from './http.js';
import type { ApiOutage } from './outage.js';
import { fatalAtStart } from './startup.js';
import { TopologyWatch } from './topology.js';
import type { ResourceWatchOptions } from './watch.js';

export interface TopologySyncOptions {
  client: KubeClient;
  topology: Topology;
  /** Target namespace; null with -A. */
  namespace: string | null;
  watch?: Partial<ResourceWatchOptions>;
  /** How long the first sync may take (default 15 s). */
  syncTimeoutMs?: number;
  /** The topology changed (debounced), and once after the first sync. */
  onChange(): void;
  say(message: string): void;
  onFatal(err: KubeError): void;
  /** The API server being unreachable is said once there. */
  outage?: ApiOutage;
}

/** The topology watch of one watch run and its first sync. */
export class TopologySync {
  private watch: TopologyWatch | null = null;
  private settled = false;

  constructor(private readonly o: TopologySyncOptions) {}

  /** Starts listing and watching nodes, pods and services. */
  start(): void {
    const { o } = this;
    this.watch = new TopologyWatch({
      client: o.client,
      topology: o.topology,
      namespace: o.namespace,
      watch: o.watch,
      onChange: o.onChange,
      onNotice: o.say,
      onError: (err, ms) => {
        if (!this.settled && fatalAtStart(err)) {
          o.onFatal(err);
          return;
        }
        if (o.outage?.failed(err)) return;
        o.say(`topology: ${err.text} (retrying in ${Math.round(ms / 1000)}s)`);
      },
    }).start();
  }

  /** Waits for the first sync (or the end of the run), says when it is incomplete, then reports the topology once. */
  async synced(stopped: Promise<void>): Promise<void> {
    const ok = this.watch ? await Promise.race([this.watch.synced(this.o.syncTimeoutMs ?? 15_000), stopped.then(() => true)]) : true;
    this.settled = true;
    if (!ok) this.o.say('the cluster topology is not complete yet; classifying with what is known');
    this.o.onChange();
  }

  /** Stops the watch (a no-op before start). */
  async stop(): Promise<void> {
    await this.watch?.stop();
  }
}
