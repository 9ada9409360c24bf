// Time spans [from, until) in ms for coverage: clipped to a window, merged, and their complement (the gaps).

export type Span = [number, number];

/** Gaps shorter than this (a watch opening its stream) are not reported. */
export const MIN_GAP_MS = 1000;

export function clip(spans: Span[], from: number, until: number): Span[] {
  const out: Span[] = [];
  for (const [a, b] of spans) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, until);
    if (hi > lo) out.push([lo, hi]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

export function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const last = out.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

export function complement(spans: Span[], from: number, until: number): Span[] {
  const out: Span[] = [];
  let t = from;
  for (const [a, b] of spans) {
    if (a > t) out.push([t, a]);
    t = Math.max(t, b);
  }
  if (until > t) out.push([t, until]);
  return out;
}
