// Audit coverage: periods where a log stream was disconnected, ended, or a pod was not yet watched are gaps, from
// the stored pod_events (written here through the Store API, as `watch` writes them); a deleted pod is not a gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from '../db/index.js';
import type { RequestRow } from '../src/types.js';
import { runCli, tempDir } from './helpers/cli.js';

const T0 = Date.parse('2026-11-27T02:00:00Z');
const MIN = 60_000;
let tmp: ReturnType<typeof tempDir>;
let db: string;

function row(pod: string, time: number, remoteAddr: string, cls: RequestRow['cls'], owner: string | null): RequestRow {
  return {
    time, namespace: 'shop', pod, container: 'nginx', nodeName: pod === 'web-a' ? 'node-1' : 'node-2', remoteAddr, cls, owner,
    client: null, clientCls: null, method: 'GET', target: '/', protocol: 'HTTP/1.1', status: 200, bytes: 10, referer: null,
    userAgent: 'curl/8', xff: null, requestTime: Number.NaN, upstreamAddr: null,
  };
}

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'gaps.db');
  const s = Store.open(db);
  const a = s.source('k8s:shop/web-a/nginx/c1', 'stream', { namespace: 'shop', pod: 'web-a', container: 'nginx' });
  const b = s.source('k8s:shop/web-b/nginx/c2', 'stream', { namespace: 'shop', pod: 'web-b', container: 'nginx' });
  s.podEvent({ time: T0 - 5 * MIN, namespace: 'shop', pod: 'web-a', event: 'watched' });
  s.podEvent({ time: T0 - 5 * MIN, namespace: 'shop', pod: 'web-a', container: 'nginx', event: 'stream-start' });
  for (let t = T0; t < T0 + 10 * MIN; t += 30_000) s.add(a.id, row('web-a', t, '10.0.1.1', 'node', 'node-1'));
  s.podEvent({ time: T0 + 10 * MIN, namespace: 'shop', pod: 'web-a', container: 'nginx', event: 'stream-error', detail: 'connection reset' });
  for (let t = T0 + 15 * MIN; t < T0 + 25 * MIN; t += 30_000) s.add(a.id, row('web-a', t, '203.0.113.7', 'external', null));
  s.podEvent({ time: T0 + 25 * MIN, namespace: 'shop', pod: 'web-a', container: 'nginx', event: 'stream-end', detail: 'stopped' });
  s.podEvent({ time: T0 + 5 * MIN, namespace: 'shop', pod: 'web-b', event: 'watched' });
  s.podEvent({ time: T0 + 5 * MIN + 200, namespace: 'shop', pod: 'web-b', container: 'nginx', event: 'stream-start' });
  for (let t = T0 + 6 * MIN; t < T0 + 20 * MIN; t += 60_000) s.add(b.id, row('web-b', t, '198.51.100.5', 'external', null));
  s.podEvent({ time: T0 + 20 * MIN, namespace: 'shop', pod: 'web-b', event: 'deleted' });
  s.flush();
  s.close();
});
afterAll(() => tmp.cleanup());

interface Cov { pod: string; gaps: { from: string; until: string; reason: string }[]; deletedAt: string | null; coveredMs: number }

function audit(...extra: string[]): { coverage: Cov[]; findings: string[] } {
  const r = runCli(['audit', '--db', db, '--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:30:00Z', '-o', 'json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { coverage: Cov[]; findings: string[] };
}

describe('audit coverage gaps', () => {
  it('reports a disconnected stream until data resumes, and the time after the stream ended', () => {
    const a = audit().coverage.find((c) => c.pod === 'web-a')!;
    expect(a.gaps).toEqual([
      { from: '2026-11-27T02:10:00.000Z', until: '2026-11-27T02:15:00.000Z', reason: 'log stream disconnected: connection reset' },
      { from: '2026-11-27T02:25:00.000Z', until: '2026-11-27T02:30:00.000Z', reason: 'log stream ended: stopped' },
    ]);
    expect(a.coveredMs).toBe(20 * MIN);
  });

  it('reports a pod not watched yet, and not the time after it was deleted', () => {
    const b = audit().coverage.find((c) => c.pod === 'web-b')!;
    expect(b.gaps).toEqual([{ from: '2026-11-27T02:00:00.000Z', until: '2026-11-27T02:05:00.200Z', reason: 'not watched yet' }]);
    expect(b.deletedAt).toBe('2026-11-27T02:20:00.000Z');
  });

  it('says in the findings that coverage is incomplete', () => {
    expect(audit().findings.at(-1)).toMatch(/^Coverage is incomplete: 3 gaps \(15 pod-minutes\) in web-a and web-b/);
  });

  it('limits coverage to the pods on --node', () => {
    expect(audit('--node', 'node-2').coverage.map((c) => c.pod)).toEqual(['web-b']);
  });
});
