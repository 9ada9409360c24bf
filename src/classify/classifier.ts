// Classifies a remote address against the topology (first match wins):
//   node     an address a cluster node owns (kube-proxy SNAT'd the request); owner = node name
//   pod      a known pod IP (owner "namespace/name"), else inside a node's podCIDR (owner = node) or a --pod-cidr
//   private  RFC 1918, CGNAT, loopback, link-local, ULA, and each --internal-cidr
//   external every other address
//   unknown  not an IP address ("-", "unix:", garbage); never throws
// Results are cached per distinct address string; the cache and the lookup tables are rebuilt when the
// topology's addrVersion changes. Also realip: recover the client from X-Forwarded-For like nginx with
// `real_ip_header X-Forwarded-For; real_ip_recursive on;` and set_real_ip_from = --trust.

import { UserError } from '../errors.js';
import type { AddressClass, Classification } from '../types.js';
import { Cidr, CidrTable, formatIp, formatV4, parseIp, parseIpPort, parseV4, type Ip } from './ip.js';
import type { Topology } from './topology.js';

export interface ClassifierOptions {
  /** --internal-cidr: extra networks counted as `private`. */
  internalCidrs?: string[];
  /** --trust: proxies whose X-Forwarded-For is believed (CIDR or address; "unix:" trusts unix sockets). */
  trust?: string[];
  /** Cache entries before the cache is cleared (bounds memory under hostile input). Default 1,000,000. */
  cacheLimit?: number;
}

/** Always-private networks (besides --internal-cidr). */
export const PRIVATE_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

const DESCRIPTIONS: Record<AddressClass, string> = {
  node: "a cluster node's address: kube-proxy SNAT'd the request, the client address is lost",
  pod: 'a pod address: in-cluster traffic from another pod',
  private: 'a private or --internal-cidr address outside the cluster topology (load balancer, VPC, loopback)',
  external: 'a public address: the real client address arrived',
  unknown: 'not an IP address (-, unix: socket, garbage)',
};

/** One line describing an address class, for help texts and legends. */
export function describeClass(cls: AddressClass): string {
  return DESCRIPTIONS[cls];
}

function parseCidrs(list: string[], flag: string, example: string): Cidr[] {
  return list.map((text) => {
    const c = Cidr.parse(text);
    if (c === null) throw new UserError(`${flag} ${JSON.stringify(text)}: not a CIDR or IP address`, `${flag} ${example}`);
    return c;
  });
}

function freeze(cls: AddressClass, owner: string | null, addr: string): Classification {
  return Object.freeze({ cls, owner, addr });
}

export class Classifier {
  readonly topology: Topology;
  private readonly cacheLimit: number;
  private cache = new Map<string, Classification>();
  private builtFor = -1;
  private readonly nodeTable = new CidrTable<string>();
  private readonly podIpTable = new CidrTable<string>();
  private readonly podCidrTable = new CidrTable<string | null>();
  private readonly privateTable = new CidrTable<true>();
  private readonly trustTable = new CidrTable<true>();
  private readonly trustUnix: boolean;
  /** True when --trust was given: recover() believes X-Forwarded-For from those peers. */
  readonly trusting: boolean;

  constructor(topology: Topology, opts: ClassifierOptions = {}) {
    this.topology = topology;
    this.cacheLimit = opts.cacheLimit ?? 1_000_000;
    for (const c of parseCidrs([...PRIVATE_CIDRS], '--internal-cidr', '10.0.0.0/8')) this.privateTable.add(c, true);
    for (const c of parseCidrs(opts.internalCidrs ?? [], '--internal-cidr', '10.0.0.0/8')) this.privateTable.add(c, true);
    const trust = opts.trust ?? [];
    this.trustUnix = trust.some((t) => t.trim() === 'unix:');
    for (const c of parseCidrs(
      trust.filter((t) => t.trim() !== 'unix:'),
      '--trust',
      '10.0.0.0/8 (a proxy address or network)',
    )) {
      this.trustTable.add(c, true);
    }
    this.trusting = trust.length > 0;
  }

  /** Class, owner and canonical form of one remote address. Cached; treat the result as immutable. */
  classify(addr: string): Classification {
    if (this.topology.addrVersion !== this.builtFor) this.rebuild();
    let c = this.cache.get(addr);
    if (c === undefined) {
      // Longer than any IP text: garbage, not worth a cache slot.
      if (addr.length > 45) return freeze('unknown', null, addr);
      c = this.compute(addr);
      if (this.cache.size >= this.cacheLimit) this.cache.clear();
      this.cache.set(addr, c);
    }
    return c;
  }

  /** Number of cached distinct addresses (for stats and tests). */
  get cacheSize(): number {
    return this.cache.size;
  }

  private compute(text: string): Classification {
    const ip = parseIp(text);
    if (ip === null) return freeze('unknown', null, text);
    const canon = formatIp(ip);
    const addr = canon === text ? text : canon;
    const node = this.nodeTable.get(ip);
    if (node !== undefined) return freeze('node', node, addr);
    const pod = this.podIpTable.get(ip);
    if (pod !== undefined) return freeze('pod', pod, addr);
    const podNode = this.podCidrTable.get(ip);
    if (podNode !== undefined) return freeze('pod', podNode, addr);
    if (this.privateTable.get(ip) !== undefined) return freeze('private', null, addr);
    return freeze('external', null, addr);
  }

  private rebuild(): void {
    const t = this.topology;
    this.builtFor = t.addrVersion;
    this.cache = new Map();
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

  /**
   * nginx realip (`real_ip_recursive on`): when the peer is trusted, walk X-Forwarded-For from the right,
   * skipping trusted addresses, and return the first untrusted one (the leftmost when all are trusted).
   * An entry that is not an address stops the walk at the last valid one. Null when there is no --trust,
   * the peer is not trusted, or nothing valid was found. Returns canonical address text.
   */
  recover(remoteAddr: string, xff: string | null): string | null {
    if (!this.trusting || xff === null) return null;
    if (!this.isTrustedText(remoteAddr)) return null;
    let found: Ip | null = null;
    let foundV4 = -1;
    let end = xff.length;
    for (;;) {
      while (end > 0 && isSep(xff.charCodeAt(end - 1))) end--;
      if (end === 0) break;
      let start = end - 1;
      while (start > 0 && !isSep(xff.charCodeAt(start - 1))) start--;
      // Fast path: a bare IPv4 entry needs no object.
      const v4 = parseV4(xff, start, end);
      if (v4 >= 0) {
        foundV4 = v4;
        found = null;
        if (this.trustTable.get4(v4) === undefined) break;
      } else {
        const ip = parseIpPort(xff, start, end);
        if (ip === null) break;
        found = ip;
        foundV4 = -1;
        if (this.trustTable.get(ip) === undefined) break;
      }
      end = start;
    }
    if (foundV4 >= 0) return formatV4(foundV4);
    return found === null ? null : formatIp(found);
  }

  /** True when the address text is a --trust address (a trusted proxy). */
  isTrusted(addr: string): boolean {
    return this.trusting && this.isTrustedText(addr);
  }

  private isTrustedText(addr: string): boolean {
    const v4 = parseV4(addr);
    if (v4 >= 0) return this.trustTable.get4(v4) !== undefined;
    if (addr.startsWith('unix:')) return this.trustUnix;
    const ip = parseIp(addr);
    return ip !== null && this.trustTable.get(ip) !== undefined;
  }
}

function isSep(c: number): boolean {
  return c === 32 || c === 44; // nginx: space and comma only
}

function addIp<T>(table: CidrTable<T>, text: string, value: T): void {
  const ip = parseIp(text);
  if (ip !== null) table.addIp(ip, value);
}
