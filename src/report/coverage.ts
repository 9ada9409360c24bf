// Coverage of an audit window per pod, so an audit never claims completeness it does not have.
// A pod is covered while one of its log streams is open (stream-start/restart .. stream-end/stream-error/deleted;
// after a stream error, again from its reconnect (a stream-start 'reconnected') or its next stored request, whichever
// is first; databases written before watch recorded reconnects have only the latter)
// or inside the first..last request time of a saved log (file/stdin sources). After `deleted` the pod is gone,
// which is not a gap. Everything else in the window is a gap, with the reason the state at its start gives.
// Gaps shorter than a second (a watch opening its stream) are not reported.
import type { Readable } from '../../db/sql.js';
import { firstRequestAfter, podEvents, sourceSpans, type SourceSpan, type StoredPodEvent } from '../../db/audit.js';
import type { PodInfo } from '../classify/kube-objects.js';

export interface Gap {
  from: number;
  until: number;
  reason: string;
}

export interface PodCoverage {
  namespace: string;
  pod: string;
  /** Kinds of sources seen for the pod: stream (watch), file, stdin. */
  sources: string[];
  /** Covered milliseconds of the window. */
  coveredMs: number;
  gaps: Gap[];
  /** Set when the pod was deleted inside the window. */
  deletedAt: number | null;
}

type Span = [number, number];

const MIN_GAP_MS = 1000;

function clip(spans: Span[], from: number, until: number): Span[] {
  const out: Span[] = [];
  for (const [a, b] of spans) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, until);
    if (hi > lo) out.push([lo, hi]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const last = out.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

function complement(spans: Span[], from: number, until: number): Span[] {
  const out: Span[] = [];
  let t = from;
  for (const [a, b] of spans) {
    if (a > t) out.push([t, a]);
    t = Math.max(t, b);
  }
  if (until > t) out.push([t, until]);
  return out;
}

const fmtSpan = (s: SourceSpan) => `${s.path ?? s.key}`;

function reasonAt(t: number, events: StoredPodEvent[], files: SourceSpan[]): string {
  let last: StoredPodEvent | undefined;
  for (const e of events) {
    if (e.time > t) break;
    last = e;
  }
  const detail = (e: StoredPodEvent) => (e.detail ? `: ${e.detail}` : '');
  if (last === undefined) {
    if (events.length > 0) return 'not watched yet';
    if (files.length > 0) return `outside the saved log${files.length > 1 ? 's' : ''} (${files.map(fmtSpan).join(', ')})`;
    return 'no source covers it';
  }
  switch (last.event) {
    case 'stream-error':
      return `log stream disconnected${detail(last)}`;
    case 'stream-end':
      return `log stream ended${detail(last)}`;
    case 'watched':
      return 'watched, log stream not started';
    default:
      return `no log stream open (last event ${last.event}${detail(last)})`;
  }
}

/** Coverage of one pod over [from, until). `events` are the pod's events before `until`, oldest first. */
export function podCoverage(
  db: Readable,
  pod: { namespace: string; pod: string },
  from: number,
  until: number,
  events: StoredPodEvent[],
  spans: SourceSpan[],
): PodCoverage {
  const mine = spans.filter((s) => s.namespace === pod.namespace && s.pod === pod.pod);
  const files = mine.filter((s) => s.kind !== 'stream' && s.first !== null && s.last !== null);
  const covered: Span[] = files.map((s) => [s.first!, s.last! + 1]);
  const excluded: Span[] = [];
  const live = new Map<string, number>();
  let deletedAt: number | null = null;
  let deletedInWindow: number | null = null;
  for (const e of events) {
    const key = e.container ?? '';
    switch (e.event) {
      case 'stream-start':
      case 'restart': {
        const cur = live.get(key);
        if (cur === undefined || cur > e.time) live.set(key, e.time);
        if (deletedAt !== null) excluded.push([deletedAt, e.time]);
        deletedAt = null;
        break;
      }
      case 'stream-end':
      case 'stream-error': {
        const start = live.get(key);
        if (start !== undefined && e.time > start) covered.push([start, e.time]);
        live.delete(key);
        if (e.event === 'stream-error') {
          const resumed = firstRequestAfter(db, pod.namespace, pod.pod, e.time, until);
          if (resumed !== null) live.set(key, resumed);
        }
        break;
      }
      case 'deleted':
        for (const start of live.values()) if (e.time > start) covered.push([start, e.time]);
        live.clear();
        if (deletedAt === null) deletedAt = e.time;
        if (e.time >= from) deletedInWindow = e.time;
        break;
      case 'watched':
        if (deletedAt !== null) excluded.push([deletedAt, e.time]);
        deletedAt = null;
        break;
    }
  }
  for (const start of live.values()) covered.push([start, until]);
  if (deletedAt !== null) excluded.push([deletedAt, until]);

  const cov = merge(clip(covered, from, until));
  const holes = complement(merge(clip([...covered, ...excluded], from, until)), from, until);
  const gaps: Gap[] = holes
    .filter(([a, b]) => b - a >= MIN_GAP_MS)
    .map(([a, b]) => ({ from: a, until: b, reason: reasonAt(a, events, files) }));
  const kinds = [...new Set([...(events.length ? ['stream'] : []), ...mine.map((s) => s.kind)])].sort();
  return {
    namespace: pod.namespace,
    pod: pod.pod,
    sources: kinds,
    coveredMs: cov.reduce((n, [a, b]) => n + (b - a), 0),
    gaps,
    deletedAt: deletedInWindow,
  };
}

/**
 * Coverage of an audit: every pod with requests in the window, or events, or a saved log overlapping it, narrowed
 * by the audit's filters (--node by the pod's node: from its requests, else the stored topology).
 */
export function auditCoverage(
  db: Readable,
  q: { from: number; until: number; namespace?: string; pod?: string; node?: string },
  withRequests: readonly { namespace: string; pod: string; node: string | null }[],
  storedPods: readonly PodInfo[],
): PodCoverage[] {
  const spans = sourceSpans(db);
  const eventsOf = new Map<string, StoredPodEvent[]>();
  for (const e of podEvents(db, { until: q.until, namespace: q.namespace, pod: q.pod })) {
    const k = `${e.namespace}/${e.pod}`;
    const l = eventsOf.get(k);
    if (l) l.push(e);
    else eventsOf.set(k, [e]);
  }
  const nodeOf = new Map<string, string | null>();
  for (const p of storedPods) nodeOf.set(`${p.namespace}/${p.name}`, p.nodeName);
  for (const p of withRequests) nodeOf.set(`${p.namespace}/${p.pod}`, p.node);
  const candidates = new Set<string>([...withRequests.map((p) => `${p.namespace}/${p.pod}`), ...eventsOf.keys()]);
  for (const s of spans) {
    if (s.namespace === null || s.pod === null) continue;
    if (q.namespace && s.namespace !== q.namespace) continue;
    if (q.pod && s.pod !== q.pod) continue;
    // A saved log only matters if it overlaps the window; a stream source always does (coverage says how much).
    if (s.kind !== 'stream' && (s.first === null || s.last! < q.from || s.first >= q.until)) continue;
    candidates.add(`${s.namespace}/${s.pod}`);
  }
  const out: PodCoverage[] = [];
  for (const k of [...candidates].sort()) {
    if (q.node && (nodeOf.get(k) ?? null) !== q.node) continue;
    const slash = k.indexOf('/');
    out.push(podCoverage(db, { namespace: k.slice(0, slash), pod: k.slice(slash + 1) }, q.from, q.until, eventsOf.get(k) ?? [], spans));
  }
  return out;
}
