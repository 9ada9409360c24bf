// Audit coverage proven end to end: the real `snatscope watch` (compiled CLI) follows two pods of the emulated
// cluster while lines arrive; web-1's log stream is cut and its reconnects fail for a while; a third pod appears only
// later. Coverage comes from what was stored per container instance: web-1's reconnect resumed from its cursor and
// web-2 was read from its first line, so nothing is missing and `snatscope audit` reports no gap, in JSON and in
// plain words (a real loss, an instance never read to its end, is in watch-instances.test.ts).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.js';
import { accessLine, addWebPod, startCluster, waitFor, type Cluster } from './helpers/kube.js';

interface Gap { from: string; until: string; reason: string }
interface Cov { namespace: string; pod: string; sources: string[]; coveredMs: number; gaps: Gap[]; deletedAt: string | null }

const FAILED_RECONNECTS = 3;
/** web-1 gets no lines from the cut until this long after it reconnected: the gap must end at the reconnect. */
const QUIET_AFTER_RECONNECT_MS = 2000;

let c: Cluster;
const t = {
  from: 0, // window start: both streams open
  cut: 0, // web-1's stream cut (its reconnects fail from here)
  firstRetry: 0, // web-1's first reconnect attempt reached the API server
  reconnect: 0, // web-1's first reconnect that succeeded reached the API server
  web1Again: 0, // web-1 gets lines again
  added: 0, // web-2 created
  web2Log: 0, // web-2's first log request reached the API server
  until: 0, // window end, before the watcher stops
};
let exitCode = -1;
let watchErr = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logRequests = (pod: string, after: number) =>
  c.emu.requestLog.filter((r) => r.time >= after && r.url.includes(`/pods/${pod}/log`));

function audit(format: 'json' | 'table' | 'markdown') {
  const r = runCli(['audit', '--db', c.db, '--from', new Date(t.from).toISOString(), '--until', new Date(t.until).toISOString(), '-o', format], {
    env: { TZ: 'UTC' },
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  c = await startCluster({ pods: 2 });
  const child = spawn(
    process.execPath,
    [BIN, 'watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', c.db, '--output', 'none', '--format', 'main'],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr.on('data', (d: Buffer) => (watchErr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const writing = new Set(['web-0', 'web-1']);
  let n = 0;
  const ticker = setInterval(() => {
    for (const pod of writing) c.model.appendLog('default', pod, 'nginx', accessLine(`${pod}-${n++}`));
  }, 100);
  try {
    await waitFor(() => c.emu.openLogStreams === 2, 15_000, 'two log streams');
    t.from = Date.now();
    await sleep(1000);

    // web-1: cut, then the next reconnects fail with 500 (the stream stays down through the backoff).
    writing.delete('web-1');
    c.emu.failNext(FAILED_RECONNECTS, 500, { path: /\/pods\/web-1\/log/, message: 'apiserver overloaded' });
    t.cut = Date.now();
    expect(c.emu.cutLogStreams({ pod: 'web-1' })).toBe(1);
    await waitFor(() => logRequests('web-1', t.cut).length > FAILED_RECONNECTS && c.emu.openLogStreams === 2, 20_000, 'web-1 reconnected');
    const attempts = logRequests('web-1', t.cut);
    t.firstRetry = attempts[0].time;
    t.reconnect = attempts[FAILED_RECONNECTS].time;
    await sleep(QUIET_AFTER_RECONNECT_MS);
    t.web1Again = Date.now();
    writing.add('web-1');
    await sleep(500);

    // web-2 only now: before this it was not watched.
    t.added = Date.now();
    addWebPod(c.model, 2);
    writing.add('web-2');
    await waitFor(() => c.emu.openLogStreams === 3, 15_000, 'web-2 log stream');
    t.web2Log = logRequests('web-2', t.added)[0].time;
    await sleep(1000);
    t.until = Date.now();
    await sleep(300);
  } finally {
    clearInterval(ticker);
    child.kill('SIGINT');
    exitCode = await exited;
  }
}, 60_000);

afterAll(async () => {
  await c?.close();
});

describe('audit coverage of a real watch with a stream fault', () => {
  let cov: Map<string, Cov>;
  let findings: string[];
  beforeAll(() => {
    expect(exitCode).toBe(0);
    expect(watchErr).toMatch(/web-1\/nginx: .*retrying/);
    const a = JSON.parse(audit('json')) as { coverage: Cov[]; findings: string[] };
    cov = new Map(a.coverage.map((x) => [x.pod, x]));
    findings = a.findings;
  });

  it('reports no gap for the pod whose stream stayed up', () => {
    const web0 = cov.get('web-0')!;
    expect(web0.gaps).toEqual([]);
    expect(web0.coveredMs).toBe(t.until - t.from);
  });

  it('reports no gap for web-1: the disconnection was resumed from its cursor, nothing was missed', () => {
    const web1 = cov.get('web-1')!;
    expect(web1.gaps).toEqual([]);
    expect(web1.coveredMs).toBe(t.until - t.from);
    expect(t.reconnect).toBeGreaterThan(t.cut);
  });

  it('reports no gap for the late pod: it was read from its first line', () => {
    const web2 = cov.get('web-2')!;
    expect(web2.gaps).toEqual([]);
    expect(t.web2Log).toBeGreaterThanOrEqual(t.added);
  });

  it('says in the findings that every pod was covered', () => {
    expect(findings.at(-1)).toBe('Every pod in the audit was covered for the whole window.');
  });

  it('says so in plain words in the table and in markdown', () => {
    for (const format of ['table', 'markdown'] as const) {
      const out = audit(format);
      const lines = out.split('\n');
      const line = (pod: string) => lines.find((l) => l.includes(`default/${pod}`)) ?? '';
      for (const pod of ['web-0', 'web-1', 'web-2']) expect(line(pod), format).toMatch(/no gaps/);
      expect(out, format).toMatch(/Every pod in the audit was covered for the whole window/);
    }
  });
});
