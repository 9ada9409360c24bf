// CIDRs and a longest-prefix table on numbers (IPv4 as a uint32, IPv6 as four uint32 words per lookup), for the
// classifier's node, pod, --internal-cidr and --trust networks. Addresses come from ip.ts.
import { UserError } from '../errors.js';
import { parseIp, type Ip } from './ip.js';
import { formatV4 } from './ipv4.js';
import { formatV6 } from './ipv6.js';

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

/** The networks of a CIDR flag (--internal-cidr, --trust); a `UserError` naming the flag on the first bad one. */
export function parseCidrs(list: string[], flag: string, example: string): Cidr[] {
  return list.map((text) => {
    const c = Cidr.parse(text);
    if (c === null) throw new UserError(`${flag} ${JSON.stringify(text)}: not a CIDR or IP address`, `${flag} ${example}`);
    return c;
  });
}
