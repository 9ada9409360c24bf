// What the stored rows say the user could fix, as audit findings: requests from node, pod or private addresses
// that carry X-Forwarded-For no --trust covers (the exact `--trust CIDR` to add), and requests from loopback
// (a proxy inside the pod, such as a service mesh's sidecar: 127.0.0.6 is the source Istio's Envoy uses), with
// the cause and the header to log.
import { Cidr } from '../classify/cidr.js';
import { hostCidr } from '../classify/trust-hint.js';

export interface TrustHint {
  addr: string;
  cls: string;
  /** Requests from `addr` with X-Forwarded-For and no client recovered from it. */
  requests: number;
  /** The `--trust` value that covers exactly this address. */
  trust: string;
}

export interface LoopbackSource {
  addr: string;
  requests: number;
  /** Of those, requests with X-Forwarded-For no --trust covers. */
  withXff: number;
  /** Of those, requests whose client was recovered (the proxy is trusted already). */
  recovered: number;
}

const LOOPBACK = [Cidr.parse('127.0.0.0/8')!, Cidr.parse('::1/128')!];
/** Stored addresses are canonical (IPv4-mapped IPv6 unwrapped), so a prefix test skips parsing most rows. */
const isLoopback = (addr: string) => (addr.startsWith('127.') || addr.startsWith('::')) && LOOPBACK.some((c) => c.contains(addr));
const HINTED_CLASSES = new Set(['node', 'pod', 'private']);
const SHOWN = 3;

const trustFlags = (addrs: string[]) => `\`${addrs.slice(0, SHOWN).map((a) => `--trust ${hostCidr(a)}`).join(' ')}\``;

/** Collects, in the audit's pass over the rows, what the hints need. */
export class HintCollector {
  private readonly untrusted = new Map<string, TrustHint>();
  private readonly loop = new Map<string, LoopbackSource>();

  /** One request row. */
  add(cls: string, remoteAddr: string, xff: string | null, client: string | null): void {
    const hasXff = xff !== null && xff !== '' && xff !== '-';
    this.addCounts(cls, remoteAddr, 1, client === null && hasXff ? 1 : 0, client !== null ? 1 : 0);
  }

  /** `requests` from one address, of which `untrusted` carry X-Forwarded-For with no client recovered, `recovered` have one. */
  addCounts(cls: string, remoteAddr: string, requests: number, untrusted: number, recovered: number): void {
    if (isLoopback(remoteAddr)) {
      let l = this.loop.get(remoteAddr);
      if (!l) this.loop.set(remoteAddr, (l = { addr: remoteAddr, requests: 0, withXff: 0, recovered: 0 }));
      l.requests += requests;
      l.recovered += recovered;
      l.withXff += untrusted;
      return;
    }
    if (untrusted === 0 || !HINTED_CLASSES.has(cls)) return;
    let h = this.untrusted.get(remoteAddr);
    if (!h) this.untrusted.set(remoteAddr, (h = { addr: remoteAddr, cls, requests: 0, trust: hostCidr(remoteAddr) }));
    h.requests += untrusted;
  }

  trustHints(): TrustHint[] {
    return [...this.untrusted.values()].sort((a, b) => b.requests - a.requests || (a.addr < b.addr ? -1 : 1));
  }

  loopback(): LoopbackSource[] {
    return [...this.loop.values()].sort((a, b) => b.requests - a.requests || (a.addr < b.addr ? -1 : 1));
  }
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The findings of the hints, in plain words. */
export function hintFindings(trust: TrustHint[], loopback: LoopbackSource[]): string[] {
  const out: string[] = [];
  if (trust.length > 0) {
    const shown = trust.slice(0, SHOWN);
    const n = trust.reduce((s, h) => s + h.requests, 0);
    const more = trust.length - shown.length;
    out.push(
      `${n} requests from ${list(shown.map((h) => `${h.addr} (${h.cls})`).concat(more ? [`${more} more addresses`] : []))} carry X-Forwarded-For, ` +
        'but no --trust covers the address they came from, so the client named in the header is not used: if ' +
        `${trust.length === 1 ? 'it is your load balancer or proxy' : 'they are your load balancers or proxies'}, add ` +
        `\`${shown.map((h) => `--trust ${h.trust}`).join(' ')}\`${more ? ' (the JSON output lists the others)' : ''}.`,
    );
  }
  const loop = loopback.filter((l) => l.recovered < l.requests);
  if (loop.length > 0) {
    const n = loop.reduce((s, l) => s + l.requests - l.recovered, 0);
    const addrs = loop.map((l) => l.addr);
    const xff = loop.some((l) => l.withXff > 0);
    const mesh = addrs.includes('127.0.0.6') ? ' (127.0.0.6 is the source address of Istio\'s Envoy sidecar)' : '';
    out.push(
      `${n} requests came from loopback (${list(addrs.slice(0, SHOWN))}${addrs.length > SHOWN ? ' and others' : ''}): a proxy inside the pod, ` +
        `such as a service-mesh sidecar${mesh}, forwards them, so nginx logs the proxy instead of the client. ` +
        (xff
          ? `They carry X-Forwarded-For: add ${trustFlags(addrs)} to recover the clients.`
          : 'Log the client the proxy passes on: the X-Forwarded-For header ("$http_x_forwarded_for" in nginx\'s log_format; ' +
            `Envoy also sets X-Envoy-External-Address), then add ${trustFlags(addrs)}.`),
    );
  }
  return out;
}
