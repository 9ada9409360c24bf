// The demo's traffic generator: deterministic per seed, nginx `main` lines whose $remote_addr follows kube-proxy's
// rules, per-node load split under Local, and a policy switch that takes effect with the balancer's health check.
import { describe, expect, it } from 'vitest';
import { TrafficGenerator } from '../src/demo/traffic.js';
import { demoTopology } from '../src/demo/topology.js';
import type { CniMode, DemoPod, TrafficPolicy } from '../src/demo/rules.js';
import { newParsedLine } from '../src/parse/index.js';
import { PRESETS } from './helpers/presets.js';

const T0 = Date.UTC(2024, 4, 6, 7, 8, 9);
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"
const MAIN = /^(\S+) - - \[(\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000)\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)" "([^"]*)"$/;

interface Out { pod: DemoPod; line: string; time: number }
function run(opts: { seed?: number; policy?: TrafficPolicy; cni?: CniMode; ipv6?: boolean; seconds: number; rate?: number }) {
  const topology = demoTopology({ cni: opts.cni ?? 'flannel-vxlan', ipv6: opts.ipv6 ?? false });
  const gen = new TrafficGenerator({ topology, startMs: T0, seed: opts.seed ?? 1, policy: opts.policy, rate: opts.rate ?? 300 });
  const out: Out[] = [];
  gen.advance(T0 + opts.seconds * 1000, (pod, line, time) => out.push({ pod, line, time }));
  return { gen, out, topology };
}
const external = (o: Out) => !/"(kube-probe\/[\d.]+|curl\/8\.7\.1)" "-"$/.test(o.line);

describe('traffic generator', () => {
  it('replays the same lines for the same seed and different ones for another', () => {
    const a = run({ seed: 42, seconds: 3 }).out.map((o) => o.line);
    const b = run({ seed: 42, seconds: 3 }).out.map((o) => o.line);
    const c = run({ seed: 43, seconds: 3 }).out.map((o) => o.line);
    expect(a).toEqual(b);
    expect(c.slice(0, 50)).not.toEqual(a.slice(0, 50));
  });

  it('writes nginx main lines in time order at about the requested rate', () => {
    const { out } = run({ seconds: 10, rate: 300 });
    expect(out.length).toBeGreaterThan(2800);
    expect(out.length).toBeLessThan(3300);
    for (let i = 1; i < out.length; i++) expect(out[i].time).toBeGreaterThanOrEqual(out[i - 1].time);
    for (const o of out) expect(o.line).toMatch(MAIN);
    expect(out[0].line).toContain('[06/May/2024:07:08:');
  });

  it("every line parses with snatscope's own `main` preset, fields intact", () => {
    const { out } = run({ seconds: 5, ipv6: true, policy: 'Local' });
    const parsed = newParsedLine();
    for (const o of out) {
      expect(PRESETS.main.parse(o.line, parsed)).toBe(true);
      const m = MAIN.exec(o.line)!;
      expect(parsed.remoteAddr).toBe(m[1]);
      expect(parsed.status).toBe(Number(m[4]));
      expect(Math.floor(parsed.time / 1000)).toBe(Math.floor(o.time / 1000));
    }
  });

  it('Cluster: every external request shows a node address of flannel (cni0 .1 or flannel.1 .0), spread evenly', () => {
    const { out, gen } = run({ seconds: 20, policy: 'Cluster' });
    const seen = new Set(out.filter(external).map((o) => o.line.split(' ')[0]));
    expect([...seen].sort()).toEqual(['10.244.1.0', '10.244.1.1', '10.244.2.0', '10.244.2.1', '10.244.3.0']);
    const total = gen.stats.external;
    for (const n of gen.stats.perPod.values()) {
      expect(n / total).toBeGreaterThan(0.3);
      expect(n / total).toBeLessThan(0.37);
    }
    expect(gen.stats.dropped).toBe(0);
  });

  it('Local: clients kept, ydzs-node3 gets nothing, the pod alone on its node gets twice the share of the others', () => {
    const { out, gen, topology } = run({ seconds: 20, policy: 'Local' });
    const addrs = new Set(out.filter(external).map((o) => o.line.split(' ')[0]));
    expect([...addrs].every((a) => /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/.test(a) || a === '10.151.40.10')).toBe(true);
    expect(gen.stats.perEntryNode.has('ydzs-node3')).toBe(false);
    const [a, b, c] = topology.nginx.map((p) => gen.stats.perPod.get(p.name)! / gen.stats.external);
    expect(a).toBeCloseTo(0.5, 1);
    expect(b).toBeCloseTo(0.25, 1);
    expect(c).toBeCloseTo(0.25, 1);
  });

  it('the L7 proxy shows up with X-Forwarded-For; heavy hitters dominate a long tail', () => {
    const { out } = run({ seconds: 20, policy: 'Local' });
    const ext = out.filter(external);
    const proxied = ext.filter((o) => o.line.startsWith('10.151.40.10 '));
    expect(proxied.length / ext.length).toBeGreaterThan(0.1);
    for (const o of proxied) expect(o.line).toMatch(/"(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+)(, [\d.]+)?"$/);
    const counts = new Map<string, number>();
    for (const o of ext) counts.set(o.line.split(' ')[0], (counts.get(o.line.split(' ')[0]) ?? 0) + 1);
    const sorted = [...counts.values()].sort((x, y) => y - x);
    expect(counts.size).toBeGreaterThan(100);
    expect(sorted[0]).toBeGreaterThan(20 * sorted[sorted.length - 1]);
  });

  it('kubelet probes come from the bridge .1 of the pod node twice per 10 s; the curl pod once a second from its pod IP', () => {
    const { out } = run({ seconds: 30 });
    const probes = out.filter((o) => o.line.includes('"kube-probe/'));
    expect(probes.length).toBe(18); // 3 pods x 2 probes x 3 periods
    for (const o of probes) expect(o.line.split(' ')[0]).toBe(o.pod.node === 'ydzs-node1' ? '10.244.1.1' : '10.244.2.1');
    const curl = out.filter((o) => o.line.includes('"curl/8.7.1"'));
    expect(curl.length).toBeGreaterThanOrEqual(29);
    for (const o of curl) expect(o.line.startsWith('10.244.3.9 ')).toBe(true);
  });

  it('switching to Local drops what the balancer still sends to ydzs-node3 until its next health check', () => {
    const topology = demoTopology({ cni: 'host-gw', ipv6: false });
    const gen = new TrafficGenerator({ topology, startMs: T0, seed: 5, rate: 300 });
    const lines: string[] = [];
    const sink = (_p: DemoPod, l: string) => lines.push(l);
    gen.advance(T0 + 5_500, sink);
    expect(gen.stats.dropped).toBe(0);
    gen.setPolicy('Local');
    gen.advance(T0 + 6_000, sink); // health check at 6.0 s takes node3 out
    const dropped = gen.stats.dropped;
    expect(dropped).toBeGreaterThan(20); // ~ 300/s x 0.5 s / 3
    expect(dropped).toBeLessThan(90);
    gen.advance(T0 + 10_000, sink);
    expect(gen.stats.dropped).toBe(dropped);
    gen.setPolicy('Cluster');
    const before = lines.length;
    gen.advance(T0 + 12_000, sink);
    expect(lines.slice(before).some((l) => l.startsWith('10.151.30.24 '))).toBe(true); // node3 back, host-gw: InternalIP
  });

  it('with --ipv6 some clients are IPv6: kept under Local, masqueraded to IPv6 node addresses under Cluster', () => {
    const local = run({ seconds: 10, policy: 'Local', ipv6: true }).out.filter(external).map((o) => o.line.split(' ')[0]);
    expect(local.some((a) => a.startsWith('2001:db8:'))).toBe(true);
    const cluster = new Set(run({ seconds: 10, policy: 'Cluster', ipv6: true }).out.filter(external).map((o) => o.line.split(' ')[0]));
    expect(cluster.has('fd00:10:244:3::')).toBe(true);
    expect(cluster.has('fd00:10:244:1::1')).toBe(true);
  });
});
