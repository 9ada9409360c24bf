// Findings of an audit in plain words, from the numbers and the stored Services and topology: which Service
// SNATs and why (type and externalTrafficPolicy, per policy period when it changed inside the window), what Local
// would do to the load per pod (src/live/whatif.ts, over the Service's endpoints in the stored topology of that
// period, never the pods a filter happens to leave), what the filter covers, trust hints, and coverage gaps.
// A finding never generalises from a filtered subset: with a filter it says what it covers.
import { whatIf } from '../live/whatif.js';
import { percent as pct } from '../text.js';
import type { Audit } from './audit-types.js';
import { hintFindings } from './hints.js';
import { isExternal, periodName, periodsText, periodWhen, type PeriodStats } from './periods.js';
import { clientTraffic } from '../classes.js';


/** What the findings read: an audit, or the same facts a report gathers without a pass over every row. */
export type FindingsInput = Pick<Audit, 'from' | 'until' | 'filter' | 'totals' | 'pods' | 'policyPeriods' | 'unfiltered' | 'trustHints' | 'loopback' | 'coverage'>;

export function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** What a filter leaves in, in words ("requests from 203.0.113.0/24, to pods on ydzs-node1"); '' without one. */
export function scopeText(f: Audit['filter']): string {
  const parts = [
    f.client && `requests from ${f.client} (--client: remote address or recovered client)`,
    f.namespace && `namespace ${f.namespace}`,
    f.pod && `pod ${f.pod}`,
    f.node && `pods on ${f.node}`,
  ].filter((x): x is string => Boolean(x));
  return parts.join(', ');
}

/** "pods nginx-a (alone on node1) would take 50% and nginx-b, nginx-c (sharing node2) 25% each" */
function localSplit(p: PeriodStats): string | null {
  const fromTopology = p.endpoints.length > 0;
  const pods = fromTopology ? p.endpoints.map((e) => ({ ...e, requests: 0 })) : p.pods;
  const res = whatIf(p.policy, pods.map((x) => ({ namespace: x.namespace, pod: x.pod, node: x.node, requests: x.requests })));
  if (res.to !== 'Local' || res.nodes.length === 0) return null;
  const parts = res.nodes.map((n) => {
    const rows = res.rows.filter((r) => r.node === n.node);
    const share = rows[0]?.predicted ?? 0;
    const names = rows.map((r) => r.pod).join(', ');
    return rows.length === 1 ? `${names} (alone on ${n.node}) would take ${pct(share)}` : `${names} (sharing ${n.node}) ${pct(share)} each`;
  });
  const unplaced = res.rows.filter((r) => Number.isNaN(r.predicted)).map((r) => r.pod);
  const basis = fromTopology ? '' : ' (from the pods in the data: no stored topology lists the Service\'s endpoints)';
  return `pods ${list(parts)}${unplaced.length ? ` (${unplaced.join(', ')}: node unknown)` : ''}${basis}`;
}

function serviceFindings(periods: PeriodStats[], a: FindingsInput, out: string[], explained: Set<string>): void {
  const first = periods[0];
  const name = `Service ${first.service}`;
  if (periods.length > 1) {
    out.push(`${name} (${first.type}) changed in this window: ${periodsText(periods, a.from, a.until)}.`);
  }
  // Endpoints the data does not cover: the shares are of the pods that are in it.
  const seen = new Set(periods.flatMap((p) => p.pods.filter((x) => x.requests > 0).map((x) => `${x.namespace}/${x.pod}`)));
  const endpoints = [...new Map(periods.flatMap((p) => p.endpoints).map((e) => [`${e.namespace}/${e.pod}`, e])).values()];
  const missing = endpoints.filter((e) => !seen.has(`${e.namespace}/${e.pod}`));
  if (seen.size > 0 && missing.length > 0) {
    const why = scopeText(a.filter) ? `the filter (${scopeText(a.filter)}) leaves out` : 'no requests are stored in this window for';
    out.push(
      `${name} has ${endpoints.length} endpoints in the stored topology; ${why} ${list(missing.map((e) => e.pod))}, ` +
        `so its numbers here are of ${list([...seen].map((k) => k.slice(k.indexOf('/') + 1)))} only.`,
    );
  }
  periods.forEach((p, i) => {
    if (p.requests === 0) return;
    const when = periodWhen(periods, i, a.from, a.until);
    const lead = `${name}${when ? ` (${periodName(p)}${when})` : ''}`;
    const external = isExternal(p.type);
    const node = p.classes.node;
    if (node === 0) {
      if (!a.filter.client) {
        out.push(`${lead} (${p.type}${external ? `, externalTrafficPolicy ${p.policy}` : ''}): no request carried a node address; client addresses are preserved.`);
      }
      return;
    }
    for (const x of p.pods) if (x.classes.node > 0) explained.add(`${x.namespace}/${x.pod}`);
    // Over client traffic: the kubelet's probes come from node addresses but are not SNAT'd clients.
    const client = clientTraffic(p.requests, p.classes);
    const share = `${pct(node / client)} of ${client} requests`;
    if (external && p.policy !== 'Local') {
      const split = localSplit(p);
      out.push(
        `${lead} is ${p.type} with externalTrafficPolicy ${p.policy}: ${share} carry node addresses (kube-proxy SNAT)` +
          `; with Local, ${split ?? 'each node would serve only its own pods'}` +
          '; or put an L7 proxy with X-Forwarded-For / PROXY protocol in front and `--trust` it.',
      );
    } else if (external) {
      out.push(
        `${lead} is ${p.type} with externalTrafficPolicy Local, yet ${share} carry node addresses: they reach the pods another way` +
          ' (a NodePort hit on a node without a local pod is dropped, so look for a hostNetwork proxy, an Ingress or in-cluster callers through the ClusterIP).',
      );
    } else {
      out.push(
        `${lead} is ${p.type}: ${share} carry node addresses, so traffic arrives from outside through something that SNATs` +
          ' (another NodePort/LoadBalancer Service, a hostNetwork proxy, or an Ingress without X-Forwarded-For).',
      );
    }
  });
}

/** What a filter covers, and the Service's numbers without it, so a subset is never taken for the whole. */
function scopeFindings(a: FindingsInput, out: string[]): void {
  const scope = scopeText(a.filter);
  if (!scope) return;
  const whole = a.unfiltered
    .map((periods) => `Service ${periods[0].service}: ${periodsText(periods, a.from, a.until)}`)
    .join('; ');
  const context = whole ? ` Without the filter, ${whole}.` : '';
  if (a.filter.client) {
    const t = a.totals;
    out.push(
      `These findings cover only ${scope}: ${t.classes.external} arrived with the client's own address and ${t.recovered} through trusted proxies. ` +
        'A request SNAT\'d by kube-proxy carries a node address instead of its client\'s, so these clients\' SNAT\'d requests cannot be selected by address' +
        ` and are not in them.${context}`,
    );
  } else {
    out.push(`These findings cover only ${scope}.${context}`);
  }
}

export function auditFindings(a: FindingsInput): string[] {
  const out: string[] = [];
  const t = a.totals;
  scopeFindings(a, out);
  if (t.requests === 0) {
    out.push(`No requests are stored for this window${scopeText(a.filter) ? ' and filter' : ''}.`);
  } else {
    const explained = new Set<string>();
    for (const periods of a.policyPeriods) serviceFindings(periods, a, out, explained);
    const unexplained = a.pods.filter((p) => p.classes.node > 0 && !explained.has(`${p.namespace}/${p.pod}`));
    if (unexplained.length > 0) {
      const node = unexplained.reduce((s, p) => s + p.classes.node, 0);
      const n = unexplained.reduce((s, p) => s + clientTraffic(p.requests, p.classes), 0);
      out.push(
        `${pct(node / n)} of the requests to ${list(unexplained.map((p) => p.pod))} carry node addresses (kube-proxy SNAT), and no stored Service selects ` +
          `${unexplained.length === 1 ? 'it' : 'them'}: run \`snatscope watch\` to record Services, or check the Service's externalTrafficPolicy.`,
      );
    }
    if (t.recovered > 0) {
      out.push(`${t.recovered} requests (${pct(t.recovered / t.requests)}) had their client recovered from X-Forwarded-For through trusted proxies.`);
    }
    if (t.classes.node === 0 && t.classes.external > 0 && !a.filter.client) out.push('Every external request carries the genuine client address.');
  }
  out.push(...hintFindings(a.trustHints, a.loopback));
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
