// Audit coverage gaps proven end to end: the real `snatscope watch` (compiled CLI) follows two pods of the emulated
// cluster while lines arrive; web-1's log stream is cut and its reconnects fail for a while; a third pod appears only
// later. `snatscope audit` then reports exactly those periods as gaps, in JSON and in plain words. Every bound below
// is an order of events recorded around the fault (cut -> first retry, last failed retry -> reconnect, pod added ->
// its first log request), never a guess of how fast things ran.
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
  const r = runCli(['audit', '--db', c.db, '--from', new Date(t.from).toISOString(), '--until', new Date(t.until).toISOString(), '--format', format], {
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

  it('reports the disconnected period of web-1: from the cut until the reconnect that worked', () => {
    const web1 = cov.get('web-1')!;
    expect(web1.gaps).toHaveLength(1);
    const g = web1.gaps[0];
    expect(g.reason).toMatch(/^log stream disconnected/);
    const from = Date.parse(g.from);
    const until = Date.parse(g.until);
    expect(from).toBeGreaterThanOrEqual(t.cut);
    expect(from).toBeLessThanOrEqual(t.firstRetry);
    // Not before the working reconnect, and not stretched to web-1's next line (which came much later).
    expect(until).toBeGreaterThanOrEqual(t.reconnect);
    expect(until).toBeLessThan(t.web1Again);
    expect(web1.coveredMs).toBe(t.until - t.from - (until - from));
  });

  it("reports the late pod's time before it was watched", () => {
    const web2 = cov.get('web-2')!;
    expect(web2.gaps).toHaveLength(1);
    expect(web2.gaps[0]).toMatchObject({ from: new Date(t.from).toISOString(), reason: 'not watched yet' });
    const until = Date.parse(web2.gaps[0].until);
    expect(until).toBeGreaterThanOrEqual(t.added);
    expect(until).toBeLessThanOrEqual(t.web2Log);
  });

  it('says in the findings that coverage is incomplete, naming the pods', () => {
    expect(findings.at(-1)).toMatch(/^Coverage is incomplete: 2 gaps \(\d+ pod-minutes\) in web-1 and web-2/);
  });

  it('names the gaps in plain words in the table and in markdown', () => {
    for (const format of ['table', 'markdown'] as const) {
      const out = audit(format);
      const lines = out.split('\n');
      const line = (pod: string) => lines.find((l) => l.includes(`default/${pod}`)) ?? '';
      expect(line('web-0'), format).toMatch(/no gaps/);
      expect(line('web-1'), format).toMatch(/log stream disconnected.*\(\d+s\)/);
      expect(line('web-2'), format).toMatch(/not watched yet \(\d+s\)/);
      expect(out, format).toMatch(/Coverage is incomplete: 2 gaps/);
    }
  });
});
