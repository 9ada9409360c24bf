// Read-side queries for reports and audits beyond the base report (db/queries.ts): requests per minute by class,
// SNAT sources (per-minute snat_rollups), stored topology/services, pod events, source coverage and the request
// rows of a window, including what prune (db/prune.ts, the write side) recorded. Reads only; every statement is
// prepared once per connection.

import { windowParams } from './queries.js';
import { perSql, type Readable, type Stmt } from './sql.js';
import { NODE_ID } from '../src/classes.js';
import type { PodEventKind, StoredSource } from './interface.js';
import { PRUNED_KEY, SPAN_KEY } from './meta.js';

export interface PodFilter {
  /** ms since epoch, inclusive. */
  from?: number;
  /** ms since epoch, exclusive. */
  until?: number;
  namespace?: string;
  pod?: string;
  node?: string;
}

export interface MinuteClassRow {
  minute: number;
  cls: number;
  requests: number;
}

export interface SnatSourceRow {
  /** Node owning the address (null when the classifier did not name one). */
  owner: string | null;
  addr: string;
  /** Node of the pod that received the requests. */
  podNode: string | null;
  requests: number;
}

export interface AuditRow {
  time: number;
  cls: number;
  remoteAddr: string;
  owner: string | null;
  client: string | null;
  clientCls: number | null;
  status: number;
  /** X-Forwarded-For as logged (null when absent or "-"). */
  xff: string | null;
  namespace: string;
  pod: string;
  container: string;
  node: string;
}

export interface StoredPodEvent {
  time: number;
  namespace: string;
  pod: string;
  container: string | null;
  event: PodEventKind;
  detail: string | null;
}

export interface SourceSpan extends Omit<StoredSource, 'node'> {
  /** A live stream's container instance and its resume cursor (JSON: see src/kube/cursor.ts); null for files. */
  containerId: string | null;
  cursor: string | null;
  /** When the source was first opened (ms). */
  firstSeen: number;
  /** First and last request time of the source (request rows, or what prune kept in meta); null when none. */
  first: number | null;
  last: number | null;
}

const MIN_T = -8.64e15;
const MAX_T = 8.64e15;
const FILTER =
  '(CAST(@ns AS TEXT) IS NULL OR p.namespace = @ns) AND (CAST(@pod AS TEXT) IS NULL OR p.pod = @pod) AND (CAST(@node AS TEXT) IS NULL OR p.node = @node)';
/**
 * The pods filter over request rows `r` as a semi-join, not a join: the planner then reads the window's rows once.
 * (Joined, SQLite with statistics from when pods held one row scans the window once per pod: 100 pods, 100 passes.)
 */
const POD_IN = `r.pod IN (SELECT p.id FROM pods p WHERE ${FILTER})`;

interface Statements {
  minutes: Stmt;
  snat: Stmt;
  pruned: Stmt;
  hints: Stmt;
  snatRollup: Stmt;
  rows: Stmt;
  topology: Stmt;
  services: Stmt;
  events: Stmt;
  spans: Stmt;
  meta: Stmt;
  metaLike: Stmt;
  podOf: Stmt;
  pods: Stmt;
  podById: Stmt;
  stringOf: Stmt;
}

const statements = perSql((db, d): Statements => ({
  minutes: db.prepare(
    `SELECT r.minute AS minute, r.class AS cls, sum(r.requests) AS requests FROM rollups r JOIN pods p ON p.id = r.pod
     WHERE r.minute >= @fromMin AND r.minute < @untilMin AND ${FILTER} GROUP BY r.minute, r.class ORDER BY r.minute, r.class`,
  ),
  snat: db.prepare(
    `SELECT owner, addr, "podNode", sum(n) AS requests FROM (
       SELECT so.s AS owner, g.addr, NULLIF(p.node, '') AS "podNode", sum(g.n) AS n FROM (
         SELECT r.owner, r.remote_addr AS addr, r.pod, count(*) AS n FROM ${d.requestsInWindow}
         WHERE r.class = ${NODE_ID} AND r.time >= @from AND r.time < @until AND ${POD_IN}
         GROUP BY r.owner, r.remote_addr, r.pod
       ) g JOIN pods p ON p.id = g.pod LEFT JOIN strings so ON so.id = g.owner
       GROUP BY so.s, g.addr, p.node
       UNION ALL
       SELECT so.s, x.addr, NULLIF(p.node, ''), sum(x.requests)
       FROM pruned_seconds x JOIN pods p ON p.id = x.pod LEFT JOIN strings so ON so.id = x.owner
       WHERE x.class = ${NODE_ID} AND x.second >= @fromSec AND x.second < @untilSec AND ${FILTER}
       GROUP BY so.s, x.addr, p.node
     ) u GROUP BY owner, addr, "podNode" ORDER BY ${d.asc('owner')}, ${d.asc('addr')}, ${d.asc('"podNode"')}`,
  ),
  hints: db.prepare(
    `SELECT r.remote_addr AS addr, r.class AS cls, count(*) AS requests,
            sum(CASE WHEN r.client IS NULL AND r.xff IS NOT NULL AND r.xff NOT IN ('', '-') THEN 1 ELSE 0 END) AS untrusted, count(r.client) AS recovered
     FROM ${d.requestsInWindow}
     WHERE r.time >= @from AND r.time < @until AND ${POD_IN}
       AND ((r.client IS NULL AND r.xff IS NOT NULL AND r.xff NOT IN ('', '-')) OR r.remote_addr LIKE '127.%' OR r.remote_addr = '::1')
     GROUP BY r.remote_addr, r.class`,
  ),
  pruned: db.prepare(
    `SELECT x.second * 1000 AS time, x.class AS cls, x.addr, so.s AS owner, x.requests, x.recovered,
            p.namespace, p.pod, p.container, p.node
     FROM pruned_seconds x JOIN pods p ON p.id = x.pod LEFT JOIN strings so ON so.id = x.owner
     WHERE x.second >= @fromSec AND x.second < @untilSec AND ${FILTER} ORDER BY x.second`,
  ),
  snatRollup: db.prepare(
    `SELECT so.s AS owner, x.addr, NULLIF(p.node, '') AS "podNode", sum(x.requests) AS requests
     FROM snat_rollups x JOIN pods p ON p.id = x.pod LEFT JOIN strings so ON so.id = x.owner
     WHERE x.minute >= @fromMin AND x.minute < @untilMin AND ${FILTER}
     GROUP BY so.s, x.addr, p.node ORDER BY ${d.asc('so.s')}, ${d.asc('x.addr')}, ${d.asc('p.node')}`,
  ),
  // Pod and owner ids, resolved by auditRows() (few distinct values, so no join per row).
  rows: db.prepare(
    `SELECT r.time, r.class AS cls, r.remote_addr AS "remoteAddr", r.owner, r.client, r.client_class AS "clientCls",
            r.status, r.xff, r.pod
     FROM ${d.requestsInWindow}
     WHERE r.time >= @from AND r.time < @until AND ${POD_IN} ORDER BY r.time, r.id`,
  ),
  pods: db.prepare('SELECT id, namespace, pod, container, node FROM pods'),
  podById: db.prepare('SELECT id, namespace, pod, container, node FROM pods WHERE id = ?'),
  stringOf: db.prepare('SELECT s FROM strings WHERE id = ?').pluck(),
  topology: db.prepare(
    `SELECT json FROM topology ORDER BY CASE WHEN time <= @at THEN 0 ELSE 1 END,
       CASE WHEN time <= @at THEN -time ELSE time END, id DESC LIMIT 1`,
  ).pluck(),
  services: db.prepare(
    `SELECT s.json FROM services s WHERE s.id IN (
       SELECT coalesce(max(CASE WHEN time <= @at THEN id END), min(id)) FROM services
       GROUP BY coalesce(namespace, ''), name, CASE WHEN name IS NULL THEN id END
     ) ORDER BY ${d.asc('s.namespace')}, ${d.asc('s.name')}`,
  ).pluck(),
  events: db.prepare(
    `SELECT time, namespace, pod, container, event, detail FROM pod_events
     WHERE time < @until AND (CAST(@ns AS TEXT) IS NULL OR namespace = @ns) AND (CAST(@pod AS TEXT) IS NULL OR pod = @pod) ORDER BY time, id`,
  ),
  spans: db.prepare(
    `SELECT s.id, s.key, s.kind, coalesce(p.namespace, s.namespace) AS namespace, coalesce(p.pod, s.pod) AS pod,
            s.container, s.path, s.container_id AS "containerId", s.cursor, s.first_seen AS "firstSeen", x.pod AS "podRef", x.first, x.last
     FROM sources s
     LEFT JOIN (SELECT source, pod, min(time) AS first, max(time) AS last FROM requests GROUP BY source, pod) x ON x.source = s.id
     LEFT JOIN pods p ON p.id = x.pod
     ORDER BY s.id, ${d.asc('p.namespace')}, ${d.asc('p.pod')}`,
  ),
  meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
  metaLike: db.prepare(`SELECT key, value FROM meta WHERE key${d.c} >= ? AND key${d.c} < ?`),
  podOf: db.prepare('SELECT namespace, pod FROM pods WHERE id = ?'),
}));

function params(f: PodFilter) {
  return {
    from: f.from ?? MIN_T,
    until: f.until ?? MAX_T,
    fromMin: f.from === undefined ? MIN_T : Math.floor(f.from / 60000),
    untilMin: f.until === undefined ? MAX_T : Math.ceil(f.until / 60000),
    ns: f.namespace ?? null,
    pod: f.pod ?? null,
    node: f.node ?? null,
  };
}

/** Requests per minute and class from the rollups (kept by prune), minutes overlapping the window. */
export function minuteClasses(db: Readable, f: PodFilter = {}): MinuteClassRow[] {
  const p = params(f);
  return statements(db).minutes.all({ fromMin: p.fromMin, untilMin: p.untilMin, ns: p.ns, pod: p.pod, node: p.node }) as MinuteClassRow[];
}

/**
 * Node addresses seen as client (class node) per owning node: from the per-minute snat_rollups when the window is
 * whole minutes (or open; these survive prune), else from the request rows of the window.
 */
export function snatSources(db: Readable, f: PodFilter = {}): SnatSourceRow[] {
  const p = params(f);
  const st = statements(db);
  const wholeMinutes = (f.from === undefined || f.from % 60000 === 0) && (f.until === undefined || f.until % 60000 === 0);
  if (wholeMinutes) {
    return st.snatRollup.all({ fromMin: p.fromMin, untilMin: p.untilMin, ns: p.ns, pod: p.pod, node: p.node }) as SnatSourceRow[];
  }
  return st.snat.all({ ...windowParams(p.from, p.until), ns: p.ns, pod: p.pod, node: p.node }) as SnatSourceRow[];
}

/** Per remote address and class: rows with X-Forwarded-For and no recovered client, and every loopback row. */
export interface HintCountRow {
  addr: string;
  cls: number;
  requests: number;
  /** With X-Forwarded-For and no client recovered. */
  untrusted: number;
  recovered: number;
}

/** What the trust and loopback hints need, aggregated in SQL (no pass over every row in time order). */
export function hintCounts(db: Readable, f: PodFilter): HintCountRow[] {
  const p = params(f);
  return statements(db).hints.all({ from: p.from, until: p.until, ns: p.ns, pod: p.pod, node: p.node }) as HintCountRow[];
}

/** What prune kept of deleted rows: counts per second, pod and class (with owner and address for class node). */
export interface PrunedCount {
  /** Start of the second, ms. */
  time: number;
  cls: number;
  /** The remote address for class node, '' otherwise. */
  addr: string;
  owner: string | null;
  requests: number;
  recovered: number;
  namespace: string;
  pod: string;
  container: string;
  node: string;
}

/** The pruned counts of a window, oldest first (streamed); whole seconds overlapping the window. */
export function prunedCounts(db: Readable, f: PodFilter): IterableIterator<PrunedCount> {
  const p = params(f);
  return statements(db).pruned.iterate({ ...windowParams(p.from, p.until), ns: p.ns, pod: p.pod, node: p.node }) as IterableIterator<PrunedCount>;
}

interface StoredAuditRow extends Omit<AuditRow, 'owner' | 'namespace' | 'pod' | 'container' | 'node'> {
  owner: number | null;
  pod: number;
}

/** The request rows of a window in time order (streamed, not loaded at once). */
export function* auditRows(db: Readable, f: PodFilter): IterableIterator<AuditRow> {
  const p = params(f);
  const st = statements(db);
  const pods = new Map<number, { namespace: string; pod: string; container: string; node: string }>();
  for (const x of st.pods.all() as Array<{ id: number; namespace: string; pod: string; container: string; node: string }>) pods.set(x.id, x);
  const owners = new Map<number, string | null>();
  const ownerOf = (id: number): string | null => {
    let s = owners.get(id);
    if (s === undefined) owners.set(id, (s = (st.stringOf.get(id) as string | undefined) ?? null));
    return s;
  };
  for (const r of st.rows.iterate({ from: p.from, until: p.until, ns: p.ns, pod: p.pod, node: p.node }) as IterableIterator<StoredAuditRow>) {
    let pod = pods.get(r.pod);
    // A pod another writer added after the list was read.
    if (pod === undefined) pods.set(r.pod, (pod = st.podById.get(r.pod) as { namespace: string; pod: string; container: string; node: string }));
    yield {
      time: r.time, cls: r.cls, remoteAddr: r.remoteAddr, owner: r.owner === null ? null : ownerOf(r.owner), client: r.client,
      clientCls: r.clientCls, status: r.status, xff: r.xff, namespace: pod.namespace, pod: pod.pod, container: pod.container, node: pod.node,
    };
  }
}

/**
 * The newest topology snapshot taken at or before `at`, else the oldest one after it (saved logs are ingested
 * after the fact), parsed; null when none is stored.
 */
export function latestTopology(db: Readable, at = MAX_T): unknown {
  const json = statements(db).topology.get({ at }) as string | undefined;
  return json === undefined ? null : (JSON.parse(json) as unknown);
}

/** Each stored service's newest snapshot at or before `at` (else its first one), parsed JSON. */
export function storedServices(db: Readable, at = MAX_T): unknown[] {
  return (statements(db).services.all({ at }) as string[]).map((j) => JSON.parse(j) as unknown);
}

/** Pod and stream events before `until`, oldest first (earlier ones give the state at the window start). */
export function podEvents(db: Readable, f: { until?: number; namespace?: string; pod?: string }): StoredPodEvent[] {
  return statements(db).events.all({ until: f.until ?? MAX_T, ns: f.namespace ?? null, pod: f.pod ?? null }) as StoredPodEvent[];
}

/**
 * Every source per pod it holds requests of (a `kubectl logs --prefix` file can hold several), with the time span
 * of those requests; spans of pruned rows come from what prune recorded. Sources without rows appear once.
 */
export function sourceSpans(db: Readable): SourceSpan[] {
  const st = statements(db);
  const kept = new Map<string, [number, number]>();
  for (const { key, value } of st.metaLike.all(SPAN_KEY, SPAN_KEY + '\uffff') as { key: string; value: string }[]) {
    const [a, b] = value.split(',').map(Number);
    kept.set(key.slice(SPAN_KEY.length), [a, b]);
  }
  const rows = st.spans.all() as (SourceSpan & { podRef: number | null })[];
  const seen = new Set<string>();
  const out: SourceSpan[] = [];
  for (const { podRef, ...s } of rows) {
    const k = `${s.id}:${podRef ?? ''}`;
    seen.add(k);
    const old = kept.get(k);
    if (old !== undefined) {
      s.first = s.first === null ? old[0] : Math.min(s.first, old[0]);
      s.last = s.last === null ? old[1] : Math.max(s.last, old[1]);
    }
    out.push(s);
  }
  // Sources whose rows were all pruned: their spans survive in meta.
  if ([...kept.keys()].some((k) => !seen.has(k))) {
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [k, [a, b]] of kept) {
      if (seen.has(k)) continue;
      const [id, ref] = k.split(':').map(Number);
      const src = byId.get(id);
      const p = st.podOf.get(ref) as { namespace: string; pod: string } | undefined;
      if (!src || !p) continue;
      out.push({ id, key: src.key, kind: src.kind, namespace: p.namespace, pod: p.pod, container: src.container, path: src.path, containerId: src.containerId, cursor: src.cursor, firstSeen: src.firstSeen, first: a, last: b });
    }
  }
  return out;
}

/** Request rows older than this (ms) were deleted by prune; null when never pruned. */
export function prunedBefore(db: Readable): number | null {
  const v = statements(db).meta.get(PRUNED_KEY) as string | undefined;
  return v === undefined ? null : Number(v);
}

const nextRow = perSql((db, d) =>
  db.prepare(
    `SELECT min(r.time) FROM ${d.requestsInWindow}
     WHERE r.time > @from AND r.time < @until AND r.pod IN (SELECT p.id FROM pods p WHERE p.namespace = @ns AND p.pod = @pod)`,
  ).pluck(),
);

/** Time of the first request of a pod after `after` (ms), before `until`; null when none. */
export function firstRequestAfter(db: Readable, namespace: string, pod: string, after: number, until: number): number | null {
  return (nextRow(db).get({ from: after, until, ns: namespace, pod }) as number | null) ?? null;
}
