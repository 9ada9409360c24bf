// Policy periods: each stored Service's type and externalTrafficPolicy over a window, from the topology and
// Service snapshots (db/history.ts), split at every change; and the numbers of each period (requests by class,
// SNAT share, load per pod) so report, audit and the HTML report say "Cluster until 19:38:06: SNAT 100%; Local
// since 19:38:06: SNAT 0%, load 50/25/25" instead of one average over both.
import { clientTraffic, snatRatioOf } from '../classes.js';
import type { Readable } from '../../db/sql.js';
import { report, snapshotsFor, type ClassCounts } from '../../db/index.js';
import type { PodInfo, ServiceInfo } from '../classify/kube-objects.js';
import { formatLocal } from '../time.js';
import { percent as pct } from '../text.js';
import { selects, toService } from './services.js';
import { addClasses, zeroClasses } from './counts.js';

export interface PolicyPeriod {
  /** ms, inclusive; the window start for the first period. */
  from: number;
  /** ms, exclusive; the window end for the last period. */
  until: number;
  type: string;
  /** externalTrafficPolicy for NodePort/LoadBalancer (Cluster when unset), null for other types. */
  policy: string | null;
  /** The Service's endpoints in the stored topology of the period ("namespace/pod" and node), for the what-if. */
  endpoints: { namespace: string; pod: string; node: string | null }[];
}

export interface ServiceHistory {
  /** "namespace/name" */
  key: string;
  /** The newest snapshot of the Service in the window. */
  info: ServiceInfo;
  periods: PolicyPeriod[];
}

export interface PeriodPod {
  namespace: string;
  pod: string;
  node: string | null;
  requests: number;
  classes: ClassCounts;
}

/** One period of one Service with its numbers (the pods it selects, inside the filter). */
export interface PeriodStats extends PolicyPeriod {
  service: string;
  requests: number;
  classes: ClassCounts;
  /** classes.node / (requests - classes.probe), null when there is no client traffic. */
  snatRatio: number | null;
  /** Share of the period's requests per pod, largest first. */
  pods: (PeriodPod & { share: number })[];
}

export function isExternal(type: string): boolean {
  return type === 'NodePort' || type === 'LoadBalancer';
}

/** "Cluster", "Local" (externally reachable Services) or the type (ClusterIP, ...). */
export function periodName(p: { type: string; policy: string | null }): string {
  return p.policy ?? p.type;
}

function stateOf(s: ServiceInfo): { type: string; policy: string | null } {
  return { type: s.type, policy: isExternal(s.type) ? (s.externalTrafficPolicy ?? 'Cluster') : null };
}

function servicesIn(json: unknown): ServiceInfo[] {
  const list = (json as { services?: unknown } | null)?.services;
  return Array.isArray(list) ? list.map(toService).filter((s): s is ServiceInfo => s !== null) : [];
}

function podsIn(json: unknown): PodInfo[] {
  const list = (json as { pods?: unknown } | null)?.pods;
  return Array.isArray(list) ? (list as PodInfo[]).filter((p) => p && typeof p.name === 'string') : [];
}

function endpointsOf(svc: ServiceInfo, pods: PodInfo[]): PolicyPeriod['endpoints'] {
  return pods
    .filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed' && !p.hostNetwork && selects(svc, p.namespace, p.labels))
    .map((p) => ({ namespace: p.namespace, pod: p.name, node: p.nodeName }))
    .sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

/** Every stored Service of [from, until) with its periods (a new one at each change of type or policy). */
export function serviceHistories(db: Readable, from: number, until: number): ServiceHistory[] {
  const hist = new Map<string, ServiceHistory>();
  let pods: PodInfo[] = [];
  for (const snap of snapshotsFor(db, from, until)) {
    const t = Math.min(Math.max(from, snap.time), until);
    let list: ServiceInfo[];
    if (snap.kind === 'topology') {
      pods = podsIn(snap.json);
      list = servicesIn(snap.json);
    } else {
      const one = toService(snap.json);
      list = one ? [one] : [];
    }
    for (const svc of list) {
      const key = `${svc.namespace}/${svc.name}`;
      const st = stateOf(svc);
      const endpoints = endpointsOf(svc, pods);
      const h = hist.get(key);
      if (!h) {
        hist.set(key, { key, info: svc, periods: [{ from, until, ...st, endpoints }] });
        continue;
      }
      h.info = svc;
      const last = h.periods.at(-1)!;
      if (last.type === st.type && last.policy === st.policy) {
        if (endpoints.length > 0) last.endpoints = endpoints;
      } else if (last.from >= t) {
        Object.assign(last, st, { endpoints }); // a change at (or before) the period's start replaces it
      } else {
        last.until = t;
        h.periods.push({ from: t, until, ...st, endpoints });
      }
    }
    // Endpoints follow pod changes of Services that did not change themselves.
    if (snap.kind === 'topology') {
      for (const h of hist.values()) {
        if (list.some((s) => `${s.namespace}/${s.name}` === h.key)) continue;
        const e = endpointsOf(h.info, pods);
        if (e.length > 0) h.periods.at(-1)!.endpoints = e;
      }
    }
  }
  return [...hist.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The times inside (from, until) where some Service's period changes, sorted. */
export function changeTimes(histories: ServiceHistory[]): number[] {
  const set = new Set<number>();
  for (const h of histories) for (const p of h.periods.slice(1)) set.add(p.from);
  return [...set].sort((a, b) => a - b);
}

/** Index of the segment (between change times) that holds `t`. */
export function segmentOf(cuts: readonly number[], t: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Numbers per period of each Service: `segments[i]` holds the per-pod counts between cuts[i-1] and cuts[i]
 * (segment 0 from the window start). Only Services that select a pod with requests appear.
 */
export function periodStats(
  histories: ServiceHistory[],
  cuts: readonly number[],
  segments: Map<string, PeriodPod>[],
  labelsOf: (namespace: string, pod: string) => Record<string, string> | undefined,
): PeriodStats[][] {
  const out: PeriodStats[][] = [];
  for (const h of histories) {
    const periods: PeriodStats[] = [];
    for (const p of h.periods) {
      const first = segmentOf(cuts, p.from);
      const last = segmentOf(cuts, p.until - 1);
      const pods = new Map<string, PeriodPod>();
      for (let i = first; i <= last && i < segments.length; i++) {
        for (const [k, sp] of segments[i]) {
          if (!selects(h.info, sp.namespace, labelsOf(sp.namespace, sp.pod)) && !p.endpoints.some((e) => `${e.namespace}/${e.pod}` === k)) continue;
          let m = pods.get(k);
          if (!m) pods.set(k, (m = { namespace: sp.namespace, pod: sp.pod, node: sp.node, requests: 0, classes: zeroClasses() }));
          m.requests += sp.requests;
          if (sp.node !== null) m.node = sp.node;
          addClasses(m.classes, sp.classes);
        }
      }
      const classes = zeroClasses();
      let requests = 0;
      for (const m of pods.values()) {
        requests += m.requests;
        addClasses(classes, m.classes);
      }
      const list = [...pods.values()]
        .map((m) => ({ ...m, share: requests > 0 ? m.requests / requests : 0 }))
        .sort((a, b) => b.requests - a.requests || (a.pod < b.pod ? -1 : 1));
      periods.push({ ...p, service: h.key, requests, classes, snatRatio: snatRatioOf(requests, classes), pods: list });
    }
    if (periods.some((p) => p.requests > 0)) out.push(periods);
  }
  return out;
}

/**
 * Period numbers from the report query (rollups or rows, per segment between change times) instead of a pass over
 * the rows: what `report` shows, and what a filtered audit is compared with (every pod and client).
 */
export function periodsFromReport(
  db: Readable,
  from: number,
  until: number,
  histories: ServiceHistory[],
  cuts: number[],
  labelsOf: (namespace: string, pod: string) => Record<string, string> | undefined,
  filter: { namespace?: string; pod?: string } = {},
): PeriodStats[][] {
  const bounds = [from, ...cuts, until];
  const segments = bounds.slice(1).map((end, i) => {
    const m = new Map<string, PeriodPod>();
    for (const p of report(db, { from: bounds[i], until: end, ...filter }).pods) {
      m.set(`${p.namespace}/${p.pod}`, { namespace: p.namespace, pod: p.pod, node: p.nodeName, requests: p.requests, classes: p.classes });
    }
    return m;
  });
  return periodStats(histories, cuts, segments, labelsOf);
}

/** A time in a sentence: the clock alone when the window is one local day, else date and clock. */
export function clock(ms: number, windowFrom: number, windowUntil: number): string {
  const sameDay = formatLocal(windowFrom).slice(0, 10) === formatLocal(Math.max(windowFrom, windowUntil - 1)).slice(0, 10);
  const s = formatLocal(ms);
  return sameDay ? s.slice(11, 19) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}


/** "load 50/25/25" over the pods (largest first), when more than one pod served the period. */
export function loadText(p: PeriodStats): string {
  return p.pods.length > 1 ? `, load ${p.pods.map((x) => Math.round(x.share * 100)).join('/')}` : '';
}

/** " until 19:38:06", " since 19:38:06", " 19:38:06..19:52:10" for period i of several; '' for the only one. */
export function periodWhen(periods: readonly PolicyPeriod[], i: number, from: number, until: number): string {
  const p = periods[i];
  if (periods.length === 1) return '';
  if (i === 0) return ` until ${clock(p.until, from, until)}`;
  if (i === periods.length - 1) return ` since ${clock(p.from, from, until)}`;
  return ` ${clock(p.from, from, until)}..${clock(p.until, from, until)}`;
}

/** "SNAT 64% of 221 requests", the denominator being client traffic (probes left out, and said). */
function snatOf(requests: number, classes: ClassCounts, ratio: number | null): string {
  const client = clientTraffic(requests, classes);
  if (ratio === null) return `no client requests (${requests} kubelet probes)`;
  const probes = requests - client;
  return `SNAT ${pct(ratio)} of ${client} requests${probes > 0 ? ` (and ${probes} kubelet probes)` : ''}`;
}

/** "Cluster until 19:38:06: SNAT 100% of 120 requests; Local since 19:38:06: SNAT 0% of 80 requests, load 50/25/25" */
export function periodsText(periods: PeriodStats[], from: number, until: number): string {
  return periods
    .map((p, i) => {
      const when = periodWhen(periods, i, from, until);
      const nums = p.requests === 0 ? 'no requests' : `${snatOf(p.requests, p.classes, p.snatRatio)}${loadText(p)}`;
      return `${periodName(p)}${when}: ${nums}`;
    })
    .join('; ');
}
