// Builds the demo cluster (topology.ts) into the emulator's ClusterModel: nodes with the CNI annotations a real
// flannel or Calico install writes, the nginx Deployment and its three pods, the curl client pod, hostNetwork
// kube-proxy and CNI DaemonSet pods on every node, and the NodePort Service `nginx` (80:32761, Cluster).

import type { ClusterModel } from '../emulator/model.js';
import type { CniMode, DemoNode } from './rules.js';
import { CLUSTER_IP, DEMO_NAMESPACE, NODE_PORT, SERVICE_NAME, type DemoTopology } from './topology.js';

const NGINX_IMAGE = 'nginx:1.27';
const CURL_IMAGE = 'curlimages/curl:8.7.1';

/** A stable VXLAN VTEP MAC per node (flannel derives it from the interface; any locally administered MAC works). */
function vtepMac(index: number): string {
  return `0a:58:0a:f4:${(index + 0x10).toString(16)}:${(0x30 + index * 7).toString(16)}`;
}

/** The annotations flannel (kube subnet manager) or calico-node write on a node. */
export function nodeAnnotations(node: DemoNode, index: number, cni: CniMode): Record<string, string> {
  const a: Record<string, string> = {
    'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
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
  const vxlan = cni === 'flannel-vxlan';
  a['flannel.alpha.coreos.com/backend-type'] = vxlan ? 'vxlan' : 'host-gw';
  a['flannel.alpha.coreos.com/backend-data'] = vxlan ? JSON.stringify({ VNI: 1, VtepMAC: vtepMac(index) }) : 'null';
  if (node.internalIp6) {
    a['flannel.alpha.coreos.com/public-ipv6'] = node.internalIp6;
    a['flannel.alpha.coreos.com/backend-v6-data'] = vxlan ? JSON.stringify({ VNI: 1, VtepMAC: vtepMac(index + 8) }) : 'null';
  }
  return a;
}

/** A 5-character pod name suffix like the ReplicaSet/DaemonSet controllers generate, stable per (owner, node). */
function suffix(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) + 0x9e37 * (i + 1);
  }
  return out;
}

/** Adds the whole demo cluster to an (empty) model. */
export function buildDemoCluster(model: ClusterModel, topo: DemoTopology): void {
  topo.nodes.forEach((n, i) => {
    model.addNode({
      name: n.name,
      internalIP: n.internalIp,
      ...(n.internalIp6 ? { internalIPv6: n.internalIp6 } : {}),
      podCIDRs: n.podCidr6 ? [n.podCidr, n.podCidr6] : [n.podCidr],
      annotations: nodeAnnotations(n, i, topo.cni),
      labels: n.worker ? {} : { 'node-role.kubernetes.io/control-plane': '' },
    });
  });

  // Node agents: hostNetwork DaemonSet pods whose IP is the node's (what `kubectl get pods -A -o wide` shows).
  const cniDs = topo.cni === 'calico-ipip' ? { ns: 'kube-system', name: 'calico-node', image: 'calico/node:v3.27.3' }
    : { ns: 'kube-flannel', name: 'kube-flannel-ds', image: 'flannel/flannel:v0.25.1' };
  const agents = [cniDs, { ns: 'kube-system', name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.4' }];
  for (const ds of agents) model.addDaemonSet({ namespace: ds.ns, name: ds.name, selector: { 'k8s-app': ds.name }, image: ds.image, hostNetwork: true });
  for (const n of topo.nodes) {
    const ips = n.internalIp6 ? [n.internalIp, n.internalIp6] : [n.internalIp];
    for (const ds of agents) {
      model.addPod({
        namespace: ds.ns, name: `${ds.name}-${suffix(ds.name + n.name)}`, nodeName: n.name, ip: ips[0], ips,
        hostNetwork: true, labels: { 'k8s-app': ds.name }, containers: [{ name: ds.name, image: ds.image }],
        ownerKind: 'DaemonSet', ownerName: ds.name,
      });
    }
  }

  model.addDeployment({ namespace: DEMO_NAMESPACE, name: 'nginx', selector: { app: 'nginx' }, replicas: topo.nginx.length, image: NGINX_IMAGE });
  for (const p of [...topo.nginx, topo.curl]) {
    const nginx = p !== topo.curl;
    const ips = p.ip6 ? [p.ip, p.ip6] : [p.ip];
    const annotations: Record<string, string> | undefined = topo.cni === 'calico-ipip'
      ? { 'cni.projectcalico.org/podIP': `${p.ip}/32`, 'cni.projectcalico.org/podIPs': ips.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`).join(',') }
      : undefined;
    model.addPod({
      namespace: p.namespace,
      name: p.name,
      nodeName: p.node,
      ip: p.ip,
      ips,
      labels: { app: nginx ? 'nginx' : 'curl' },
      ...(annotations ? { annotations } : {}),
      containers: [{ name: nginx ? 'nginx' : 'curl', image: nginx ? NGINX_IMAGE : CURL_IMAGE }],
      ...(nginx ? { ownerKind: 'Deployment', ownerName: 'nginx' } : {}),
    });
  }

  model.addService({
    namespace: DEMO_NAMESPACE,
    name: SERVICE_NAME,
    type: 'NodePort',
    selector: { app: 'nginx' },
    ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: NODE_PORT, protocol: 'TCP' }],
    externalTrafficPolicy: 'Cluster',
    clusterIP: CLUSTER_IP,
    labels: { app: 'nginx' },
  });
}
