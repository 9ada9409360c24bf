import { describe, expect, it } from 'vitest';
import { formatLocal, parseDuration, parseTime } from '../src/time.js';
import { UserError } from '../src/errors.js';

describe('durations and times as users type them', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['90m', 5_400_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it('rejects a duration without unit with a hint', () => {
    expect(() => parseDuration('90', '--since')).toThrow(UserError);
    expect(() => parseDuration('90', '--since')).toThrow(/--since "90" is not a duration/);
  });
  it('reads RFC3339 with Z, offsets and fractions', () => {
    expect(parseTime('2026-11-27T02:10:00Z')).toBe(Date.UTC(2026, 10, 27, 2, 10));
    expect(parseTime('2026-11-27T03:10:00+01:00')).toBe(Date.UTC(2026, 10, 27, 2, 10));
    expect(parseTime('2026-11-27T02:10:00.250Z')).toBe(Date.UTC(2026, 10, 27, 2, 10) + 250);
  });
  it('reads "YYYY-MM-DD HH:MM" as local time', () => {
    expect(parseTime('2026-11-27 02:10')).toBe(new Date(2026, 10, 27, 2, 10).getTime());
  });
  it('reads a duration as that long ago', () => {
    expect(parseTime('90m', 't', 10_000_000)).toBe(10_000_000 - 5_400_000);
  });
  it('rejects nonsense and impossible dates', () => {
    expect(() => parseTime('yesterday')).toThrow(UserError);
    expect(() => parseTime('2026-02-31 10:00')).toThrow(UserError);
  });
  it.each(['2026-12-01 25:00', '2026-12-01 23:60', '2026-12-01 23:59:60', '2026-02-30', '2026-12-01T25:00:00Z', '2026-12-01T24:00:00Z', '2026-02-31T10:00:00Z'])(
    'rejects the impossible time %s instead of rolling it over',
    (text) => {
      expect(() => parseTime(text, '--from')).toThrow(UserError);
      expect(() => parseTime(text, '--from')).toThrow(`--from "${text}" is not a valid date and time`);
    },
  );
  it('still reads the last second of a day', () => {
    expect(parseTime('2026-12-01T23:59:59Z')).toBe(Date.UTC(2026, 11, 1, 23, 59, 59));
    expect(parseTime('2026-12-01 23:59:59')).toBe(new Date(2026, 11, 1, 23, 59, 59).getTime());
  });
  it('prints local time with its offset', () => {
    expect(formatLocal(Date.UTC(2026, 10, 27, 2, 10))).toMatch(/^2026-11-27T\d\d:\d\d:00[+-]\d\d:\d\d$/);
  });
});
