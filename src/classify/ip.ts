// IP address parsing and canonical form, CIDRs, and a longest-prefix table, all on numbers:
// IPv4 as an unsigned 32-bit number, IPv6 as a BigInt. IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4
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

/** Parses IPv6 text in s[start, end) into 8 groups (written to `g`); false when it is not IPv6. */
function parseV6Groups(s: string, start: number, end: number, g: Uint16Array): boolean {
  const len = end - start;
  if (len < 2 || len > 45) return false;
  let count = 0;
  let gap = -1; // group index where "::" sits
  let i = start;
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      g.fill(0);
      return true;
    }
  }
  for (;;) {
    // one group: hex digits, or a dotted IPv4 tail
    const gs = i;
    let val = 0;
    while (i < end) {
      const h = hexVal(s.charCodeAt(i));
      if (h < 0) break;
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
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
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
  if (gap < 0) return count === 8;
  if (count > 7) return false;
  const move = count - gap;
  const zeros = 8 - count;
  for (let k = move - 1; k >= 0; k--) g[gap + zeros + k] = g[gap + k];
  for (let k = 0; k < zeros; k++) g[gap + k] = 0;
  return true;
}

const groups = new Uint16Array(8);

/** Parses an IPv4 or IPv6 address (no prefix, no port, no brackets); null when it is not one. */
export function parseIp(s: string, start = 0, end = s.length): Ip | null {
  // IPv4 first: the common case, and it has no colon.
  let hasColon = false;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === COLON) {
      hasColon = true;
      break;
    }
  }
  if (!hasColon) {
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
  const g: number[] = new Array(8);
  for (let k = 7; k >= 0; k--) {
    g[k] = Number(n & 0xffffn);
    n >>= 16n;
  }
  let bestAt = -1;
  let bestLen = 1;
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
  if (bestAt < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestAt).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestAt + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
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

/** Like nginx's ngx_parse_addr_port: "a.b.c.d", "v6", "a.b.c.d:port" or "[v6]:port" (port 1-65535). */
export function parseIpPort(s: string, start = 0, end = s.length): Ip | null {
  const plain = parseIp(s, start, end);
  if (plain !== null || end - start < 3) return plain;
  let addrEnd: number;
  let addrStart = start;
  if (s.charCodeAt(start) === 91 /* [ */) {
    const close = s.indexOf(']', start);
    if (close < 0 || close >= end - 1 || s.charCodeAt(close + 1) !== COLON) return null;
    addrStart = start + 1;
    addrEnd = close;
  } else {
    const colon = s.indexOf(':', start);
    if (colon < 0 || colon >= end) return null;
    addrEnd = colon;
  }
  const portStart = (addrStart === start ? addrEnd : addrEnd + 1) + 1;
  if (portStart >= end || end - portStart > 5) return null;
  let port = 0;
  for (let i = portStart; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
  }
  if (port < 1 || port > 65535) return null;
  return parseIp(s, addrStart, addrEnd);
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

interface Level<K, T> {
  prefix: number;
  shift: K;
  map: Map<K, T>;
}

/**
 * Longest-prefix-match table from networks to values: one Map per prefix length, looked up from the
 * longest prefix down, so a lookup costs one shift and one Map.get per distinct prefix length.
 */
export class CidrTable<T> {
  private v4: Level<number, T>[] = [];
  private v6: Level<bigint, T>[] = [];
  size = 0;

  /** Adds a network; an existing entry for the same network is kept unless `replace`. */
  add(cidr: Cidr, value: T, replace = false): void {
    if (cidr.v === 4) {
      const level = levelFor(this.v4, cidr.prefix, 32 - cidr.prefix);
      const key = keyV4(cidr.n as number, cidr.prefix);
      if (!replace && level.map.has(key)) return;
      if (!level.map.has(key)) this.size++;
      level.map.set(key, value);
    } else {
      const level = levelFor(this.v6, cidr.prefix, BigInt(128 - cidr.prefix));
      const key = keyV6(cidr.n as bigint, cidr.prefix);
      if (!replace && level.map.has(key)) return;
      if (!level.map.has(key)) this.size++;
      level.map.set(key, value);
    }
  }

  /** Adds a single address (a /32 or /128). */
  addIp(ip: Ip, value: T, replace = false): void {
    this.add(Cidr.of(ip, ip.v === 4 ? 32 : 128), value, replace);
  }

  /** The value of the longest network holding the address, or undefined. */
  get(ip: Ip): T | undefined {
    if (ip.v === 4) return this.get4(ip.n);
    const levels = this.v6;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      const v = l.map.get(l.prefix === 0 ? 0n : ip.n >> l.shift);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** `get` for an IPv4 uint32 (no object needed). */
  get4(n: number): T | undefined {
    const levels = this.v4;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      const v = l.map.get(l.prefix === 0 ? 0 : n >>> l.shift);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  clear(): void {
    this.v4 = [];
    this.v6 = [];
    this.size = 0;
  }
}

function levelFor<K, T>(levels: Level<K, T>[], prefix: number, shift: K): Level<K, T> {
  for (const l of levels) if (l.prefix === prefix) return l;
  const l: Level<K, T> = { prefix, shift, map: new Map() };
  levels.push(l);
  levels.sort((a, b) => b.prefix - a.prefix);
  return l;
}
