// The lab cluster's fixed facts: nodes (InternalIPs, podCIDRs, cni0 gateways), pods, clients, the NodePort
// service, and the same facts as Kubernetes Node/Pod/Service JSON (for the emulator or --topology files).
// Every address is private, a documentation range, or ULA; none of them ever exists in the root namespace.

export type Policy = 'Cluster' | 'Local';
export type Family = 4 | 6;
export type LabClass = 'node' | 'pod' | 'private' | 'external';

export interface LabNode {
  name: 'node1' | 'node2';
  /** InternalIPs on the node network [v4, v6]. */
  internalIPs: [string, string];
  podCIDRs: [string, string];
  /** cni0 bridge addresses = first host of each podCIDR [v4, v6]; MASQUERADE picks these for local endpoints. */
  cni0: [string, string];
}

export interface LabPod {
  name: string;
  namespace: string;
  node: LabNode['name'];
  ips: [string, string];
  /** backend pods run nginx behind the NodePort; the client pod only sends. */
  role: 'backend' | 'client';
  labels: Record<string, string>;
}

export const NAMESPACE = 'default';
export const SERVICE = { name: 'web', nodePort: 30080, port: 80, targetPort: 80, selector: { app: 'web' } } as const;

/** The node network's router (the clients' gateway and the nodes' default route). */
export const ROUTER = { node: ['10.151.30.1', 'fd00:10:151:30::1'], client: ['203.0.113.1', '198.51.100.1', '10.151.40.1', '2001:db8:1::1'] } as const;

/** Addresses of the external client namespace; `lb` stands for an internal load balancer. */
export const CLIENT = {
  ext: '203.0.113.10',
  ext2: '198.51.100.20',
  lb: '10.151.40.10',
  ext6: '2001:db8:1::10',
} as const;
export type ClientAddr = keyof typeof CLIENT;

export const NODES: readonly LabNode[] = [
  {
    name: 'node1',
    internalIPs: ['10.151.30.11', 'fd00:10:151:30::11'],
    podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
    cni0: ['10.244.1.1', 'fd00:10:244:1::1'],
  },
  {
    name: 'node2',
    internalIPs: ['10.151.30.12', 'fd00:10:151:30::12'],
    podCIDRs: ['10.244.2.0/24', 'fd00:10:244:2::/64'],
    cni0: ['10.244.2.1', 'fd00:10:244:2::1'],
  },
];

const web = { app: 'web' };
export const PODS: readonly LabPod[] = [
  { name: 'pod-a', namespace: NAMESPACE, node: 'node1', ips: ['10.244.1.10', 'fd00:10:244:1::10'], role: 'backend', labels: web },
  { name: 'pod-b', namespace: NAMESPACE, node: 'node2', ips: ['10.244.2.10', 'fd00:10:244:2::10'], role: 'backend', labels: web },
  { name: 'pod-c', namespace: NAMESPACE, node: 'node2', ips: ['10.244.2.11', 'fd00:10:244:2::11'], role: 'backend', labels: web },
  { name: 'client', namespace: NAMESPACE, node: 'node1', ips: ['10.244.1.20', 'fd00:10:244:1::20'], role: 'client', labels: { app: 'client' } },
];
export const BACKENDS: readonly LabPod[] = PODS.filter((p) => p.role === 'backend');
/** The pod whose nginx also writes a second access log with `escape=json`. */
export const JSON_POD = 'pod-b';

export const fam = (f: Family): 0 | 1 => (f === 4 ? 0 : 1);
export const nodeByName = (name: string): LabNode => NODES.find((n) => n.name === name)!;
export const podByName = (name: string): LabPod => {
  const p = PODS.find((x) => x.name === name);
  if (!p) throw new Error(`no lab pod ${name}`);
  return p;
};

/** The class snatscope should give a remote address seen by a lab pod. */
export function classOf(addr: string): LabClass {
  for (const n of NODES) if (n.internalIPs.includes(addr) || n.cni0.includes(addr)) return 'node';
  for (const p of PODS) if (p.ips.includes(addr)) return 'pod';
  return addr === CLIENT.lb ? 'private' : 'external';
}

/** Kubernetes JSON for the lab's nodes, pods and service, as the API server would return them. */
export function kubeObjects(policy: Policy): { nodes: object[]; pods: object[]; services: object[] } {
  const nodes = NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } },
    spec: { podCIDR: n.podCIDRs[0], podCIDRs: [...n.podCIDRs] },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.internalIPs[0] },
        { type: 'InternalIP', address: n.internalIPs[1] },
        { type: 'Hostname', address: n.name },
      ],
    },
  }));
  const pods = PODS.map((p) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } },
    spec: { nodeName: p.node, containers: [{ name: p.role === 'backend' ? 'nginx' : 'curl', image: p.role === 'backend' ? 'nginx:1.22' : 'curlimages/curl' }] },
    status: {
      phase: 'Running',
      hostIP: nodeByName(p.node).internalIPs[0],
      podIP: p.ips[0],
      podIPs: p.ips.map((ip) => ({ ip })),
    },
  }));
  const services = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: SERVICE.name, namespace: NAMESPACE },
      spec: {
        type: 'NodePort',
        selector: { ...SERVICE.selector },
        externalTrafficPolicy: policy,
        ipFamilies: ['IPv4', 'IPv6'],
        ipFamilyPolicy: 'RequireDualStack',
        ports: [{ name: 'http', protocol: 'TCP', port: SERVICE.port, targetPort: SERVICE.targetPort, nodePort: SERVICE.nodePort }],
      },
    },
  ];
  return { nodes, pods, services };
}
