// kube-proxy-like nat rules for one lab node (iptables-restore text, v4 or v6), and a model of which
// endpoint each new connection gets. Spreading uses `-m statistic --mode nth` so the choice is exact:
// a rule `--every N --packet 0` matches its 1st, (N+1)th, ... evaluation, so the chain is a round robin.
// Cluster: mark in KUBE-EXT (KUBE-MARK-MASQ), MASQUERADE marked packets in POSTROUTING, all endpoints.
// Local: no mark (client address kept), only this node's endpoints.
import { BACKENDS, SERVICE, fam, type Family, type LabPod, type Policy } from './topology.js';

const MASQ_MARK = '0x4000';

/** The endpoints a node's NodePort spreads over, in rule order. */
export function endpointsFor(node: string, policy: Policy): LabPod[] {
  return policy === 'Cluster' ? [...BACKENDS] : BACKENDS.filter((p) => p.node === node);
}

const sepChain = (pod: LabPod): string => `KUBE-SEP-${pod.name.toUpperCase()}`;

/** A complete nat table for iptables-restore / ip6tables-restore (replaces the table: counters start afresh). */
export function natTable(node: string, policy: Policy, family: Family): string {
  const eps = endpointsFor(node, policy);
  const chains = ['KUBE-NODEPORTS', 'KUBE-EXT-WEB', 'KUBE-SVC-WEB', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', ...eps.map(sepChain)];
  const out = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (const c of chains) out.push(`:${c} - [0:0]`);
  out.push(
    '-A PREROUTING -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A POSTROUTING -j KUBE-POSTROUTING',
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
    '-A KUBE-POSTROUTING -j MASQUERADE --random-fully',
    `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${SERVICE.nodePort} -j KUBE-EXT-WEB`,
  );
  if (policy === 'Cluster') out.push('-A KUBE-EXT-WEB -j KUBE-MARK-MASQ');
  // No endpoint (Local on a node without pods): no jump, the node refuses the port like kube-proxy's reject.
  if (eps.length > 0) out.push('-A KUBE-EXT-WEB -j KUBE-SVC-WEB');
  eps.forEach((pod, i) => {
    const left = eps.length - i;
    const match = left > 1 ? `-m statistic --mode nth --every ${left} --packet 0 ` : '';
    out.push(`-A KUBE-SVC-WEB ${match}-j ${sepChain(pod)}`);
  });
  for (const pod of eps) {
    const ip = pod.ips[fam(family)];
    const to = family === 4 ? `${ip}:${SERVICE.targetPort}` : `[${ip}]:${SERVICE.targetPort}`;
    out.push(`-A ${sepChain(pod)} -p tcp -m tcp -j DNAT --to-destination ${to}`);
  }
  out.push('COMMIT', '');
  return out.join('\n');
}

/** Mirrors one node's KUBE-SVC-WEB chain: each nth rule keeps its own counter, evaluated only on fall-through. */
export class NthChain {
  private readonly seen: number[];
  constructor(readonly endpoints: readonly LabPod[]) {
    this.seen = endpoints.map(() => 0);
  }
  /** The endpoint the next new connection gets, or null when the chain is empty. */
  next(): LabPod | null {
    const n = this.endpoints.length;
    if (n === 0) return null;
    for (let i = 0; i < n - 1; i++) {
      if (this.seen[i]++ % (n - i) === 0) return this.endpoints[i];
    }
    return this.endpoints[n - 1];
  }
}
