// Read side of the snatscope database: the per-pod SNAT report, unparsed summaries and the source list.
// Reports read the per-minute rollups when the window is whole minutes (or open), the request rows otherwise;
// both give the same numbers for the same window.

import { CLASS_ID, classOfId, clientRatioOf, snatRatioOf, zeroPerClass, type PerClass } from '../src/classes.js';
import { perSql, type Readable, type Stmt } from './sql.js';
import type { StoredSource } from './interface.js';
import { PRUNED_KEY } from './meta.js';

export interface ReportFilter {
  /** Window start, ms since epoch, inclusive. */
  from?: number;
  /** Window end, ms since epoch, exclusive. */
  until?: number;
  namespace?: string;
  pod?: string;
  /** Force the data path (audits compare both): 'rollups' needs whole-minute bounds. Default: rollups when possible. */
  via?: 'rollups' | 'rows';
}

/** Requests per class. */
export type ClassCounts = PerClass<number>;

/** Counts of a set of requests and the two ratios over its client traffic (requests - classes.probe). */
export interface RequestCounts {
  requests: number;
  classes: ClassCounts;
  /** classes.node / (requests - classes.probe); null when there is no client traffic. */
  snatRatio: number | null;
  /** Requests whose client was recovered from X-Forwarded-For. */
  recovered: number;
  /** Requests whose genuine client is known: class external, or a recovered client that is external. */
  clientKnown: number;
  /** clientKnown / (requests - classes.probe); null when there is no client traffic. */
  clientRatio: number | null;
}

export interface ReportTotals extends RequestCounts {
  /** `recovered` by the class of the address the request came from (the trusted proxy's class). */
  recoveredByClass: ClassCounts;
}

export interface ReportPod extends RequestCounts {
  namespace: string;
  pod: string;
  nodeName: string | null;
}

/** Zero counts (ratios null). */
export function zeroCounts(): RequestCounts {
  return { requests: 0, classes: zeroPerClass(), snatRatio: null, recovered: 0, clientKnown: 0, clientRatio: null };
}

/** Sets both ratios from the counts. */
export function setRatios(c: RequestCounts): void {
  c.snatRatio = snatRatioOf(c.requests, c.classes);
  c.clientRatio = clientRatioOf(c.requests, c.classes, c.clientKnown);
}

export interface Report {
  /** The window start given, else the start of the first minute with data; null when neither. ISO 8601. */
  from: string | null;
  /** The window end given (exclusive), else the end of the last minute with data; null when neither. */
  to: string | null;
  totals: ReportTotals;
  pods: ReportPod[];
  /** Unparsed lines of the matching sources (all sources without a namespace/pod filter); not windowed. */
  unparsed: number;
  /** What the numbers rest on beyond the request rows, e.g. a window edge resolved to a pruned second. */
  notes: string[];
}

export interface UnparsedEntry {
  sourceId: number;
  source: string;
  kind: string;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  reason: string;
  count: number;
  samples: string[];
}

export interface SourceRow extends StoredSource {
  lines: number;
  cursor: string | null;
  format: string | null;
  envelope: string | null;
  firstSeen: number;
  lastSeen: number;
}

/**
 * FROM clause for request rows in a time window without an index on requests.time: reads only the id ranges of the
 * batches overlapping [@from, @until). Still filter `r.time >= @from AND r.time < @until` in WHERE.
 */
export const REQUESTS_IN_WINDOW =
  'batches b JOIN requests r ON r.id BETWEEN b.first_id AND b.last_id AND b.max_time >= @from AND b.min_time < @until';

const EXTERNAL_ID = CLASS_ID.external;
const MIN_T = -8.64e15;
const MAX_T = 8.64e15;
const POD_FILTER = '(CAST(@ns AS TEXT) IS NULL OR p.namespace = @ns) AND (CAST(@pod AS TEXT) IS NULL OR p.pod = @pod)';

interface Statements {
  rollup: Stmt;
  rows: Stmt;
  extent: Stmt;
  unparsedAll: Stmt;
  unparsedFiltered: Stmt;
  unparsedSummary: Stmt;
  samples: Stmt;
  sources: Stmt;
  prunedBefore: Stmt;
}

/**
 * Bind values of a [from, until) window over request rows and what prune kept of them (pruned_seconds): rows by
 * ms, pruned counts by whole second, so an edge inside a pruned second takes that whole second (`prunedEdges`).
 */
export function windowParams(from: number, until: number): { from: number; until: number; fromSec: number; untilSec: number } {
  return { from, until, fromSec: Math.floor(from / 1000), untilSec: Math.ceil(until / 1000) };
}

/** Window edges that fall inside a pruned second (resolved to the whole second): what a report says about them. */
export function prunedEdges(db: Readable, from: number | null, until: number | null): string[] {
  const v = statements(db).prunedBefore.get() as string | undefined;
  if (v === undefined) return [];
  const pruned = Number(v);
  const out: string[] = [];
  for (const [name, t, to] of [['start', from, Math.floor], ['end', until, Math.ceil]] as const) {
    if (t === null || t % 1000 === 0 || t >= pruned) continue;
    out.push(`the window ${name} ${new Date(t).toISOString()} is inside pruned data, kept per second: counted ${name === 'start' ? 'from' : 'until'} ${new Date(to(t / 1000) * 1000).toISOString()}`);
  }
  return out;
}

const statements = perSql((db, d): Statements => ({
  rollup: db.prepare(
    `SELECT p.namespace, p.pod, p.node, x.class, x.n, x.rec, x.known FROM (
       SELECT r.pod, r.class, sum(r.requests) AS n, sum(r.recovered) AS rec, sum(r.known) AS known FROM rollups r
       WHERE r.minute >= @fromMin AND r.minute < @untilMin GROUP BY r.pod, r.class
     ) x JOIN pods p ON p.id = x.pod WHERE ${POD_FILTER}`,
  ),
  rows: db.prepare(
    `SELECT p.namespace, p.pod, p.node, x.class, sum(x.n) AS n, sum(x.rec) AS rec, sum(x.known) AS known FROM (
       SELECT r.pod, r.class, count(*) AS n, count(r.client) AS rec,
              sum(CASE WHEN r.class = ${EXTERNAL_ID} OR r.client_class = ${EXTERNAL_ID} THEN 1 ELSE 0 END) AS known
       FROM ${d.requestsInWindow}
       WHERE r.time >= @from AND r.time < @until
       GROUP BY r.pod, r.class
       UNION ALL
       SELECT s.pod, s.class, sum(s.requests), sum(s.recovered), sum(s.known) FROM pruned_seconds s
       WHERE s.second >= @fromSec AND s.second < @untilSec GROUP BY s.pod, s.class
     ) x JOIN pods p ON p.id = x.pod WHERE ${POD_FILTER} GROUP BY x.pod, x.class`,
  ),
  prunedBefore: db.prepare(`SELECT value FROM meta WHERE key = '${PRUNED_KEY}'`).pluck(),
  extent: db.prepare(
    `SELECT min(r.minute) AS lo, max(r.minute) AS hi FROM rollups r JOIN pods p ON p.id = r.pod
     WHERE r.minute >= @fromMin AND r.minute < @untilMin AND ${POD_FILTER}`,
  ),
  unparsedAll: db.prepare('SELECT coalesce(sum(count), 0) FROM unparsed').pluck(),
  unparsedFiltered: db
    .prepare(
      `SELECT coalesce(sum(u.count), 0) FROM unparsed u JOIN sources p ON p.id = u.source WHERE ${POD_FILTER}`,
    )
    .pluck(),
  unparsedSummary: db.prepare(
    `SELECT u.source AS "sourceId", s.key AS source, s.kind, s.namespace, s.pod, s.container, u.reason, u.count
     FROM unparsed u JOIN sources s ON s.id = u.source ORDER BY u.source, ${d.asc('u.reason')}`,
  ),
  samples: db.prepare('SELECT source, reason, sample FROM unparsed_samples ORDER BY id'),
  sources: db.prepare(
    `SELECT id, key, kind, namespace, pod, container, container_id AS "containerId", node, path, lines, cursor,
            format, envelope, first_seen AS "firstSeen", last_seen AS "lastSeen" FROM sources ORDER BY id`,
  ),
}));

function zeroClasses(): ClassCounts {
  return zeroPerClass();
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The per-pod SNAT report over an optional window and namespace/pod filter. */
export function report(db: Readable, filter: ReportFilter = {}): Report {
  const st = statements(db);
  const from = filter.from ?? null;
  const until = filter.until ?? null;
  const ns = filter.namespace ?? null;
  const podName = filter.pod ?? null;
  const fromMin = from === null ? MIN_T : Math.floor(from / 60000);
  const untilMin = until === null ? MAX_T : Math.ceil(until / 60000);
  const wholeMinutes = (from === null || from % 60000 === 0) && (until === null || until % 60000 === 0);
  if (filter.via === 'rollups' && !wholeMinutes) throw new Error('report via rollups needs whole-minute bounds');
  const useRollups = filter.via === undefined ? wholeMinutes : filter.via === 'rollups';

  const rows = (
    useRollups
      ? st.rollup.all({ fromMin, untilMin, ns, pod: podName })
      : st.rows.all({ ...windowParams(from ?? MIN_T, until ?? MAX_T), ns, pod: podName })
  ) as { namespace: string; pod: string; node: string; class: number; n: number; rec: number; known: number }[];

  const byPod = new Map<string, ReportPod>();
  const totals: ReportTotals = { ...zeroCounts(), recoveredByClass: zeroClasses() };
  for (const r of rows) {
    const key = `${r.namespace}\u0000${r.pod}`;
    let p = byPod.get(key);
    if (p === undefined) {
      p = { namespace: r.namespace, pod: r.pod, nodeName: null, ...zeroCounts() };
      byPod.set(key, p);
    }
    if (r.node !== '' && (p.nodeName === null || r.node > p.nodeName)) p.nodeName = r.node;
    const cls = classOfId(r.class);
    p.requests += r.n;
    p.classes[cls] += r.n;
    p.recovered += r.rec;
    p.clientKnown += r.known;
    totals.requests += r.n;
    totals.classes[cls] += r.n;
    totals.recovered += r.rec;
    totals.recoveredByClass[cls] += r.rec;
    totals.clientKnown += r.known;
  }
  const pods = [...byPod.values()].sort((a, b) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0,
  );
  for (const p of pods) setRatios(p);
  setRatios(totals);

  let lo = from;
  let hi = until;
  if (lo === null || hi === null) {
    const e = st.extent.get({ fromMin, untilMin, ns, pod: podName }) as { lo: number | null; hi: number | null };
    if (lo === null && e.lo !== null) lo = e.lo * 60000;
    if (hi === null && e.hi !== null) hi = (e.hi + 1) * 60000;
  }
  const unparsed = (
    ns === null && podName === null ? st.unparsedAll.get() : st.unparsedFiltered.get({ ns, pod: podName })
  ) as number;
  return { from: iso(lo), to: iso(hi), totals, pods, unparsed, notes: useRollups ? [] : prunedEdges(db, from, until) };
}

/** Unparsed line counts per source and reason, with the kept samples. */
export function unparsedSummary(db: Readable): UnparsedEntry[] {
  const st = statements(db);
  const entries = (st.unparsedSummary.all() as Omit<UnparsedEntry, 'samples'>[]).map(
    (e): UnparsedEntry => ({ ...e, samples: [] }),
  );
  const byKey = new Map<string, UnparsedEntry>();
  for (const e of entries) byKey.set(`${e.sourceId}\u0000${e.reason}`, e);
  for (const s of st.samples.all() as { source: number; reason: string; sample: string }[]) {
    byKey.get(`${s.source}\u0000${s.reason}`)?.samples.push(s.sample);
  }
  return entries;
}

/** All sources with their committed positions. */
export function sources(db: Readable): SourceRow[] {
  return statements(db).sources.all() as SourceRow[];
}
