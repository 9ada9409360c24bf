// The per-instance stream cursor: what a resume asks for, which replayed lines it skips, and how it tells that a
// stream serves another container instance (table-driven, with kubelet-style RFC3339Nano stamps).
import { describe, expect, it } from 'vitest';
import { StreamCursor, parseCursor } from '../src/kube/cursor.js';

const at = (sec: number, n: number) => `2026-11-27T02:10:${String(sec).padStart(2, '0')}.${String(n).padStart(9, '0')}Z GET /r/${sec}-${n}`;

/** Delivers `first`, resumes, classifies `replay`; returns the verdicts and the replay's completeness. */
function resumeWith(first: string[], replay: string[]) {
  const c = new StreamCursor(null, true);
  for (const l of first) expect(c.classify(l)).toBe('new');
  const since = c.resume();
  const verdicts = replay.map((l) => c.classify(l));
  return { since, verdicts, complete: c.replayComplete(), cursor: c.value, outOfOrder: c.outOfOrder };
}

describe('the stream cursor', () => {
  it.each([
    ['the same instance replays the cursor second: skipped, then new', [at(1, 1), at(2, 1), at(2, 2)], [at(2, 1), at(2, 2), at(3, 1)], ['seen', 'seen', 'new'], true],
    ['another instance serves a later second first', [at(1, 1), at(2, 1)], [at(3, 1)], ['foreign'], false],
    ['another instance logged in the same second (other stamps)', [at(2, 1), at(2, 2)], [at(2, 5), at(2, 6)], ['seen', 'foreign'], false],
    ['a stream that ends before the last stored line came round', [at(2, 1), at(2, 2)], [at(2, 1)], ['seen'], false],
  ] as const)('%s', (_name, first, replay, verdicts, complete) => {
    const r = resumeWith([...first], [...replay]);
    expect(r.since).toBe('2026-11-27T02:10:02Z');
    expect(r.verdicts).toEqual(verdicts);
    expect(r.complete).toBe(complete);
  });

  it('a clock stepped back: resumes from the last line, skips what was stored before the step, counts older lines', () => {
    // 10, 11, 11 stored; the clock steps back to 05; 05, 06 stored (out of order).
    const r = resumeWith([at(10, 1), at(11, 1), at(11, 2), at(5, 1), at(6, 1)], [
      // The server replays every line stamped >= 06 in log order: 10, 11, 11 (before the step), 06, then new ones.
      at(10, 1), at(11, 1), at(11, 2), at(6, 1), at(6, 2), at(7, 1),
    ]);
    expect(r.since).toBe('2026-11-27T02:10:06Z');
    expect(r.verdicts).toEqual(['seen', 'seen', 'seen', 'seen', 'new', 'new']);
    expect(r.outOfOrder).toBe(4);
    expect(r.cursor).toMatchObject({ sinceTime: '2026-11-27T02:10:07Z', skip: 1, later: { '2026-11-27T02:10:10Z': 1, '2026-11-27T02:10:11Z': 2 } });
  });

  it('survives a round trip through its stored JSON (an earlier run)', () => {
    const c = new StreamCursor(null, true);
    for (const l of [at(10, 1), at(11, 1), at(5, 1)]) c.classify(l);
    const again = new StreamCursor(parseCursor(c.json()));
    expect(again.value).toEqual(c.value);
    expect(again.whole).toBe(true);
    again.resume();
    expect([at(10, 1), at(11, 1), at(5, 1), at(5, 2)].map((l) => again.classify(l))).toEqual(['seen', 'seen', 'seen', 'new']);
  });
});
