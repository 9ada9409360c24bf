// The demo's kube-proxy model: the source address each nginx pod logs, per entry node, target pod, policy and CNI.
import { describe, expect, it } from 'vitest';
import {
  expectedShares,
  healthyNodes,
  probeSource,
  routeRequest,
  sourceSeenByPod,
  sourceSeenFromPod,
  type CniMode,
  type TrafficPolicy,
} from '../src/demo/rules.js';
import { mulberry32 } from '../src/demo/rng.js';
import { demoTopology } from '../src/demo/topology.js';

// nginx replicas: A on ydzs-node1 (alone), B and C on ydzs-node2; none on ydzs-node3.
const A = 0;
const B = 1;
type Row = [TrafficPolicy, CniMode, string, number, string, string | null];

describe('sourceSeenByPod: $remote_addr of a NodePort request', () => {
  const client = '203.0.113.7';
  const rows: Row[] = [
    // policy    cni              entry node     pod client     expected $remote_addr
    ['Cluster', 'flannel-vxlan', 'ydzs-node1', A, client, '10.244.1.1'], // local endpoint: cni0 of node1
    ['Cluster', 'flannel-vxlan', 'ydzs-node2', A, client, '10.244.2.0'], // flannel.1 of node2
    ['Cluster', 'flannel-vxlan', 'ydzs-node3', A, client, '10.244.3.0'], // flannel.1 of node3
    ['Cluster', 'flannel-vxlan', 'ydzs-node2', B, client, '10.244.2.1'],
    ['Cluster', 'flannel-vxlan', 'ydzs-node1', B, client, '10.244.1.0'],
    ['Cluster', 'host-gw', 'ydzs-node1', A, client, '10.244.1.1'],
    ['Cluster', 'host-gw', 'ydzs-node3', A, client, '10.151.30.24'], // InternalIP of node3
    ['Cluster', 'host-gw', 'ydzs-node1', B, client, '10.151.30.22'],
    ['Cluster', 'calico-ipip', 'ydzs-node1', A, client, '10.151.30.22'], // no bridge: the node's primary address
    ['Cluster', 'calico-ipip', 'ydzs-node3', A, client, '10.244.3.64'], // tunl0 of node3
    ['Cluster', 'calico-ipip', 'ydzs-node2', A, client, '10.244.2.64'],
    ['Local', 'flannel-vxlan', 'ydzs-node1', A, client, client], // client kept
    ['Local', 'host-gw', 'ydzs-node2', B, client, client],
    ['Local', 'calico-ipip', 'ydzs-node2', B, client, client],
    ['Local', 'flannel-vxlan', 'ydzs-node3', A, client, null], // never delivered across nodes
    ['Local', 'flannel-vxlan', 'ydzs-node1', B, client, null],
    ['Cluster', 'flannel-vxlan', 'ydzs-node3', A, '10.151.40.10', '10.244.3.0'], // the L7 proxy is masqueraded too
    ['Local', 'flannel-vxlan', 'ydzs-node1', A, '10.151.40.10', '10.151.40.10'],
  ];
  it.each(rows)('%s / %s: entering %s, pod #%i, from %s -> %s', (policy, cni, entryNode, podIx, from, want) => {
    const t = demoTopology({ cni, ipv6: false });
    expect(sourceSeenByPod({ client: from, entryNode, pod: t.nginx[podIx], policy, cni, nodes: t.nodeMap })).toBe(want);
  });

  const client6 = '2001:db8:5::17';
  const rows6: Row[] = [
    ['Cluster', 'flannel-vxlan', 'ydzs-node1', A, client6, 'fd00:10:244:1::1'],
    ['Cluster', 'flannel-vxlan', 'ydzs-node3', A, client6, 'fd00:10:244:3::'],
    ['Cluster', 'host-gw', 'ydzs-node3', A, client6, 'fd00:10:151:30::24'],
    ['Cluster', 'calico-ipip', 'ydzs-node3', A, client6, 'fd00:10:151:30::24'], // IPIP is IPv4 only: routed natively
    ['Cluster', 'calico-ipip', 'ydzs-node1', A, client6, 'fd00:10:151:30::22'],
    ['Local', 'flannel-vxlan', 'ydzs-node2', B, client6, client6],
  ];
  it.each(rows6)('IPv6 %s / %s: entering %s, pod #%i, from %s -> %s', (policy, cni, entryNode, podIx, from, want) => {
    const t = demoTopology({ cni, ipv6: true });
    expect(sourceSeenByPod({ client: from, entryNode, pod: t.nginx[podIx], policy, cni, nodes: t.nodeMap })).toBe(want);
  });

  it('an IPv6 client cannot reach a single-stack cluster', () => {
    const t = demoTopology({ cni: 'flannel-vxlan', ipv6: false });
    const q = { client: client6, entryNode: 'ydzs-node1', pod: t.nginx[A], policy: 'Cluster' as const, cni: 'flannel-vxlan' as const, nodes: t.nodeMap };
    expect(sourceSeenByPod(q)).toBeNull();
  });
});

describe('probes and in-cluster clients', () => {
  it.each([
    ['flannel-vxlan', '10.244.1.1', '10.244.2.1'],
    ['host-gw', '10.244.1.1', '10.244.2.1'],
    ['calico-ipip', '10.151.30.22', '10.151.30.23'],
  ] as const)('kubelet probes under %s come from %s (node1) and %s (node2)', (cni, n1, n2) => {
    const t = demoTopology({ cni, ipv6: false });
    expect(probeSource(t.nginx[A], false, cni, t.nodeMap)).toBe(n1);
    expect(probeSource(t.nginx[B], false, cni, t.nodeMap)).toBe(n2);
  });

  it('the curl pod reaches nginx through the ClusterIP with its own pod IP', () => {
    const t = demoTopology({ cni: 'flannel-vxlan', ipv6: true });
    expect(sourceSeenFromPod(t.curl, t.nginx[A], false, 'flannel-vxlan', t.nodeMap)).toBe('10.244.3.9');
    expect(sourceSeenFromPod(t.curl, t.nginx[A], true, 'flannel-vxlan', t.nodeMap)).toBe('fd00:10:244:3::9');
    expect(sourceSeenFromPod(t.nginx[A], t.nginx[A], false, 'flannel-vxlan', t.nodeMap)).toBe('10.244.1.1'); // hairpin
  });

  it('pod addresses stay inside the node podCIDR, Calico pods inside the 10.244.N.64/26 block', () => {
    expect(demoTopology({ cni: 'flannel-vxlan', ipv6: false }).nginx.map((p) => p.ip)).toEqual(['10.244.1.7', '10.244.2.4', '10.244.2.5']);
    expect(demoTopology({ cni: 'calico-ipip', ipv6: false }).nginx.map((p) => p.ip)).toEqual(['10.244.1.71', '10.244.2.68', '10.244.2.69']);
  });
});

describe('routing and the load balancer', () => {
  const t = demoTopology({ cni: 'flannel-vxlan', ipv6: false });

  it('Cluster: every worker is healthy; Local: ydzs-node3 (no nginx) fails the health check', () => {
    expect(healthyNodes(t.nodes, t.nginx, 'Cluster').map((n) => n.name)).toEqual(['ydzs-node1', 'ydzs-node2', 'ydzs-node3']);
    expect(healthyNodes(t.nodes, t.nginx, 'Local').map((n) => n.name)).toEqual(['ydzs-node1', 'ydzs-node2']);
  });

  it('Local routes only to endpoints on the entry node and drops at a node without one', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 50; i++) {
      expect(routeRequest(rng, 'ydzs-node1', t.nginx, 'Local')).toBe(t.nginx[A]);
      expect(routeRequest(rng, 'ydzs-node2', t.nginx, 'Local')?.node).toBe('ydzs-node2');
      expect(routeRequest(rng, 'ydzs-node3', t.nginx, 'Local')).toBeNull();
    }
  });

  it('Cluster spreads evenly over all pods from any entry node', () => {
    const rng = mulberry32(7);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[t.nginx.indexOf(routeRequest(rng, 'ydzs-node3', t.nginx, 'Cluster')!)]++;
    for (const c of counts) expect(c / 30000).toBeCloseTo(1 / 3, 1);
  });

  it('expected shares: Cluster 1/3 each; Local 1/2 for the pod alone, 1/4 for each pod sharing a node', () => {
    const [a, b, c] = t.nginx.map((p) => p.name);
    const cl = expectedShares(t.nodes, t.nginx, 'Cluster');
    const lo = expectedShares(t.nodes, t.nginx, 'Local');
    expect([cl.get(a), cl.get(b), cl.get(c)].map((x) => x!.toFixed(4))).toEqual(['0.3333', '0.3333', '0.3333']);
    expect([lo.get(a), lo.get(b), lo.get(c)]).toEqual([0.5, 0.25, 0.25]);
  });

  it('mulberry32 is deterministic per seed', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    const s1 = [r1(), r1(), r1()];
    expect([r2(), r2(), r2()]).toEqual(s1);
    expect(mulberry32(43)()).not.toBe(s1[0]);
  });
});
