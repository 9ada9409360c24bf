// `snatscope audit` data: for a window (and optionally a pod, node or client address/CIDR), a per-minute
// timeline by class, top remote addresses per class with their owner, SNAT sources per owner node, recovered
// clients, status codes by class, first/last seen per client, coverage gaps, and findings in plain words.
// One pass over the window's request rows (streamed); rows pruned away are named, never silently missing.
import type { Readable } from '../../db/sql.js';
import { Cidr } from '../classify/cidr.js';
import { UserError } from '../errors.js';
import type { ClassCounts } from '../../db/index.js';
import { addressClassOf, CLASSES, classOfId, snatRatioOf } from '../classes.js';
import { auditRows, hintCounts, minuteClasses, prunedCounts } from '../../db/audit.js';
import { prunedBefore } from '../../db/stored.js';
import type { ReportView } from './model.js';
import { formatLocal as local } from '../time.js';
import type { AddrCount, Audit, AuditPod, AuditQuery, ClientSeen } from './audit-types.js';
import { auditCoverage, type PodCoverage } from './coverage.js';
import { auditFindings } from './findings.js';
import { HintCollector, type LoopbackSource, type TrustHint } from './hints.js';
import { changeTimes, periodsFromReport, periodStats, segmentOf, serviceHistories, type PeriodPod, type PeriodStats } from './periods.js';
import { storedCluster } from './services.js';
import { zeroClasses } from './counts.js';

export type { AddrCount, Audit, AuditPod, AuditQuery, ClientSeen } from './audit-types.js';

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

export function parseClientFilter(spec: string): Cidr {
  const c = Cidr.parse(spec);
  if (c === null) throw new UserError(`--client "${spec}" is not an IP address or CIDR`, '--client 203.0.113.7 or --client 203.0.113.0/24');
  return c;
}

export function buildAudit(db: Readable, q: AuditQuery): Audit {
  const cidr = q.client ? parseClientFilter(q.client) : null;
  const f = { from: q.from, until: q.until, namespace: q.namespace, pod: q.pod, node: q.node };
  const totals: Audit['totals'] = { requests: 0, classes: zeroClasses(), snatRatio: null, recovered: 0 };
  const pods = new Map<string, AuditPod>();
  const minutes = new Map<number, ClassCounts>();
  const remotes = CLASSES.map(() => new Map<string, AddrCount>());
  const snat = new Map<string, { addrs: Map<string, number>; receiving: Set<string> }>();
  const recovered = new Map<string, { cls: string; via: Set<string>; requests: number }>();
  const status = CLASSES.map(() => new Map<number, number>());
  const clients = new Map<string, ClientSeen>();
  const hints = new HintCollector();
  const histories = serviceHistories(db, q.from, q.until);
  const cuts = changeTimes(histories);
  const segments = Array.from({ length: cuts.length + 1 }, () => new Map<string, PeriodPod>());

  for (const r of auditRows(db, f)) {
    if (cidr && !cidr.contains(r.remoteAddr) && !(r.client !== null && cidr.contains(r.client))) continue;
    const cls = classOfId(r.cls);
    const ci = CLASSES.indexOf(cls);
    totals.requests++;
    totals.classes[cls]++;
    const pk = `${r.namespace}/${r.pod}`;
    let p = pods.get(pk);
    if (!p) pods.set(pk, (p = { namespace: r.namespace, pod: r.pod, node: null, requests: 0, classes: zeroClasses(), snatRatio: null, recovered: 0 }));
    if (r.node !== '') p.node = r.node;
    p.requests++;
    p.classes[cls]++;
    const seg = segments[cuts.length === 0 ? 0 : segmentOf(cuts, r.time)];
    let sp = seg.get(pk);
    if (!sp) seg.set(pk, (sp = { namespace: r.namespace, pod: r.pod, node: null, requests: 0, classes: zeroClasses() }));
    if (r.node !== '') sp.node = r.node;
    sp.requests++;
    sp.classes[cls]++;
    hints.add(cls, r.remoteAddr, r.xff, r.client);
    const minute = Math.floor(r.time / 60000);
    let m = minutes.get(minute);
    if (!m) minutes.set(minute, (m = zeroClasses()));
    m[cls]++;
    const ra = remotes[ci].get(r.remoteAddr);
    if (ra) ra.requests++;
    else remotes[ci].set(r.remoteAddr, { addr: r.remoteAddr, owner: r.owner, requests: 1 });
    bump(status[ci], r.status);
    if (cls === 'node') {
      const owner = r.owner ?? '(unknown)';
      let s = snat.get(owner);
      if (!s) snat.set(owner, (s = { addrs: new Map(), receiving: new Set() }));
      bump(s.addrs, r.remoteAddr);
      if (r.node !== '') s.receiving.add(r.node);
    }
    if (r.client !== null) {
      totals.recovered++;
      p.recovered++;
      let rc = recovered.get(r.client);
      if (!rc) recovered.set(r.client, (rc = { cls: classOfId(r.clientCls), via: new Set(), requests: 0 }));
      rc.via.add(r.remoteAddr);
      rc.requests++;
    }
    const who = r.client ?? r.remoteAddr;
    let c = clients.get(who);
    if (!c) {
      const ccls = r.client !== null ? classOfId(r.clientCls) : addressClassOf(cls);
      clients.set(who, (c = { addr: who, cls: ccls, recovered: r.client !== null, requests: 0, first: r.time, last: r.time, pods: [] }));
    }
    c.requests++;
    c.last = r.time;
    if (!c.pods.includes(pk)) c.pods.push(pk);
  }

  const notes: string[] = [];
  const pruned = prunedBefore(db);
  if (pruned !== null && pruned > q.from) {
    const upto = Math.min(pruned, q.until);
    const span = `${local(q.from)} .. ${local(upto)}`;
    if (cidr) {
      notes.push(`request rows before ${local(pruned)} were pruned and their addresses not kept, so --client cannot select them: ${span} is not in this audit`);
    } else {
      // What prune kept per second counts like the rows (totals, pods, timeline, SNAT sources); the rest is gone.
      let kept = 0;
      for (const c of prunedCounts(db, f)) {
        const cls = classOfId(c.cls);
        const ci = CLASSES.indexOf(cls);
        kept += c.requests;
        totals.requests += c.requests;
        totals.classes[cls] += c.requests;
        totals.recovered += c.recovered;
        const pk = `${c.namespace}/${c.pod}`;
        let p = pods.get(pk);
        if (!p) pods.set(pk, (p = { namespace: c.namespace, pod: c.pod, node: null, requests: 0, classes: zeroClasses(), snatRatio: 0, recovered: 0 }));
        if (c.node !== '') p.node = c.node;
        p.requests += c.requests;
        p.classes[cls] += c.requests;
        p.recovered += c.recovered;
        const seg = segments[cuts.length === 0 ? 0 : segmentOf(cuts, c.time)];
        let sp = seg.get(pk);
        if (!sp) seg.set(pk, (sp = { namespace: c.namespace, pod: c.pod, node: null, requests: 0, classes: zeroClasses() }));
        if (c.node !== '') sp.node = c.node;
        sp.requests += c.requests;
        sp.classes[cls] += c.requests;
        const minute = Math.floor(c.time / 60000);
        let m = minutes.get(minute);
        if (!m) minutes.set(minute, (m = zeroClasses()));
        m[cls] += c.requests;
        if (cls === 'node') {
          const ra = remotes[ci].get(c.addr);
          if (ra) ra.requests += c.requests;
          else remotes[ci].set(c.addr, { addr: c.addr, owner: c.owner, requests: c.requests });
          const owner = c.owner ?? '(unknown)';
          let sn = snat.get(owner);
          if (!sn) snat.set(owner, (sn = { addrs: new Map(), receiving: new Set() }));
          bump(sn.addrs, c.addr, c.requests);
          if (c.node !== '') sn.receiving.add(c.node);
        }
      }
      notes.push(
        kept > 0
          ? `request rows before ${local(pruned)} were pruned: for ${span} the totals, pods, timeline and SNAT sources include ${kept} requests from the per-second counts prune keeps; their other addresses, clients, status codes and X-Forwarded-For are not kept`
          : `request rows before ${local(pruned)} were pruned: for ${span} only the minute rollups remain (timeline below); addresses, clients and status codes are missing there`,
      );
      // A database pruned before per-second counts were kept: the minute rollups give the timeline.
      if (kept === 0) {
        for (const row of minuteClasses(db, { from: q.from, until: upto, namespace: q.namespace, pod: q.pod, node: q.node })) {
          if (row.minute * 60000 >= upto) continue;
          let m = minutes.get(row.minute);
          if (!m) minutes.set(row.minute, (m = zeroClasses()));
          m[classOfId(row.cls)] += row.requests;
        }
      }
    }
  }

  totals.snatRatio = snatRatioOf(totals.requests, totals.classes);
  const podList = [...pods.values()].sort((a, b) => (`${a.namespace}/${a.pod}` < `${b.namespace}/${b.pod}` ? -1 : 1));
  for (const p of podList) p.snatRatio = snatRatioOf(p.requests, p.classes);

  const topRemotes: Record<string, AddrCount[]> = {};
  CLASSES.forEach((cls, i) => {
    const list = [...remotes[i].values()].sort((a, b) => b.requests - a.requests || (a.addr < b.addr ? -1 : 1));
    if (list.length) topRemotes[cls] = list;
  });
  const statusByClass: Record<string, Record<string, number>> = {};
  CLASSES.forEach((cls, i) => {
    if (status[i].size === 0) return;
    statusByClass[cls] = Object.fromEntries([...status[i]].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n]));
  });
  const allClients = [...clients.values()].sort((a, b) => a.first - b.first || (a.addr < b.addr ? -1 : 1));

  // Coverage: every pod with requests in the window, or events, or a source (narrowed by the filters).
  const cluster = storedCluster(db, q.until);
  const podLabels = new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p.labels]));
  const labelsOf = (ns: string, pod: string) => podLabels.get(`${ns}/${pod}`);
  const coverage = auditCoverage(db, q, podList, cluster.pods);

  const audit: Audit = {
    from: q.from,
    until: q.until,
    filter: { namespace: q.namespace ?? null, pod: q.pod ?? null, node: q.node ?? null, client: q.client ?? null },
    totals,
    pods: podList,
    timeline: [...minutes].sort((a, b) => a[0] - b[0]).map(([minute, classes]) => ({ minute: minute * 60000, classes })),
    topRemotes,
    snatSources: [...snat]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([node, s]) => ({
        node,
        addrs: [...s.addrs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([addr, n]) => ({ addr, owner: node, requests: n })),
        requests: [...s.addrs.values()].reduce((x, y) => x + y, 0),
        receivingNodes: [...s.receiving].sort(),
      })),
    recoveredClients: [...recovered]
      .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : 1))
      .map(([client, r]) => ({ client, cls: r.cls, via: [...r.via].sort(), requests: r.requests })),
    statusByClass,
    clients: allClients,
    clientsOmitted: 0,
    coverage,
    policyPeriods: periodStats(histories, cuts, segments, labelsOf),
    unfiltered: [],
    trustHints: hints.trustHints(),
    loopback: hints.loopback(),
    findings: [],
    notes,
  };
  if (q.namespace || q.pod || q.node || q.client) audit.unfiltered = periodsFromReport(db, q.from, q.until, histories, cuts, labelsOf);
  audit.findings = auditFindings(audit);
  return audit;
}

/**
 * The audit's findings over a report's window and filter (what the HTML report shows at the top), from the
 * report's own numbers and period stats plus aggregate queries: no pass over every row in time order.
 */
export function reportFindings(db: Readable, v: ReportView, q: { namespace?: string; pod?: string }): string[] {
  const r = v.report;
  if (r.from === null || r.to === null) return [];
  const from = Date.parse(r.from);
  const until = Date.parse(r.to);
  const hints = new HintCollector();
  for (const h of hintCounts(db, { from, until, namespace: q.namespace, pod: q.pod })) hints.addCounts(classOfId(h.cls), h.addr, h.requests, h.untrusted, h.recovered);
  const pods: AuditPod[] = r.pods.map((p) => ({ namespace: p.namespace, pod: p.pod, node: p.nodeName, requests: p.requests, classes: p.classes, snatRatio: p.snatRatio, recovered: p.recovered }));
  const filtered = q.namespace !== undefined || q.pod !== undefined;
  let unfiltered: PeriodStats[][] = [];
  if (filtered) {
    const histories = serviceHistories(db, from, until);
    const labels = new Map(storedCluster(db, until).pods.map((p) => [`${p.namespace}/${p.name}`, p.labels]));
    unfiltered = periodsFromReport(db, from, until, histories, changeTimes(histories), (ns, pod) => labels.get(`${ns}/${pod}`));
  }
  return auditFindings({
    from,
    until,
    filter: { namespace: q.namespace ?? null, pod: q.pod ?? null, node: null, client: null },
    totals: r.totals,
    pods,
    policyPeriods: v.policyPeriods,
    unfiltered,
    trustHints: hints.trustHints(),
    loopback: hints.loopback(),
    coverage: auditCoverage(db, { from, until, namespace: q.namespace, pod: q.pod }, pods, storedCluster(db, until).pods),
  });
}
