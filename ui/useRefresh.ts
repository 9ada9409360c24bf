// Timer that re-reads the live stats: a new tick every `refreshMs` (at least 100 ms, so at most 10 frames
// a second) when the stats changed, and at least once a second anyway so rates decay when traffic stops.
// refreshMs 0 turns it off (tests redraw on keys only).

import { useEffect, useState } from 'react';
import type { LiveStats } from '../src/live/stats.js';

export function useRefresh(stats: LiveStats, refreshMs: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (refreshMs <= 0) return;
    let seen = -1;
    let last = 0;
    const t = setInterval(() => {
      const now = Date.now();
      if (stats.version === seen && now - last < 1000) return;
      seen = stats.version;
      last = now;
      setTick((n) => n + 1);
    }, Math.max(100, refreshMs));
    return () => clearInterval(t);
  }, [refreshMs, stats]);
  return tick;
}
