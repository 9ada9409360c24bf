// Timestamps in log lines, parsed by hand from a position in the line (no Date.parse, no substring):
// RFC3339 / RFC3339Nano (kubectl --timestamps, CRI, docker, $time_iso8601), nginx $time_local
// (27/Nov/2026:08:44:38 +0000) and $msec (1700000000.123). All return ms since epoch, NaN when invalid.

/** Where the last parseRfc3339 stopped (index after the timestamp). */
export const scan = { end: 0 };

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m]) return false;
  if (m === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return true;
}

/** Value of `n` decimal digits at `i`, or -1 when any of them is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (!(c >= 0 && c <= 9)) return -1; // also catches NaN past the end of the string
    v = v * 10 + c;
  }
  return v;
}

function dig(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  return digits(s, i, n);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)` at `start`; sets scan.end. Fractions of any length (RFC3339Nano
 * trims trailing zeros); the result keeps millisecond precision.
 */
export function parseRfc3339(s: string, start: number): number {
  // Up to the seconds, consecutive timestamps mostly repeat: compare with the last one (from the end) first.
  let k = 18;
  while (k >= 0 && s.charCodeAt(start + k) === lastHead[k]) k--;
  let base: number;
  if (k < 0 && lastBase === lastBase) base = lastBase;
  else {
    base = parseHead(s, start);
    if (base !== base) return NaN;
    for (k = 0; k < 19; k++) lastHead[k] = s.charCodeAt(start + k);
    lastBase = base;
  }
  let i = start + 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) { // '.'
    i++;
    const f0 = i;
    let scale = 100;
    for (;;) {
      const c = s.charCodeAt(i) - 48;
      if (!(c >= 0 && c <= 9)) break;
      if (scale >= 1) { ms += c * scale; scale /= 10; }
      i++;
    }
    if (i === f0) return NaN;
  }
  let offset = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) { // Z z
    i++;
  } else if (z === 43 || z === 45) { // + -
    const oh = dig(s, i + 1, 2);
    let om: number;
    if (s.charCodeAt(i + 3) === 58) { om = dig(s, i + 4, 2); i += 6; } else { om = dig(s, i + 3, 2); i += 5; }
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return NaN;
    offset = (oh * 60 + om) * (z === 43 ? 1 : -1);
  } else {
    return NaN;
  }
  scan.end = i;
  return base - offset * 60000 + ms;
}

// The last `YYYY-MM-DDTHH:MM:SS` seen by parseRfc3339 (as char codes) and its value as UTC ms.
const lastHead = new Uint16Array(19);
let lastBase = NaN;

/** `YYYY-MM-DDTHH:MM:SS` at start as if UTC, in ms; NaN when invalid. */
function parseHead(s: string, start: number): number {
  const y = dig(s, start, 4);
  const mo = dig(s, start + 5, 2);
  const d = dig(s, start + 8, 2);
  const h = dig(s, start + 11, 2);
  const mi = dig(s, start + 14, 2);
  const se = dig(s, start + 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return NaN;
  if (s.charCodeAt(start + 4) !== 45 || s.charCodeAt(start + 7) !== 45 || s.charCodeAt(start + 13) !== 58 ||
      s.charCodeAt(start + 16) !== 58) return NaN;
  const t = s.charCodeAt(start + 10);
  if (t !== 84 && t !== 116 && t !== 32) return NaN; // T, t or space
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || se > 60) return NaN;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000;
}

/** Month number from the three letters at i (Jan..Dec), 0 when not a month. */
function month(s: string, i: number): number {
  const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
  switch (a) {
    case 74: // J
      if (b === 97 && c === 110) return 1; // Jan
      if (b === 117 && c === 110) return 6; // Jun
      if (b === 117 && c === 108) return 7; // Jul
      return 0;
    case 70: return b === 101 && c === 98 ? 2 : 0; // Feb
    case 77: return b === 97 ? (c === 114 ? 3 : c === 121 ? 5 : 0) : 0; // Mar May
    case 65: return b === 112 && c === 114 ? 4 : b === 117 && c === 103 ? 8 : 0; // Apr Aug
    case 83: return b === 101 && c === 112 ? 9 : 0; // Sep
    case 79: return b === 99 && c === 116 ? 10 : 0; // Oct
    case 78: return b === 111 && c === 118 ? 11 : 0; // Nov
    case 68: return b === 101 && c === 99 ? 12 : 0; // Dec
  }
  return 0;
}

/** Length of an nginx $time_local value. */
export const TIME_LOCAL_LENGTH = 26;

/** nginx $time_local `27/Nov/2026:08:44:38 +0000` at i (always 26 characters). */
export function parseTimeLocal(s: string, i: number): number {
  if (i + TIME_LOCAL_LENGTH > s.length) return NaN;
  const d = digits(s, i, 2);
  const mo = month(s, i + 3);
  const y = digits(s, i + 7, 4);
  const h = digits(s, i + 12, 2);
  const mi = digits(s, i + 15, 2);
  const se = digits(s, i + 18, 2);
  const sign = s.charCodeAt(i + 21);
  const oh = digits(s, i + 22, 2);
  const om = digits(s, i + 24, 2);
  if (d < 0 || mo === 0 || y < 0 || h < 0 || mi < 0 || se < 0 || oh < 0 || om < 0) return NaN;
  if (s.charCodeAt(i + 2) !== 47 || s.charCodeAt(i + 6) !== 47 || s.charCodeAt(i + 11) !== 58 ||
      s.charCodeAt(i + 14) !== 58 || s.charCodeAt(i + 17) !== 58 || s.charCodeAt(i + 20) !== 32 ||
      (sign !== 43 && sign !== 45)) return NaN;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || se > 60 || oh > 23 || om > 59) return NaN;
  const offset = (oh * 60 + om) * (sign === 43 ? 1 : -1);
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offset) * 60000 + se * 1000;
}

/**
 * A non-negative decimal `123` / `0.004` in [i, end) scaled by `scale` (1000 turns $msec seconds into ms),
 * exact for up to three fraction digits. NaN when not a number.
 */
export function parseDecimal(s: string, i: number, end: number, scale = 1): number {
  if (i >= end) return NaN;
  let int = 0;
  let k = i;
  for (; k < end; k++) {
    const c = s.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) break;
    int = int * 10 + c;
  }
  if (k === i) return NaN;
  if (k === end) return int * scale;
  if (s.charCodeAt(k) !== 46 || k + 1 === end) return NaN;
  let frac = 0;
  let div = 1;
  for (k++; k < end; k++) {
    const c = s.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    if (div < 1e15) { frac = frac * 10 + c; div *= 10; }
  }
  return int * scale + (frac * scale) / div;
}
