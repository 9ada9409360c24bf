// The TUI's side of a watch run: drives the TUI it is handed (ui/run.js implements TuiRunner; src/watch/tui.ts loads
// it, so nothing here imports the UI) and feeds its LiveStats everything that is not a request: each container stream's state
// (queued while it waits for a slot under --max-streams, then the tail's own states, ended when its pod is deleted
// first), the services in front of the target pods and the nodes (refreshed on topology and pod changes), notices
// for the status line, and the count of unparsed lines. Requests reach LiveStats as a pipeline sink (`stats`).
import type { Topology } from '../classify/index.js';
import { streamKey, type ContainerInstance, type PodEvent } from '../kube/pods.js';
import type { StreamView } from '../kube/streams.js';
import type { Tail } from '../kube/tail.js';
import { servicesForPods } from '../kube/topology.js';
import type { Pipeline } from '../pipeline.js';
import type { LiveStats } from './stats.js';
import type { Policy } from './whatif.js';

/** What LiveFeed needs of the TUI (ui/run.js's runTui): bring it up over `stats`, resolve once it has unmounted. */
export interface TuiRunner {
  runTui(opts: {
    stats: LiveStats;
    onQuit: () => Promise<void>;
    onSwitchPolicy?: (p: Policy) => Promise<void>;
    signal: AbortSignal;
  }): Promise<void>;
}

/** The TUI and its LiveStats, fed by the watch run (streams, topology, notices). */
export class LiveFeed implements StreamView {
  private readonly queued = new Map<string, ContainerInstance>();
  private topology: Topology | null = null;
  private pods: { podKeys(): Iterable<string> } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tui: TuiRunner,
    readonly stats: LiveStats,
  ) {}

  /** Where refresh() reads the services, nodes and target pods from. */
  track(topology: Topology, pods: { podKeys(): Iterable<string> }): void {
    this.topology = topology;
    this.pods = pods;
  }

  /** The services in front of the target pods and the nodes, as the topology has them now. */
  refresh(): void {
    const topology = this.topology;
    if (!topology) return;
    this.stats.setServices(servicesForPods(topology, this.pods ? this.pods.podKeys() : []));
    this.stats.setNodes([...topology.nodes.values()].map((n) => ({ name: n.name, addresses: n.ownedAddrs.map((a) => a.addr), ready: n.ready })));
  }

  /** A started or restarted container shows as queued until its tail opens; a deleted pod ends its queued ones. */
  podEvent(ev: PodEvent): void {
    const live = this.stats;
    if ((ev.type === 'started' || ev.type === 'restarted') && ev.container && ev.containerId) {
      const inst = { namespace: ev.namespace, pod: ev.pod, container: ev.container, containerId: ev.containerId, nodeName: ev.nodeName };
      this.queued.set(streamKey(inst), inst);
      live.setStream(streamKey(inst), { namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: 'queued' });
    } else if (ev.type === 'deleted') {
      for (const [k, inst] of this.queued) {
        if (inst.namespace !== ev.namespace || inst.pod !== ev.pod) continue;
        this.queued.delete(k);
        live.setStream(k, { namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: 'ended', detail: 'pod deleted' });
      }
    }
    if (ev.type === 'added' || ev.type === 'deleted') this.refresh();
  }

  /** The stream has left the queue (its tail's own states follow). */
  opening(inst: ContainerInstance): void {
    this.queued.delete(streamKey(inst));
  }

  /** The tail's state (connecting, live, retrying, ended) with its reason. */
  tailState(inst: ContainerInstance, t: Tail): void {
    this.stats.setStream(streamKey(inst), {
      namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: t.state, detail: t.reason ?? undefined,
    });
  }

  /** Hands the pipeline's unparsed count to LiveStats every 500 ms, until stop(). */
  countUnparsed(pipeline: Pipeline): void {
    let unparsedSeen = 0;
    const live = this.stats;
    this.timer = setInterval(() => {
      live.unparsed(pipeline.stats.unparsed - unparsedSeen);
      unparsedSeen = pipeline.stats.unparsed;
    }, 500);
    this.timer.unref();
  }

  /**
   * Brings the TUI up; resolves once it has unmounted: after the user quit (q / Ctrl-C: `onQuit` shuts the run down
   * first) or `signal` aborted.
   */
  run(opts: { onQuit: () => Promise<void>; onSwitchPolicy?: (p: Policy) => Promise<void>; signal: AbortSignal }): Promise<void> {
    return this.tui.runTui({ stats: this.stats, onQuit: opts.onQuit, onSwitchPolicy: opts.onSwitchPolicy, signal: opts.signal });
  }

  /** Stops the unparsed counter (the TUI itself goes down through run()'s signal). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
