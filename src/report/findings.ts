// Findings of an audit in plain words, from the numbers and the stored Services and topology: which Service
// SNATs and why (type, externalTrafficPolicy), what Local would do to the load per pod (src/live/whatif.ts),
// and what the coverage does not show.
import { whatIf } from '../live/whatif.js';
import type { ServiceInfo } from '../classify/kube-objects.js';
import { selects, type StoredCluster } from './services.js';
import type { Audit } from './audit-types.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** "pods nginx-a (alone on node1) would take 50% and nginx-b, nginx-c (sharing node2) 25% each" */
function localSplit(svc: ServiceInfo, pods: Audit['pods']): string | null {
  const res = whatIf(svc.externalTrafficPolicy, pods.map((p) => ({ namespace: p.namespace, pod: p.pod, node: p.node, requests: p.requests })));
  if (res.to !== 'Local' || res.nodes.length === 0) return null;
  const parts = res.nodes.map((n) => {
    const rows = res.rows.filter((r) => r.node === n.node);
    const share = rows[0]?.predicted ?? 0;
    const names = rows.map((r) => r.pod).join(', ');
    return rows.length === 1 ? `${names} (alone on ${n.node}) would take ${pct(share)}` : `${names} (sharing ${n.node}) ${pct(share)} each`;
  });
  const unplaced = res.rows.filter((r) => Number.isNaN(r.predicted)).map((r) => r.pod);
  return `pods ${list(parts)}${unplaced.length ? ` (${unplaced.join(', ')}: node unknown)` : ''}`;
}

export function auditFindings(a: Audit, cluster: StoredCluster): string[] {
  const out: string[] = [];
  const t = a.totals;
  if (t.requests === 0) {
    out.push('No requests are stored for this window and filter.');
  } else {
    const labels = new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p.labels]));
    const explained = new Set<string>();
    for (const svc of cluster.services) {
      const mine = a.pods.filter((p) => selects(svc, p.namespace, labels.get(`${p.namespace}/${p.pod}`)));
      if (mine.length === 0) continue;
      const n = mine.reduce((s, p) => s + p.requests, 0);
      const node = mine.reduce((s, p) => s + p.classes.node, 0);
      const name = `Service ${svc.namespace}/${svc.name}`;
      const external = svc.type === 'NodePort' || svc.type === 'LoadBalancer';
      const policy = svc.externalTrafficPolicy ?? 'Cluster';
      if (node === 0) {
        out.push(`${name} (${svc.type}${external ? `, externalTrafficPolicy ${policy}` : ''}): no request carried a node address; client addresses are preserved.`);
        continue;
      }
      for (const p of mine) explained.add(`${p.namespace}/${p.pod}`);
      const share = pct(node / n);
      if (external && policy !== 'Local') {
        const split = localSplit(svc, mine);
        out.push(
          `${name} is ${svc.type} with externalTrafficPolicy ${policy}: ${share} of requests carry node addresses (kube-proxy SNAT)` +
            `; with Local, ${split ?? 'each node would serve only its own pods'}` +
            '; or put an L7 proxy with X-Forwarded-For / PROXY protocol in front and `--trust` it.',
        );
      } else if (external) {
        out.push(
          `${name} is ${svc.type} with externalTrafficPolicy Local, yet ${share} of requests carry node addresses: they reach the pods another way` +
            ' (a NodePort hit on a node without a local pod is dropped, so look for a hostNetwork proxy, an Ingress or in-cluster callers through the ClusterIP).',
        );
      } else {
        out.push(
          `${name} is ${svc.type}: ${share} of requests carry node addresses, so traffic arrives from outside through something that SNATs` +
            ' (another NodePort/LoadBalancer Service, a hostNetwork proxy, or an Ingress without X-Forwarded-For).',
        );
      }
    }
    const unexplained = a.pods.filter((p) => p.classes.node > 0 && !explained.has(`${p.namespace}/${p.pod}`));
    if (unexplained.length > 0) {
      const node = unexplained.reduce((s, p) => s + p.classes.node, 0);
      const n = unexplained.reduce((s, p) => s + p.requests, 0);
      out.push(
        `${pct(node / n)} of the requests to ${list(unexplained.map((p) => p.pod))} carry node addresses (kube-proxy SNAT), and no stored Service selects ` +
          `${unexplained.length === 1 ? 'it' : 'them'}: run \`snatscope watch\` to record Services, or check the Service's externalTrafficPolicy.`,
      );
    }
    if (t.recovered > 0) {
      out.push(`${t.recovered} requests (${pct(t.recovered / t.requests)}) had their client recovered from X-Forwarded-For through trusted proxies.`);
    }
    if (t.classes.node === 0 && t.classes.external > 0) out.push('Every external request carries the genuine client address.');
  }
  const gaps = a.coverage.flatMap((c) => c.gaps.map((g) => ({ ...g, pod: c.pod })));
  if (gaps.length > 0) {
    const minutes = Math.round(gaps.reduce((s, g) => s + (g.until - g.from), 0) / 60000);
    const podsWithGaps = [...new Set(gaps.map((g) => g.pod))];
    out.push(
      `Coverage is incomplete: ${gaps.length} gap${gaps.length > 1 ? 's' : ''} (${minutes} pod-minutes) in ${list(podsWithGaps)}; requests in them are not in this audit.`,
    );
  } else if (a.coverage.length > 0) {
    out.push('Every pod in the audit was covered for the whole window.');
  }
  return out;
}
