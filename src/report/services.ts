// The cluster as stored: the newest topology snapshot and service snapshots at a time, and which stored
// services select which pods (label selectors against the pods' stored labels).
import type { Readable } from '../../db/sql.js';
import { serviceFromKube, type NodeInfo, type PodInfo, type ServiceInfo } from '../classify/kube-objects.js';
import { latestTopology, storedServices } from '../../db/stored.js';

export interface StoredCluster {
  nodes: NodeInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
}

function isServiceInfo(v: unknown): v is ServiceInfo {
  const o = v as Partial<ServiceInfo> | null;
  return o !== null && typeof o === 'object' && typeof o.name === 'string' && typeof o.type === 'string' && !('metadata' in o);
}

/** A stored Service (kube JSON or the classifier's ServiceInfo) as ServiceInfo; null when it is neither. */
export function toService(v: unknown): ServiceInfo | null {
  if (isServiceInfo(v)) return v;
  try {
    const s = serviceFromKube(v);
    return s.name ? s : null;
  } catch {
    return null;
  }
}

/** Nodes, pods and services as last stored at or before `at` (services table entries win over the snapshot's). */
export function storedCluster(db: Readable, at?: number): StoredCluster {
  const snap = (latestTopology(db, at) ?? {}) as Partial<StoredCluster>;
  const services = new Map<string, ServiceInfo>();
  for (const s of Array.isArray(snap.services) ? snap.services : []) {
    const info = toService(s);
    if (info) services.set(`${info.namespace}/${info.name}`, info);
  }
  for (const raw of storedServices(db, at)) {
    const info = toService(raw);
    if (info) services.set(`${info.namespace}/${info.name}`, info);
  }
  return {
    nodes: Array.isArray(snap.nodes) ? snap.nodes : [],
    pods: Array.isArray(snap.pods) ? snap.pods : [],
    services: [...services.values()].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1)),
  };
}

/** Whether a service's selector picks a pod with these labels (an empty or missing selector selects nothing). */
export function selects(svc: ServiceInfo, namespace: string, labels: Record<string, string> | undefined): boolean {
  if (svc.namespace !== namespace || !svc.selector || !labels) return false;
  const keys = Object.keys(svc.selector);
  return keys.length > 0 && keys.every((k) => labels[k] === svc.selector![k]);
}

/** "namespace/pod" -> names ("namespace/service") of the stored services selecting it. */
export function servicesOfPods(
  db: Readable,
  pods: readonly { namespace: string; pod: string }[],
  at?: number,
  cluster: StoredCluster = storedCluster(db, at),
): Map<string, string[]> {
  const labels = new Map<string, Record<string, string>>();
  for (const p of cluster.pods) labels.set(`${p.namespace}/${p.name}`, p.labels);
  const out = new Map<string, string[]>();
  for (const p of pods) {
    const key = `${p.namespace}/${p.pod}`;
    const l = labels.get(key);
    out.set(
      key,
      cluster.services.filter((s) => selects(s, p.namespace, l)).map((s) => `${s.namespace}/${s.name}`),
    );
  }
  return out;
}
