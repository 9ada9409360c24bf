// The known request mix the lab test and the CLI send under each policy: through both nodes' NodePorts
// from two public addresses, from the internal LB address with and without X-Forwarded-For, TLS to the
// plain port, IPv6, a user agent with quotes and non-ASCII bytes, and client pod -> pod IP directly.
import type { Policy } from './topology.js';
import type { SendSpec } from './lab.js';

export const UA = 'ua with "quotes" and é';
export const XFF = '192.0.2.55';

/** Requests in send order; paths say policy, group and index so a log line names its request. */
export function standardMix(policy: Policy): SendSpec[] {
  const p = policy.toLowerCase();
  const out: SendSpec[] = [];
  const three = (name: string, spec: Omit<SendSpec, 'path'>): void => {
    for (let i = 1; i <= 3; i++) out.push({ ...spec, path: `/${p}/${name}/${i}` });
  };
  three('ext-n1', { from: 'ext', to: { node: 'node1' }, ua: UA });
  three('ext2-n2', { from: 'ext2', to: { node: 'node2' } });
  three('lb-xff-n1', { from: 'lb', to: { node: 'node1' }, xff: XFF });
  three('lb-n2', { from: 'lb', to: { node: 'node2' } });
  three('tls-n1', { from: 'ext', to: { node: 'node1' }, tls: true });
  three('ext6-n1', { from: 'ext6', to: { node: 'node1' } });
  three('ext6-n2', { from: 'ext6', to: { node: 'node2' } });
  out.push(
    { from: 'client', to: { pod: 'pod-a' }, path: `/${p}/pod-direct/a` },
    { from: 'client', to: { pod: 'pod-b' }, path: `/${p}/pod-direct/b` },
    { from: 'client', to: { pod: 'pod-c' }, family: 6, path: `/${p}/pod-direct/c6` },
  );
  return out;
}
