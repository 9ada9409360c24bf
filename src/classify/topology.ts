// The cluster as the classifier sees it: nodes, pods and services (from kube JSON, kept as small typed
// infos), plus addresses given by flags (--node-ip, --pod-cidr). `version` bumps on every change;
// `addrVersion` bumps only when something that can change a classification changes (a node's owned
// addresses or podCIDRs, a pod's IPs/node/hostNetwork/phase, a flag), so the classifier's cache survives
// the steady stream of status-only updates a live watch delivers.

import { UserError } from '../errors.js';
import { Cidr } from './cidr.js';
import { formatIp, parseIp } from './ip.js';
import {
  nodeFromKube,
  podFromKube,
  serviceFromKube,
  type NodeInfo,
  type PodInfo,
  type ServiceInfo,
} from './kube-objects.js';

export * from './kube-objects.js';

/** Plain JSON form of a Topology, for storing and for `Topology.fromSnapshot`. */
export interface TopologySnapshot {
  version: number;
  nodes: NodeInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
  /** From --node-ip: canonical address and its owner (the node name, or the address itself). */
  nodeIps: { ip: string; node: string }[];
  /** From --pod-cidr: canonical CIDR and the node it belongs to (or null). */
  podCidrs: { cidr: string; node: string | null }[];
}

function nodeKey(n: NodeInfo): string {
  return `${n.ownedAddrs.map((a) => a.addr).join(',')}|${n.podCIDRs.join(',')}`;
}

function podKey(p: PodInfo): string {
  const done = p.phase === 'Succeeded' || p.phase === 'Failed';
  return `${p.ips.join(',')}|${p.nodeName ?? ''}|${p.hostNetwork}|${done}`;
}

function nameOf(rawOrKey: unknown, namespaced: boolean): string | null {
  if (typeof rawOrKey === 'string') return rawOrKey;
  const m = (rawOrKey as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (!m || typeof m.name !== 'string') return null;
  if (!namespaced) return m.name;
  return `${typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default'}/${m.name}`;
}

export class Topology {
  /** By node name. */
  readonly nodes = new Map<string, NodeInfo>();
  /** By "namespace/name". */
  readonly pods = new Map<string, PodInfo>();
  /** By "namespace/name". */
  readonly services = new Map<string, ServiceInfo>();
  /** --node-ip: canonical address -> owner. */
  readonly nodeIps = new Map<string, string>();
  /** --pod-cidr: canonical CIDR -> node name or null. */
  readonly podCidrs = new Map<string, string | null>();
  /** Bumps on every change. */
  version = 0;
  /** Bumps when a change can alter how an address classifies. */
  addrVersion = 0;

  private bump(addr: boolean): void {
    this.version++;
    if (addr) this.addrVersion++;
  }

  /** Adds or replaces a node from a raw Kubernetes Node object. */
  upsertNode(raw: unknown): NodeInfo {
    return this.putNode(nodeFromKube(raw));
  }

  putNode(info: NodeInfo): NodeInfo {
    const old = this.nodes.get(info.name);
    this.nodes.set(info.name, info);
    this.bump(old === undefined || nodeKey(old) !== nodeKey(info));
    return info;
  }

  /** Removes a node (raw object or name); false when it was not known. */
  deleteNode(rawOrName: unknown): boolean {
    const name = nameOf(rawOrName, false);
    if (name === null || !this.nodes.delete(name)) return false;
    this.bump(true);
    return true;
  }

  upsertPod(raw: unknown): PodInfo {
    return this.putPod(podFromKube(raw));
  }

  putPod(info: PodInfo): PodInfo {
    const key = `${info.namespace}/${info.name}`;
    const old = this.pods.get(key);
    this.pods.set(key, info);
    this.bump(old === undefined ? info.ips.length > 0 : podKey(old) !== podKey(info));
    return info;
  }

  /** Removes a pod (raw object or "namespace/name"); false when it was not known. */
  deletePod(rawOrKey: unknown): boolean {
    const key = nameOf(rawOrKey, true);
    const old = key === null ? undefined : this.pods.get(key);
    if (old === undefined) return false;
    this.pods.delete(key as string);
    this.bump(old.ips.length > 0);
    return true;
  }

  upsertService(raw: unknown): ServiceInfo {
    return this.putService(serviceFromKube(raw));
  }

  putService(info: ServiceInfo): ServiceInfo {
    this.services.set(`${info.namespace}/${info.name}`, info);
    this.bump(false);
    return info;
  }

  /** Removes a service (raw object or "namespace/name"); false when it was not known. */
  deleteService(rawOrKey: unknown): boolean {
    const key = nameOf(rawOrKey, true);
    if (key === null || !this.services.delete(key)) return false;
    this.bump(false);
    return true;
  }

  /** --node-ip IP[=NODE]: the address belongs to a node (owner NODE, or the address itself). */
  addNodeIp(ip: string, node?: string): void {
    const parsed = parseIp(ip.trim());
    if (parsed === null) {
      throw new UserError(`--node-ip ${JSON.stringify(ip)}: not an IP address`, '--node-ip 10.0.0.5 or --node-ip 10.0.0.5=node-a');
    }
    const addr = formatIp(parsed);
    this.nodeIps.set(addr, node || addr);
    this.bump(true);
  }

  /** --pod-cidr CIDR[=NODE]: addresses in it are pods (owner NODE, or none). */
  addPodCidr(cidr: string, node?: string): void {
    const c = Cidr.parse(cidr);
    if (c === null) {
      throw new UserError(`--pod-cidr ${JSON.stringify(cidr)}: not a CIDR`, '--pod-cidr 10.244.0.0/16 or --pod-cidr 10.244.1.0/24=node-a');
    }
    this.podCidrs.set(c.toString(), node || null);
    this.bump(true);
  }

  snapshot(): TopologySnapshot {
    return {
      version: this.version,
      nodes: [...this.nodes.values()],
      pods: [...this.pods.values()],
      services: [...this.services.values()],
      nodeIps: [...this.nodeIps].map(([ip, node]) => ({ ip, node })),
      podCidrs: [...this.podCidrs].map(([cidr, node]) => ({ cidr, node })),
    };
  }

  /** Rebuilds a Topology from `snapshot()` output (e.g. read back from the store). */
  static fromSnapshot(s: TopologySnapshot): Topology {
    const t = new Topology();
    for (const n of s.nodes ?? []) t.putNode(n);
    for (const p of s.pods ?? []) t.putPod(p);
    for (const v of s.services ?? []) t.putService(v);
    for (const { ip, node } of s.nodeIps ?? []) t.addNodeIp(ip, node);
    for (const { cidr, node } of s.podCidrs ?? []) t.addPodCidr(cidr, node ?? undefined);
    return t;
  }
}
