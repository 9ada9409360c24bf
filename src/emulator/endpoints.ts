// What the endpoints and endpointslice controllers keep for a Service with a selector: the v1 Endpoints object (one
// subset: ready pod addresses, not-ready ones apart) and one discovery.k8s.io/v1 EndpointSlice per address family,
// derived from the Service and the pods it selects, so `kubectl get ep` / `get endpointslices` show what a real
// cluster would. The model recomputes them on every pod or Service change.
import { createHash } from 'node:crypto';
import { newMeta, type KubeObject } from './objects.js';

interface PortOut {
  name?: string;
  port: number;
  protocol: string;
}

/** The Service's ports as endpoint ports (a named targetPort resolves to 80, the port every emulated container has). */
function endpointPorts(svc: KubeObject): PortOut[] {
  return ((svc.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string; protocol?: string }[])
    .map((p) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === 'number' ? p.targetPort : 80,
      protocol: p.protocol ?? 'TCP' }));
}

function selects(svc: KubeObject, pod: KubeObject): boolean {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  if (!sel || Object.keys(sel).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

function isReady(pod: KubeObject): boolean {
  const cond = ((pod.status?.conditions ?? []) as { type: string; status: string }[]).find((c) => c.type === 'Ready');
  return cond?.status === 'True' && !pod.metadata.deletionTimestamp;
}

interface Member {
  pod: KubeObject;
  ips: string[];
  ready: boolean;
}

function members(svc: KubeObject, pods: readonly KubeObject[]): Member[] {
  const out: Member[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !selects(svc, pod)) continue;
    const ips = ((pod.status?.podIPs ?? []) as { ip: string }[]).map((p) => p.ip);
    if (ips.length === 0) continue;
    out.push({ pod, ips, ready: isReady(pod) });
  }
  return out;
}

const targetRef = (pod: KubeObject) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

/** The content (no metadata bookkeeping) of the Endpoints object of a Service; null when it has no selector. */
export function endpointsBody(svc: KubeObject, pods: readonly KubeObject[]): { subsets: object[] } | null {
  if (!svc.spec?.selector) return null;
  const ms = members(svc, pods);
  const addr = (m: Member) => ({ ip: m.ips[0], nodeName: m.pod.spec?.nodeName, targetRef: targetRef(m.pod) });
  const ready = ms.filter((m) => m.ready).map(addr);
  const notReady = ms.filter((m) => !m.ready).map(addr);
  if (ready.length === 0 && notReady.length === 0) return { subsets: [] };
  return { subsets: [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}),
    ports: endpointPorts(svc) }] };
}

/** The EndpointSlice bodies (one per address family the Service has) of a Service; [] when it has no selector. */
export function sliceBodies(svc: KubeObject, pods: readonly KubeObject[]): { addressType: string; endpoints: object[]; ports: PortOut[] }[] {
  if (!svc.spec?.selector) return [];
  const ms = members(svc, pods);
  const families = ((svc.spec?.ipFamilies ?? ['IPv4']) as string[]);
  return families.map((family) => ({
    addressType: family,
    endpoints: ms.flatMap((m) => {
      const ip = m.ips.find((a) => (family === 'IPv6') === a.includes(':'));
      return ip === undefined ? [] : [{ addresses: [ip], conditions: { ready: m.ready, serving: m.ready, terminating: false },
        nodeName: m.pod.spec?.nodeName, targetRef: targetRef(m.pod) }];
    }),
    ports: endpointPorts(svc),
  }));
}

export function endpointsObject(svc: KubeObject, body: { subsets: object[] }): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: newMeta(svc.metadata.name, svc.metadata.namespace, svc.metadata.labels), ...body };
}

/** The slice name the controller generates: `<service>-<5 characters>`, stable per Service and family here. */
export function sliceName(svc: KubeObject, family: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(`${svc.metadata.namespace}/${svc.metadata.name}/${family}`).digest();
  let out = '';
  for (let i = 0; i < 5; i++) out += alphabet[digest[i] % alphabet.length];
  return `${svc.metadata.name}-${out}`;
}

export function sliceObject(svc: KubeObject, body: ReturnType<typeof sliceBodies>[number]): KubeObject {
  const meta = newMeta(sliceName(svc, body.addressType), svc.metadata.namespace, {
    ...svc.metadata.labels,
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    'kubernetes.io/service-name': svc.metadata.name,
  });
  meta.generateName = `${svc.metadata.name}-`;
  meta.ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid,
    controller: true, blockOwnerDeletion: true }];
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, ...body };
}

/** kubectl's ENDPOINTS column of an Endpoints object: ip:port,... (at most 3, then "+ N more..."). */
export function endpointsColumn(o: KubeObject): string {
  const all: string[] = [];
  for (const s of (o.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[]) {
    for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: 0 }]) all.push(`${a.ip}:${p.port}`);
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

/** kubectl's PORTS and ENDPOINTS columns of an EndpointSlice. */
export function sliceColumns(o: KubeObject): [string, string] {
  const ports = ((o.ports ?? []) as { port: number }[]).map((p) => String(p.port));
  const addrs = ((o.endpoints ?? []) as { addresses: string[] }[]).flatMap((e) => e.addresses);
  const eps = addrs.length === 0 ? '<unset>' : addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
  return [ports.length ? ports.join(',') : '<unset>', eps];
}
