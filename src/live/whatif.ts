// What-if: predicted per-pod share of external traffic under the other externalTrafficPolicy. Pure.
// Local: the load balancer spreads evenly over nodes that have a ready endpoint (its health check takes
// the others out) and each node's share splits among its local pods: one pod alone on node1 and two on
// node2 give 50/25/25. Cluster: kube-proxy spreads over all ready endpoints, so each gets 1/n (and the
// pods see node addresses again). The current share is the pod's part of the requests seen so far.

export type Policy = 'Cluster' | 'Local';

export interface WhatIfPod {
  namespace: string;
  pod: string;
  node: string | null;
  requests: number;
  /** Not-ready pods are no endpoints (default ready). */
  ready?: boolean;
}

export interface WhatIfRow {
  namespace: string;
  pod: string;
  node: string | null;
  /** Share of the requests seen so far, 0..1 (NaN when none seen at all). */
  current: number;
  /** Share under `to`, 0..1; NaN when it cannot be placed (Local with no known node). */
  predicted: number;
}

export interface WhatIfNode {
  node: string;
  pods: number;
  /** Node's share of load-balancer traffic under `to`. */
  predicted: number;
}

export interface WhatIfResult {
  from: Policy;
  to: Policy;
  rows: WhatIfRow[];
  nodes: WhatIfNode[];
  /** Known nodes with no ready endpoint: under Local the health check takes them out of the balancer. */
  nodesWithoutEndpoint: string[];
}

/** Anything but 'Local' behaves as Cluster (the Kubernetes default). */
export function normalisePolicy(p: string | null | undefined): Policy {
  return p === 'Local' ? 'Local' : 'Cluster';
}

export function whatIf(policy: string | null | undefined, pods: readonly WhatIfPod[], knownNodes: readonly string[] = []): WhatIfResult {
  const from = normalisePolicy(policy);
  const to: Policy = from === 'Cluster' ? 'Local' : 'Cluster';
  let seen = 0;
  for (const p of pods) seen += p.requests;

  const perNode = new Map<string, number>();
  let ready = 0;
  for (const p of pods) {
    if (p.ready === false) continue;
    ready++;
    if (p.node !== null) perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
  }
  const nodeCount = perNode.size;

  const rows: WhatIfRow[] = pods.map((p) => {
    let predicted: number;
    if (p.ready === false) predicted = 0;
    else if (to === 'Cluster') predicted = 1 / ready;
    else if (p.node === null) predicted = NaN;
    else predicted = 1 / nodeCount / (perNode.get(p.node) ?? 1);
    return { namespace: p.namespace, pod: p.pod, node: p.node, current: seen > 0 ? p.requests / seen : NaN, predicted };
  });

  const nodes: WhatIfNode[] = [...perNode.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([node, n]) => ({ node, pods: n, predicted: to === 'Local' ? 1 / nodeCount : n / ready }));
  const nodesWithoutEndpoint = [...new Set(knownNodes)].filter((n) => !perNode.has(n)).sort();
  return { from, to, rows, nodes, nodesWithoutEndpoint };
}
