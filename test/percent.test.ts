// Percentages a reader can trust: a ratio that is not exactly 0 or 1 never prints as 0% or 100% (a Service with 6
// requests of 1,891 that kept their client address is not "SNAT 100%"), in the report table, the findings, the
// Service lines and the TUI alike (all through percent() in src/text.ts).
import { describe, expect, it } from 'vitest';
import { percent } from '../src/text.js';
import { formatRatio } from '../src/report/table.js';
import { pct } from '../ui/text.js';

describe('percent', () => {
  it.each([
    [0, 0, '0%'],
    [1, 0, '100%'],
    [0.5, 0, '50%'],
    [0.376, 0, '38%'],
    [0.9968, 0, '>99%'],
    [0.995, 0, '>99%'],
    [0.994, 0, '99%'],
    [0.004, 0, '<1%'],
    [0.005, 0, '1%'],
    [0.9968, 1, '99.7%'],
    [0.99996, 1, '>99.9%'],
    [0.00004, 1, '<0.1%'],
    [1, 1, '100.0%'],
    [0, 1, '0.0%'],
  ])('%d with %d decimals is %s', (r, digits, want) => {
    expect(percent(r, digits)).toBe(want);
  });

  it('is what the report table and the TUI print', () => {
    expect(formatRatio(1885 / 1891)).toBe('99.7%');
    expect(formatRatio(0.99999)).toBe('>99.9%');
    expect(formatRatio(null)).toBe('-');
    expect(pct(1885 / 1891)).toBe('>99%');
    expect(pct(Number.NaN)).toBe('-');
  });
});
