// Read-side queries over a window for reports and audits beyond the base report (db/queries.ts): requests per minute
// by class, SNAT sources (per-minute snat_rollups), the trust hints' counts and the request rows of a window,
// including what prune (db/prune.ts, the write side) kept of deleted rows. What the store keeps besides requests
// (topology and Service snapshots, pod events, source spans, the prune mark) is db/stored.ts. Reads only; every
// statement is prepared once per connection.

import { windowParams } from './queries.js';
import { perSql, type Readable, type Stmt } from './sql.js';
import { NODE_ID } from '../src/classes.js';

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
