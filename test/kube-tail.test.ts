// One container log stream against the emulated API server: every line is delivered exactly once through resets,
// clean ends, stalls and server errors (resume = sinceTime of the last second + skip what was seen in it), and a
// --no-follow read ends by itself.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKube } from '../src/kube/config.js';
import { KubeClient } from '../src/kube/http.js';
import { Tail } from '../src/kube/tail.js';
import { accessLine, startCluster, waitFor, type Cluster } from './helpers/kube.js';

let c: Cluster;
let client: KubeClient;

beforeEach(async () => {
  c = await startCluster({ pods: 1 });
  client = new KubeClient(loadKube({ kubeconfig: c.kubeconfig }).kc);
});
afterEach(async () => {
  client.close();
  await c.close();
});

function collectTail(opts: Partial<ConstructorParameters<typeof Tail>[0]> = {}) {
  const got: string[] = [];
  const tail = new Tail({
    client,
    namespace: 'default',
    pod: 'web-0',
    container: 'nginx',
    onLine: (l) => got.push(l),
    backoff: { baseMs: 20, maxMs: 200 },
    endGraceMs: 20,
    ...opts,
  });
  return { tail, got, targets: () => got.map((l) => /GET \/r\/(\S+)/.exec(l)?.[1] ?? '?') };
}

const SECOND = Date.UTC(2026, 10, 27, 2, 10, 0);

describe('a log stream', () => {
  it('keeps the kubectl timestamp on each line it passes on', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', accessLine(1), SECOND + 5);
    const { tail, got } = collectTail({ follow: false });
    tail.start();
    await tail.done;
    expect(got).toEqual([`2026-11-27T02:10:00.005000000Z ${accessLine(1)}`]);
    expect(tail.cursor()).toEqual({ sinceTime: '2026-11-27T02:10:00Z', skip: 1, last: '2026-11-27T02:10:00.005000000Z', whole: true });
  });

  it('delivers every line exactly once through a reset in the middle of a second', async () => {
    const { tail, targets } = collectTail();
    tail.start();
    for (let i = 0; i < 3; i++) c.model.appendLog('default', 'web-0', 'nginx', accessLine(`a${i}`), SECOND + i);
    await waitFor(() => targets().length === 3, 5000, 'first lines');
    expect(c.emu.cutLogStreams({ pod: 'web-0' })).toBe(1);
    // Same second as the lines before the cut: the resume must skip exactly the three already seen.
    for (let i = 3; i < 6; i++) c.model.appendLog('default', 'web-0', 'nginx', accessLine(`a${i}`), SECOND + i);
    c.model.appendLog('default', 'web-0', 'nginx', accessLine('b0'), SECOND + 1500);
    await waitFor(() => targets().length >= 7, 5000, 'lines after the cut');
    await new Promise((r) => setTimeout(r, 100));
    expect(targets()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0']);
    expect(tail.skipped).toBe(3);
    expect(tail.connects).toBe(2);
    await tail.stop();
    expect(tail.state).toBe('ended');
  });

  it('resumes after a clean end while the container still runs', async () => {
    const { tail, targets } = collectTail();
    tail.start();
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1), accessLine(2)], SECOND);
    await waitFor(() => targets().length === 2);
    c.emu.endLogStreams({ pod: 'web-0' });
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(3)], SECOND);
    await waitFor(() => targets().length === 3);
    await waitFor(() => tail.state === 'live');
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(4)], SECOND + 2000);
    await waitFor(() => targets().length === 4);
    expect(targets()).toEqual(['1', '2', '3', '4']);
    await tail.stop();
  });

  it('notices a stalled stream with its idle timer and reconnects without duplicates', async () => {
    const { tail, targets } = collectTail({ idleMs: 300 });
    tail.start();
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1)], SECOND);
    await waitFor(() => targets().length === 1);
    c.emu.stallLogStreams(5000, { pod: 'web-0' });
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(2)], SECOND);
    await waitFor(() => targets().length === 2, 3000, 'the line written during the stall');
    expect(targets()).toEqual(['1', '2']);
    expect(tail.connects).toBeGreaterThanOrEqual(2);
    await tail.stop();
  });

  it('retries 5xx and 429 answers with backoff, honouring Retry-After', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1)], SECOND);
    c.emu.failNext(2, 500, { path: /\/log/ });
    c.emu.failNext(1, 429, { path: /\/log/, retryAfter: 1 });
    const states: string[] = [];
    const { tail, targets } = collectTail({ onState: (t) => states.push(`${t.state}:${t.reason ?? ''}`) });
    const t0 = Date.now();
    tail.start();
    await waitFor(() => targets().length === 1, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // Retry-After: 1
    expect(tail.retries).toBe(3);
    expect(states.some((s) => s.startsWith('retrying:500'))).toBe(true);
    expect(states.some((s) => s.includes('rate limiting'))).toBe(true);
    await tail.stop();
  });

  it('treats text without a timestamp inside the 200 body as a stream error and resumes', async () => {
    // A tiny log endpoint that first answers with a kubelet error inside the stream, then with the real line.
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      if (calls === 1) {
        res.write('2026-11-27T02:10:00.100000000Z ' + accessLine(1) + '\n');
        res.end('unable to retrieve container logs for containerd://0123abcd\n');
      } else {
        expect(req.url).toContain('sinceTime=2026-11-27T02%3A10%3A00Z');
        res.end('2026-11-27T02:10:00.100000000Z ' + accessLine(1) + '\n2026-11-27T02:10:01.000000000Z ' + accessLine(2) + '\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'x', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'x' }],
      contexts: [{ name: 'x', cluster: 'x', user: 'x' }],
      currentContext: 'x',
    });
    const own = new KubeClient(kc);
    const reasons: string[] = [];
    const { tail, targets } = collectTail({ client: own, follow: false, onState: (t) => t.reason && reasons.push(t.reason) });
    tail.start();
    await tail.done;
    expect(targets()).toEqual(['1', '2']);
    expect(reasons.some((r) => r.includes('unable to retrieve container logs'))).toBe(true);
    own.close();
    server.close();
  });

  it('reads what the log holds with --no-follow and ends by itself', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1), accessLine(2), accessLine(3)], SECOND);
    const { tail, targets } = collectTail({ follow: false, start: { tailLines: 2 } });
    tail.start();
    await tail.done;
    expect(targets()).toEqual(['2', '3']);
    expect(tail.state).toBe('ended');
    expect(tail.reason).toBeNull();
  });

  it('starts from a persisted cursor, skipping the lines of that second already stored', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(0)], SECOND - 1000);
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1), accessLine(2), accessLine(3)], SECOND + 10);
    const { tail, targets } = collectTail({ follow: false, start: { cursor: { sinceTime: '2026-11-27T02:10:00Z', skip: 2 } } });
    tail.start();
    await tail.done;
    expect(targets()).toEqual(['3']);
    expect(tail.cursor()).toMatchObject({ sinceTime: '2026-11-27T02:10:00Z', skip: 3 });
  });
});
