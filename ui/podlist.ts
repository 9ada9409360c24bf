// Pod list operations for the table: sort (requests, SNAT ratio, name), filter by name or node, and totals
// over the rows shown (so a filtered table's totals row matches its rows).

import { SHARE_CLASSES, perShare, type AddressClass } from '../src/classes.js';
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

/**
 * Totals over a subset of rows (when filtered), weighted as LiveStats does: the SNAT ratio and the shares by client
 * requests, a `nonClient` class's share by all requests.
 */
export function totalsOf(pods: PodRow[], nonClient: readonly AddressClass[] = []): Totals {
  let requests = 0, client = 0, rps = 0, recovered = 0, snat = 0, recent = 0, recentSnat = 0;
  const sum = perShare(() => 0);
  const all = new Set<AddressClass>(nonClient);
  for (const p of pods) {
    requests += p.requests;
    client += p.clientRequests;
    if (p.recentRequests > 0) {
      recent += p.recentRequests;
      recentSnat += p.snatRecent * p.recentRequests;
    }
    rps += p.rps;
    recovered += p.recovered;
    if (p.clientRequests > 0) snat += p.snatRatio * p.clientRequests;
    for (const c of SHARE_CLASSES) {
      const of = all.has(c) ? p.requests : p.clientRequests;
      if (of > 0) sum[c] += p.shares[c] * of;
    }
  }
  const r = (x: number, of: number) => (of > 0 ? x / of : NaN);
  return {
    requests,
    clientRequests: client,
    rps,
    recovered,
    snatRatio: r(snat, client),
    snatRecent: r(recentSnat, recent),
    shares: perShare((c) => r(sum[c], all.has(c) ? requests : client)),
  };
}
