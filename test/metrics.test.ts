// The metrics of a run: counters that move when their batch commits (so they agree with the store), per-Service
// counts from the Services' selectors, bounded labels only, the exposition promtool accepts, and the endpoint.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Topology } from '../src/classify/index.js';
import { SnatMetrics } from '../src/metrics/registry.js';
import { parseListen, serveMetrics } from '../src/metrics/server.js';
import { UserError } from '../src/errors.js';
import { requestRow } from './helpers/rows.js';
import { checkMetrics, PROMTOOL } from './helpers/prometheus.js';

function topology(): Topology {
  return Topology.fromSnapshot({
    nodes: [],
    pods: [
      { namespace: 'shop', name: 'web-1', ips: ['10.244.1.10'], nodeName: 'n1', labels: { app: 'web' }, phase: 'Running', hostNetwork: false, containers: [], ownerKind: null, ownerName: null },
      { namespace: 'shop', name: 'db-1', ips: ['10.244.1.11'], nodeName: 'n1', labels: { app: 'db' }, phase: 'Running', hostNetwork: false, containers: [], ownerKind: null, ownerName: null },
    ],
    services: [
      { namespace: 'shop', name: 'web', type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Cluster', selector: { app: 'web' }, ports: [], healthCheckNodePort: null, clusterIP: '10.96.0.10' },
      { namespace: 'shop', name: 'web-internal', type: 'ClusterIP', externalTrafficPolicy: null, internalTrafficPolicy: 'Cluster', selector: { app: 'web' }, ports: [], healthCheckNodePort: null, clusterIP: '10.96.0.11' },
    ],
  } as never);
}

const metrics = (over: Partial<ConstructorParameters<typeof SnatMetrics>[0]> = {}) =>
  new SnatMetrics({ topology: topology(), version: '0.1.0', processMetrics: false, ...over });

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('SnatMetrics', () => {
  it('counts requests when their batch commits, not before', async () => {
    const m = metrics();
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', nodeName: 'n1', cls: 'node', owner: 'n1', remoteAddr: '10.0.0.11' }));
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', nodeName: 'n1', cls: 'external', remoteAddr: '203.0.113.7' }));
    expect(value(await m.metrics(), 'snatscope_requests_total{namespace="shop",pod="web-1",node="n1",class="node"}')).toBeUndefined();
    m.committed(0.004);
    const text = await m.metrics();
    expect(value(text, 'snatscope_requests_total{namespace="shop",pod="web-1",node="n1",class="node"}')).toBe(1);
    expect(value(text, 'snatscope_requests_total{namespace="shop",pod="web-1",node="n1",class="external"}')).toBe(1);
    expect(value(text, 'snatscope_snat_requests_total{node="n1",address="10.0.0.11"}')).toBe(1);
    expect(value(text, 'snatscope_commit_duration_seconds_count')).toBe(1);
    expect(value(text, 'snatscope_line_lag_seconds_count')).toBe(2);
  });

  it('drops the counts of a batch that was rolled back', async () => {
    const m = metrics();
    m.write(requestRow({ namespace: 'shop', pod: 'web-1' }));
    m.abandoned();
    m.committed(0.001);
    expect(await m.metrics()).not.toMatch(/^snatscope_requests_total\{/m);
  });

  it('counts a request for every Service that selects its pod, and none for a pod no Service selects', async () => {
    const m = metrics();
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', cls: 'node', owner: 'n1', remoteAddr: '10.0.0.11' }));
    m.write(requestRow({ namespace: 'shop', pod: 'db-1', cls: 'pod' }));
    m.committed(0.001);
    const text = await m.metrics();
    expect(value(text, 'snatscope_service_requests_total{namespace="shop",service="web",class="node"}')).toBe(1);
    expect(value(text, 'snatscope_service_requests_total{namespace="shop",service="web-internal",class="node"}')).toBe(1);
    expect(text).not.toMatch(/service_requests_total\{[^}]*class="pod"/);
    expect(value(text, 'snatscope_service_info{namespace="shop",service="web",type="NodePort",external_traffic_policy="Local"}')).toBe(1);
  });

  it('never puts a client address in a label (recovered clients are counted, not named)', async () => {
    const m = metrics();
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', cls: 'private', remoteAddr: '10.151.40.10', client: '198.51.100.23', clientCls: 'external', xff: '198.51.100.23' }));
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', cls: 'external', remoteAddr: '192.0.2.44' }));
    m.committed(0.001);
    const text = await m.metrics();
    expect(text).not.toMatch(/198\.51\.100|192\.0\.2|10\.151\.40/);
    expect(value(text, 'snatscope_recovered_clients_total{namespace="shop",pod="web-1",node=""}')).toBe(1);
  });

  it('reports unparsed lines by reason and sources by state, read when scraped', async () => {
    let unparsed: Record<string, number> = { format: 2 };
    const m = metrics({ unparsed: () => unparsed, sources: { kind: 'file', states: () => ['live', 'live', 'draining'] } });
    expect(value(await m.metrics(), 'snatscope_unparsed_lines_total{reason="format"}')).toBe(2);
    unparsed = { format: 5, 'too-long': 1 };
    const text = await m.metrics();
    expect(value(text, 'snatscope_unparsed_lines_total{reason="format"}')).toBe(5);
    expect(value(text, 'snatscope_unparsed_lines_total{reason="too-long"}')).toBe(1);
    expect(value(text, 'snatscope_sources{kind="file",state="live"}')).toBe(2);
    expect(value(text, 'snatscope_sources{kind="file",state="draining"}')).toBe(1);
  });

  it.skipIf(!existsSync(PROMTOOL))('writes an exposition promtool check metrics accepts, process metrics included', async () => {
    const m = metrics({ processMetrics: true, unparsed: () => ({ format: 1 }) });
    m.write(requestRow({ namespace: 'shop', pod: 'web-1', cls: 'node', owner: 'n1', remoteAddr: '10.0.0.11' }));
    m.committed(0.001);
    m.rotation();
    m.gap();
    m.reconnect();
    const text = await m.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(checkMetrics(text)).toEqual({ code: 0, out: '' });
  });
});

describe('--metrics [HOST:]PORT', () => {
  it.each([
    ['9464', { host: '0.0.0.0', port: 9464 }],
    [':9464', { host: '0.0.0.0', port: 9464 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:9464', { host: 'localhost', port: 9464 }],
  ])('reads %s', (text, want) => {
    expect(parseListen(text)).toEqual(want);
  });

  it.each(['', 'abc', '9464x', '1.2.3.4:', '70000', '[::1]9464'])('rejects %j with a hint', (text) => {
    expect(() => parseListen(text)).toThrow(UserError);
    expect(() => parseListen(text)).toThrow(/--metrics .* (is not a \[HOST:\]PORT|is not a port)/);
  });

  it('serves /metrics, /healthz, and /readyz (503 until ready)', async () => {
    let ready = false;
    const ep = await serveMetrics({ host: '127.0.0.1', port: 0 }, { metrics: async () => 'a_total 1\n', contentType: 'text/plain; version=0.0.4', ready: () => ready });
    try {
      const m = await fetch(`${ep.url}/metrics`);
      expect([m.status, m.headers.get('content-type'), await m.text()]).toEqual([200, 'text/plain; version=0.0.4', 'a_total 1\n']);
      expect((await fetch(`${ep.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ep.url}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${ep.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${ep.url}/other`)).status).toBe(404);
      expect((await fetch(`${ep.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await ep.close();
    }
  });

  it('says which port is in use, as one line with a hint', async () => {
    const ep = await serveMetrics({ host: '127.0.0.1', port: 0 }, { metrics: async () => '', contentType: 'text/plain', ready: () => true });
    const port = Number(new URL(ep.url).port);
    try {
      await expect(serveMetrics({ host: '127.0.0.1', port }, { metrics: async () => '', contentType: 'text/plain', ready: () => true })).rejects.toThrow(
        new RegExp(`--metrics 127\\.0\\.0\\.1:${port}: cannot listen \\(the port is in use\\)`),
      );
    } finally {
      await ep.close();
    }
  });
});
