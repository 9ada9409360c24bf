// nginx realip: recover the client from X-Forwarded-For like `real_ip_header X-Forwarded-For; real_ip_recursive on;`
// with set_real_ip_from = --trust. The addresses are parsed without allocating (ip.ts parseAddrPort) and looked up
// in an integer-keyed table of the --trust networks.
import { CidrTable, parseCidrs } from './cidr.js';
import { ADDR, ADDR_SPAN, CANONICAL, formatParsed, parseAddr, parseAddrPort } from './ip.js';

/** The --trust proxies and the X-Forwarded-For walk over them. */
export class RealIp {
  private readonly trustTable = new CidrTable<true>();
  private readonly trustUnix: boolean;
  /** True when --trust was given: recover() believes X-Forwarded-For from those peers. */
  readonly trusting: boolean;

  /** --trust: proxies whose X-Forwarded-For is believed (CIDR or address; "unix:" trusts unix sockets). */
  constructor(trust: string[]) {
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

  /**
   * nginx realip (`real_ip_recursive on`): when the peer is trusted, walk X-Forwarded-For from the right,
   * skipping trusted addresses, and return the first untrusted one (the leftmost when all are trusted).
   * An entry that is not an address stops the walk at the last valid one. Null when there is no --trust,
   * the peer is not trusted, or nothing valid was found. Returns canonical address text.
   */
  recover(remoteAddr: string, xff: string | null): string | null {
    if (!this.trusting || xff === null) return null;
    if (!this.isTrustedText(remoteAddr)) return null;
    let found = 0;
    let foundStart = 0;
    let foundEnd = 0;
    let end = xff.length;
    for (;;) {
      while (end > 0 && isSep(xff.charCodeAt(end - 1))) end--;
      if (end === 0) break;
      let start = end - 1;
      while (start > 0 && !isSep(xff.charCodeAt(start - 1))) start--;
      const kind = parseAddrPort(xff, start, end);
      if (kind === 0) break;
      found = kind;
      foundStart = ADDR_SPAN[0];
      foundEnd = ADDR_SPAN[1];
      if (!this.trustedParsed(kind)) break;
      end = start;
    }
    if (found === 0) return null;
    if ((found & CANONICAL) !== 0) return xff.slice(foundStart, foundEnd);
    return formatParsed(parseAddr(xff, foundStart, foundEnd));
  }

  /** True when the address parseAddr last parsed is in a --trust network. */
  private trustedParsed(kind: number): boolean {
    const t = this.trustTable;
    if ((kind & 7) === 4) return t.get4(ADDR[0]) !== undefined;
    return t.get6(ADDR[0], ADDR[1], ADDR[2], ADDR[3]) !== undefined;
  }

  /** True when the address text is a --trust address (a trusted proxy). */
  isTrusted(addr: string): boolean {
    return this.trusting && this.isTrustedText(addr);
  }

  private isTrustedText(addr: string): boolean {
    const kind = addr.length > 45 ? 0 : parseAddr(addr);
    if (kind !== 0) return this.trustedParsed(kind);
    return this.trustUnix && addr.startsWith('unix:');
  }
}

function isSep(c: number): boolean {
  return c === 32 || c === 44; // nginx: space and comma only
}
