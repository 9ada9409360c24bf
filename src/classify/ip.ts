// IP address parsing and canonical form on numbers: IPv4 as an unsigned 32-bit number (ipv4.ts), IPv6 as a BigInt
// (public API) or four uint32 words (parseAddr, the allocation-free path classify takes per line; groups in ipv6.ts).
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address. Hand-written parsers (no regex, no ip-address objects)
// because classify parses every distinct address it sees; the strictness follows nginx (ngx_inet_addr /
// ngx_inet6_addr): dotted quads of decimal octets, IPv6 with one "::" and an optional dotted tail, no zone ids.
// CIDRs and the longest-prefix table are cidr.ts.
import { formatV4, parseV4, v4TextLength } from './ipv4.js';
import { bestAt, bestLen, formatGroups, formatV6, groups, parseV6Groups, v6Gap, v6Plain, v6Zeros, zeroRun } from './ipv6.js';

/** A parsed address. `n`: uint32 for IPv4, 128-bit BigInt for IPv6. */
export type Ip = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly n: bigint };

const COLON = 58;

/** Registers of parseAddr: the IPv4 uint32 in [0], or the IPv6 address as four uint32 words, most significant first. */
export const ADDR = new Uint32Array(4);
/** parseAddr result bits: the kind (4 or 6, 0 when not an address), and CANONICAL when the text is its canonical form. */
export const CANONICAL = 8;

/** Whether s[start, end) has a colon: IPv6 (or IPv4-mapped) rather than IPv4. */
function hasColon(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === COLON) return true;
  return false;
}

/**
 * Parses an IPv4 or IPv6 address in s[start, end) into ADDR without allocating: returns 0 (not an address), 4 or 6,
 * plus CANONICAL when the text already is the canonical form. IPv4-mapped IPv6 is IPv4 (never canonical text).
 */
export function parseAddr(s: string, start = 0, end = s.length): number {
  if (!hasColon(s, start, end)) {
    const n = parseV4(s, start, end);
    if (n < 0) return 0;
    ADDR[0] = n;
    return v4TextLength(n) === end - start ? 4 | CANONICAL : 4;
  }
  const g = groups;
  if (!parseV6Groups(s, start, end, g)) return 0;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    ADDR[0] = g[6] * 65536 + g[7];
    return 4;
  }
  ADDR[0] = g[0] * 65536 + g[1];
  ADDR[1] = g[2] * 65536 + g[3];
  ADDR[2] = g[4] * 65536 + g[5];
  ADDR[3] = g[6] * 65536 + g[7];
  if (!v6Plain) return 6;
  zeroRun(g);
  return (bestAt < 0 ? v6Gap < 0 : v6Gap === bestAt && v6Zeros === bestLen) ? 6 | CANONICAL : 6;
}

/** Canonical text of the address parseAddr last parsed (kind 4 or 6). */
export function formatParsed(kind: number): string {
  if ((kind & 7) === 4) return formatV4(ADDR[0]);
  return formatGroups(groups);
}

/** Parses an IPv4 or IPv6 address (no prefix, no port, no brackets); null when it is not one. */
export function parseIp(s: string, start = 0, end = s.length): Ip | null {
  // IPv4 first: the common case, and it has no colon.
  if (!hasColon(s, start, end)) {
    const n = parseV4(s, start, end);
    return n < 0 ? null : { v: 4, n };
  }
  if (!parseV6Groups(s, start, end, groups)) return null;
  const g = groups;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return { v: 4, n: g[6] * 65536 + g[7] };
  }
  const a = BigInt(((g[0] << 16) | g[1]) >>> 0);
  const b = BigInt(((g[2] << 16) | g[3]) >>> 0);
  const c = BigInt(((g[4] << 16) | g[5]) >>> 0);
  const d = BigInt(((g[6] << 16) | g[7]) >>> 0);
  return { v: 6, n: (a << 96n) | (b << 64n) | (c << 32n) | d };
}

/** Canonical text of a parsed address. */
export function formatIp(ip: Ip): string {
  return ip.v === 4 ? formatV4(ip.n) : formatV6(ip.n);
}

/** Canonical text of an address string, or null when it is not an IP address. */
export function canonicalIp(s: string): string | null {
  const ip = parseIp(s);
  return ip === null ? null : formatIp(ip);
}

/** Where parseAddrPort found the address inside its text: [ADDR_SPAN[0], ADDR_SPAN[1]). */
export const ADDR_SPAN = new Int32Array(2);

/**
 * The one addr:port parser (the realip walk over X-Forwarded-For uses it), like nginx's ngx_parse_addr_port:
 * "a.b.c.d", "v6", "a.b.c.d:port" or "[v6]:port" with port 1-65535. Parses the address into ADDR as parseAddr does
 * (returns its kind, 0 when the text is none of these) and sets ADDR_SPAN to the address part. No allocation.
 */
export function parseAddrPort(s: string, start = 0, end = s.length): number {
  ADDR_SPAN[0] = start;
  ADDR_SPAN[1] = end;
  const plain = parseAddr(s, start, end);
  if (plain !== 0 || end - start < 3) return plain;
  let aEnd: number;
  let aStart = start;
  if (s.charCodeAt(start) === 91 /* [ */) {
    const close = s.indexOf(']', start);
    if (close < 0 || close >= end - 1 || s.charCodeAt(close + 1) !== COLON) return 0;
    aStart = start + 1;
    aEnd = close;
  } else {
    const colon = s.indexOf(':', start);
    if (colon < 0 || colon >= end) return 0;
    aEnd = colon;
  }
  const portStart = (aStart === start ? aEnd : aEnd + 1) + 1;
  if (portStart >= end || end - portStart > 5) return 0;
  let port = 0;
  for (let i = portStart; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
    port = port * 10 + (c - 48);
  }
  if (port < 1 || port > 65535) return 0;
  ADDR_SPAN[0] = aStart;
  ADDR_SPAN[1] = aEnd;
  return parseAddr(s, aStart, aEnd);
}
