// Pod list operations for the table: sort (requests, SNAT ratio, name), filter by name or node, and totals
// over the rows shown (so a filtered table's totals row matches its rows).

import { SHARE_CLASSES, perShare } from '../src/classes.js';
import type { PodRow, Totals } from '../src/live/stats.js';

export type SortKey = 'requests' | 'snat' | 'name';
export const SORTS: readonly SortKey[] = ['requests', 'snat', 'name'];

export function sortPods(pods: PodRow[], sort: SortKey): PodRow[] {
  const byName = (a: PodRow, b: PodRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const out = [...pods];
  if (sort === 'requests') out.sort((a, b) => b.requests - a.requests || byName(a, b));
  else if (sort === 'snat') {
    const r = (p: PodRow) => (Number.isNaN(p.snatRatio) ? -1 : p.snatRatio); // pods without requests last
    out.sort((a, b) => r(b) - r(a) || byName(a, b));
  } else out.sort(byName);
  return out;
}

export function filterPods(pods: PodRow[], filter: string): PodRow[] {
  const f = filter.trim().toLowerCase();
  if (!f) return pods;
  return pods.filter((p) => p.key.toLowerCase().includes(f) || (p.node ?? '').toLowerCase().includes(f));
}

/** Totals over a subset of rows (when filtered). */
export function totalsOf(pods: PodRow[]): Totals {
  let requests = 0, rps = 0, recovered = 0, snat = 0, client = 0;
  const sum = perShare(() => 0);
  for (const p of pods) {
    requests += p.requests;
    rps += p.rps;
    recovered += p.recovered;
    if (p.requests > 0) {
      for (const c of SHARE_CLASSES) sum[c] += p.shares[c] * p.requests;
      // The SNAT ratio is over client traffic (every request but the probes): weight it by that.
      const clientRequests = p.requests - Math.round(p.shares.probe * p.requests);
      if (clientRequests > 0) snat += p.snatRatio * clientRequests;
      client += clientRequests;
    }
  }
  const r = (x: number) => (requests > 0 ? x / requests : NaN);
  return { requests, rps, recovered, snatRatio: client > 0 ? snat / client : NaN, shares: perShare((c) => r(sum[c])) };
}
