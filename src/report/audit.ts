// `snatscope audit` data: for a window (and optionally a pod, node or client address/CIDR), a per-minute
// timeline by class, top remote addresses per class with their owner, SNAT sources per owner node, recovered
// clients, status codes by class, first/last seen per client, coverage gaps, and findings in plain words.
// One pass over the window's request rows (streamed); rows pruned away are named, never silently missing.
import type Database from 'better-sqlite3';
import { Cidr } from '../classify/ip.js';
import { UserError } from '../errors.js';
import type { ClassCounts } from '../../db/index.js';
import { CLASSES, classOfId } from '../classes.js';
import { auditRows, minuteClasses, podEvents, prunedBefore, sourceSpans, type StoredPodEvent } from '../../db/audit.js';
import type { AddrCount, Audit, AuditPod, AuditQuery, ClientSeen } from './audit-types.js';
import { podCoverage, type PodCoverage } from './coverage.js';
import { auditFindings } from './findings.js';
import { storedCluster } from './services.js';
import { zeroClasses } from './model.js';

export type { AddrCount, Audit, AuditPod, AuditQuery, ClientSeen } from './audit-types.js';

const TOP = 10;
const MAX_CLIENTS = 100;

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

export function parseClientFilter(spec: string): Cidr {
  const c = Cidr.parse(spec);
  if (c === null) throw new UserError(`--client "${spec}" is not an IP address or CIDR`, '--client 203.0.113.7 or --client 203.0.113.0/24');
  return c;
}

export function buildAudit(db: Database.Database, q: AuditQuery): Audit {
  const cidr = q.client ? parseClientFilter(q.client) : null;
  const f = { from: q.from, until: q.until, namespace: q.namespace, pod: q.pod, node: q.node };
  const totals = { requests: 0, classes: zeroClasses(), snatRatio: 0, recovered: 0 };
  const pods = new Map<string, AuditPod>();
  const minutes = new Map<number, ClassCounts>();
  const remotes = CLASSES.map(() => new Map<string, AddrCount>());
  const snat = new Map<string, { addrs: Map<string, number>; receiving: Set<string> }>();
  const recovered = new Map<string, { cls: string; via: Set<string>; requests: number }>();
  const status = CLASSES.map(() => new Map<number, number>());
  const clients = new Map<string, ClientSeen>();

  for (const r of auditRows(db, f)) {
    if (cidr && !cidr.contains(r.remoteAddr) && !(r.client !== null && cidr.contains(r.client))) continue;
    const cls = classOfId(r.cls);
    const ci = CLASSES.indexOf(cls);
    totals.requests++;
    totals.classes[cls]++;
    const pk = `${r.namespace}/${r.pod}`;
    let p = pods.get(pk);
    if (!p) pods.set(pk, (p = { namespace: r.namespace, pod: r.pod, node: null, requests: 0, classes: zeroClasses(), snatRatio: 0, recovered: 0 }));
    if (r.node !== '') p.node = r.node;
    p.requests++;
    p.classes[cls]++;
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
      const ccls = r.client !== null ? (classOfId(r.clientCls)) : cls;
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
    notes.push(`request rows before ${new Date(pruned).toISOString()} were pruned: for ${new Date(q.from).toISOString()} .. ${new Date(upto).toISOString()} only per-minute totals remain (timeline); addresses, clients and status codes are missing there`);
    if (!cidr && !q.node) {
      for (const row of minuteClasses(db, { from: q.from, until: upto, namespace: q.namespace, pod: q.pod })) {
        if (row.minute * 60000 >= upto) continue;
        let m = minutes.get(row.minute);
        if (!m) minutes.set(row.minute, (m = zeroClasses()));
        m[classOfId(row.cls)] += row.requests;
      }
    }
  }

  totals.snatRatio = totals.requests ? totals.classes.node / totals.requests : 0;
  const podList = [...pods.values()].sort((a, b) => (`${a.namespace}/${a.pod}` < `${b.namespace}/${b.pod}` ? -1 : 1));
  for (const p of podList) p.snatRatio = p.requests ? p.classes.node / p.requests : 0;

  const topRemotes: Record<string, AddrCount[]> = {};
  CLASSES.forEach((cls, i) => {
    const list = [...remotes[i].values()].sort((a, b) => b.requests - a.requests || (a.addr < b.addr ? -1 : 1)).slice(0, TOP);
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
  const spans = sourceSpans(db);
  const events = podEvents(db, { until: q.until, namespace: q.namespace, pod: q.pod });
  const eventsOf = new Map<string, StoredPodEvent[]>();
  for (const e of events) {
    const k = `${e.namespace}/${e.pod}`;
    const l = eventsOf.get(k);
    if (l) l.push(e);
    else eventsOf.set(k, [e]);
  }
  const nodeOf = new Map<string, string | null>();
  for (const p of cluster.pods) nodeOf.set(`${p.namespace}/${p.name}`, p.nodeName);
  for (const s of spans) if (s.pod && s.namespace && s.kind === 'stream') nodeOf.set(`${s.namespace}/${s.pod}`, nodeOf.get(`${s.namespace}/${s.pod}`) ?? null);
  for (const p of podList) nodeOf.set(`${p.namespace}/${p.pod}`, p.node);
  const candidates = new Set<string>([...pods.keys(), ...eventsOf.keys()]);
  for (const s of spans) {
    if (s.namespace === null || s.pod === null) continue;
    if (q.namespace && s.namespace !== q.namespace) continue;
    if (q.pod && s.pod !== q.pod) continue;
    // A saved log only matters if it overlaps the window; a stream source always does (coverage says how much).
    if (s.kind !== 'stream' && (s.first === null || s.last! < q.from || s.first >= q.until)) continue;
    candidates.add(`${s.namespace}/${s.pod}`);
  }
  const coverage: PodCoverage[] = [];
  for (const k of [...candidates].sort()) {
    if (q.node && nodeOf.get(k) !== q.node) continue;
    const slash = k.indexOf('/');
    const pod = { namespace: k.slice(0, slash), pod: k.slice(slash + 1) };
    coverage.push(podCoverage(db, pod, q.from, q.until, eventsOf.get(k) ?? [], spans));
  }

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
    clients: allClients.slice(0, MAX_CLIENTS),
    clientsOmitted: Math.max(0, allClients.length - MAX_CLIENTS),
    coverage,
    findings: [],
    notes,
  };
  audit.findings = auditFindings(audit, cluster);
  return audit;
}
