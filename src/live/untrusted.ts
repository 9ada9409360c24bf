// Requests whose X-Forwarded-For is thrown away: they come from a node, pod or private address (a load balancer, an
// ingress or a proxy in front of the pods) and carry the header, but no --trust covers the address, so no client was
// recovered. Counted with the addresses most of them came from (a bounded top-k) and how many in the last minute, for
// the TUI's --trust hint.
import type { AddressClass } from '../classes.js';
import type { RequestRow } from '../fields.js';
import { SlotRing, TopK } from './counters.js';
import type { UntrustedSource } from './types.js';

/** Classes whose X-Forwarded-For is worth a --trust hint: the proxies and balancers in front of the pods. */
const HINTED: ReadonlySet<AddressClass> = new Set<AddressClass>(['node', 'pod', 'private']);
const BUCKET_MS = 10_000;
const MINUTE_BUCKETS = 6;

export class UntrustedXff {
  private readonly top = new TopK(32); // "cls addr"
  private count = 0;
  private readonly recent = new SlotRing(MINUTE_BUCKETS + 2, BUCKET_MS);

  /** Counts the request when its X-Forwarded-For went unused. */
  add(row: RequestRow, t: number): void {
    if (row.client !== null || row.xff === null || row.xff === '' || row.xff === '-' || !HINTED.has(row.cls)) return;
    this.count++;
    this.top.offer(`${row.cls} ${row.remoteAddr}`);
    this.recent.add(t, 1, 0);
  }

  /** How many, how many in the last minute (at `t`), and the `n` addresses most came from. */
  snapshot(t: number, n = 3): { requests: number; recent: number; top: UntrustedSource[] } {
    const top = this.top.top(n).map((e) => {
      const sp = e.addr.indexOf(' ');
      return { cls: e.addr.slice(0, sp) as AddressClass, addr: e.addr.slice(sp + 1), count: e.count };
    });
    return { requests: this.count, recent: this.recent.sumA(t, MINUTE_BUCKETS), top };
  }
}
