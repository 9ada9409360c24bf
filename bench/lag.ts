// The lag measurement of the live benchmarks (watch over the API, agent over CRI files): lines appended on a fixed
// schedule while the store's row count is polled every 50 ms; each line's lag is the first poll that saw it stored
// minus the time it was appended. After the schedule, the drain: until every line is stored, or no progress for 20 s.

const POLL_MS = 50;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LagRun {
  /** Lines appended (the schedule's total unless it was cut short). */
  appended: number;
  t0: number;
  /** When the last lines were appended, and when the drain ended (performance.now() ms). */
  tLast: number;
  tDone: number;
  lagMs: { p50: number; p95: number; p99: number; max: number };
}

/**
 * Appends `total` lines at `linesPerSec` (the lines due by now, every `tickMs`: `append(due)`), calling `each(now)`
 * per tick first (the kubelet's size monitor), for at least `seconds`; then drains. `storedNow` is the store's count.
 */
export async function measureLag(o: {
  total: number;
  linesPerSec: number;
  seconds: number;
  tickMs: number;
  storedNow: () => number;
  append: (due: number) => void;
  each?: (now: number) => void;
}): Promise<LagRun> {
  const cap = Math.ceil((o.seconds * 1000) / o.tickMs) * 4 + 100;
  const appendT = new Float64Array(cap);
  const appendN = new Float64Array(cap);
  let nAppend = 0;
  const pollT: number[] = [];
  const pollN: number[] = [];
  let appended = 0;
  const t0 = performance.now();
  const tEnd = t0 + o.seconds * 1000;
  let nextPoll = t0;
  const poll = (now: number) => {
    pollT.push(now);
    pollN.push(o.storedNow());
    nextPoll = now + POLL_MS;
  };
  for (;;) {
    const now = performance.now();
    if (now >= nextPoll) poll(now);
    o.each?.(now);
    const due = Math.min(o.total, Math.floor((o.linesPerSec * (now - t0)) / 1000)) - appended;
    if (due > 0) {
      o.append(due);
      appended += due;
      if (nAppend < cap) {
        appendT[nAppend] = performance.now();
        appendN[nAppend++] = appended;
      }
    }
    if (appended >= o.total && now >= tEnd) break;
    await sleep(o.tickMs);
  }
  const tLast = performance.now();
  // Drain: until every line is stored, or no progress for 20 s.
  let last = o.storedNow();
  let lastProgress = performance.now();
  for (;;) {
    const now = performance.now();
    poll(now);
    const s = pollN[pollN.length - 1];
    if (s >= appended) break;
    if (s !== last) {
      last = s;
      lastProgress = now;
    } else if (now - lastProgress > 20_000) break;
    await sleep(POLL_MS);
  }
  const tDone = pollT[pollT.length - 1];
  return { appended, t0, tLast, tDone, lagMs: lagStats(appendT, appendN, nAppend, pollT, pollN) };
}

/** Per-line lag histogram from the append timeline and the polled stored counts. */
export function lagStats(appendT: Float64Array, appendN: Float64Array, nAppend: number, pollT: number[], pollN: number[]) {
  const hist = new Uint32Array(120_001);
  let line = 0; // lines accounted so far
  let k = 0; // timeline index: appendN[k] >= line + 1
  let total = 0;
  let max = 0;
  for (let i = 0; i < pollT.length; i++) {
    const upto = pollN[i];
    while (line < upto) {
      while (k < nAppend - 1 && appendN[k] < line + 1) k++;
      // Lines appendN[k-1]+1 .. appendN[k] were appended at appendT[k]: count them all at once.
      const last = Math.min(upto, appendN[k]);
      const n = last - line;
      if (n <= 0) break;
      const lag = Math.max(0, Math.round(pollT[i] - appendT[k]));
      hist[Math.min(lag, hist.length - 1)] += n;
      total += n;
      if (lag > max) max = lag;
      line = last;
    }
  }
  const pct = (p: number) => {
    const want = total * p;
    let acc = 0;
    for (let ms = 0; ms < hist.length; ms++) {
      acc += hist[ms];
      if (acc >= want && acc > 0) return ms;
    }
    return max;
  };
  return { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max };
}
