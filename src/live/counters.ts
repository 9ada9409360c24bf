// Small bounded counters behind LiveStats: a per-second rate ring, a per-bucket ratio ring and a
// space-saving top-k map. Each has a fixed size whatever the run length; nothing here allocates per update
// except a Map entry when a new key enters a top-k map (bounded by its capacity).

/** Counts per time slot in a ring; `sum(from, to)` over slots still held. Slot = floor(t / slotMs). */
export class SlotRing {
  private readonly stamps: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  constructor(readonly size: number, readonly slotMs: number) {
    this.stamps = new Float64Array(size).fill(-1);
    this.a = new Float64Array(size);
    this.b = new Float64Array(size);
  }

  /** Adds `da` to the first counter and `db` to the second of the slot holding time `t`. */
  add(t: number, da: number, db: number): void {
    const slot = Math.floor(t / this.slotMs);
    const i = slot % this.size;
    if (this.stamps[i] !== slot) {
      this.stamps[i] = slot;
      this.a[i] = 0;
      this.b[i] = 0;
    }
    this.a[i] += da;
    this.b[i] += db;
  }

  /** Sum of the first counter over the `n` slots ending with the one holding `t`. */
  sumA(t: number, n: number): number {
    const last = Math.floor(t / this.slotMs);
    let s = 0;
    for (let slot = last - n + 1; slot <= last; slot++) {
      const i = ((slot % this.size) + this.size) % this.size;
      if (this.stamps[i] === slot) s += this.a[i];
    }
    return s;
  }

  /** Sum of the second counter over the `n` slots ending with the one holding `t`. */
  sumB(t: number, n: number): number {
    const last = Math.floor(t / this.slotMs);
    let s = 0;
    for (let slot = last - n + 1; slot <= last; slot++) {
      const i = ((slot % this.size) + this.size) % this.size;
      if (this.stamps[i] === slot) s += this.b[i];
    }
    return s;
  }

  /** b/a per slot for the `n` slots ending with the one holding `t`, oldest first; NaN where a slot is empty. */
  ratios(t: number, n: number): number[] {
    const last = Math.floor(t / this.slotMs);
    const out: number[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const slot = last - n + 1 + k;
      const i = ((slot % this.size) + this.size) % this.size;
      out[k] = this.stamps[i] === slot && this.a[i] > 0 ? this.b[i] / this.a[i] : NaN;
    }
    return out;
  }
}

export interface TopEntry {
  addr: string;
  count: number;
}

/**
 * Space-saving top-k (Metwally et al.): at most `capacity` keys; a new key when full replaces the smallest
 * and inherits its count as error, so a key above N/capacity is never lost. top() ranks by the guaranteed
 * count (count - error), so one-off addresses that churn through the last slot never outrank real heavy hitters.
 */
export class TopK {
  private readonly m = new Map<string, { c: number; e: number }>();
  constructor(readonly capacity: number) {}

  offer(key: string): void {
    const x = this.m.get(key);
    if (x !== undefined) {
      x.c++;
      return;
    }
    if (this.m.size < this.capacity) {
      this.m.set(key, { c: 1, e: 0 });
      return;
    }
    let minKey = '';
    let min: { c: number; e: number } | null = null;
    for (const [k, v] of this.m) {
      if (min === null || v.c < min.c) {
        min = v;
        minKey = k;
      }
    }
    this.m.delete(minKey);
    // Reuse the evicted entry's object: no allocation when the map is full.
    min!.e = min!.c;
    min!.c++;
    this.m.set(key, min!);
  }

  get size(): number {
    return this.m.size;
  }

  /** The `n` largest by guaranteed count, biggest first (ties by address, for stable output). */
  top(n: number): TopEntry[] {
    const all: TopEntry[] = [];
    for (const [addr, v] of this.m) all.push({ addr, count: v.c - v.e });
    all.sort((x, y) => y.count - x.count || (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
    return all.length > n ? all.slice(0, n) : all;
  }
}
