// Keeps a classify Topology current from the cluster: list+watch of nodes (owned addresses, podCIDRs, CNI
// annotations), pods (all namespaces when permitted, else the target namespace: pod IPs identify pod-to-pod
// traffic) and services (the target namespace, or all with -A: type, externalTrafficPolicy, nodePorts,
// healthCheckNodePort, internalTrafficPolicy of the services that select the target pods). Changes are reported
// through a debounced `onChange` (the watch command snapshots the topology into the store). A resource that RBAC
// forbids is said once and left out; the run goes on with what is visible.
import type { Topology } from '../classify/index.js';
import type { KubeClient, KubeError } from './http.js';
import { ResourceWatch, type KubeObject, type ResourceWatchOptions, type WatchEventType } from './watch.js';

export interface TopologyWatchOptions {
  client: KubeClient;
  topology: Topology;
  /** Target namespace; null with -A. */
  namespace: string | null;
  onChange?(): void;
  onNotice?(message: string): void;
  onError?(err: KubeError, retryInMs: number): void;
  /** onChange at most this often (default 1000 ms). */
  debounceMs?: number;
  watch?: Partial<ResourceWatchOptions>;
}

type Kind = 'nodes' | 'pods' | 'services';

interface Entry {
  kind: Kind;
  watch: ResourceWatch<KubeObject>;
  /** Listed, or given up because forbidden. */
  settled: boolean;
  waiters: Array<() => void>;
}

export class TopologyWatch {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: TopologyWatchOptions) {}

  start(): this {
    const ns = this.opts.namespace;
    this.add('nodes', '/api/v1/nodes');
    this.add('pods', '/api/v1/pods');
    this.add('services', ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/services` : '/api/v1/services');
    return this;
  }

  /** Resolves when every resource has been listed (or forbidden); false on timeout. */
  async synced(timeoutMs = 30_000): Promise<boolean> {
    const wait = (e: Entry) =>
      e.settled ? Promise.resolve(true) : Promise.race([e.watch.synced(timeoutMs), new Promise<boolean>((r) => e.waiters.push(() => r(true)))]);
    const results = await Promise.all(this.entries.map(wait));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all(this.entries.map((e) => e.watch.stop()));
  }

  private add(kind: Kind, path: string, replace?: Entry): void {
    const entry: Entry = replace ?? { kind, watch: null as unknown as ResourceWatch<KubeObject>, settled: false, waiters: [] };
    entry.watch = new ResourceWatch<KubeObject>(this.opts.client, { ...this.opts.watch, path }, {
      onEvent: (type, obj) => this.apply(kind, type, obj),
      onSynced: () => this.settle(entry),
      onError: (err, ms) => this.failed(entry, path, err, ms),
    });
    if (!replace) this.entries.push(entry);
    entry.watch.start();
  }

  private settle(e: Entry): void {
    e.settled = true;
    for (const w of e.waiters.splice(0)) w();
  }

  private failed(e: Entry, path: string, err: KubeError, ms: number): void {
    if (err.status !== 403 || this.stopped) {
      this.opts.onError?.(err, ms);
      return;
    }
    void e.watch.stop();
    if (e.kind === 'pods' && path === '/api/v1/pods' && this.opts.namespace) {
      this.opts.onNotice?.(`cannot list pods in all namespaces; pod addresses of namespace ${this.opts.namespace} only`);
      this.add('pods', `/api/v1/namespaces/${encodeURIComponent(this.opts.namespace)}/pods`, e);
      return;
    }
    const what = e.kind === 'nodes' ? 'nodes: node (SNAT) addresses are unknown, such clients count as private' : e.kind;
    this.opts.onNotice?.(`cannot list ${what} (${err.text})`);
    this.settle(e);
  }

  private apply(kind: Kind, type: WatchEventType, obj: KubeObject): void {
    const t = this.opts.topology;
    if (kind === 'nodes') {
      if (type === 'DELETED') t.deleteNode(obj);
      else t.upsertNode(obj);
    } else if (kind === 'pods') {
      if (type === 'DELETED') t.deletePod(obj);
      else t.upsertPod(obj);
    } else if (type === 'DELETED') t.deleteService(obj);
    else t.upsertService(obj);
    this.changed();
  }

  private changed(): void {
    if (!this.opts.onChange || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.opts.onChange?.();
    }, this.opts.debounceMs ?? 1000);
    this.timer.unref();
  }
}

export interface TargetService {
  namespace: string;
  name: string;
  type: string;
  externalTrafficPolicy: string | null;
  internalTrafficPolicy: string | null;
  nodePorts: number[];
  healthCheckNodePort: number | null;
  /** "namespace/pod" of the target pods it selects. */
  pods: string[];
}

/** The services whose selector picks at least one of the target pods ("namespace/name" keys). */
export function servicesForPods(topology: Topology, podKeys: Iterable<string>): TargetService[] {
  const targets = new Set(podKeys);
  const out: TargetService[] = [];
  for (const svc of topology.services.values()) {
    const sel = svc.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    const pods: string[] = [];
    for (const key of targets) {
      const pod = topology.pods.get(key);
      if (!pod || pod.namespace !== svc.namespace) continue;
      let all = true;
      for (const k in sel) if (pod.labels[k] !== sel[k]) all = false;
      if (all) pods.push(key);
    }
    if (pods.length === 0) continue;
    out.push({
      namespace: svc.namespace,
      name: svc.name,
      type: svc.type,
      externalTrafficPolicy: svc.externalTrafficPolicy,
      internalTrafficPolicy: svc.internalTrafficPolicy,
      nodePorts: svc.ports.map((p) => (p as { nodePort?: number | null }).nodePort ?? 0).filter((n) => n > 0),
      healthCheckNodePort: svc.healthCheckNodePort,
      pods,
    });
  }
  return out;
}
