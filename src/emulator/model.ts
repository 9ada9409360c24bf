// The drivable in-memory cluster: nodes, pods, services, namespaces and apps/v1 objects stored as real
// Kubernetes JSON, one global resourceVersion counter, a bounded event history for watch replay, and the
// per-container logs the log endpoint serves. Every change emits an 'event' (ModelEvent) for watchers.

import { EventEmitter } from 'node:events';
import { ContainerLog } from './containerlog.js';
import { FileTail } from './filetail.js';
import { endpointsBody, endpointsObject, sliceBodies, sliceObject } from './endpoints.js';
import { mergePatch } from './merge.js';
import {
  type ContainerState, type DaemonSetSpec, type DeploymentSpec, type KubeObject, type NodeSpec, type PodState, type ServiceSpec,
  daemonSetObject, deploymentObject, namespaceObject, rfc3339, newMeta, nodeObject, podObject, replicaSetObject, serviceObject, templateHash,
} from './objects.js';
import { resourceByName } from './resources.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ModelEvent {
  type: EventType;
  resource: string;
  object: KubeObject;
  /** The object before a MODIFIED (to turn it into ADDED/DELETED for selector watches). */
  previous: KubeObject | null;
  rv: number;
}

export interface PodSpecInput {
  namespace: string;
  name: string;
  nodeName: string;
  /** Pod IP ('' for none; a hostNetwork pod without one gets its node's InternalIPs). */
  ip: string;
  /** All pod IPs (dual stack); defaults to [ip]. */
  ips?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  containers: (string | { name: string; image?: string; waiting?: string })[];
  ownerKind?: string;
  ownerName?: string;
  hostNetwork?: boolean;
}

export interface ClusterModelOptions {
  /** Events kept for watch replay; a watch from an older resourceVersion gets 410 Expired. */
  historySize?: number;
  /** Lines kept per container instance. */
  maxLogLines?: number;
}

function key(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

function toLines(text: string | readonly string[]): readonly string[] {
  if (typeof text !== 'string') return text;
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class ClusterModel extends EventEmitter {
  private rv = 1000;
  private compacted = 1000;
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly pods = new Map<string, PodState>();
  private readonly history: ModelEvent[] = [];
  private readonly historySize: number;
  private readonly maxLogLines: number;
  private readonly tails = new Map<string, Set<FileTail>>();
  private readonly clockOffsets = new Map<string, number>();
  private nextClusterIP = 10;
  private nextNodePortValue = 30080;

  constructor(opts: ClusterModelOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.historySize = opts.historySize ?? 1000;
    this.maxLogLines = opts.maxLogLines ?? 50_000;
    this.ensureNamespace('default');
    this.ensureNamespace('kube-system');
  }

  /** Current global resourceVersion (as the string lists carry). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  // ---- generic store ----------------------------------------------------------------------------

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.store.get(resource);
    if (!b) this.store.set(resource, (b = new Map()));
    return b;
  }

  private commit(resource: string, type: EventType, obj: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const b = this.bucket(resource);
    const k = key(obj.metadata.namespace, obj.metadata.name);
    const previous = b.get(k) ?? null;
    if (type === 'DELETED') b.delete(k);
    else b.set(k, obj);
    const ev: ModelEvent = { type, resource, object: obj, previous, rv };
    this.history.push(ev);
    if (this.history.length > this.historySize) this.compacted = this.history.shift()!.rv;
    this.emit('event', ev);
    if ((resource === 'pods' || resource === 'services') && obj.metadata.namespace !== undefined) this.syncEndpoints(obj.metadata.namespace);
    return obj;
  }

  /** The endpoints and endpointslice controllers: Endpoints and EndpointSlices of every Service of a namespace. */
  private syncEndpoints(ns: string): void {
    const pods = this.list('pods', ns);
    const services = this.list('services', ns);
    const wanted = new Map<string, KubeObject>();
    for (const svc of services) {
      const body = endpointsBody(svc, pods);
      if (body === null) continue;
      const ep = this.get('endpoints', ns, svc.metadata.name);
      if (!ep) this.commit('endpoints', 'ADDED', endpointsObject(svc, body));
      else if (JSON.stringify(ep.subsets) !== JSON.stringify(body.subsets)) {
        this.commit('endpoints', 'MODIFIED', { ...ep, metadata: { ...ep.metadata }, subsets: body.subsets });
      }
      wanted.set(`endpoints/${svc.metadata.name}`, svc);
      for (const sb of sliceBodies(svc, pods)) {
        const fresh = sliceObject(svc, sb);
        const old = this.get('endpointslices', ns, fresh.metadata.name);
        if (!old) this.commit('endpointslices', 'ADDED', fresh);
        else if (JSON.stringify([old.endpoints, old.ports]) !== JSON.stringify([sb.endpoints, sb.ports])) {
          this.commit('endpointslices', 'MODIFIED', { ...old, metadata: { ...old.metadata }, endpoints: sb.endpoints, ports: sb.ports });
        }
        wanted.set(`endpointslices/${fresh.metadata.name}`, svc);
      }
    }
    for (const res of ['endpoints', 'endpointslices']) {
      for (const o of this.list(res, ns)) {
        if (!wanted.has(`${res}/${o.metadata.name}`)) this.commit(res, 'DELETED', { ...o, metadata: { ...o.metadata } });
      }
    }
  }

  private ensureNamespace(ns: string): void {
    if (!this.bucket('namespaces').has(ns)) this.commit('namespaces', 'ADDED', namespaceObject(ns));
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resource)?.get(key(resourceByName(resource).namespaced ? namespace : undefined, name));
  }

  /** Objects of a resource, sorted like the apiserver (by namespace/name); all namespaces when namespace is unset. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.store.get(resource)?.values() ?? []) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    }
    return out.sort((a, b) => (key(a.metadata.namespace, a.metadata.name) < key(b.metadata.namespace, b.metadata.name) ? -1 : 1));
  }

  /** Adds or replaces any object (statefulsets, daemonsets, jobs, ...). Metadata uid/timestamps are filled in. */
  putObject(resource: string, obj: KubeObject): KubeObject {
    const info = resourceByName(resource);
    const ns = info.namespaced ? obj.metadata.namespace ?? 'default' : undefined;
    if (ns !== undefined) this.ensureNamespace(ns);
    const old = this.get(resource, ns, obj.metadata.name);
    const meta = { ...newMeta(obj.metadata.name, ns), ...(old ? { uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp } : {}), ...obj.metadata };
    if (ns !== undefined) meta.namespace = ns;
    return this.commit(resource, old ? 'MODIFIED' : 'ADDED', { ...structuredClone(obj), metadata: meta });
  }

  deleteObject(resource: string, namespace: string | undefined, name: string): boolean {
    if (resource === 'pods') return this.deletePod(namespace ?? 'default', name);
    const old = this.get(resource, namespace, name);
    if (!old) return false;
    this.commit(resource, 'DELETED', { ...old, metadata: { ...old.metadata } });
    return true;
  }

  /** Merge-patches an object (labels/annotations only for pods, whose status the model owns). */
  patch(resource: string, namespace: string | undefined, name: string, patch: unknown): KubeObject | undefined {
    if (resource === 'pods') {
      const p = this.pods.get(key(namespace, name));
      if (!p) return undefined;
      const meta = (patch as { metadata?: { labels?: unknown; annotations?: unknown } } | null)?.metadata;
      p.meta = { ...p.meta };
      if (meta?.labels !== undefined) p.meta.labels = mergePatch(p.meta.labels ?? {}, meta.labels) as Record<string, string>;
      if (meta?.annotations !== undefined) {
        p.meta.annotations = mergePatch(p.meta.annotations ?? {}, meta.annotations) as Record<string, string>;
      }
      return this.commitPod(p, 'MODIFIED');
    }
    const old = this.get(resource, namespace, name);
    if (!old) return undefined;
    const next = mergePatch(old, patch) as KubeObject;
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    next.metadata = { ...next.metadata, name: old.metadata.name, uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp };
    if (old.metadata.namespace !== undefined) next.metadata.namespace = old.metadata.namespace;
    return this.commit(resource, 'MODIFIED', next);
  }

  // ---- watch history ----------------------------------------------------------------------------

  /** Events after resourceVersion rv, or null when rv is older than the kept history (410 Expired). */
  eventsSince(rv: number): ModelEvent[] | null {
    if (rv < this.compacted) return null;
    const out: ModelEvent[] = [];
    for (const ev of this.history) if (ev.rv > rv) out.push(ev);
    return out;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get oldestResourceVersion(): number {
    return this.compacted;
  }

  /**
   * Forgets the event history: every resourceVersion handed out so far is expired. The counter moves on by one,
   * so a re-list returns a resourceVersion a watch can start from.
   */
  expireHistory(): void {
    this.history.length = 0;
    this.compacted = ++this.rv;
  }

  // ---- nodes ------------------------------------------------------------------------------------

  addNode(spec: NodeSpec): KubeObject {
    if (this.get('nodes', undefined, spec.name)) throw new Error(`emulator: node ${spec.name} exists`);
    return this.commit('nodes', 'ADDED', nodeObject(spec));
  }

  deleteNode(name: string): boolean {
    return this.deleteObject('nodes', undefined, name);
  }

  getNode(name: string): KubeObject | undefined {
    return this.get('nodes', undefined, name);
  }

  listNodes(): KubeObject[] {
    return this.list('nodes');
  }

  // ---- pods -------------------------------------------------------------------------------------

  private hostIPs(nodeName: string): string[] {
    const node = this.getNode(nodeName);
    const addrs = (node?.status?.addresses ?? []) as { type: string; address: string }[];
    return addrs.filter((a) => a.type === 'InternalIP').map((a) => a.address);
  }

  private commitPod(p: PodState, type: EventType): KubeObject {
    p.meta = { ...p.meta };
    return this.commit('pods', type, podObject(p, this.hostIPs(p.nodeName)));
  }

  private pod(namespace: string, name: string): PodState {
    const p = this.pods.get(key(namespace, name));
    if (!p) throw new Error(`emulator: no pod ${namespace}/${name}`);
    return p;
  }

  private container(namespace: string, pod: string, container: string): [PodState, ContainerState] {
    const p = this.pod(namespace, pod);
    const c = p.containers.find((x) => x.name === container);
    if (!c) throw new Error(`emulator: pod ${namespace}/${pod} has no container ${container}`);
    return [p, c];
  }

  addPod(spec: PodSpecInput): KubeObject {
    const k = key(spec.namespace, spec.name);
    if (this.pods.has(k)) throw new Error(`emulator: pod ${k} exists`);
    this.ensureNamespace(spec.namespace);
    const labels = { ...spec.labels };
    const meta = newMeta(spec.name, spec.namespace, labels, spec.annotations);
    if (spec.ownerKind && spec.ownerName) {
      let ownerKind = spec.ownerKind;
      let ownerName = spec.ownerName;
      let ownerGroup = ownerKind === 'Node' ? 'v1' : ownerKind === 'Job' ? 'batch/v1' : 'apps/v1';
      if (ownerKind === 'Deployment') {
        const hash = templateHash(`${spec.namespace}/${spec.ownerName}`);
        labels['pod-template-hash'] = hash;
        meta.labels = { ...labels };
        ownerKind = 'ReplicaSet';
        ownerName = `${spec.ownerName}-${hash}`;
        ownerGroup = 'apps/v1';
        if (!this.get('replicasets', spec.namespace, ownerName)) {
          this.commit('replicasets', 'ADDED', replicaSetObject(spec.namespace, spec.ownerName, hash,
            this.get('deployments', spec.namespace, spec.ownerName), spec.labels ?? {}));
        }
      }
      const ownerRes = { ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs' }[ownerKind];
      const owner = ownerRes ? this.get(ownerRes, spec.namespace, ownerName) : undefined;
      meta.ownerReferences = [{ apiVersion: ownerGroup, kind: ownerKind, name: ownerName,
        uid: owner?.metadata.uid ?? newMeta(ownerName, undefined).uid, controller: true, blockOwnerDeletion: true }];
    }
    const now = Date.now();
    const containers: ContainerState[] = spec.containers.map((c) => {
      const cs = typeof c === 'string' ? { name: c } : c;
      const waiting = 'waiting' in cs && cs.waiting ? cs.waiting : null;
      return { name: cs.name, image: ('image' in cs && cs.image) || 'nginx:1.27',
        log: new ContainerLog({ started: waiting === null, maxLines: this.maxLogLines }), previous: null, restartCount: 0,
        waiting, startedAt: now, lastTerminated: null };
    });
    const ips = spec.ips ?? (spec.ip ? [spec.ip] : spec.hostNetwork ? this.hostIPs(spec.nodeName) : []);
    const p: PodState = { meta, nodeName: spec.nodeName, ips, hostNetwork: spec.hostNetwork ?? false, containers, startMs: now };
    this.pods.set(k, p);
    return this.commitPod(p, 'ADDED');
  }

  /** Deletes a pod at once (no grace period): its follow log streams end cleanly. */
  deletePod(namespace: string, name: string): boolean {
    const k = key(namespace, name);
    const p = this.pods.get(k);
    if (!p) return false;
    this.pods.delete(k);
    this.stopTails(k);
    p.meta = { ...p.meta, deletionTimestamp: rfc3339() };
    for (const c of p.containers) c.log.close();
    this.commitPod(p, 'DELETED');
    return true;
  }

  getPod(namespace: string, name: string): KubeObject | undefined {
    return this.get('pods', namespace, name);
  }

  listPods(namespace?: string): KubeObject[] {
    return this.list('pods', namespace);
  }

  /** Internal pod state (containers and their logs) for the log endpoint. */
  podState(namespace: string, name: string): PodState | undefined {
    return this.pods.get(key(namespace, name));
  }

  /**
   * Restarts a container: new containerID, restartCount+1, follow streams end, the old log becomes `previous`.
   * `statusLagMs`: the pod's status (GET, list, watch) shows the change only that much later, as on a loaded
   * cluster, while the log endpoint serves the new instance at once (follow) and the old one with previous=true.
   */
  restartContainer(namespace: string, pod: string, container: string,
    opts: { exitCode?: number; reason?: string; statusLagMs?: number } = {}): KubeObject {
    const [p, c] = this.container(namespace, pod, container);
    this.newInstance(c, opts.exitCode ?? 0, opts.reason ?? 'Completed');
    c.waiting = null;
    c.log.started = true;
    if (opts.statusLagMs && opts.statusLagMs > 0) {
      const k = key(namespace, pod);
      setTimeout(() => {
        if (this.pods.get(k) === p) this.commitPod(p, 'MODIFIED');
      }, opts.statusLagMs).unref();
      return this.getPod(namespace, pod)!;
    }
    return this.commitPod(p, 'MODIFIED');
  }

  /** The container's clock is off by offsetMs from now on (negative: stepped back); lines appended without a time use it. */
  setClockOffset(namespace: string, pod: string, container: string, offsetMs: number): void {
    this.clockOffsets.set(`${key(namespace, pod)}/${container}`, offsetMs);
  }

  private newInstance(c: ContainerState, exitCode: number, reason: string): void {
    const old = c.log;
    old.close();
    const now = Date.now();
    if (old.started) {
      c.lastTerminated = { exitCode, reason, startedAt: c.startedAt, finishedAt: now, containerID: old.containerId };
      c.previous = old;
      c.restartCount++;
    }
    c.log = new ContainerLog({ started: false, maxLines: this.maxLogLines });
    c.startedAt = now;
  }

  /**
   * Puts a container into waiting (reason, e.g. ContainerCreating or CrashLoopBackOff: a running instance stops
   * and its streams end) or back to running (null: a stopped instance is replaced by a new one).
   */
  setContainerWaiting(namespace: string, pod: string, container: string, reason: string | null): KubeObject {
    const [p, c] = this.container(namespace, pod, container);
    if (reason !== null) {
      if (c.log.started && !c.log.closed) {
        c.log.close();
        c.lastTerminated = { exitCode: 1, reason: 'Error', startedAt: c.startedAt, finishedAt: Date.now(),
          containerID: c.log.containerId };
      }
      c.waiting = reason;
    } else if (c.waiting !== null) {
      if (c.log.closed) this.newInstance(c, 1, 'Error');
      c.log.started = true;
      c.startedAt = Date.now();
      c.waiting = null;
    }
    return this.commitPod(p, 'MODIFIED');
  }

  /**
   * Appends log lines (a string is split at newlines) to the current instance, stamped timeMs (default now).
   * Returns false (and drops the lines) when the pod or container does not exist, e.g. just deleted.
   */
  appendLog(namespace: string, pod: string, container: string, text: string | readonly string[], timeMs?: number): boolean {
    const c = this.pods.get(key(namespace, pod))?.containers.find((x) => x.name === container);
    if (!c) return false;
    c.log.append(toLines(text), timeMs ?? Date.now() + (this.clockOffsets.get(`${key(namespace, pod)}/${container}`) ?? 0));
    return true;
  }

  /** Tails a real file into a container's log (existing content, then appended lines). Stops on close() or pod delete. */
  attachLogFile(namespace: string, pod: string, container: string, path: string, opts: { pollMs?: number } = {}):
    { close(): void } {
    this.container(namespace, pod, container);
    const k = key(namespace, pod);
    const tail = new FileTail(path, (lines) => {
      const p = this.pods.get(k);
      const c = p?.containers.find((x) => x.name === container);
      if (c) c.log.append(lines, Date.now());
    }, opts.pollMs);
    let set = this.tails.get(k);
    if (!set) this.tails.set(k, (set = new Set()));
    set.add(tail);
    return { close: () => { tail.close(); set!.delete(tail); } };
  }

  private stopTails(k: string): void {
    for (const t of this.tails.get(k) ?? []) t.close();
    this.tails.delete(k);
  }

  // ---- services, deployments --------------------------------------------------------------------

  addService(spec: ServiceSpec): KubeObject {
    if (this.getService(spec.namespace, spec.name)) throw new Error(`emulator: service ${spec.namespace}/${spec.name} exists`);
    this.ensureNamespace(spec.namespace);
    const ip = spec.clusterIP ?? `10.96.${Math.floor(this.nextClusterIP / 256)}.${this.nextClusterIP++ % 256}`;
    return this.commit('services', 'ADDED', serviceObject(spec, ip, () => this.nextNodePortValue++));
  }

  patchService(namespace: string, name: string, patch: unknown): KubeObject {
    const out = this.patch('services', namespace, name, patch);
    if (!out) throw new Error(`emulator: no service ${namespace}/${name}`);
    return out;
  }

  deleteService(namespace: string, name: string): boolean {
    return this.deleteObject('services', namespace, name);
  }

  getService(namespace: string, name: string): KubeObject | undefined {
    return this.get('services', namespace, name);
  }

  listServices(namespace?: string): KubeObject[] {
    return this.list('services', namespace);
  }

  /** A DaemonSet whose pods are added with ownerKind 'DaemonSet' (status counts them as scheduled on every node). */
  addDaemonSet(spec: DaemonSetSpec): KubeObject {
    this.ensureNamespace(spec.namespace);
    return this.commit('daemonsets', 'ADDED', daemonSetObject(spec, this.listNodes().length));
  }

  addDeployment(spec: DeploymentSpec): KubeObject {
    this.ensureNamespace(spec.namespace);
    return this.commit('deployments', 'ADDED', deploymentObject(spec));
  }

  /** Stops file tails. Log streams and watches belong to the server (Emulator.close()). */
  close(): void {
    for (const k of [...this.tails.keys()]) this.stopTails(k);
  }
}
