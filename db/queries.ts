// Read side of the snatscope database: the per-pod SNAT report, unparsed summaries and the source list.
// Reports read the per-minute rollups when the window is whole minutes (or open), the request rows otherwise;
// both give the same numbers for the same window.

import { classOfId, zeroPerClass, type PerClass } from '../src/classes.js';
import { asSql, query, SQLITE, type Readable } from './sql.js';
import type { SourceKind } from './interface.js';

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

export interface ReportTotals {
  requests: number;
  classes: ClassCounts;
  /** classes.node / requests, 0 when there are no requests. */
  snatRatio: number;
  /** Requests whose client was recovered from X-Forwarded-For. */
  recovered: number;
}

export interface ReportPod {
  namespace: string;
  pod: string;
  nodeName: string | null;
  requests: number;
  classes: ClassCounts;
  snatRatio: number;
  recovered: number;
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

export interface SourceRow {
  id: number;
  key: string;
  kind: SourceKind;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  containerId: string | null;
  node: string | null;
  path: string | null;
  lines: number;
  cursor: string | null;
  format: string | null;
  envelope: string | null;
  firstSeen: number;
  lastSeen: number;
}

/**
 * FROM clause (SQLite) for request rows in a time window without an index on requests.time: reads only the id
 * ranges of the batches overlapping [@from, @until). Still filter `r.time >= @from AND r.time < @until` in WHERE.
 * Queries for both backends use `d.requestsInWindow` (db/sql.ts).
 */
export const REQUESTS_IN_WINDOW = SQLITE.requestsInWindow;

const MIN_T = -8.64e15;
const MAX_T = 8.64e15;
// CAST: PostgreSQL must know a parameter's type where it is first used (here IS NULL); SQLite is indifferent.
const POD_FILTER = '(CAST(@ns AS TEXT) IS NULL OR p.namespace = @ns) AND (CAST(@pod AS TEXT) IS NULL OR p.pod = @pod)';

const Q = {
  rollup: query(
    () => `SELECT p.namespace, p.pod, p.node, x.class, x.n, x.rec FROM (
       SELECT r.pod, r.class, sum(r.requests) AS n, sum(r.recovered) AS rec FROM rollups r
       WHERE r.minute >= @fromMin AND r.minute < @untilMin GROUP BY r.pod, r.class
     ) x JOIN pods p ON p.id = x.pod WHERE ${POD_FILTER}`,
  ),
  rows: query(
    (d) => `SELECT p.namespace, p.pod, p.node, x.class, x.n, x.rec FROM (
       SELECT r.pod, r.class, count(*) AS n, count(r.client) AS rec
       FROM ${d.requestsInWindow}
       WHERE r.time >= @from AND r.time < @until
       GROUP BY r.pod, r.class
     ) x JOIN pods p ON p.id = x.pod WHERE ${POD_FILTER}`,
  ),
  extent: query(
    () => `SELECT min(r.minute) AS lo, max(r.minute) AS hi FROM rollups r JOIN pods p ON p.id = r.pod
     WHERE r.minute >= @fromMin AND r.minute < @untilMin AND ${POD_FILTER}`,
  ),
  unparsedAll: query(() => 'SELECT coalesce(sum(count), 0) FROM unparsed'),
  unparsedFiltered: query(
    () => `SELECT coalesce(sum(u.count), 0) FROM unparsed u JOIN sources p ON p.id = u.source WHERE ${POD_FILTER}`,
  ),
  unparsedSummary: query(
    (d) => `SELECT u.source AS "sourceId", s.key AS source, s.kind, s.namespace, s.pod, s.container, u.reason, u.count
     FROM unparsed u JOIN sources s ON s.id = u.source ORDER BY u.source, ${d.asc('u.reason')}`,
  ),
  samples: query(() => 'SELECT source, reason, sample FROM unparsed_samples ORDER BY id'),
  sources: query(
    () => `SELECT id, key, kind, namespace, pod, container, container_id AS "containerId", node, path, lines, cursor,
            format, envelope, first_seen AS "firstSeen", last_seen AS "lastSeen" FROM sources ORDER BY id`,
  ),
};

function zeroClasses(): ClassCounts {
  return zeroPerClass();
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The per-pod SNAT report over an optional window and namespace/pod filter. */
export function report(db: Readable, filter: ReportFilter = {}): Report {
  const sql = asSql(db);
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
      ? sql.all(Q.rollup, { fromMin, untilMin, ns, pod: podName })
      : sql.all(Q.rows, { from: from ?? MIN_T, until: until ?? MAX_T, ns, pod: podName })
  ) as { namespace: string; pod: string; node: string; class: number; n: number; rec: number }[];

  const byPod = new Map<string, ReportPod>();
  const totals: ReportTotals = { requests: 0, classes: zeroClasses(), snatRatio: 0, recovered: 0 };
  for (const r of rows) {
    const key = `${r.namespace}\u0000${r.pod}`;
    let p = byPod.get(key);
    if (p === undefined) {
      p = { namespace: r.namespace, pod: r.pod, nodeName: null, requests: 0, classes: zeroClasses(), snatRatio: 0, recovered: 0 };
      byPod.set(key, p);
    }
    if (r.node !== '' && (p.nodeName === null || r.node > p.nodeName)) p.nodeName = r.node;
    const cls = classOfId(r.class);
    p.requests += r.n;
    p.classes[cls] += r.n;
    p.recovered += r.rec;
    totals.requests += r.n;
    totals.classes[cls] += r.n;
    totals.recovered += r.rec;
  }
  const pods = [...byPod.values()].sort((a, b) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0,
  );
  for (const p of pods) p.snatRatio = p.requests === 0 ? 0 : p.classes.node / p.requests;
  totals.snatRatio = totals.requests === 0 ? 0 : totals.classes.node / totals.requests;

  let lo = from;
  let hi = until;
  if (lo === null || hi === null) {
    const e = sql.get(Q.extent, { fromMin, untilMin, ns, pod: podName }) as { lo: number | null; hi: number | null };
    if (lo === null && e.lo !== null) lo = e.lo * 60000;
    if (hi === null && e.hi !== null) hi = (e.hi + 1) * 60000;
  }
  const unparsed = (
    ns === null && podName === null ? sql.value(Q.unparsedAll) : sql.value(Q.unparsedFiltered, { ns, pod: podName })
  ) as number;
  return { from: iso(lo), to: iso(hi), totals, pods, unparsed };
}

/** Unparsed line counts per source and reason, with the kept samples. */
export function unparsedSummary(db: Readable): UnparsedEntry[] {
  const sql = asSql(db);
  const entries = (sql.all(Q.unparsedSummary) as Omit<UnparsedEntry, 'samples'>[]).map(
    (e): UnparsedEntry => ({ ...e, samples: [] }),
  );
  const byKey = new Map<string, UnparsedEntry>();
  for (const e of entries) byKey.set(`${e.sourceId}\u0000${e.reason}`, e);
  for (const s of sql.all(Q.samples) as { source: number; reason: string; sample: string }[]) {
    byKey.get(`${s.source}\u0000${s.reason}`)?.samples.push(s.sample);
  }
  return entries;
}

/** All sources with their committed positions. */
export function sources(db: Readable): SourceRow[] {
  return asSql(db).all(Q.sources) as SourceRow[];
}
