// Times and durations as users type them: durations like 90s, 15m, 24h, 7d (and combinations such as 1h30m);
// times as RFC3339 (2026-11-27T02:10:00Z, with an offset or fractional seconds), `YYYY-MM-DD HH:MM[:SS]` (local
// time), `YYYY-MM-DD` (local midnight), or a duration meaning "that long ago".
import { UserError } from './errors.js';

const DURATION = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
/** The date and clock fields at the start of an RFC3339 time, to check them (Date.parse takes Feb 31 and 24:00). */
const FIELDS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds in a duration such as `90m`, `24h`, `7d`, `1h30m`; UserError naming the flag otherwise. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '' || m.slice(1).every((g) => g === undefined)) {
    throw new UserError(`${flag} "${text}" is not a duration`, `a number with a unit, like 90s, 15m, 24h or 7d`);
  }
  const [, d, h, mi, s] = m;
  return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60_000 + Number(s ?? 0) * 1000);
}

/** A point in time, ms since epoch. `now` is injectable for tests. */
export function parseTime(text: string, flag = 'time', now = Date.now()): number {
  const t = text.trim();
  const rfc = RFC3339.test(t);
  const m = rfc ? FIELDS.exec(t) : LOCAL.exec(t);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((g) => Number(g ?? 0));
    // Date rolls 25:00 over into the next day and Feb 31 into March: an impossible time is an error, not a guess.
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (h > 23 || mi > 59 || s > 59 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
      throw new UserError(`${flag} "${text}" is not a valid date and time`, 'a real date and a time from 00:00 to 23:59:59');
    }
    if (rfc) {
      const ms = Date.parse(t);
      if (!Number.isNaN(ms)) return ms;
    } else {
      return new Date(y, mo - 1, d, h, mi, s).getTime();
    }
  }
  if (DURATION.test(t) && t !== '') return now - parseDuration(t, flag);
  throw new UserError(
    `${flag} "${text}" is not a time`,
    `RFC3339 (2026-11-27T02:10:00Z), "YYYY-MM-DD HH:MM" in local time, or a duration ago like 90m`,
  );
}

/** ISO 8601 in local time with its offset, e.g. 2026-11-27T09:10:00+01:00: what people read in reports. */
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}` +
    `${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`
  );
}

/** Local time for people, like the tables but without the `T`: 2026-11-27 09:10:00 +01:00. */
export function formatReadable(ms: number): string {
  const s = formatLocal(ms);
  return `${s.slice(0, 10)} ${s.slice(11, 19)} ${s.slice(19)}`;
}
