// Server-side printing: meta.k8s.io/v1 Table answers with the columns kubectl prints (pods, nodes, services,
// namespaces, deployments; NAME/AGE for the rest), for Accept: application/json;as=Table.

import { endpointsColumn, sliceColumns } from './endpoints.js';
import type { KubeObject } from './objects.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, priority = 0, format = '', type = 'string'): Column =>
  ({ name, type, format, description: `${name} column`, priority });

const NAME = col('Name', 0, 'name');
const AGE = col('Age');

const COLUMNS: Record<string, Column[]> = {
  pods: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 1), col('Node', 1), col('Nominated Node', 1),
    col('Readiness Gates', 1)],
  nodes: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 1), col('External-IP', 1),
    col('OS-Image', 1), col('Kernel-Version', 1), col('Container-Runtime', 1)],
  services: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 1)],
  namespaces: [NAME, col('Status'), AGE],
  deployments: [NAME, col('Ready'), col('Up-to-date', 0, '', 'integer'), col('Available', 0, '', 'integer'), AGE,
    col('Containers', 1), col('Images', 1), col('Selector', 1)],
  daemonsets: [NAME, col('Desired', 0, '', 'integer'), col('Current', 0, '', 'integer'), col('Ready', 0, '', 'integer'),
    col('Up-to-date', 0, '', 'integer'), col('Available', 0, '', 'integer'), col('Node Selector'), AGE,
    col('Containers', 1), col('Images', 1), col('Selector', 1)],
  endpoints: [NAME, col('Endpoints'), AGE],
  endpointslices: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
};

/** k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) {
    const dy = Math.floor(h / 24) % 365;
    return dy === 0 ? `${Math.floor(h / 24 / 365)}y` : `${Math.floor(h / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(h / 24 / 365)}y`;
}

function age(o: KubeObject, now: number): string {
  const t = Date.parse(o.metadata.creationTimestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

function podCells(o: KubeObject, now: number): unknown[] {
  const statuses = (o.status?.containerStatuses ?? []) as any[];
  const ready = statuses.filter((c) => c.ready).length;
  let restarts = 0;
  let lastRestart = 0;
  let reason: string = o.status?.phase ?? 'Unknown';
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const fin = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(fin) && fin > lastRestart) lastRestart = fin;
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  const restartText = lastRestart ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return [o.metadata.name, `${ready}/${(o.spec?.containers ?? []).length}`, reason, restartText, age(o, now),
    o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>', '<none>', '<none>'];
}

function nodeCells(o: KubeObject, now: number): unknown[] {
  const ready = (o.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status === 'True';
  const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length)).sort();
  const addr = (t: string) => ((o.status?.addresses ?? []) as { type: string; address: string }[])
    .find((a) => a.type === t)?.address ?? '<none>';
  const info = o.status?.nodeInfo ?? {};
  return [o.metadata.name, ready ? 'Ready' : 'NotReady', roles.length ? roles.join(',') : '<none>', age(o, now),
    info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '', info.kernelVersion ?? '',
    info.containerRuntimeVersion ?? ''];
}

function serviceCells(o: KubeObject, now: number): unknown[] {
  const spec = o.spec ?? {};
  const ingress = ((o.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[])
    .map((i) => i.ip ?? i.hostname ?? '');
  const externals = [...(spec.externalIPs ?? []), ...ingress];
  const external = externals.length ? externals.join(',') : spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
  const ports = ((spec.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
  const sel = Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return [o.metadata.name, spec.type ?? 'ClusterIP', spec.clusterIP ?? '<none>', external, ports || '<none>',
    age(o, now), sel || '<none>'];
}

function deploymentCells(o: KubeObject, now: number): unknown[] {
  const st = o.status ?? {};
  const containers = (o.spec?.template?.spec?.containers ?? []) as { name: string; image: string }[];
  const sel = Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return [o.metadata.name, `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0,
    st.availableReplicas ?? 0, age(o, now), containers.map((c) => c.name).join(','),
    containers.map((c) => c.image).join(','), sel];
}

function daemonSetCells(o: KubeObject, now: number): unknown[] {
  const st = o.status ?? {};
  const containers = (o.spec?.template?.spec?.containers ?? []) as { name: string; image: string }[];
  const nodeSel = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const sel = Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return [o.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0,
    st.updatedNumberScheduled ?? 0, st.numberAvailable ?? 0, nodeSel || '<none>', age(o, now),
    containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), sel];
}

function cells(resource: string, o: KubeObject, now: number): unknown[] {
  switch (resource) {
    case 'pods': return podCells(o, now);
    case 'nodes': return nodeCells(o, now);
    case 'services': return serviceCells(o, now);
    case 'namespaces': return [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)];
    case 'deployments': return deploymentCells(o, now);
    case 'daemonsets': return daemonSetCells(o, now);
    case 'endpoints': return [o.metadata.name, endpointsColumn(o), age(o, now)];
    case 'endpointslices': return [o.metadata.name, o.addressType ?? '', ...sliceColumns(o), age(o, now)];
    default: return [o.metadata.name, age(o, now)];
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'Object') return o;
  if (include === 'None') return undefined;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

export function toTable(resource: string, objects: readonly KubeObject[], include: IncludeObject,
  listMeta: Record<string, string>): object {
  const now = Date.now();
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta,
    columnDefinitions: COLUMNS[resource] ?? [NAME, AGE],
    rows: objects.map((o) => ({ cells: cells(resource, o, now), object: rowObject(o, include) })),
  };
}
