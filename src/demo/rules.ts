// The kube-proxy model of the demo, pure: which node a load balancer may send to, which pod kube-proxy picks, and
// which source address that pod's nginx logs as $remote_addr (masquerade per CNI mode, or the client kept).
//
// What the pod sees (see /work/shared/notes/snat-and-nginx.md):
//   externalTrafficPolicy Cluster: every NodePort request is masqueraded on the entry node (KUBE-MARK-MASQ).
//     - pod on the entry node: the node's address toward its own pods: cni0 bridge (podCIDR .1) for flannel and
//       host-gw; for Calico (no bridge, cali* veths carry no IPv4 address) the kernel picks the node's primary
//       address, its InternalIP.
//     - pod on another node: the entry node's address on the interface toward that node: flannel vxlan -> flannel.1
//       (podCIDR network address .0 / IPv6 ::0); host-gw -> InternalIP; calico-ipip -> tunl0 (IPv4IPIPTunnelAddr),
//       and for IPv6 (IPIP carries IPv4 only, IPv6 is routed natively) the IPv6 InternalIP.
//   externalTrafficPolicy Local: no masquerade, the client address is kept; only local endpoints are used, so a node
//     without one drops the request, and a load balancer that health-checks the nodes stops sending to it.
//   ClusterIP from a pod (the in-cluster curl client): not masqueraded, the pod sees the client pod's IP (hairpin, a
//     pod reaching itself through the Service, is masqueraded to its bridge address).
//   kubelet probes: from the node to its pod, with the node's address toward its own pods (as above).

import type { Rng } from './rng.js';

export type TrafficPolicy = 'Cluster' | 'Local';
export type CniMode = 'flannel-vxlan' | 'host-gw' | 'calico-ipip';
export const CNI_MODES: readonly CniMode[] = ['flannel-vxlan', 'host-gw', 'calico-ipip'];

/** A node of the simulated cluster with every address kube-proxy's rules can leave on a packet. */
export interface DemoNode {
  name: string;
  /** Runs workloads and sits behind the load balancer (the control-plane node does not). */
  worker: boolean;
  internalIp: string;
  internalIp6: string | null;
  podCidr: string;
  podCidr6: string | null;
  /** cni0 bridge: first host of the podCIDR (flannel and host-gw); null for Calico. */
  bridgeIp: string | null;
  bridgeIp6: string | null;
  /** flannel.1 (podCIDR network address) for vxlan, tunl0 for calico-ipip; null for host-gw. */
  tunnelIp: string | null;
  tunnelIp6: string | null;
}

export interface DemoPod {
  namespace: string;
  name: string;
  /** Name of the node it runs on. */
  node: string;
  ip: string;
  ip6: string | null;
}

export function isIPv6(addr: string): boolean {
  return addr.indexOf(':') >= 0;
}

/** The address a node uses toward its own pods (probes, masquerade to a local endpoint). */
export function localPodGateway(node: DemoNode, cni: CniMode, v6: boolean): string | null {
  if (cni === 'calico-ipip') return v6 ? node.internalIp6 : node.internalIp;
  return v6 ? node.bridgeIp6 : node.bridgeIp;
}

/** The address a node's packets carry toward a pod on another node once masqueraded. */
export function crossNodeSource(node: DemoNode, cni: CniMode, v6: boolean): string | null {
  switch (cni) {
    case 'flannel-vxlan':
      return v6 ? node.tunnelIp6 : node.tunnelIp;
    case 'host-gw':
      return v6 ? node.internalIp6 : node.internalIp;
    case 'calico-ipip':
      return v6 ? node.internalIp6 : node.tunnelIp;
  }
}

export interface SourceQuery {
  /** The address the request carries when it reaches the entry node (the client, or the L7 proxy in front). */
  client: string;
  /** Name of the node the load balancer (or the client) sent the request to. */
  entryNode: string;
  pod: DemoPod;
  policy: TrafficPolicy;
  cni: CniMode;
  nodes: ReadonlyMap<string, DemoNode>;
}

/**
 * $remote_addr as the pod's nginx logs it, for a request that entered through the NodePort at `entryNode`.
 * null when kube-proxy would never deliver it there (Local with the pod on another node, or an IPv6 client and a
 * pod or node without IPv6).
 */
export function sourceSeenByPod(q: SourceQuery): string | null {
  const v6 = isIPv6(q.client);
  if (v6 && q.pod.ip6 === null) return null;
  const sameNode = q.pod.node === q.entryNode;
  if (q.policy === 'Local') return sameNode ? q.client : null;
  const entry = q.nodes.get(q.entryNode);
  if (entry === undefined) return null;
  return sameNode ? localPodGateway(entry, q.cni, v6) : crossNodeSource(entry, q.cni, v6);
}

/** $remote_addr for a ClusterIP request from a pod: its own IP, or its bridge address when it reached itself. */
export function sourceSeenFromPod(
  clientPod: DemoPod,
  target: DemoPod,
  v6: boolean,
  cni: CniMode,
  nodes: ReadonlyMap<string, DemoNode>,
): string | null {
  if (clientPod.namespace === target.namespace && clientPod.name === target.name) {
    const node = nodes.get(clientPod.node);
    return node === undefined ? null : localPodGateway(node, cni, v6);
  }
  return v6 ? clientPod.ip6 : clientPod.ip;
}

/** Source of a kubelet probe of `pod`: the pod's own node, by its address toward its pods. */
export function probeSource(pod: DemoPod, v6: boolean, cni: CniMode, nodes: ReadonlyMap<string, DemoNode>): string | null {
  const node = nodes.get(pod.node);
  return node === undefined ? null : localPodGateway(node, cni, v6);
}

/**
 * The endpoint kube-proxy picks for a request entering at `entryNode` (iptables `statistic --mode random`: uniform
 * over the eligible endpoints). Cluster: any endpoint. Local: only endpoints on the entry node; null when there is
 * none (the request is dropped). No allocation: the k-th eligible endpoint is found by counting.
 */
export function routeRequest(
  rng: Rng,
  entryNode: string,
  endpoints: readonly DemoPod[],
  policy: TrafficPolicy,
): DemoPod | null {
  if (policy === 'Cluster') return endpoints.length === 0 ? null : endpoints[Math.floor(rng() * endpoints.length)];
  let local = 0;
  for (let i = 0; i < endpoints.length; i++) if (endpoints[i].node === entryNode) local++;
  if (local === 0) return null;
  let k = Math.floor(rng() * local);
  for (let i = 0; i < endpoints.length; i++) {
    if (endpoints[i].node !== entryNode) continue;
    if (k === 0) return endpoints[i];
    k--;
  }
  return null;
}

/**
 * Nodes that pass the load balancer's health check: under Cluster every worker (kube-proxy answers for all of them),
 * under Local only workers with a local endpoint.
 */
export function healthyNodes(nodes: readonly DemoNode[], endpoints: readonly DemoPod[], policy: TrafficPolicy): DemoNode[] {
  const workers = nodes.filter((n) => n.worker);
  if (policy === 'Cluster') return workers;
  return workers.filter((n) => endpoints.some((p) => p.node === n.name));
}

/** Expected share of external requests per endpoint (an even per-node balancer in front), for tests and the README. */
export function expectedShares(
  nodes: readonly DemoNode[],
  endpoints: readonly DemoPod[],
  policy: TrafficPolicy,
): Map<string, number> {
  const shares = new Map<string, number>();
  for (const p of endpoints) shares.set(p.name, 0);
  const entries = healthyNodes(nodes, endpoints, policy);
  for (const n of entries) {
    const eligible = policy === 'Cluster' ? endpoints : endpoints.filter((p) => p.node === n.name);
    for (const p of eligible) shares.set(p.name, (shares.get(p.name) ?? 0) + 1 / entries.length / eligible.length);
  }
  return shares;
}
