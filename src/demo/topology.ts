// The simulated cluster of the demo, as plain data: four nodes (ydzs-master, ydzs-node1..3 on 10.151.30.0/24),
// flannel-style podCIDRs 10.244.N.0/24, an `nginx` Deployment with 1 replica on ydzs-node1 and 2 on ydzs-node2
// (none on ydzs-node3), a `curl` client pod on ydzs-node3, and the NodePort Service `nginx` (80:32761).
// Plain data only: cluster.ts turns it into emulator objects.
//
// Addresses: node N has InternalIP 10.151.30.<host> (master .11, node1 .22, node2 .23,
// node3 .24), with --ipv6 also fd00:10:151:30::<host>; podCIDR 10.244.N.0/24 (+ fd00:10:244:N::/64).
//   flannel-vxlan: cni0 = 10.244.N.1, flannel.1 = 10.244.N.0; pods from .2 up (host-local IPAM).
//   host-gw:       cni0 = 10.244.N.1, no tunnel; pods from .2 up.
//   calico-ipip:   no bridge; Calico IPAM gives the node the /26 block 10.244.N.64/26 and tunl0 its first address,
//                  10.244.N.64 (annotation projectcalico.org/IPv4IPIPTunnelAddr); pods from .65 up.

import { templateHash } from '../emulator/objects.js';
import type { CniMode, DemoNode, DemoPod } from './rules.js';

export const DEMO_NAMESPACE = 'default';
export const SERVICE_NAME = 'nginx';
export const NODE_PORT = 32761;
export const CLUSTER_IP = '10.96.148.211';
/** The pod-template-hash the emulator (like kube-controller-manager) derives for default/nginx. */
export const POD_TEMPLATE_HASH = templateHash(`default/nginx`);
export const L7_PROXY_IP = '10.151.40.10';

export interface DemoTopology {
  cni: CniMode;
  ipv6: boolean;
  nodes: DemoNode[];
  nodeMap: Map<string, DemoNode>;
  /** The nginx replicas (the Service's endpoints), in a fixed order. */
  nginx: DemoPod[];
  /** The in-cluster client pod. */
  curl: DemoPod;
}

interface NodeSeed { name: string; index: number; host: number; worker: boolean }
const NODE_SEEDS: readonly NodeSeed[] = [
  { name: 'ydzs-master', index: 0, host: 11, worker: false },
  { name: 'ydzs-node1', index: 1, host: 22, worker: true },
  { name: 'ydzs-node2', index: 2, host: 23, worker: true },
  { name: 'ydzs-node3', index: 3, host: 24, worker: true },
];

// [pod name, node index, host part of its IP under flannel/host-gw]; Calico adds 64 (block 10.244.N.64/26).
const NGINX_SEEDS: ReadonlyArray<readonly [string, number, number]> = [
  [`nginx-${POD_TEMPLATE_HASH}-7xkqp`, 1, 7],
  [`nginx-${POD_TEMPLATE_HASH}-h2m9t`, 2, 4],
  [`nginx-${POD_TEMPLATE_HASH}-zx4lw`, 2, 5],
];
export const CURL_POD = 'curl';
const CURL_SEED: readonly [string, number, number] = [CURL_POD, 3, 9];

function makeNode(s: NodeSeed, cni: CniMode, ipv6: boolean): DemoNode {
  const n = s.index;
  const calico = cni === 'calico-ipip';
  return {
    name: s.name,
    worker: s.worker,
    internalIp: `10.151.30.${s.host}`,
    internalIp6: ipv6 ? `fd00:10:151:30::${s.host}` : null,
    podCidr: `10.244.${n}.0/24`,
    podCidr6: ipv6 ? `fd00:10:244:${n}::/64` : null,
    bridgeIp: calico ? null : `10.244.${n}.1`,
    bridgeIp6: calico || !ipv6 ? null : `fd00:10:244:${n}::1`,
    tunnelIp: cni === 'flannel-vxlan' ? `10.244.${n}.0` : calico ? `10.244.${n}.64` : null,
    tunnelIp6: cni === 'flannel-vxlan' && ipv6 ? `fd00:10:244:${n}::` : null,
  };
}

function makePod(seed: readonly [string, number, number], cni: CniMode, ipv6: boolean): DemoPod {
  const [name, n, host0] = seed;
  const host = cni === 'calico-ipip' ? host0 + 64 : host0;
  return {
    namespace: DEMO_NAMESPACE,
    name,
    node: NODE_SEEDS[n].name,
    ip: `10.244.${n}.${host}`,
    ip6: ipv6 ? `fd00:10:244:${n}::${host.toString(16)}` : null,
  };
}

export function demoTopology(opts: { cni: CniMode; ipv6: boolean }): DemoTopology {
  const nodes = NODE_SEEDS.map((s) => makeNode(s, opts.cni, opts.ipv6));
  return {
    cni: opts.cni,
    ipv6: opts.ipv6,
    nodes,
    nodeMap: new Map(nodes.map((n) => [n.name, n])),
    nginx: NGINX_SEEDS.map((s) => makePod(s, opts.cni, opts.ipv6)),
    curl: makePod(CURL_SEED, opts.cni, opts.ipv6),
  };
}
