import { describe, expect, it } from 'vitest';
import { TopK } from '../src/live/counters.js';
import { LiveStats, NON_CLIENT } from '../src/live/stats.js';
import { CLASSES } from '../src/classes.js';
import { totalsOf } from '../ui/podlist.js';
import type { AddressClass, RequestRow } from '../src/types.js';
import { requestRow } from './helpers/rows.js';

function row(pod: string, remoteAddr: string, cls: AddressClass, over: Partial<RequestRow> = {}): RequestRow {
  const owner = cls === 'node' ? 'node1' : null;
  return requestRow({ time: Date.UTC(2024, 0, 1, 12, 0, 0), pod, remoteAddr, cls, owner, ...over });
}

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('LiveStats', () => {
  it('gives each pod its SNAT ratio and the shares of the other classes', () => {
    const c = clock();
    const s = new LiveStats({ now: c.now });
    for (let i = 0; i < 6; i++) s.write(row('web-1', '10.0.0.2', 'node', { nodeName: 'node1' }));
    for (let i = 0; i < 2; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    s.write(row('web-1', '10.244.2.5', 'pod'));
    s.write(row('web-1', '172.16.9.9', 'private'));
    s.write(row('web-2', '198.51.100.4', 'external', { client: '198.51.100.4', clientCls: 'external' }));
    const snap = s.snapshot();
    const p1 = snap.pods.find((p) => p.pod === 'web-1')!;
    expect(p1.requests).toBe(10);
    expect(p1.snatRatio).toBeCloseTo(0.6);
    expect(p1.shares).toEqual({ probe: 0, external: 0.2, pod: 0.1, private: 0.1, unknown: 0 });
    expect(p1.node).toBe('node1');
    const p2 = snap.pods.find((p) => p.pod === 'web-2')!;
    expect(p2.snatRatio).toBe(0);
    expect(p2.recovered).toBe(1);
    expect(snap.totals.requests).toBe(11);
    expect(snap.totals.snatRatio).toBeCloseTo(6 / 11);
    expect(snap.totals.recovered).toBe(1);
  });

  it('measures lines/s and req/s over a sliding window of the injected clock', () => {
    const c = clock();
    const s = new LiveStats({ now: c.now, rateWindowSec: 10 });
    // 20 s at 5 requests/s and 1 unparsed line/s
    for (let sec = 0; sec < 20; sec++) {
      for (let i = 0; i < 5; i++) s.write(row('web-1', '203.0.113.7', 'external'));
      s.unparsed(1);
      c.t += 1000;
    }
    c.t -= 1; // still inside the 20th second
    const snap = s.snapshot();
    expect(snap.requestsPerSec).toBeCloseTo(5);
    expect(snap.linesPerSec).toBeCloseTo(6);
    expect(snap.pods[0].rps).toBeCloseTo(5);
    expect(snap.unparsed).toBe(20);
    expect(snap.lines).toBe(120);
    // traffic stops: the window empties
    c.t += 15_000;
    expect(s.snapshot().requestsPerSec).toBe(0);
  });

  it('divides by the elapsed time, not the whole window, in the first seconds', () => {
    const c = clock();
    const s = new LiveStats({ now: c.now, rateWindowSec: 10 });
    for (let i = 0; i < 8; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    c.t += 1500; // second 2 of the run
    expect(s.snapshot().requestsPerSec).toBeCloseTo(4);
  });

  it('keeps a SNAT-ratio sparkline of 30 ten-second buckets with gaps where nothing came', () => {
    const c = clock(1_700_000_000_000 - (1_700_000_000_000 % 10_000));
    const s = new LiveStats({ now: c.now });
    s.write(row('web-1', '10.0.0.2', 'node'));
    s.write(row('web-1', '203.0.113.7', 'external')); // bucket 0: 50%
    c.t += 20_000;
    s.write(row('web-1', '10.0.0.2', 'node')); // bucket 2: 100%
    const spark = s.snapshot().pods[0].spark;
    expect(spark).toHaveLength(30);
    expect(spark.slice(-3)).toEqual([0.5, NaN, 1]);
    expect(spark.slice(0, 27).every(Number.isNaN)).toBe(true);
    expect(s.snapshot().pods[0].snatRecent).toBeCloseTo(2 / 3);
    expect(s.snapshot().pods[0].snatRatio).toBeCloseTo(2 / 3);
    c.t += 60_000; // a minute later the policy changed: only client addresses now
    for (let i = 0; i < 4; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    expect(s.snapshot().pods[0].snatRecent).toBe(0);
    expect(s.snapshot().pods[0].snatRatio).toBeCloseTo(2 / 7);
    c.t += 400_000; // long after: all buckets empty again
    expect(s.snapshot().pods[0].spark.every(Number.isNaN)).toBe(true);
  });

  it('keeps only the last 200 requests per pod, newest first', () => {
    const s = new LiveStats({ now: clock().now });
    for (let i = 0; i < 1000; i++) s.write(row('web-1', '203.0.113.7', 'external', { target: `/r/${i}` }));
    const d = s.podDetail('default/web-1')!;
    expect(d.recent).toHaveLength(200);
    expect(d.recent[0].target).toBe('/r/999');
    expect(d.recent[199].target).toBe('/r/800');
    expect(s.snapshot({ detail: 'default/web-1' }).detail?.recent).toHaveLength(200);
    expect(s.snapshot().detail).toBeNull();
  });

  it('ranks top client addresses per class in a bounded map that keeps the heavy hitters', () => {
    const s = new LiveStats({ now: clock().now });
    // a heavy external client among 5000 one-off addresses, and two node addresses
    for (let i = 0; i < 5000; i++) {
      s.write(row('web-1', `2001:db8::${i.toString(16)}`, 'external'));
      if (i % 10 === 0) s.write(row('web-1', '203.0.113.9', 'external'));
      if (i % 20 === 0) s.write(row('web-1', '10.0.0.2', 'node'));
      if (i % 50 === 0) s.write(row('web-1', '10.244.1.1', 'node'));
    }
    const d = s.podDetail('default/web-1')!;
    expect(d.top.external[0]).toEqual({ addr: '203.0.113.9', count: 500 });
    expect(d.top.external.length).toBeLessThanOrEqual(5);
    expect(d.top.external.slice(1).every((t) => t.count < 50)).toBe(true);
    expect(d.top.node.map((t) => [t.addr, t.count])).toEqual([
      ['10.0.0.2', 250],
      ['10.244.1.1', 100],
    ]);
    expect(d.top.pod).toEqual([]);
  });

  it('shows per node the requests to its pods and which of its addresses SNAT\'d requests carry', () => {
    const s = new LiveStats({ now: clock().now });
    s.setNodes([{ name: 'node1', addresses: ['10.0.0.1'], ready: true }, { name: 'node2', ready: true }, { name: 'node3', ready: false }]);
    for (let i = 0; i < 3; i++) s.write(row('web-1', '10.0.0.2', 'node', { nodeName: 'node1', owner: 'node2' }));
    s.write(row('web-1', '10.244.2.0', 'node', { nodeName: 'node1', owner: 'node2' }));
    s.write(row('web-2', '10.0.0.1', 'node', { nodeName: 'node2', owner: 'node1' }));
    s.write(row('web-2', '203.0.113.7', 'external', { nodeName: 'node2' }));
    const nodes = s.snapshot().nodes;
    expect(nodes.map((n) => n.node)).toEqual(['node1', 'node2', 'node3']);
    const [n1, n2, n3] = nodes;
    expect(n1).toMatchObject({ requests: 4, pods: 1, snatOwned: 1, snatSources: [{ addr: '10.0.0.1', count: 1 }], ready: true });
    expect(n2).toMatchObject({ requests: 2, pods: 1, snatOwned: 4 });
    expect(n2.snatSources).toEqual([{ addr: '10.0.0.2', count: 3 }, { addr: '10.244.2.0', count: 1 }]);
    expect(n3).toMatchObject({ requests: 0, pods: 0, ready: false });
  });

  it('counts streams by state and gives each pod its best stream state', () => {
    const s = new LiveStats({ now: clock().now });
    const base = { namespace: 'default', container: 'nginx', nodeName: 'node1' };
    s.setStream('default/web-1/nginx', { ...base, pod: 'web-1', state: 'live' });
    s.setStream('default/web-1/sidecar', { ...base, pod: 'web-1', container: 'sidecar', state: 'retrying', detail: 'EOF' });
    s.setStream('default/web-2/nginx', { ...base, pod: 'web-2', state: 'queued' });
    s.setStream('default/web-3/nginx', { ...base, pod: 'web-3', state: 'retrying', detail: 'connection reset' });
    const snap = s.snapshot();
    expect(snap.streams).toEqual({ connected: 1, connecting: 0, queued: 1, retrying: 2, ended: 0 });
    expect(snap.pods.map((p) => [p.pod, p.state, p.node])).toEqual([
      ['web-1', 'live', 'node1'],
      ['web-2', 'queued', 'node1'],
      ['web-3', 'retrying', 'node1'],
    ]);
    expect(snap.pods[2].detail).toBe('connection reset');
  });

  it('bounds the pods it tracks, dropping ended pods first', () => {
    const c = clock();
    const s = new LiveStats({ now: c.now, maxPods: 3 });
    s.setStream('k1', { namespace: 'default', pod: 'old', container: 'nginx', nodeName: null, state: 'ended' });
    for (const p of ['a', 'b']) {
      c.t += 1000;
      s.write(row(p, '203.0.113.7', 'external'));
    }
    c.t += 1000;
    s.write(row('c', '203.0.113.7', 'external'));
    expect(s.snapshot().pods.map((p) => p.pod)).toEqual(['a', 'b', 'c']);
    c.t += 1000;
    s.write(row('d', '203.0.113.7', 'external'));
    expect(s.snapshot().pods.map((p) => p.pod)).toEqual(['b', 'c', 'd']);
    // totals survive evictions
    expect(s.snapshot().totals.requests).toBe(4);
  });

  it('keeps services, nodes and header as given', () => {
    const s = new LiveStats({ now: clock().now });
    s.setHeader({ context: 'kind-demo', namespace: 'default' });
    s.setHeader({ dbPath: '/tmp/x.db' });
    s.setServices([{ namespace: 'default', name: 'web', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ nodePort: 30080 }, { nodePort: null }] }]);
    const snap = s.snapshot();
    expect(snap.header).toEqual({ context: 'kind-demo', cluster: null, namespace: 'default', selector: null, dbPath: '/tmp/x.db', follow: true });
    expect(snap.services[0]).toMatchObject({ name: 'web', type: 'NodePort', externalTrafficPolicy: 'Cluster', nodePorts: [30080] });
  });

  it('gives the SNAT ratio of the last minute beside the since-start one, per pod and in total', () => {
    const c = clock();
    const s = new LiveStats({ now: c.now });
    for (let i = 0; i < 8; i++) s.write(row('web-1', '10.0.0.2', 'node'));
    for (let i = 0; i < 2; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    expect(s.snapshot().totals.snatRecent).toBeCloseTo(0.8);
    c.t += 61_000; // the first requests are over a minute old
    for (let i = 0; i < 10; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    const snap = s.snapshot();
    expect(snap.totals.snatRatio).toBeCloseTo(0.4);
    expect(snap.totals.snatRecent).toBe(0);
    expect(snap.pods[0]).toMatchObject({ snatRecent: 0, recentRequests: 10 });
    c.t += 61_000;
    expect(s.snapshot().totals.snatRecent).toBeNaN();
  });

  it('counts requests from node, pod or private addresses whose X-Forwarded-For no --trust covers, by address', () => {
    const s = new LiveStats({ now: clock().now });
    for (let i = 0; i < 3; i++) s.write(row('web-1', '10.151.40.10', 'private', { xff: '203.0.113.9' }));
    s.write(row('web-1', '10.0.0.2', 'node', { xff: '203.0.113.9' }));
    s.write(row('web-1', '10.151.40.11', 'private', { xff: '203.0.113.9', client: '203.0.113.9', clientCls: 'external' }));
    s.write(row('web-1', '203.0.113.7', 'external', { xff: '198.51.100.1' }));
    s.write(row('web-1', '10.151.40.12', 'private', { xff: '-' }));
    expect(s.snapshot().untrustedXff).toEqual({
      requests: 4,
      recent: 4,
      top: [
        { addr: '10.151.40.10', cls: 'private', count: 3 },
        { addr: '10.0.0.2', cls: 'node', count: 1 },
      ],
    });
  });

  it('takes the SNAT ratio and the shares over client traffic: requests minus the non-client class (the probes)', () => {
    // The registry's probe class is what NON_CLIENT holds once it exists; any class stands in for it here.
    const c = clock();
    const s = new LiveStats({ now: c.now, nonClient: ['unknown'] });
    for (let i = 0; i < 6; i++) s.write(row('web-1', '10.0.0.2', 'node'));
    for (let i = 0; i < 2; i++) s.write(row('web-1', '203.0.113.7', 'external'));
    for (let i = 0; i < 2; i++) s.write(row('web-1', '10.0.0.2', 'unknown', { userAgent: 'kube-probe/1.32' }));
    for (let i = 0; i < 4; i++) s.write(row('web-2', '10.0.0.3', 'unknown', { userAgent: 'kube-probe/1.32' }));
    const snap = s.snapshot();
    const [p1, p2] = snap.pods;
    expect(p1).toMatchObject({ requests: 10, clientRequests: 8, snatRatio: 0.75, snatRecent: 0.75 });
    expect(p1.shares.external).toBe(0.25);
    expect(p1.shares.unknown).toBe(0.2); // of all requests
    // Only probes: no client traffic, so no ratio (shown as -), not 0%.
    expect(p2.snatRatio).toBeNaN();
    expect(p2.shares.unknown).toBe(1);
    expect(snap.totals).toMatchObject({ requests: 14, clientRequests: 8, snatRatio: 0.75 });
    expect(snap.nonClient).toEqual(['unknown']);
    // The table's totals over a filtered subset weigh the same way.
    const t = totalsOf(snap.pods, snap.nonClient);
    expect(t.snatRatio).toBeCloseTo(snap.totals.snatRatio);
    expect(t.shares.external).toBeCloseTo(snap.totals.shares.external);
    expect(t.shares.unknown).toBeCloseTo(snap.totals.shares.unknown);
    expect(t.snatRecent).toBeCloseTo(snap.totals.snatRecent);
  });

  it('leaves exactly the non-client classes (the probes) out of client traffic', () => {
    expect(NON_CLIENT.every((c) => CLASSES.includes(c))).toBe(true);
    const s = new LiveStats({ now: clock().now });
    for (const cls of CLASSES) s.write(row('web-1', '10.0.0.2', cls));
    expect(s.snapshot().totals.clientRequests).toBe(CLASSES.length - NON_CLIENT.length);
  });

  it('never holds more addresses than its top-k capacity', () => {
    const k = new TopK(16);
    for (let i = 0; i < 100_000; i++) k.offer(`2001:db8::${i.toString(16)}`);
    expect(k.size).toBe(16);
    expect(k.top(5).every((t) => t.count === 1)).toBe(true);
  });
});
