// The emulator's generic object store: Kubernetes JSON objects by resource, one global resourceVersion counter and a
// bounded event history for watch replay. Every change emits an 'event' (ModelEvent) for watchers. The cluster on
// top of it (services and endpoints, nodes and pods, containers and their logs) is the class chain ending in
// ClusterModel (model.ts).

import { EventEmitter } from 'node:events';
import { mergePatch } from './merge.js';
import { type KubeObject, namespaceObject, newMeta } from './objects.js';
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

export function key(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

export class ObjectStore extends EventEmitter {
  private rv = 1000;
  private compacted = 1000;
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly history: ModelEvent[] = [];
  private readonly historySize: number;

  /** historySize: events kept for watch replay; a watch from an older resourceVersion gets 410 Expired. */
  constructor(historySize: number) {
    super();
    this.setMaxListeners(0);
    this.historySize = historySize;
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

  protected commit(resource: string, type: EventType, obj: KubeObject): KubeObject {
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
    return obj;
  }

  protected ensureNamespace(ns: string): void {
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
    const old = this.get(resource, namespace, name);
    if (!old) return false;
    this.commit(resource, 'DELETED', { ...old, metadata: { ...old.metadata } });
    return true;
  }

  /** Merge-patches an object (a pod's labels/annotations only: PodModel). */
  patch(resource: string, namespace: string | undefined, name: string, patch: unknown): KubeObject | undefined {
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
}
