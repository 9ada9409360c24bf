// IPv6 text as 8 groups and back (RFC 5952), for ip.ts: one "::" and an optional dotted tail, no zone ids (nginx's
// ngx_inet6_addr). parseV6Groups writes the groups into a caller's array and leaves what parseAddr needs to tell
// canonical text (where "::" sat, how many zeros, whether the style was plain) in the module's registers below, so
// nothing is allocated per address.
import { parseV4 } from './ipv4.js';

const COLON = 58;
const DOT = 46;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

// Set by parseV6Groups: where "::" sat (-1: none), how many zero groups it stood for, and whether every group
// was written in canonical style (lowercase, no leading zeros, no dotted tail).
export let v6Gap = -1;
export let v6Zeros = 0;
export let v6Plain = true;

/** Parses IPv6 text in s[start, end) into 8 groups (written to `g`); false when it is not IPv6. */
export function parseV6Groups(s: string, start: number, end: number, g: Uint16Array): boolean {
  const len = end - start;
  if (len < 2 || len > 45) return false;
  let count = 0;
  let gap = -1; // group index where "::" sits
  let plain = true;
  let i = start;
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      g.fill(0);
      v6Gap = 0;
      v6Zeros = 8;
      v6Plain = true;
      return true;
    }
  }
  for (;;) {
    // one group: hex digits, or a dotted IPv4 tail
    const gs = i;
    let val = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      const h = hexVal(c);
      if (h < 0) break;
      if (c <= 70 && c >= 65) plain = false;
      val = val * 16 + h;
      i++;
    }
    const digits = i - gs;
    if (i < end && s.charCodeAt(i) === DOT) {
      if (count > 6) return false;
      const v4 = parseV4(s, gs, end);
      if (v4 < 0) return false;
      g[count++] = v4 >>> 16;
      g[count++] = v4 & 0xffff;
      plain = false;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    if (digits > 1 && s.charCodeAt(gs) === 48) plain = false;
    g[count++] = val;
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return false;
    i++;
    if (i < end && s.charCodeAt(i) === COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  v6Gap = gap;
  v6Plain = plain;
  if (gap < 0) {
    v6Zeros = 0;
    return count === 8;
  }
  if (count > 7) return false;
  const move = count - gap;
  const zeros = 8 - count;
  v6Zeros = zeros;
  for (let k = move - 1; k >= 0; k--) g[gap + zeros + k] = g[gap + k];
  for (let k = 0; k < zeros; k++) g[gap + k] = 0;
  return true;
}

export const groups = new Uint16Array(8);

/** Where RFC 5952 puts "::" in these groups: the first longest run (>= 2) of zero groups; at < 0 when none. */
export let bestAt = -1;
export let bestLen = 0;
export function zeroRun(g: Uint16Array): void {
  bestAt = -1;
  bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestAt = k;
      bestLen = e - k;
    }
    k = e;
  }
}

/** RFC 5952 text of 8 groups. */
export function formatGroups(g: Uint16Array): string {
  zeroRun(g);
  let out = '';
  if (bestAt < 0) {
    for (let k = 0; k < 8; k++) out += k === 0 ? g[k].toString(16) : ':' + g[k].toString(16);
    return out;
  }
  for (let k = 0; k < bestAt; k++) out += k === 0 ? g[k].toString(16) : ':' + g[k].toString(16);
  out += '::';
  for (let k = bestAt + bestLen; k < 8; k++) out += k === bestAt + bestLen ? g[k].toString(16) : ':' + g[k].toString(16);
  return out;
}

/** RFC 5952 text of an IPv6 BigInt: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function formatV6(n: bigint): string {
  const g = new Uint16Array(8);
  for (let k = 7; k >= 0; k--) {
    g[k] = Number(n & 0xffffn);
    n >>= 16n;
  }
  return formatGroups(g);
}
