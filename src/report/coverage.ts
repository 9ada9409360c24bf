// Coverage of an audit window per pod, so an audit never claims completeness it does not have, and never reports
// a gap where nothing is missing. It is computed from what was actually stored per container instance (each live
// stream source is one instance, and its cursor is continuous: a stream that dropped resumes exactly where it
// stopped, also across restarts of snatscope), not from stream lifecycle events alone:
// - an instance read from its first line ("whole" in its cursor) covers everything before its stored lines; one
//   started with --tail/--since covers from its first stored line;
// - an instance read to its end ("end" in its cursor) covers everything after; the latest instance of a container
//   covers up to its last stored line, and on while a stream of it is open (the last lifecycle event is a start);
// - an older instance that was not read to its end leaves a gap from its last stored line to the next instance;
// - a saved log (file/stdin) covers its first..last request time.
// After `deleted` the pod is gone, which is not a gap. A pod is covered where every one of its containers is.
// Gaps shorter than a second are not reported, except a known loss (an instance not read to its end). A pod whose
// stream cursors predate this (no instance facts) is covered from its lifecycle events as before (coverage-events.ts).
import type { Readable } from '../../db/sql.js';
import { podEvents, sourceSpans, type SourceSpan, type StoredPodEvent } from '../../db/stored.js';
import type { PodInfo } from '../classify/kube-objects.js';
import { shortContainerId } from '../text.js';
import type { Gap, PodCoverage } from './coverage-types.js';
import { MIN_GAP_MS, clip, complement, merge, type Span } from './spans.js';
import { eventCoverage, reasonAt } from './coverage-events.js';

export type { Gap, PodCoverage } from './coverage-types.js';


interface Cursor {
  whole?: boolean;
  end?: boolean;
}

function cursorOf(s: SourceSpan): Cursor {
  try {
    return s.cursor ? (JSON.parse(s.cursor) as Cursor) : {};
  } catch {
    return {};
  }
}

/** A cursor written since cursors carry instance facts (the last line's stamp, whole, end). */
function hasInstanceFacts(s: SourceSpan): boolean {
  const c = cursorOf(s) as Cursor & { last?: unknown };
  return c.last !== undefined || c.whole !== undefined || c.end !== undefined;
}

const hhmmss = (t: number) => new Date(t).toISOString().slice(11, 19);

/** A covered span and what a hole right after it (or right before it) means. */
interface Claim {
  span: Span;
  /** Why the time after span[1] is missing, when nothing else covers it. */
  after: string;
  /** Why the time before span[0] is missing. */
  before: string;
  /** The time after span[1] is a known loss (reported however short). */
  loss: boolean;
}

/** What one container's instances (stream sources, oldest first) cover. */
function containerClaims(instances: SourceSpan[], events: StoredPodEvent[]): Claim[] {
  const claims: Claim[] = [];
  let prevEnd = -Infinity;
  let prevComplete = true;
  for (let i = 0; i < instances.length; i++) {
    const s = instances[i];
    const c = cursorOf(s);
    const latest = i === instances.length - 1;
    const firstLine = s.first ?? s.firstSeen;
    const start = c.whole ? (prevComplete ? prevEnd : Math.min(firstLine, s.firstSeen)) : firstLine;
    let end: number;
    let after: string;
    let loss = false;
    if (c.end) {
      end = Infinity;
      after = '';
    } else if (latest) {
      // Being read while a stream of the container is open; else up to the last line stored.
      const last = events.at(-1);
      const open = last !== undefined && (last.event === 'stream-start' || last.event === 'restart' || last.event === 'stream-error');
      end = open ? Infinity : Math.max(s.last ?? s.firstSeen, last?.time ?? -Infinity) + 1;
      after = last?.event === 'stream-end' ? `not read since the log stream ended${last.detail ? `: ${last.detail}` : ''}` : 'not read since';
    } else {
      end = (s.last ?? s.firstSeen) + 1;
      after = `container instance ${shortContainerId(s.containerId)} was not read to its end (nothing stored after ${hhmmss(end - 1)})`;
      loss = true;
    }
    const before = c.whole ? after : s.first === null ? 'nothing stored from this container instance' : 'before the first line read (the stream started with --tail or --since)';
    claims.push({ span: [start, end], after, before, loss });
    prevEnd = end;
    prevComplete = c.end === true;
  }
  return claims;
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
  const streams = mine.filter((s) => s.kind === 'stream');
  if (streams.length > 0 && !streams.some(hasInstanceFacts)) return eventCoverage(db, pod, from, until, events, spans);
  const files = mine.filter((s) => s.kind !== 'stream' && s.first !== null && s.last !== null);
  const fileSpans: Span[] = files.map((s) => [s.first!, s.last! + 1]);

  // Deleted periods are not gaps (from a deletion until the pod is watched again).
  const excluded: Span[] = [];
  let deletedAt: number | null = null;
  let deletedInWindow: number | null = null;
  for (const e of events) {
    if (e.event === 'deleted') {
      if (deletedAt === null) deletedAt = e.time;
      if (e.time >= from) deletedInWindow = e.time;
    } else if (deletedAt !== null && (e.event === 'watched' || e.event === 'stream-start' || e.event === 'restart')) {
      excluded.push([deletedAt, e.time]);
      deletedAt = null;
    }
  }
  if (deletedAt !== null) excluded.push([deletedAt, until]);

  // Per container: its instances' claims; the pod's holes are where any container has one.
  const byContainer = new Map<string, SourceSpan[]>();
  for (const s of mine) {
    if (s.kind !== 'stream') continue;
    const k = s.container ?? '';
    const l = byContainer.get(k);
    if (l) l.push(s);
    else byContainer.set(k, [s]);
  }
  const holes: Array<Span & { reason?: string; loss?: boolean }> = [];
  const covered: Span[] = [...fileSpans];
  const containers = [...byContainer.entries()];
  if (containers.length === 0) {
    for (const h of complement(merge(clip([...fileSpans, ...excluded], from, until)), from, until)) holes.push(h);
  }
  for (const [name, list] of containers) {
    list.sort((a, b) => a.firstSeen - b.firstSeen || a.id - b.id);
    const claims = containerClaims(list, events.filter((e) => (e.container ?? '') === name));
    const spansOf = claims.map((c) => c.span);
    covered.push(...spansOf);
    for (const h of complement(merge(clip([...spansOf, ...fileSpans, ...excluded], from, until)), from, until)) {
      const before = claims.find((c) => c.span[0] >= h[1]);
      const after = [...claims].reverse().find((c) => c.span[1] <= h[0]);
      holes.push(Object.assign([h[0], h[1]] as Span, { reason: after?.after || before?.before, loss: after?.loss === true }));
    }
  }
  const pieces = holes.sort((a, b) => a[0] - b[0]);
  const gaps: Array<Gap & { loss: boolean }> = [];
  for (const h of pieces) {
    const prev = gaps.at(-1);
    if (prev && h[0] <= prev.until) {
      prev.until = Math.max(prev.until, h[1]);
      prev.loss ||= h.loss === true;
      continue;
    }
    gaps.push({ from: h[0], until: h[1], reason: h.reason ?? reasonAt(h[0], events, files), loss: h.loss === true });
  }
  const realGaps = gaps.filter((g) => g.loss || g.until - g.from >= MIN_GAP_MS).map(({ loss: _loss, ...g }) => g);
  const window = until - from;
  const kinds = [...new Set([...(events.length ? ['stream'] : []), ...mine.map((s) => s.kind)])].sort();
  return {
    namespace: pod.namespace,
    pod: pod.pod,
    sources: kinds,
    coveredMs: window - gaps.reduce((n, g) => n + (g.until - g.from), 0) - excludedMs(excluded, from, until, gaps),
    gaps: realGaps,
    deletedAt: deletedInWindow,
  };
}

/** Deleted time inside the window that is neither covered nor a gap. */
function excludedMs(excluded: Span[], from: number, until: number, gaps: Gap[]): number {
  const ex = merge(clip(excluded, from, until));
  let n = 0;
  for (const [a, b] of ex) {
    n += b - a;
    for (const g of gaps) n -= Math.max(0, Math.min(b, g.until) - Math.max(a, g.from));
  }
  return n;
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
