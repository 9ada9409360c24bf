// The address-class rules that are constants, not topology: the always-private networks (PRIVATE_CIDRS, compared
// inline by isPrivate4/6 on the classifier's hot path) and the per-request probe class (requestClass).
import { CLASS_INFO } from '../classes.js';
import type { AddressClass } from '../types.js';

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

/** The user agent the kubelet's HTTP probes send (`kube-probe/1.32`). */
export const PROBE_USER_AGENT = 'kube-probe/';

/**
 * The class of a request from its address's class (`classify(addr).cls`, memoised per address) and its user agent:
 * a kubelet probe comes from its node's own address, so a `node` request whose user agent starts with `kube-probe/`
 * is `probe` (a health check, not SNAT'd client traffic). Every other request keeps its address's class.
 */
export function requestClass(addrCls: AddressClass, userAgent: string | null): AddressClass {
  return addrCls === 'node' && userAgent !== null && userAgent.startsWith(PROBE_USER_AGENT) ? 'probe' : addrCls;
}

/** One line describing an address class, for help texts and legends. */
export function describeClass(cls: AddressClass): string {
  return CLASS_INFO[cls].meaning;
}

/** PRIVATE_CIDRS for IPv4: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), 127/8, 169.254/16. */
export function isPrivate4(n: number): boolean {
  const a = n >>> 24;
  return a === 10 || a === 127 || n >>> 20 === 0xac1 || n >>> 16 === 0xc0a8 || n >>> 22 === 0x191 || n >>> 16 === 0xa9fe;
}

/** PRIVATE_CIDRS for IPv6 (first and last word): ::1/128, fc00::/7, fe80::/10. */
export function isPrivate6(w0: number, w1: number, w2: number, w3: number): boolean {
  return w0 >>> 25 === 0x7e || w0 >>> 22 === 0x3fa || (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 1);
}
