// The simulated cluster of the demo, as plain data: four nodes (ydzs-master, ydzs-node1..3 on 10.151.30.0/24),
// flannel-style podCIDRs 10.244.N.0/24, an `nginx` Deployment with 1 replica on ydzs-node1 and 2 on ydzs-node2
// (none on ydzs-node3), a `curl` client pod on ydzs-node3, and the NodePort Service `nginx` (80:32761).
// Also renders the Kubernetes objects (Node, Pod, Service, Deployment JSON) the emulator serves.
//
// Addresses (documented in README/demo): node N has InternalIP 10.151.30.<host> (master .11, node1 .22, node2 .23,
// node3 .24), with --ipv6 also fd00:10:151:30::<host>; podCIDR 10.244.N.0/24 (+ fd00:10:244:N::/64).
//   flannel-vxlan: cni0 = 10.244.N.1, flannel.1 = 10.244.N.0; pods from .2 up (host-local IPAM).
//   host-gw:       cni0 = 10.244.N.1, no tunnel; pods from .2 up.
//   calico-ipip:   no bridge; Calico IPAM gives the node the /26 block 10.244.N.64/26 and tunl0 its first address,
//                  10.244.N.64 (annotation projectcalico.org/IPv4IPIPTunnelAddr); pods from .65 up.

import type { CniMode, DemoNode, DemoPod } from './rules.js';

export const DEMO_NAMESPACE = 'default';
export const SERVICE_NAME = 'nginx';
export const NODE_PORT = 32761;
export const CLUSTER_IP = '10.96.148.211';
export const CLUSTER_IP6 = 'fd00:10:96::94d3';
export const KUBELET_VERSION = 'v1.29.4';
export const POD_TEMPLATE_HASH = '5d59d67564';
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
const CURL_SEED: readonly [string, number, number] = ['curl', 3, 9];

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

// ---- Kubernetes objects ----------------------------------------------------------------------------------------

const CREATED = '2024-05-06T07:08:09Z';

function uid(kind: string, name: string): string {
  // Deterministic, UUID-shaped.
  let h = 0x811c9dc5;
  const s = `${kind}/${name}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
}

function vtepMac(index: number): string {
  return `0a:58:0a:f4:0${index}:${(0x30 + index * 7).toString(16)}`;
}

function nodeAnnotations(node: DemoNode, index: number, cni: CniMode): Record<string, string> {
  const a: Record<string, string> = {
    'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  if (cni === 'calico-ipip') {
    a['projectcalico.org/IPv4Address'] = `${node.internalIp}/24`;
    if (node.tunnelIp) a['projectcalico.org/IPv4IPIPTunnelAddr'] = node.tunnelIp;
    if (node.internalIp6) a['projectcalico.org/IPv6Address'] = `${node.internalIp6}/64`;
    return a;
  }
  a['flannel.alpha.coreos.com/kube-subnet-manager'] = 'true';
  a['flannel.alpha.coreos.com/public-ip'] = node.internalIp;
  if (cni === 'flannel-vxlan') {
    a['flannel.alpha.coreos.com/backend-type'] = 'vxlan';
    a['flannel.alpha.coreos.com/backend-data'] = JSON.stringify({ VNI: 1, VtepMAC: vtepMac(index) });
  } else {
    a['flannel.alpha.coreos.com/backend-type'] = 'host-gw';
    a['flannel.alpha.coreos.com/backend-data'] = 'null';
  }
  if (node.internalIp6) {
    a['flannel.alpha.coreos.com/public-ipv6'] = node.internalIp6;
    a['flannel.alpha.coreos.com/backend-v6-data'] =
      cni === 'flannel-vxlan' ? JSON.stringify({ VNI: 1, VtepMAC: vtepMac(index + 8) }) : 'null';
  }
  return a;
}

export function nodeObject(node: DemoNode, index: number, cni: CniMode): Record<string, unknown> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
  };
  if (!node.worker) labels['node-role.kubernetes.io/control-plane'] = '';
  const addresses = [{ type: 'InternalIP', address: node.internalIp }];
  if (node.internalIp6) addresses.push({ type: 'InternalIP', address: node.internalIp6 });
  addresses.push({ type: 'Hostname', address: node.name });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: uid('Node', node.name),
      creationTimestamp: CREATED,
      labels,
      annotations: nodeAnnotations(node, index, cni),
    },
    spec: {
      podCIDR: node.podCidr,
      podCIDRs: node.podCidr6 ? [node.podCidr, node.podCidr6] : [node.podCidr],
      ...(node.worker ? {} : { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
    },
    status: {
      addresses,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: {
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        containerRuntimeVersion: 'containerd://1.7.13',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'Ubuntu 22.04.4 LTS',
      },
    },
  };
}

const NGINX_LABELS = { app: 'nginx', 'pod-template-hash': POD_TEMPLATE_HASH };
const PROBE = { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

export function podObject(pod: DemoPod, node: DemoNode, kind: 'nginx' | 'curl'): Record<string, unknown> {
  const nginx = kind === 'nginx';
  const container = nginx
    ? {
        name: 'nginx',
        image: 'nginx:1.25.4',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        readinessProbe: PROBE,
        livenessProbe: { ...PROBE, initialDelaySeconds: 5 },
      }
    : { name: 'curl', image: 'curlimages/curl:8.7.1', command: ['sh', '-c', 'while true; do curl -s http://nginx/ >/dev/null; sleep 1; done'] };
  const podIPs = [{ ip: pod.ip }];
  if (pod.ip6) podIPs.push({ ip: pod.ip6 });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: uid('Pod', pod.name),
      creationTimestamp: CREATED,
      labels: nginx ? NGINX_LABELS : { app: 'curl' },
      ...(nginx
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `nginx-${POD_TEMPLATE_HASH}`, uid: uid('ReplicaSet', 'nginx'), controller: true, blockOwnerDeletion: true },
            ],
          }
        : {}),
    },
    spec: { nodeName: pod.node, containers: [container], restartPolicy: 'Always' },
    status: {
      phase: 'Running',
      hostIP: node.internalIp,
      hostIPs: node.internalIp6 ? [{ ip: node.internalIp }, { ip: node.internalIp6 }] : [{ ip: node.internalIp }],
      podIP: pod.ip,
      podIPs,
      startTime: CREATED,
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: CREATED } },
          containerID: `containerd://${uid('Container', pod.name).replace(/-/g, '')}`,
        },
      ],
    },
  };
}

export function serviceObject(ipv6: boolean): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SERVICE_NAME, namespace: DEMO_NAMESPACE, uid: uid('Service', SERVICE_NAME), creationTimestamp: CREATED, labels: { app: 'nginx' } },
    spec: {
      type: 'NodePort',
      selector: { app: 'nginx' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: NODE_PORT }],
      clusterIP: CLUSTER_IP,
      clusterIPs: ipv6 ? [CLUSTER_IP, CLUSTER_IP6] : [CLUSTER_IP],
      ipFamilies: ipv6 ? ['IPv4', 'IPv6'] : ['IPv4'],
      ipFamilyPolicy: ipv6 ? 'PreferDualStack' : 'SingleStack',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
    },
    status: { loadBalancer: {} },
  };
}

export function deploymentObject(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: DEMO_NAMESPACE, uid: uid('Deployment', 'nginx'), creationTimestamp: CREATED, labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25.4' }] } },
    },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3 },
  };
}
