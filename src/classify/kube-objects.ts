// Raw Kubernetes Node / Pod / Service JSON -> the small typed infos snatscope keeps. Reads only the
// fields it needs and tolerates missing ones; for nodes it also works out every address the node owns
// (what a kube-proxy SNAT'd request can arrive from): status.addresses, the podCIDR network and gateway
// addresses, and the addresses CNI plugins write into node annotations (flannel, Calico, Cilium).

import { Cidr } from './cidr.js';
import { formatIp, parseIp } from './ip.js';

export interface OwnedAddr {
  /** Canonical address text. */
  addr: string;
  /** Where it comes from: "InternalIP", "ExternalIP", "podCIDR network", "podCIDR gateway", an annotation key, ... */
  via: string;
}

export interface NodeInfo {
  name: string;
  addresses: { type: string; address: string }[];
  /** Canonical CIDR texts from spec.podCIDRs (or spec.podCIDR). */
  podCIDRs: string[];
  /** Only the annotations that carry node-owned addresses. */
  annotations: Record<string, string>;
  ownedAddrs: OwnedAddr[];
  /** The node's Ready condition; undefined when the object has no conditions (a topology file may omit them). */
  ready?: boolean;
}

export type ContainerState = 'running' | 'waiting' | 'terminated' | 'unknown';

export interface ContainerInfo {
  name: string;
  containerID: string | null;
  ready: boolean;
  restartCount: number;
  state: ContainerState;
  /** Reason of a waiting/terminated state (CrashLoopBackOff, Completed, ...), else null. */
  reason: string | null;
}

export interface PodInfo {
  namespace: string;
  name: string;
  /** Canonical pod IPs (status.podIPs, else status.podIP). */
  ips: string[];
  nodeName: string | null;
  labels: Record<string, string>;
  phase: string;
  hostNetwork: boolean;
  containers: ContainerInfo[];
  ownerKind: string | null;
  ownerName: string | null;
}

export interface ServicePortInfo {
  name: string | null;
  port: number;
  nodePort: number | null;
  protocol: string;
  targetPort: number | string | null;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string;
  /** "Cluster" | "Local" for NodePort/LoadBalancer services, else null. */
  externalTrafficPolicy: string | null;
  internalTrafficPolicy: string | null;
  selector: Record<string, string> | null;
  ports: ServicePortInfo[];
  healthCheckNodePort: number | null;
  clusterIP: string | null;
}

/** Node annotations whose values are addresses owned by the node (a "/prefix" suffix is stripped). */
export const NODE_ADDRESS_ANNOTATIONS: readonly string[] = [
  'flannel.alpha.coreos.com/public-ip',
  'flannel.alpha.coreos.com/public-ipv6',
  'flannel.alpha.coreos.com/node-public-ip',
  'flannel.alpha.coreos.com/node-public-ipv6',
  'flannel.alpha.coreos.com/public-ip-overwrite',
  'flannel.alpha.coreos.com/public-ipv6-overwrite',
  'projectcalico.org/IPv4Address',
  'projectcalico.org/IPv6Address',
  'projectcalico.org/IPv4IPIPTunnelAddr',
  'projectcalico.org/IPv4VXLANTunnelAddr',
  'projectcalico.org/IPv6VXLANTunnelAddr',
  'projectcalico.org/IPv4WireguardInterfaceAddr',
  'projectcalico.org/IPv6WireguardInterfaceAddr',
  'network.cilium.io/ipv4-cilium-host',
  'network.cilium.io/ipv6-cilium-host',
  'network.cilium.io/ipv4-health-ip',
  'network.cilium.io/ipv6-health-ip',
  'io.cilium.network.ipv4-cilium-host',
  'io.cilium.network.ipv6-cilium-host',
  'io.cilium.network.ipv4-health-ip',
  'io.cilium.network.ipv6-health-ip',
];

type Obj = Record<string, unknown>;

function obj(x: unknown): Obj {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {};
}

function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function str(x: unknown): string | null {
  return typeof x === 'string' && x !== '' ? x : null;
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function strMap(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(x))) if (typeof v === 'string') out[k] = v;
  return out;
}

function meta(raw: unknown, kind: string): { name: string; namespace: string } {
  const m = obj(obj(raw).metadata);
  const name = str(m.name);
  if (name === null) throw new Error(`${kind} object without metadata.name`);
  return { name, namespace: str(m.namespace) ?? 'default' };
}

/** The address in an annotation value: "10.0.0.5", "10.0.0.5/24", "fd00::5/64"; several comma-separated. */
function annotationAddrs(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    const slash = t.indexOf('/');
    const ip = parseIp(t, 0, slash < 0 ? t.length : slash);
    if (ip !== null) out.push(formatIp(ip));
  }
  return out;
}

/** The addresses a node owns, derived from its addresses, podCIDRs and CNI annotations. */
export function nodeOwnedAddrs(
  addresses: { type: string; address: string }[],
  podCIDRs: string[],
  annotations: Record<string, string>,
): OwnedAddr[] {
  const seen = new Set<string>();
  const out: OwnedAddr[] = [];
  const add = (addr: string, via: string): void => {
    if (seen.has(addr)) return;
    seen.add(addr);
    out.push({ addr, via });
  };
  for (const a of addresses) {
    const ip = parseIp(a.address.trim());
    if (ip !== null) add(formatIp(ip), a.type);
  }
  for (const text of podCIDRs) {
    const c = Cidr.parse(text);
    if (c === null) continue;
    add(formatIp(c.network()), 'podCIDR network');
    if (c.prefix < (c.v === 4 ? 31 : 127)) add(formatIp(c.host(1)), 'podCIDR gateway');
  }
  for (const key of NODE_ADDRESS_ANNOTATIONS) {
    const v = annotations[key];
    if (v !== undefined) for (const addr of annotationAddrs(v)) add(addr, key);
  }
  return out;
}

export function nodeFromKube(raw: unknown): NodeInfo {
  const { name } = meta(raw, 'Node');
  const o = obj(raw);
  const spec = obj(o.spec);
  const addresses: { type: string; address: string }[] = [];
  for (const a of arr(obj(o.status).addresses)) {
    const ao = obj(a);
    const address = str(ao.address);
    if (address !== null) addresses.push({ type: str(ao.type) ?? 'Unknown', address });
  }
  const podCIDRs: string[] = [];
  const cidrTexts = arr(spec.podCIDRs).length > 0 ? arr(spec.podCIDRs) : [spec.podCIDR];
  for (const t of cidrTexts) {
    const c = typeof t === 'string' ? Cidr.parse(t) : null;
    if (c !== null && !podCIDRs.includes(c.toString())) podCIDRs.push(c.toString());
  }
  const all = strMap(obj(o.metadata).annotations);
  const annotations: Record<string, string> = {};
  for (const key of NODE_ADDRESS_ANNOTATIONS) if (all[key] !== undefined) annotations[key] = all[key];
  const readyCond = arr(obj(o.status).conditions).map(obj).find((c) => c.type === 'Ready');
  const info: NodeInfo = { name, addresses, podCIDRs, annotations, ownedAddrs: nodeOwnedAddrs(addresses, podCIDRs, annotations) };
  if (readyCond !== undefined) info.ready = readyCond.status === 'True';
  return info;
}

function containerState(st: Obj): { state: ContainerState; reason: string | null } {
  if (st.running !== undefined) return { state: 'running', reason: null };
  if (st.waiting !== undefined) return { state: 'waiting', reason: str(obj(st.waiting).reason) };
  if (st.terminated !== undefined) return { state: 'terminated', reason: str(obj(st.terminated).reason) };
  return { state: 'unknown', reason: null };
}

export function podFromKube(raw: unknown): PodInfo {
  const { name, namespace } = meta(raw, 'Pod');
  const o = obj(raw);
  const m = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const ips: string[] = [];
  const ipTexts = arr(status.podIPs).map((p) => obj(p).ip);
  if (ipTexts.length === 0) ipTexts.push(status.podIP);
  for (const t of ipTexts) {
    const ip = typeof t === 'string' ? parseIp(t) : null;
    if (ip !== null) {
      const c = formatIp(ip);
      if (!ips.includes(c)) ips.push(c);
    }
  }
  // Every container of the spec, in order, joined with its status (a pending pod has no statuses yet).
  const statuses = new Map<string, Obj>();
  for (const s of arr(status.containerStatuses)) {
    const so = obj(s);
    const n = str(so.name);
    if (n !== null) statuses.set(n, so);
  }
  const names: string[] = [];
  for (const c of arr(spec.containers)) {
    const n = str(obj(c).name);
    if (n !== null) names.push(n);
  }
  for (const n of statuses.keys()) if (!names.includes(n)) names.push(n);
  const containers: ContainerInfo[] = names.map((cname) => {
    const s = statuses.get(cname);
    if (s === undefined) return { name: cname, containerID: null, ready: false, restartCount: 0, state: 'waiting', reason: null };
    const { state, reason } = containerState(obj(s.state));
    return {
      name: cname,
      containerID: str(s.containerID),
      ready: s.ready === true,
      restartCount: num(s.restartCount) ?? 0,
      state,
      reason,
    };
  });
  const owners = arr(m.ownerReferences).map(obj);
  const owner = owners.find((r) => r.controller === true) ?? owners[0];
  return {
    namespace,
    name,
    ips,
    nodeName: str(spec.nodeName),
    labels: strMap(m.labels),
    phase: str(status.phase) ?? 'Unknown',
    hostNetwork: spec.hostNetwork === true,
    containers,
    ownerKind: owner ? str(owner.kind) : null,
    ownerName: owner ? str(owner.name) : null,
  };
}

export function serviceFromKube(raw: unknown): ServiceInfo {
  const { name, namespace } = meta(raw, 'Service');
  const spec = obj(obj(raw).spec);
  const type = str(spec.type) ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const ports: ServicePortInfo[] = arr(spec.ports).map((p) => {
    const po = obj(p);
    const tp = po.targetPort;
    return {
      name: str(po.name),
      port: num(po.port) ?? 0,
      nodePort: num(po.nodePort),
      protocol: str(po.protocol) ?? 'TCP',
      targetPort: typeof tp === 'number' || (typeof tp === 'string' && tp !== '') ? tp : null,
    };
  });
  const selector = spec.selector === undefined || spec.selector === null ? null : strMap(spec.selector);
  return {
    namespace,
    name,
    type,
    externalTrafficPolicy: str(spec.externalTrafficPolicy) ?? (external ? 'Cluster' : null),
    internalTrafficPolicy: str(spec.internalTrafficPolicy),
    selector,
    ports,
    healthCheckNodePort: num(spec.healthCheckNodePort),
    clusterIP: str(spec.clusterIP),
  };
}
