// What every report format renders: the base report (db/queries.ts, the JSON contract) plus the rows grouped
// --by pod|node|service|class, requests per time bucket by class (from the rollups) and the SNAT sources
// (node addresses seen, per owning node). Built once per report from the store; pure past the queries.
import type { Readable } from '../../db/sql.js';
import { report, setRatios, unparsedSummary, zeroCounts, type ClassCounts, type Report, type ReportPod, type RequestCounts } from '../../db/index.js';
import { CLASSES, classOfId } from '../classes.js';
import { minuteClasses, snatSources } from '../../db/audit.js';
import { servicesOfPods, storedCluster } from './services.js';
import { changeTimes, periodsFromReport, periodsText, serviceHistories, type PeriodStats } from './periods.js';
import { addClasses, zeroClasses } from './counts.js';

export type GroupBy = 'pod' | 'node' | 'service' | 'class';
export const GROUP_BY: readonly GroupBy[] = ['pod', 'node', 'service', 'class'];

export interface ReportGroup extends RequestCounts {
  /** The node, service ("namespace/name", or "(none)"), class name, or "namespace/pod". */
  key: string;
  /** "namespace/pod" of the pods in the group. */
  pods: string[];
}

export interface TimeBucket {
  /** Bucket start, ms since epoch. */
  start: number;
  classes: ClassCounts;
}

export interface SnatSource {
  /** The node owning the address ("(unknown)" when the classifier did not name one). */
  node: string;
  addr: string;
  requests: number;
}

export interface ReportView {
  report: Report;
  by: GroupBy;
  groups: ReportGroup[];
  /** Minutes per bucket of `buckets` (1, 5, 15, 60, ... so a chart stays readable). */
  bucketMinutes: number;
  buckets: TimeBucket[];
  snatSources: SnatSource[];
  /** Per stored Service selecting pods in the report: its policy periods in the window with their numbers. */
  policyPeriods: PeriodStats[][];
  /** Unparsed lines of the matching sources by reason (`format`, `too-long`, ...), largest first; sums to report.unparsed. */
  unparsedByReason: { reason: string; lines: number }[];
}

export interface ReportQuery {
  from?: number;
  until?: number;
  namespace?: string;
  pod?: string;
  by?: GroupBy;
}

const BUCKET_SIZES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 10080];
const MAX_BUCKETS = 180;

export { zeroClasses } from './counts.js';

export function podKey(p: { namespace: string; pod: string }): string {
  return `${p.namespace}/${p.pod}`;
}

function groupOf(key: string, pods: ReportPod[]): ReportGroup {
  const g: ReportGroup = { key, pods: [], ...zeroCounts() };
  for (const p of pods) {
    g.pods.push(podKey(p));
    g.requests += p.requests;
    g.recovered += p.recovered;
    g.clientKnown += p.clientKnown;
    addClasses(g.classes, p.classes);
  }
  setRatios(g);
  return g;
}

const byKey = (a: ReportGroup, b: ReportGroup) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Groups the per-pod rows. Service groups may overlap (a pod selected by two services is in both). */
export function groupRows(db: Readable, r: Report, by: GroupBy, at?: number): ReportGroup[] {
  if (by === 'pod') return r.pods.map((p) => groupOf(podKey(p), [p]));
  if (by === 'class') {
    return CLASSES.map((cls) => {
      const withCls = r.pods.filter((p) => p.classes[cls] > 0);
      const g: ReportGroup = { key: cls, pods: withCls.map(podKey), ...zeroCounts() };
      for (const p of withCls) g.classes[cls] += p.classes[cls];
      g.requests = g.classes[cls];
      g.recovered = r.totals.recoveredByClass[cls];
      if (cls === 'external') g.clientKnown = g.requests;
      setRatios(g);
      return g;
    });
  }
  const members = new Map<string, ReportPod[]>();
  const put = (k: string, p: ReportPod) => {
    const list = members.get(k);
    if (list) list.push(p);
    else members.set(k, [p]);
  };
  if (by === 'node') {
    for (const p of r.pods) put(p.nodeName ?? '(unknown)', p);
  } else {
    const svc = servicesOfPods(db, r.pods, at);
    for (const p of r.pods) {
      const names = svc.get(podKey(p)) ?? [];
      if (names.length === 0) put('(none)', p);
      for (const n of names) put(n, p);
    }
  }
  return [...members].map(([k, pods]) => groupOf(k, pods)).sort(byKey);
}

/** Requests per bucket by class, every bucket of the data's span present (zeros included). */
export function timeBuckets(db: Readable, q: ReportQuery, r: Report): { bucketMinutes: number; buckets: TimeBucket[] } {
  const rows = minuteClasses(db, q);
  const lo = r.from !== null ? Math.floor(Date.parse(r.from) / 60000) : rows[0]?.minute;
  const hi = r.to !== null ? Math.ceil(Date.parse(r.to) / 60000) : (rows.at(-1)?.minute ?? -1) + 1;
  if (lo === undefined || rows.length === 0 || hi <= lo) return { bucketMinutes: 1, buckets: [] };
  const span = hi - lo;
  const size = BUCKET_SIZES.find((s) => span / s <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS);
  const first = Math.floor(lo / size) * size;
  const count = Math.ceil((hi - first) / size);
  const buckets: TimeBucket[] = [];
  for (let i = 0; i < count; i++) buckets.push({ start: (first + i * size) * 60000, classes: zeroClasses() });
  for (const row of rows) {
    const b = buckets[Math.floor((row.minute - first) / size)];
    if (b) b.classes[classOfId(row.cls)] += row.requests;
  }
  return { bucketMinutes: size, buckets };
}

/** Unparsed counts by reason over the sources the report's namespace/pod filter matches (like report.unparsed). */
export function unparsedReasons(db: Readable, q: { namespace?: string; pod?: string }): { reason: string; lines: number }[] {
  const by = new Map<string, number>();
  for (const e of unparsedSummary(db)) {
    if (q.namespace !== undefined && e.namespace !== q.namespace) continue;
    if (q.pod !== undefined && e.pod !== q.pod) continue;
    by.set(e.reason, (by.get(e.reason) ?? 0) + e.count);
  }
  return [...by].map(([reason, lines]) => ({ reason, lines })).sort((a, b) => b.lines - a.lines || (a.reason < b.reason ? -1 : 1));
}

/** "20 unparsed lines (format 18, too-long 2)" */
export function unparsedLine(v: ReportView): string {
  const parts = v.unparsedByReason.map((u) => `${u.reason} ${u.lines}`).join(', ');
  return `${v.report.unparsed} unparsed line${v.report.unparsed === 1 ? '' : 's'}${parts ? ` (${parts})` : ''}`;
}

/** The Services' policy periods over the report's window (none when the window is empty). */
function reportPeriods(db: Readable, q: ReportQuery, r: Report): PeriodStats[][] {
  if (r.from === null || r.to === null) return [];
  const from = Date.parse(r.from);
  const until = Date.parse(r.to);
  const histories = serviceHistories(db, from, until);
  if (histories.length === 0) return [];
  const labels = new Map(storedCluster(db, until).pods.map((p) => [`${p.namespace}/${p.name}`, p.labels]));
  return periodsFromReport(db, from, until, histories, changeTimes(histories), (ns, pod) => labels.get(`${ns}/${pod}`), {
    namespace: q.namespace,
    pod: q.pod,
  });
}

/** "default/nginx NodePort: Cluster until 19:38:06: SNAT 100% of 120 requests; Local since 19:38:06: ..." per Service. */
export function serviceLines(periods: PeriodStats[][], from: number, until: number): string[] {
  return periods.map((p) => `${p[0].service} ${p.at(-1)!.type}: ${periodsText(p, from, until)}`);
}

/** Builds everything the formats render. */
export function buildReport(db: Readable, q: ReportQuery): ReportView {
  const base = report(db, { from: q.from, until: q.until, namespace: q.namespace, pod: q.pod });
  const by = q.by ?? 'pod';
  const { bucketMinutes, buckets } = timeBuckets(db, q, base);
  const snat = snatSources(db, q);
  const merged = new Map<string, SnatSource>();
  for (const s of snat) {
    const node = s.owner ?? '(unknown)';
    const k = `${node}\u0000${s.addr}`;
    const m = merged.get(k);
    if (m) m.requests += s.requests;
    else merged.set(k, { node, addr: s.addr, requests: s.requests });
  }
  return {
    report: base,
    by,
    policyPeriods: reportPeriods(db, q, base),
    groups: groupRows(db, base, by, q.until),
    bucketMinutes,
    buckets,
    unparsedByReason: base.unparsed > 0 ? unparsedReasons(db, q) : [],
    snatSources: [...merged.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : b.requests - a.requests || (a.addr < b.addr ? -1 : 1))),
  };
}

/** The JSON form: the contract's fields unchanged, extended with `by`, `groups` and `snatSources`. */
export function reportJson(v: ReportView): Record<string, unknown> {
  const out: Record<string, unknown> = { ...v.report, by: v.by };
  if (v.by !== 'pod') out.groups = v.groups;
  out.snatSources = v.snatSources;
  out.unparsedByReason = v.unparsedByReason;
  out.policyPeriods = v.policyPeriods.map((periods) => periods.map((p) => ({ ...p, from: new Date(p.from).toISOString(), until: new Date(p.until).toISOString() })));
  return out;
}

/** Pods whose SNAT ratio is above the threshold. */
export function podsAbove(r: Report, ratio: number): ReportPod[] {
  return r.pods.filter((p) => p.snatRatio !== null && p.snatRatio > ratio);
}
