// Audit findings people act on: split at a policy change (Cluster, then Local inside the window), honest about
// what a filter covers (--client, --node), the what-if over the Service's endpoints from the stored topology,
// trust hints for X-Forwarded-For nobody trusts, loopback (a sidecar proxy), and top-N sections with --limit.
// The database is written through the Store API as `watch` writes it: topology snapshots at each change, rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from '../db/index.js';
import type { RequestRow } from '../src/types.js';
import { runCli, tempDir } from './helpers/cli.js';

const T0 = Date.parse('2026-11-27T02:00:00Z');
const SWITCH = T0 + 10 * 60_000 + 6_000; // 02:10:06
const END = T0 + 20 * 60_000;
const ENV = { TZ: 'UTC' };
let tmp: ReturnType<typeof tempDir>;
let db: string;

const NODES = { a: 'node-1', b: 'node-2', c: 'node-2' } as const;
const POD_IP = { a: '10.244.1.10', b: '10.244.2.10', c: '10.244.2.11' } as const;

function pod(name: keyof typeof NODES) {
  return {
    namespace: 'shop', name: `web-${name}`, ips: [POD_IP[name]], nodeName: NODES[name], labels: { app: 'web' }, phase: 'Running',
    hostNetwork: false, containers: [{ name: 'nginx' }], ownerKind: 'ReplicaSet', ownerName: 'web-7c5d',
  };
}

function topology(policy: 'Cluster' | 'Local') {
  return {
    version: 1,
    nodes: [
      { name: 'node-1', addresses: ['10.151.30.11'], podCidrs: ['10.244.1.0/24'], annotations: {} },
      { name: 'node-2', addresses: ['10.151.30.12'], podCidrs: ['10.244.2.0/24'], annotations: {} },
    ],
    pods: [pod('a'), pod('b'), pod('c')],
    services: [
      {
        namespace: 'shop', name: 'web', type: 'NodePort', externalTrafficPolicy: policy, internalTrafficPolicy: null,
        selector: { app: 'web' }, ports: [], healthCheckNodePort: null, clusterIP: '10.96.0.10',
      },
    ],
    nodeIps: [],
    podCidrs: [],
  };
}

function row(p: keyof typeof NODES, time: number, remoteAddr: string, cls: RequestRow['cls'], xff: string | null = null): RequestRow {
  return {
    time, namespace: 'shop', pod: `web-${p}`, container: 'nginx', nodeName: NODES[p], remoteAddr, cls,
    owner: cls === 'node' ? (remoteAddr.startsWith('10.244.1') ? 'node-1' : 'node-2') : null,
    client: null, clientCls: null, method: 'GET', target: '/', protocol: 'HTTP/1.1', status: 200, bytes: 10, referer: null,
    userAgent: 'curl/8', xff, requestTime: Number.NaN, upstreamAddr: null,
  };
}

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'periods.db');
  const s = Store.open(db);
  s.topology(topology('Cluster'), T0 - 60 * 60_000);
  s.topology(topology('Local'), SWITCH);
  const src = { a: 0, b: 0, c: 0 };
  for (const k of ['a', 'b', 'c'] as const) {
    src[k] = s.source(`k8s:shop/web-${k}/nginx/c1`, 'stream', { namespace: 'shop', pod: `web-${k}`, container: 'nginx' }).id;
    s.podEvent({ time: T0 - 60 * 60_000, namespace: 'shop', pod: `web-${k}`, container: 'nginx', event: 'stream-start' });
  }
  // Cluster: kube-proxy spreads evenly and SNATs everything: 30 requests per pod with node addresses.
  for (let i = 0; i < 30; i++) {
    for (const k of ['a', 'b', 'c'] as const) s.add(src[k], row(k, T0 + i * 20_000, i % 2 ? '10.244.1.0' : '10.244.2.1', 'node'));
  }
  // Local: client addresses kept; node-1's pod alone takes half, the two on node-2 a quarter each (40/20/20).
  for (let i = 0; i < 40; i++) {
    const t = SWITCH + 1000 + i * 10_000;
    s.add(src.a, row('a', t, `203.0.113.${1 + (i % 30)}`, 'external'));
    if (i % 2 === 0) {
      s.add(src.b, row('b', t, `198.51.100.${1 + (i % 20)}`, 'external'));
      s.add(src.c, row('c', t, '10.151.40.10', 'private', '192.0.2.99')); // a load balancer nobody trusts yet
    }
  }
  // A sidecar proxy in web-c: requests from 127.0.0.6 without X-Forwarded-For.
  for (let i = 0; i < 5; i++) s.add(src.c, row('c', SWITCH + 2000 + i * 1000, '127.0.0.6', 'private'));
  s.flush();
  s.close();
});
afterAll(() => tmp.cleanup());

function audit(format: 'json' | 'table', ...extra: string[]): string {
  const r = runCli(['audit', '--db', db, '--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:20:00Z', '-o', format, ...extra], { env: ENV });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
const findings = (...extra: string[]) => (JSON.parse(audit('json', ...extra)) as { findings: string[] }).findings;

describe('audit across a policy change', () => {
  it('gives each period its own numbers and load split', () => {
    const f = findings();
    expect(f).toContain(
      'Service shop/web (NodePort) changed in this window: Cluster until 02:10:06: SNAT 100% of 90 requests, load 33/33/33; ' +
        'Local since 02:10:06: SNAT 0% of 85 requests, load 47/29/24.',
    );
    expect(f.some((x) => x.startsWith('Service shop/web (Cluster until 02:10:06) is NodePort with externalTrafficPolicy Cluster: 100% of 90 requests carry node addresses'))).toBe(true);
    expect(f).toContain('Service shop/web (Local since 02:10:06) (NodePort, externalTrafficPolicy Local): no request carried a node address; client addresses are preserved.');
    // The SNAT of the Cluster period is not blamed on Local.
    expect(f.join('\n')).not.toMatch(/Local, yet/);
  });

  it('lists the periods as JSON with their times and numbers', () => {
    const j = JSON.parse(audit('json')) as { policyPeriods: { service: string; policy: string; from: string; until: string; requests: number; snatRatio: number }[][] };
    expect(j.policyPeriods).toHaveLength(1);
    expect(j.policyPeriods[0].map((p) => [p.policy, p.from, p.until, p.requests, p.snatRatio])).toEqual([
      ['Cluster', '2026-11-27T02:00:00.000Z', '2026-11-27T02:10:06.000Z', 90, 1],
      ['Local', '2026-11-27T02:10:06.000Z', '2026-11-27T02:20:00.000Z', 85, 0],
    ]);
  });

  it('marks the change on the timeline', () => {
    const text = audit('table');
    expect(text).toMatch(/^2026-11-27T02:10:00\+00:00 +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ +shop\/web -> Local at 02:10:06$/m); // one count per class, probe included
    expect(text).toContain('shop/web NodePort: Cluster until 02:10:06: SNAT 100% of 90 requests');
  });
});

describe('filtered audits say what they cover', () => {
  it('--client does not claim that client addresses are preserved, and gives the unfiltered SNAT', () => {
    const f = findings('--client', '203.0.113.0/24');
    expect(f.join('\n')).not.toMatch(/client addresses are preserved|Every external request/);
    expect(f[0]).toMatch(/^These findings cover only requests from 203\.0\.113\.0\/24 .*: 40 arrived with the client's own address and 0 through trusted proxies\./);
    expect(f[0]).toContain('Without the filter, Service shop/web: Cluster until 02:10:06: SNAT 100% of 90 requests');
  });

  it('--node: the what-if uses the Service\'s three endpoints from the stored topology, not the one pod left', () => {
    const f = findings('--node', 'node-1', '--until', '2026-11-27T02:10:00Z');
    expect(f[0]).toMatch(/^These findings cover only pods on node-1\. Without the filter, Service shop\/web: Cluster: SNAT 100% of 90 requests/);
    expect(f).toContain('Service shop/web has 3 endpoints in the stored topology; the filter (pods on node-1) leaves out web-b and web-c, so its numbers here are of web-a only.');
    const cluster = f.find((x) => x.includes('externalTrafficPolicy Cluster:'))!;
    expect(cluster).toContain('100% of 30 requests carry node addresses');
    expect(cluster).toContain('with Local, pods web-a (alone on node-1) would take 50% and web-b, web-c (sharing node-2) 25% each');
  });
});

describe('a database with the logs of one pod of three', () => {
  it('says the numbers are of that pod only, and bases the what-if on the three stored endpoints', () => {
    const one = join(tmp.dir, 'one-pod.db');
    const s = Store.open(one);
    s.topology(topology('Cluster'), T0 - 60 * 60_000);
    const src = s.source('file:web-a.log', 'file', { namespace: 'shop', pod: 'web-a' }).id;
    for (let i = 0; i < 20; i++) s.add(src, row('a', T0 + i * 20_000, '10.244.2.1', 'node'));
    s.flush();
    s.close();
    const r = runCli(['audit', '--db', one, '--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:10:00Z', '-o', 'json'], { env: ENV });
    const f = (JSON.parse(r.stdout) as { findings: string[] }).findings;
    expect(f).toContain('Service shop/web has 3 endpoints in the stored topology; no requests are stored in this window for web-b and web-c, so its numbers here are of web-a only.');
    expect(f.find((x) => x.includes('with Local'))).toContain('web-a (alone on node-1) would take 50% and web-b, web-c (sharing node-2) 25% each');
  });
});

describe('trust hints', () => {
  it('suggests the exact --trust for a private address whose X-Forwarded-For nobody trusts', () => {
    const f = findings();
    expect(f).toContain(
      '20 requests from 10.151.40.10 (private) carry X-Forwarded-For, but no --trust covers the address they came from, so the client named in the header is not used: ' +
        'if it is your load balancer or proxy, add `--trust 10.151.40.10/32`.',
    );
    const j = JSON.parse(audit('json')) as { trustHints: unknown[] };
    expect(j.trustHints).toEqual([{ addr: '10.151.40.10', cls: 'private', requests: 20, trust: '10.151.40.10/32' }]);
  });

  it('names a sidecar proxy on loopback as the cause and the header to log', () => {
    const f = findings().find((x) => x.includes('loopback'))!;
    expect(f).toMatch(/^5 requests came from loopback \(127\.0\.0\.6\): a proxy inside the pod, such as a service-mesh sidecar \(127\.0\.0\.6 is the source address of Istio's Envoy sidecar\)/);
    expect(f).toContain('X-Forwarded-For header ("$http_x_forwarded_for" in nginx\'s log_format');
    expect(f).toContain('`--trust 127.0.0.6/32`');
  });
});

describe('audit sections at scale', () => {
  it('shows the top 10 clients by default and says how many were left out; JSON keeps all', () => {
    const text = audit('table');
    const section = text.slice(text.indexOf('== Clients'));
    const rows = section.split('\n').slice(2).filter((l) => /^\S+\s+(external|private|node)\s/.test(l));
    expect(rows).toHaveLength(10);
    const j = JSON.parse(audit('json')) as { clients: unknown[]; clientsOmitted: number };
    expect(section).toContain(`(${j.clients.length - 10} more clients not shown; --limit N shows more, the JSON output has all)`);
    expect(j.clients.length).toBe(30 + 10 + 2 + 2); // 203.0.113.x, 198.51.100.x, two node addresses, the LB and 127.0.0.6
    expect(j.clientsOmitted).toBe(0);
  });

  it('--limit N shows N per section', () => {
    const text = audit('table', '--limit', '3');
    const external = text.slice(text.indexOf('== Top remote')).split('\n== ')[0];
    expect(external.split('\n').filter((l) => /\s(198\.51\.100|203\.0\.113)\.\d+\s/.test(l))).toHaveLength(3);
    expect(external).toContain('(37 more external addresses not shown');
    expect(external).not.toMatch(/more private addresses/);
  });

  it('rejects a --limit that is not a positive whole number', () => {
    const r = runCli(['audit', '--db', db, '--from', '2h', '--limit', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: --limit "0" is not a whole number of rows \(try .*\)\n$/);
  });
});

describe('report across a policy change', () => {
  it('shows each Service period with its own SNAT and load (table and JSON)', () => {
    const args = ['report', '--db', db, '--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:20:00Z'];
    const text = runCli(args, { env: ENV }).stdout;
    expect(text).toContain(
      'Services (externalTrafficPolicy over the window):\nshop/web NodePort: Cluster until 02:10:06: SNAT 100% of 90 requests, load 33/33/33; Local since 02:10:06: SNAT 0% of 85 requests, load 47/29/24\n',
    );
    const j = JSON.parse(runCli([...args, '--format', 'json'], { env: ENV }).stdout) as { policyPeriods: { policy: string; requests: number }[][] };
    expect(j.policyPeriods[0].map((p) => [p.policy, p.requests])).toEqual([['Cluster', 90], ['Local', 85]]);
  });
});
