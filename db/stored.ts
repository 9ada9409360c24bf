// What a store keeps besides request rows, for reports and audits: the topology and Service snapshots, pod and
// stream events, each source's span of requests (what prune recorded included) and the prune mark. Reads only;
// every statement is prepared once per connection.

import { perSql, type Readable, type Stmt } from './sql.js';
import type { PodEventKind, StoredSource } from './interface.js';
import { PRUNED_KEY, SPAN_KEY } from './meta.js';

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

const MAX_T = 8.64e15;

interface Statements {
  topology: Stmt;
  services: Stmt;
  events: Stmt;
  spans: Stmt;
  meta: Stmt;
  metaLike: Stmt;
  podOf: Stmt;
}

const statements = perSql((db, d): Statements => ({
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
