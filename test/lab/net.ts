// Builds the lab's namespaces and links with `ip -n NS -batch -` (one ip process per step):
//
//   ext (203.0.113.10, 198.51.100.20, 10.151.40.10, 2001:db8:1::10)
//     │ veth
//   net: router + switch br0 (10.151.30.1, fd00:10:151:30::1)  ── "node network"
//     │ veth              │ veth
//   node1 eth0 .11        node2 eth0 .12      (ip_forward; host-gw routes to the other podCIDR)
//     cni0 10.244.1.1       cni0 10.244.2.1
//     ├ pod-a .10           ├ pod-b .10
//     └ client .20          └ pod-c .11
//
// Only lab namespaces are touched: devices are created inside them (`ip -n`), never in the root namespace.
import { inNs, run } from './exec.js';
import { CLIENT, NODES, PODS, ROUTER } from './topology.js';

export type NsRole = 'net' | 'ext' | 'node1' | 'node2' | 'pod-a' | 'pod-b' | 'pod-c' | 'client';
export const ROLES: readonly NsRole[] = ['net', 'ext', 'node1', 'node2', 'pod-a', 'pod-b', 'pod-c', 'client'];

const FORWARDERS = new Set<NsRole>(['net', 'node1', 'node2']);

async function batch(ns: string, lines: string[]): Promise<void> {
  await run('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** Creates all namespaces and wires them. `name(role)` gives the namespace name. */
export async function buildNetwork(name: (r: NsRole) => string): Promise<void> {
  await settleAll(
    ROLES.map(async (role) => {
      await run('ip', ['netns', 'add', name(role)]);
      // /proc/sys/net shows the namespace of the writing process (no procps needed); IPv6 without DAD waits.
      const sysctls = ['ipv6/conf/all/accept_dad=0', 'ipv6/conf/default/accept_dad=0'];
      if (FORWARDERS.has(role)) sysctls.push('ipv4/ip_forward=1', 'ipv6/conf/all/forwarding=1');
      const script = sysctls.map((kv) => `echo ${kv.split('=')[1]} > /proc/sys/net/${kv.split('=')[0]}`).join(' && ');
      await inNs(name(role), 'sh', ['-c', script]);
    }),
  );
  const net = name('net');
  // 1. devices (each veth created in one lab namespace with its peer placed in another)
  await batch(net, [
    'link set lo up',
    'link add br0 type bridge',
    `addr add ${ROUTER.node[0]}/24 dev br0`,
    `addr add ${ROUTER.node[1]}/64 dev br0 nodad`,
    'link set br0 up',
  ]);
  await batch(name('ext'), [
    'link set lo up',
    `link add eth0 type veth peer name ext netns ${net}`,
    `addr add ${CLIENT.ext}/24 dev eth0`,
    `addr add ${CLIENT.ext2}/24 dev eth0`,
    `addr add ${CLIENT.lb}/24 dev eth0`,
    `addr add ${CLIENT.ext6}/64 dev eth0 nodad`,
    'link set eth0 up',
  ]);
  for (const n of NODES) {
    await batch(name(n.name), [
      'link set lo up',
      `link add eth0 type veth peer name ${n.name} netns ${net}`,
      `addr add ${n.internalIPs[0]}/24 dev eth0`,
      `addr add ${n.internalIPs[1]}/64 dev eth0 nodad`,
      'link set eth0 up',
      'link add cni0 type bridge',
      `addr add ${n.cni0[0]}/24 dev cni0`,
      `addr add ${n.cni0[1]}/64 dev cni0 nodad`,
      'link set cni0 up',
    ]);
  }
  for (const p of PODS) {
    await batch(name(p.name as NsRole), [
      'link set lo up',
      `link add eth0 type veth peer name v-${p.name} netns ${name(p.node)}`,
      `addr add ${p.ips[0]}/24 dev eth0`,
      `addr add ${p.ips[1]}/64 dev eth0 nodad`,
      'link set eth0 up',
    ]);
  }
  // 2. ports, peers up, then routes (a gateway must sit on an up link)
  await batch(net, [
    `addr add ${ROUTER.client[0]}/24 dev ext`,
    `addr add ${ROUTER.client[1]}/24 dev ext`,
    `addr add ${ROUTER.client[2]}/24 dev ext`,
    `addr add ${ROUTER.client[3]}/64 dev ext nodad`,
    'link set ext up',
    ...NODES.flatMap((n) => [`link set ${n.name} master br0`, `link set ${n.name} up`]),
  ]);
  for (const n of NODES) {
    const other = NODES.find((o) => o !== n)!;
    await batch(name(n.name), [
      ...PODS.filter((p) => p.node === n.name).flatMap((p) => [`link set v-${p.name} master cni0`, `link set v-${p.name} up`]),
      `route add default via ${ROUTER.node[0]}`,
      `route add ::/0 via ${ROUTER.node[1]}`,
      `route add ${other.podCIDRs[0]} via ${other.internalIPs[0]}`,
      `route add ${other.podCIDRs[1]} via ${other.internalIPs[1]}`,
    ]);
  }
  await batch(name('ext'), [`route add default via ${ROUTER.client[0]}`, `route add ::/0 via ${ROUTER.client[3]}`]);
  for (const p of PODS) {
    const gw = NODES.find((n) => n.name === p.node)!.cni0;
    await batch(name(p.name as NsRole), [`route add default via ${gw[0]}`, `route add ::/0 via ${gw[1]}`]);
  }
}

/** Like Promise.all, but waits for every promise before rejecting (so cleanup never races a late create). */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Kills what still runs in a lab namespace (lab processes only live there) and deletes it. */
export async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns], { allowFail: true });
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'del', ns], { allowFail: true });
}

/** Lab namespace names on this machine: `ss-<pid>-<n>-<role>`. */
export async function labNamespaces(): Promise<{ ns: string; pid: number }[]> {
  const out = await run('ip', ['netns', 'list'], { allowFail: true });
  const found: { ns: string; pid: number }[] = [];
  for (const line of out.stdout.split('\n')) {
    const m = /^(ss-(\d+)-\d+-[a-z0-9-]+)/.exec(line);
    if (m) found.push({ ns: m[1], pid: Number(m[2]) });
  }
  return found;
}
