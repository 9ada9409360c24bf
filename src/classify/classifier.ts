// Classifies a remote address against the topology (first match wins):
//   node     an address a cluster node owns (kube-proxy SNAT'd the request); owner = node name
//   (probe   a node-addressed request with a kube-probe/ user agent: requestClass(), per request, not per address)
//   pod      a known pod IP (owner "namespace/name"), else inside a node's podCIDR (owner = node) or a --pod-cidr
//   private  RFC 1918, CGNAT, loopback, link-local, ULA, and each --internal-cidr
//   external every other address
//   unknown  not an IP address ("-", "unix:", garbage); never throws
// No per-string cache: the address is parsed into numbers without allocating (ip.ts parseAddr) and looked up in
// small integer-keyed tables (node addresses, pod IPs, podCIDRs, --internal-cidr; the always-private ranges are
// constant comparisons). Results are frozen and memoised in a small direct-mapped table (IPv4 by its uint32, IPv6
// by a hash of its words: no string hashing, nothing rehashed or allocated as addresses come and go); other text
// (garbage) in bounded two-generation Maps by the string. The memo and the tables are rebuilt when
// the topology's addrVersion changes. Also realip (realip.ts): recover the client from X-Forwarded-For like nginx
// with `real_ip_header X-Forwarded-For; real_ip_recursive on;` and set_real_ip_from = --trust. The constant rules
// (always-private networks, the probe class) are rules.ts.

import type { AddressClass, Classification } from '../types.js';
import { Cidr, CidrTable, hash6, parseCidrs } from './cidr.js';
import { ADDR, CANONICAL, formatIp, formatParsed, parseAddr, parseIp } from './ip.js';
import { formatV4 } from './ipv4.js';
import { RealIp } from './realip.js';
import { isPrivate4, isPrivate6, requestClass } from './rules.js';
import type { Topology } from './topology.js';

/** What a request's stored fields classify as. */
export interface RequestClassification {
  cls: AddressClass;
  owner: string | null;
  client: string | null;
  clientCls: AddressClass | null;
}

export interface ClassifierOptions {
  /** --internal-cidr: extra networks counted as `private`. */
  internalCidrs?: string[];
  /** --trust: proxies whose X-Forwarded-For is believed (CIDR or address; "unix:" trusts unix sockets). */
  trust?: string[];
  /**
   * Most memoised results: half for IP addresses (IPv4 and IPv6 slots), half for other text (two generations).
   * Default 2,048: small on purpose. A memo of many distinct addresses costs more than it saves (each result it keeps
   * survives into the old generation; with 400k distinct clients a 50k memo made classify 3x slower than none), while
   * a small one still holds the hot addresses (nodes, load balancers, health checkers).
   */
  cacheLimit?: number;
}

/**
 * The text as a string of its own: an address cut from a log line is a slice that keeps the whole line alive, and a
 * memoised result would carry that line into the old generation. Short strings are copies already.
 */
function own(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

function freeze(cls: AddressClass, owner: string | null, addr: string): Classification {
  return Object.freeze({ cls, owner, addr });
}

export class Classifier {
  readonly topology: Topology;
  private readonly cacheLimit: number;
  /**
   * Memoised IPv4 and IPv6 results, direct-mapped (a slot per hash of the address, a newer address takes the slot):
   * a lookup is one multiply and one compare, and nothing is allocated or rehashed as addresses come and go.
   */
  private readonly slotShift: number;
  private keys4: Int32Array;
  private vals4: (Classification | undefined)[];
  /** Four words per slot. */
  private keys6: Int32Array;
  private vals6: (Classification | undefined)[];
  private filled = 0;
  /** Results for text that is not an address, two generations. */
  private textCache = new Map<string, Classification>();
  private textOld = new Map<string, Classification>();
  private builtFor = -1;
  private readonly nodeTable = new CidrTable<string>();
  private readonly podIpTable = new CidrTable<string>();
  private readonly podCidrTable = new CidrTable<string | null>();
  /** --internal-cidr networks (the always-private ones are constant comparisons in isPrivate4/6). */
  private readonly privateTable = new CidrTable<true>();
  private readonly realIp: RealIp;
  /** True when --trust was given: recover() believes X-Forwarded-For from those peers. */
  readonly trusting: boolean;

  constructor(topology: Topology, opts: ClassifierOptions = {}) {
    this.topology = topology;
    this.cacheLimit = Math.max(2, opts.cacheLimit ?? 2_048);
    // Slots per kind: the largest power of two within half the limit.
    const bits = Math.max(1, Math.floor(Math.log2(this.cacheLimit / 2)));
    this.slotShift = 32 - bits;
    this.keys4 = new Int32Array(1 << bits);
    this.vals4 = new Array<Classification | undefined>(1 << bits).fill(undefined);
    this.keys6 = new Int32Array(4 << bits);
    this.vals6 = new Array<Classification | undefined>(1 << bits).fill(undefined);
    for (const c of parseCidrs(opts.internalCidrs ?? [], '--internal-cidr', '10.0.0.0/8')) this.privateTable.add(c, true);
    this.realIp = new RealIp(opts.trust ?? []);
    this.trusting = this.realIp.trusting;
  }

  /** Class, owner and canonical form of one remote address. A frozen object; never throws. */
  classify(addr: string): Classification {
    if (this.topology.addrVersion !== this.builtFor) this.rebuild();
    // Longer than any IP text: garbage, not worth a memo slot.
    if (addr.length > 45) return freeze('unknown', null, addr);
    const kind = parseAddr(addr);
    if ((kind & 7) === 4) {
      const n = ADDR[0];
      const key = n | 0;
      const i = Math.imul(key, 0x9e3779b1) >>> this.slotShift;
      const v = this.vals4[i];
      if (v !== undefined && this.keys4[i] === key) return v;
      const c = this.compute4(n, (kind & CANONICAL) !== 0 ? own(addr) : formatV4(n));
      if (v === undefined) this.filled++;
      this.keys4[i] = key;
      this.vals4[i] = c;
      return c;
    }
    if (kind !== 0) {
      const a = ADDR[0] | 0;
      const b = ADDR[1] | 0;
      const c = ADDR[2] | 0;
      const d = ADDR[3] | 0;
      const i = hash6(a, b, c, d) >>> (this.slotShift - 2);
      const k = this.keys6;
      const j = i << 2;
      const v = this.vals6[i];
      if (v !== undefined && k[j] === a && k[j + 1] === b && k[j + 2] === c && k[j + 3] === d) return v;
      const r = this.compute6(addr, kind);
      if (v === undefined) this.filled++;
      k[j] = a;
      k[j + 1] = b;
      k[j + 2] = c;
      k[j + 3] = d;
      this.vals6[i] = r;
      return r;
    }
    let r = this.textCache.get(addr);
    if (r !== undefined) return r;
    r = this.textOld.get(addr) ?? freeze('unknown', null, addr);
    if (this.textCache.size >= this.cacheLimit >> 1) {
      this.textOld = this.textCache;
      this.textCache = new Map();
    }
    this.textCache.set(addr, r);
    return r;
  }

  /**
   * Class, owner and recovered client of one request from its stored fields (what reclassify recomputes). The
   * pipeline's toRow (src/source-feed.ts) does the same inline, without allocating, on the hot path.
   */
  request(remoteAddr: string, xff: string | null, userAgent: string | null): RequestClassification {
    const c = this.classify(remoteAddr);
    const client = xff === null ? null : this.recover(remoteAddr, xff);
    return { cls: requestClass(c.cls, userAgent), owner: c.owner, client, clientCls: client === null ? null : this.classify(client).cls };
  }

  /** Number of memoised results (for stats and tests). */
  get cacheSize(): number {
    return this.filled + this.textCache.size + this.textOld.size;
  }

  /** The IPv6 address parseAddr just parsed (ADDR). */
  private compute6(addr: string, kind: number): Classification {
    const a = ADDR[0];
    const b = ADDR[1];
    const c = ADDR[2];
    const d = ADDR[3];
    const text = (kind & CANONICAL) !== 0 ? own(addr) : formatParsed(kind);
    const node = this.nodeTable.get6(a, b, c, d);
    if (node !== undefined) return freeze('node', node, text);
    const pod = this.podIpTable.get6(a, b, c, d);
    if (pod !== undefined) return freeze('pod', pod, text);
    const podNode = this.podCidrTable.get6(a, b, c, d);
    if (podNode !== undefined) return freeze('pod', podNode, text);
    if (isPrivate6(a, b, c, d) || (!this.privateTable.empty && this.privateTable.get6(a, b, c, d) !== undefined)) {
      return freeze('private', null, text);
    }
    return freeze('external', null, text);
  }

  private compute4(n: number, addr: string): Classification {
    const node = this.nodeTable.get4(n);
    if (node !== undefined) return freeze('node', node, addr);
    const pod = this.podIpTable.get4(n);
    if (pod !== undefined) return freeze('pod', pod, addr);
    const podNode = this.podCidrTable.get4(n);
    if (podNode !== undefined) return freeze('pod', podNode, addr);
    if (isPrivate4(n) || (!this.privateTable.empty && this.privateTable.get4(n) !== undefined)) return freeze('private', null, addr);
    return freeze('external', null, addr);
  }

  private rebuild(): void {
    const t = this.topology;
    this.builtFor = t.addrVersion;
    this.vals4.fill(undefined);
    this.vals6.fill(undefined);
    this.filled = 0;
    this.textCache = new Map();
    this.textOld = new Map();
    const nodes = this.nodeTable;
    const podIps = this.podIpTable;
    const podCidrs = this.podCidrTable;
    nodes.clear();
    podIps.clear();
    podCidrs.clear();
    // Rule 1: node-owned addresses; the first claim of an address wins.
    for (const n of t.nodes.values()) {
      for (const o of n.ownedAddrs) addIp(nodes, o.addr, n.name);
    }
    for (const [ip, owner] of t.nodeIps) addIp(nodes, ip, owner);
    // A hostNetwork pod's IP is its node's address.
    for (const p of t.pods.values()) {
      if (p.hostNetwork && p.nodeName !== null) for (const ip of p.ips) addIp(nodes, ip, p.nodeName);
    }
    // Rule 2: pod IPs, live pods before finished ones (a finished pod's IP can be reused).
    for (const pass of [false, true]) {
      for (const p of t.pods.values()) {
        if (p.hostNetwork || (p.phase === 'Succeeded' || p.phase === 'Failed') !== pass) continue;
        const owner = `${p.namespace}/${p.name}`;
        for (const ip of p.ips) addIp(podIps, ip, owner);
      }
    }
    for (const n of t.nodes.values()) {
      for (const text of n.podCIDRs) {
        const c = Cidr.parse(text);
        if (c !== null) podCidrs.add(c, n.name);
      }
    }
    for (const [text, owner] of t.podCidrs) {
      const c = Cidr.parse(text);
      if (c === null) continue;
      podCidrs.add(c, owner);
      // A named --pod-cidr is that node's podCIDR: its network and gateway addresses are the node's.
      if (owner !== null) {
        addIp(nodes, formatIp(c.network()), owner);
        if (c.prefix < (c.v === 4 ? 31 : 127)) addIp(nodes, formatIp(c.host(1)), owner);
      }
    }
  }

  /** The client nginx realip recovers from X-Forwarded-For (src/classify/realip.ts), canonical text; null when none. */
  recover(remoteAddr: string, xff: string | null): string | null {
    return this.realIp.recover(remoteAddr, xff);
  }

  /** True when the address text is a --trust address (a trusted proxy). */
  isTrusted(addr: string): boolean {
    return this.realIp.isTrusted(addr);
  }
}

function addIp<T>(table: CidrTable<T>, text: string, value: T): void {
  const ip = parseIp(text);
  if (ip !== null) table.addIp(ip, value);
}
