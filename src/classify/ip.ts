// IP address parsing and canonical form, CIDRs, and a longest-prefix table, all on numbers:
// IPv4 as an unsigned 32-bit number, IPv6 as a BigInt (public API) or four uint32 words (parseAddr, the
// allocation-free path classify takes per line). IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4
// address. Hand-written parsers (no regex, no ip-address objects) because classify parses every
// distinct address it sees; the strictness follows nginx (ngx_inet_addr / ngx_inet6_addr): dotted quads
// of decimal octets, IPv6 with one "::" and an optional dotted tail, no zone ids.

/** A parsed address. `n`: uint32 for IPv4, 128-bit BigInt for IPv6. */
export type Ip = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly n: bigint };

const COLON = 58;
const DOT = 46;

/** Parses a dotted quad in s[start, end) into a uint32; -1 when it is not one. Allocates nothing. */
export function parseV4(s: string, start = 0, end = s.length): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 3) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return n * 256 + octet;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Digits of the canonical dotted quad of n (how long its text is). */
function v4TextLength(n: number): number {
  let len = 3;
  for (let k = 24; k >= 0; k -= 8) {
    const o = (n >>> k) & 255;
    len += o < 10 ? 1 : o < 100 ? 2 : 3;
  }
  return len;
}

// Set by parseV6Groups: where "::" sat (-1: none), how many zero groups it stood for, and whether every group
// was written in canonical style (lowercase, no leading zeros, no dotted tail).
let v6Gap = -1;
let v6Zeros = 0;
let v6Plain = true;

/** Parses IPv6 text in s[start, end) into 8 groups (written to `g`); false when it is not IPv6. */
function parseV6Groups(s: string, start: number, end: number, g: Uint16Array): boolean {
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

const groups = new Uint16Array(8);

/** Where RFC 5952 puts "::" in these groups: the first longest run (>= 2) of zero groups; at < 0 when none. */
let bestAt = -1;
let bestLen = 0;
function zeroRun(g: Uint16Array): void {
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
function formatGroups(g: Uint16Array): string {
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

/** Dotted-quad text of a uint32. */
export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
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

const V6_ALL = (1n << 128n) - 1n;

/** An IPv4 or IPv6 network: address with host bits cleared, and prefix length. */
export class Cidr {
  readonly v: 4 | 6;
  /** Network address: uint32 (v4) or BigInt (v6). */
  readonly n: number | bigint;
  readonly prefix: number;

  private constructor(v: 4 | 6, n: number | bigint, prefix: number) {
    this.v = v;
    this.n = n;
    this.prefix = prefix;
  }

  /** Parses "addr/prefix" or a bare address (a host route). Host bits are cleared. Null when invalid. */
  static parse(text: string): Cidr | null {
    const s = text.trim();
    const slash = s.indexOf('/');
    const ip = parseIp(s, 0, slash < 0 ? s.length : slash);
    if (ip === null) return null;
    // An IPv4-mapped v6 network with prefix >= 96 is the IPv4 network.
    const mappedV6 = ip.v === 4 && s.indexOf(':') >= 0 && s.indexOf(':') < (slash < 0 ? s.length : slash);
    const max = ip.v === 4 ? 32 : 128;
    let prefix = max;
    if (slash >= 0) {
      const p = s.slice(slash + 1);
      if (p.length === 0 || p.length > 3) return null;
      prefix = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (c < 48 || c > 57) return null;
        prefix = prefix * 10 + (c - 48);
      }
      if (mappedV6) {
        if (prefix < 96 || prefix > 128) return null;
        prefix -= 96;
      } else if (prefix > max) return null;
    }
    return Cidr.of(ip, prefix);
  }

  /** The network of `ip` with the given prefix length. */
  static of(ip: Ip, prefix: number): Cidr {
    if (ip.v === 4) return new Cidr(4, prefix === 0 ? 0 : ((ip.n >>> (32 - prefix)) << (32 - prefix)) >>> 0, prefix);
    const mask = prefix === 0 ? 0n : (V6_ALL >> BigInt(128 - prefix)) << BigInt(128 - prefix);
    return new Cidr(6, ip.n & mask, prefix);
  }

  /** True when the address (parsed, or text) lies inside this network. */
  contains(addr: Ip | string): boolean {
    const ip = typeof addr === 'string' ? parseIp(addr) : addr;
    if (ip === null || ip.v !== this.v) return false;
    if (ip.v === 4) return keyV4(ip.n, this.prefix) === keyV4(this.n as number, this.prefix);
    return keyV6(ip.n, this.prefix) === keyV6(this.n as bigint, this.prefix);
  }

  /** The network address as an Ip. */
  network(): Ip {
    return this.v === 4 ? { v: 4, n: this.n as number } : { v: 6, n: this.n as bigint };
  }

  /** The address `k` hosts into the network (1 = first host), wrapping inside the network. */
  host(k: number): Ip {
    if (this.v === 4) {
      const size = this.prefix === 0 ? 4294967296 : 2 ** (32 - this.prefix);
      return { v: 4, n: ((this.n as number) + (k % size)) >>> 0 };
    }
    const size = 1n << BigInt(128 - this.prefix);
    return { v: 6, n: (this.n as bigint) + (BigInt(k) % size) };
  }

  toString(): string {
    return `${this.v === 4 ? formatV4(this.n as number) : formatV6(this.n as bigint)}/${this.prefix}`;
  }
}

function keyV4(n: number, prefix: number): number {
  return prefix === 0 ? 0 : n >>> (32 - prefix);
}

function keyV6(n: bigint, prefix: number): bigint {
  return prefix === 0 ? 0n : n >> BigInt(128 - prefix);
}

interface Level4<T> {
  prefix: number;
  shift: number;
  map: Map<number, T>;
}

/** One IPv6 network of a table level: masked words, value, and the next entry with the same hash. */
class Entry6<T> {
  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    public value: T,
    public next: Entry6<T> | null,
  ) {}
}

interface Level6<T> {
  prefix: number;
  m0: number;
  m1: number;
  m2: number;
  m3: number;
  map: Map<number, Entry6<T>>;
}

/** IPv4 map key of a network: the prefix bits as a small integer (int32, so a V8 Smi, never a boxed number). */
function key4(n: number, shift: number, prefix: number): number {
  return prefix === 0 ? 0 : (n >>> shift) | 0;
}

/** Mask word k (0 = most significant) of a /prefix IPv6 network. */
function mask6(prefix: number, k: number): number {
  const bits = Math.min(32, Math.max(0, prefix - 32 * k));
  return bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

/** Hash of four (masked) IPv6 words, as a Smi. */
export function hash6(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x165667b1);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

const WORDS = new Uint32Array(4);

function wordsOf(n: bigint): Uint32Array {
  WORDS[0] = Number((n >> 96n) & 0xffffffffn);
  WORDS[1] = Number((n >> 64n) & 0xffffffffn);
  WORDS[2] = Number((n >> 32n) & 0xffffffffn);
  WORDS[3] = Number(n & 0xffffffffn);
  return WORDS;
}

/**
 * Longest-prefix-match table from networks to values: one Map per prefix length, looked up from the
 * longest prefix down, so a lookup costs one shift (IPv4; four masks and a hash for IPv6) and one Map.get per
 * distinct prefix length. Keys are small integers: no allocation per lookup.
 */
export class CidrTable<T> {
  private v4: Level4<T>[] = [];
  private v6: Level6<T>[] = [];
  size = 0;

  /** Adds a network; an existing entry for the same network is kept unless `replace`. */
  add(cidr: Cidr, value: T, replace = false): void {
    if (cidr.v === 4) {
      let level = this.v4.find((l) => l.prefix === cidr.prefix);
      if (level === undefined) {
        level = { prefix: cidr.prefix, shift: 32 - cidr.prefix, map: new Map() };
        this.v4.push(level);
        this.v4.sort((a, b) => b.prefix - a.prefix);
      }
      const key = key4(cidr.n as number, level.shift, level.prefix);
      const had = level.map.has(key);
      if (had && !replace) return;
      if (!had) this.size++;
      level.map.set(key, value);
      return;
    }
    let level = this.v6.find((l) => l.prefix === cidr.prefix);
    if (level === undefined) {
      const p = cidr.prefix;
      level = { prefix: p, m0: mask6(p, 0), m1: mask6(p, 1), m2: mask6(p, 2), m3: mask6(p, 3), map: new Map() };
      this.v6.push(level);
      this.v6.sort((a, b) => b.prefix - a.prefix);
    }
    const w = wordsOf(cidr.n as bigint);
    const w0 = (w[0] & level.m0) >>> 0;
    const w1 = (w[1] & level.m1) >>> 0;
    const w2 = (w[2] & level.m2) >>> 0;
    const w3 = (w[3] & level.m3) >>> 0;
    const h = hash6(w0, w1, w2, w3);
    const head = level.map.get(h);
    for (let e = head ?? null; e !== null; e = e.next) {
      if (e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3) {
        if (replace) e.value = value;
        return;
      }
    }
    this.size++;
    level.map.set(h, new Entry6(w0, w1, w2, w3, value, head ?? null));
  }

  /** Adds a single address (a /32 or /128). */
  addIp(ip: Ip, value: T, replace = false): void {
    this.add(Cidr.of(ip, ip.v === 4 ? 32 : 128), value, replace);
  }

  /** The value of the longest network holding the address, or undefined. */
  get(ip: Ip): T | undefined {
    if (ip.v === 4) return this.get4(ip.n);
    const w = wordsOf(ip.n);
    return this.get6(w[0], w[1], w[2], w[3]);
  }

  /** `get` for an IPv4 uint32 (no object needed). */
  get4(n: number): T | undefined {
    const levels = this.v4;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      const v = l.map.get(key4(n, l.shift, l.prefix));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** `get` for an IPv6 address as four uint32 words, most significant first (no object needed). */
  get6(a: number, b: number, c: number, d: number): T | undefined {
    const levels = this.v6;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      const w0 = (a & l.m0) >>> 0;
      const w1 = (b & l.m1) >>> 0;
      const w2 = (c & l.m2) >>> 0;
      const w3 = (d & l.m3) >>> 0;
      for (let e = l.map.get(hash6(w0, w1, w2, w3)) ?? null; e !== null; e = e.next) {
        if (e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3) return e.value;
      }
    }
    return undefined;
  }

  /** True when the table holds no network. */
  get empty(): boolean {
    return this.size === 0;
  }

  clear(): void {
    this.v4 = [];
    this.v6 = [];
    this.size = 0;
  }
}
