// Trust hints: requests from node, pod or private addresses that carry X-Forwarded-For while no --trust covers them
// come through a proxy whose header is ignored. trustHint() turns their remote addresses into the exact flags to add.
// Shared by every view that gives the hint (ingest's summary here; the TUI status line and the audit findings can
// call it with their own counts). Also `--trust nodes`: every node address of the topology.
import type { AddressClass } from '../classes.js';
import { canonicalIp, parseIp } from './ip.js';
import type { Topology } from './topology.js';

/** Remote addresses whose requests carried X-Forwarded-For that no --trust believed, with their counts. */
export interface UntrustedProxy {
  addr: string;
  cls: AddressClass;
  requests: number;
}

/** The classes whose X-Forwarded-For is worth trusting (a proxy inside the cluster or the network). */
export const PROXY_CLASSES: readonly AddressClass[] = ['node', 'pod', 'private'];

/**
 * One sentence naming the flags to add (`--trust 10.151.40.10/32`, at most `max` addresses, busiest first), or null
 * when there is nothing to suggest. Node addresses alone suggest `--trust nodes`.
 */
export function trustHint(proxies: readonly UntrustedProxy[], max = 3): string | null {
  const list = proxies.filter((p) => PROXY_CLASSES.includes(p.cls) && p.requests > 0).sort((a, b) => b.requests - a.requests || (a.addr < b.addr ? -1 : 1));
  if (list.length === 0) return null;
  const total = list.reduce((n, p) => n + p.requests, 0);
  const flags = list.every((p) => p.cls === 'node')
    ? '--trust nodes'
    : list
        .slice(0, max)
        .map((p) => `--trust ${hostCidr(p.addr)}`)
        .join(' ');
  const more = list.length > max && !flags.endsWith('nodes') ? ` (and ${list.length - max} more addresses)` : '';
  const from = list.length === 1 ? list[0].addr : `${list.length} addresses`;
  return `${total} request${total === 1 ? '' : 's'} from ${from} carried X-Forwarded-For that no --trust covers: to recover their clients, try ${flags}${more}`;
}

/** The address as a one-host CIDR (the exact `--trust` value for it). */
export function hostCidr(addr: string): string {
  const ip = parseIp(addr);
  if (ip === null) return addr;
  return `${canonicalIp(addr) ?? addr}/${ip.v === 4 ? 32 : 128}`;
}

/** `--trust` values with `nodes` replaced by every address a node of the topology owns (and each --node-ip). */
export function expandTrust(trust: readonly string[], topology: Topology): string[] {
  const out: string[] = [];
  for (const t of trust) {
    if (t.trim() !== 'nodes') {
      out.push(t);
      continue;
    }
    for (const n of topology.nodes.values()) for (const o of n.ownedAddrs) out.push(o.addr);
    for (const ip of topology.nodeIps.keys()) out.push(ip);
  }
  return out;
}
