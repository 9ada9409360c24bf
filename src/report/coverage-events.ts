// Coverage of a pod from its stream lifecycle events alone: for databases written before stream cursors said which
// container instance they belong to and whether it was read whole (src/report/coverage.ts uses those when present).
// A pod is covered while one of its log streams is open (stream-start/restart .. stream-end/stream-error/deleted;
// after a stream error, again from its reconnect (a stream-start 'reconnected') or its next stored request, whichever
// is first; databases written before watch recorded reconnects have only the latter)
// or inside the first..last request time of a saved log (file/stdin sources). After `deleted` the pod is gone,
// which is not a gap. Everything else in the window is a gap, with the reason the state at its start gives.
// Gaps shorter than a second (a watch opening its stream) are not reported.
import type { Readable } from '../../db/sql.js';
import { firstRequestAfter } from '../../db/audit.js';
import type { SourceSpan, StoredPodEvent } from '../../db/stored.js';

import type { Gap, PodCoverage } from './coverage-types.js';
import { MIN_GAP_MS, clip, complement, merge, type Span } from './spans.js';

const fmtSpan = (s: SourceSpan) => `${s.path ?? s.key}`;

/** Why nothing covers `t` when no stream source says (a pod only watched, or only saved logs); coverage.ts uses it too. */
export function reasonAt(t: number, events: StoredPodEvent[], files: SourceSpan[]): string {
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

/** Coverage of one pod over [from, until) from its events (before `until`, oldest first) and saved-log spans. */
export function eventCoverage(
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
