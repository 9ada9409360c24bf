// --metrics against the real thing: `snatscope demo --metrics` (a child process) scraped every second by a real
// Prometheus started here on loopback. promtool lints a real scrape; /healthz and /readyz answer; and the per-pod
// SNAT ratio Prometheus holds for a window (with a switch of externalTrafficPolicy in the middle, so it is neither
// 0 nor 1) agrees with `snatscope report --format json` over the same window, within the scrape's resolution.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchPolicy } from '../src/demo/policy.js';
import { DEMO_NAMESPACE, SERVICE_NAME } from '../src/demo/topology.js';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';
import { waitFor } from './helpers/kube.js';
import { prereqGate } from './helpers/prereq.js';
import { checkMetrics, prometheusMissing, startPrometheus, type PromServer, type Sample } from './helpers/prometheus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics scraped by a real Prometheus', () => {
  const gate = prereqGate('the Prometheus test', prometheusMissing());
  const t = tempDir('snatscope-metrics-');
  const db = join(t.dir, 'demo.db');
  let demo: ReturnType<typeof spawn> | null = null;
  let demoExit: Promise<number> | null = null;
  let stderr = '';
  let prom: PromServer | null = null;
  let base = '';
  let kubeconfig = '';

  beforeAll(async () => {
    if (gate.skip) return;
    demo = spawn(process.execPath, [BIN, 'demo', '--metrics', '127.0.0.1:0', '--output', 'none', '--db', db, '--rate', '200', '--duration', '90'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    demo.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    demoExit = new Promise((resolve) => demo!.on('exit', (code) => resolve(code ?? -1)));
    await waitFor(() => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stderr) && /--kubeconfig (\S+)/.test(stderr), 30_000, 'the metrics endpoint');
    base = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr)![1];
    kubeconfig = /--kubeconfig (\S+)/.exec(stderr)![1];
    prom = await startPrometheus([base.replace('http://', '')]);
  }, 60_000);

  afterAll(async () => {
    await prom?.close();
    if (demo && demo.exitCode === null) {
      demo.kill('SIGINT');
      await demoExit;
    }
    t.cleanup();
  });

  describe.skipIf(gate.skip)('demo --metrics', () => {
    it('answers /healthz and /readyz, and 404 elsewhere', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await waitFor(() => true);
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    });

    it('serves an exposition promtool finds nothing wrong with, with bounded labels only', async () => {
      await sleep(1500);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(checkMetrics(text)).toEqual({ code: 0, out: '' });
      expect(text).toMatch(/^snatscope_requests_total\{namespace="default",pod="nginx-[^"]+",node="ydzs-node[12]",class="node"\} \d+$/m);
      expect(text).toMatch(/^snatscope_service_info\{namespace="default",service="nginx",type="NodePort",external_traffic_policy="Cluster"\} 1$/m);
      expect(text).toMatch(/^snatscope_build_info\{version="\d+\.\d+\.\d+",nodejs="v\d+[^"]*"\} 1$/m);
      expect(text).toMatch(/^snatscope_line_lag_seconds_bucket\{le="1"\} \d+$/m);
      expect(text).toMatch(/^snatscope_sources\{kind="stream",state="live"\} 3$/m);
      // No client address in any label: the demo's clients are documentation-range addresses.
      expect(text).not.toMatch(/(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+/);
    });

    it('gives the same per-pod SNAT ratio over a window as snatscope report', async () => {
      await sleep(10_000);
      await switchPolicy(kubeconfig, DEMO_NAMESPACE, SERVICE_NAME, 'Local');
      await sleep(14_000);
      const series = await prom!.query('snatscope_requests_total[40s]');
      expect(series.length).toBeGreaterThan(0);
      const stamps = [...new Set(series.flatMap((s) => s.values.map((v) => v[0])))].sort((a, b) => a - b);
      // The window: the last ~24 s of scrapes (by time, not by count: scrapes need not be evenly spaced), which
      // holds ~10 s before the switch and ~14 s after it.
      const t2 = stamps[stamps.length - 1];
      const t1 = stamps.find((t) => t >= t2 - 24) ?? stamps[0];
      expect(t2 - t1).toBeGreaterThanOrEqual(18);
      const prom1 = ratios(series, t1, t2);
      demo!.kill('SIGINT');
      expect(await demoExit).toBe(0);
      const r = runCli(['report', '--db', db, '--from', new Date(t1 * 1000).toISOString(), '--until', new Date(t2 * 1000).toISOString(), '-o', 'json']);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { pods: { pod: string; requests: number; snatRatio: number }[] };
      expect(report.pods.map((p) => p.pod).sort()).toEqual([...prom1.keys()].sort());
      for (const p of report.pods) {
        const got = prom1.get(p.pod)!;
        expect(p.snatRatio).toBeGreaterThan(0.15);
        expect(p.snatRatio).toBeLessThan(0.85); // the switch is inside the window
        expect(Math.abs(got.ratio - p.snatRatio), `${p.pod}: Prometheus ${got.ratio}, report ${p.snatRatio}`).toBeLessThan(0.03);
        expect(Math.abs(got.requests - p.requests) / p.requests).toBeLessThan(0.05);
      }
    }, 60_000);
  });
});

/** Per pod: requests and SNAT ratio (node / all but probes) between two scrapes, from raw samples. */
function ratios(series: Sample[], t1: number, t2: number): Map<string, { requests: number; ratio: number }> {
  const at = (s: Sample, t: number) => {
    let v = 0;
    for (const [ts, val] of s.values) if (ts <= t) v = Number(val);
    return v;
  };
  const acc = new Map<string, { node: number; all: number }>();
  for (const s of series) {
    if (s.metric.class === 'probe') continue;
    const a = acc.get(s.metric.pod) ?? { node: 0, all: 0 };
    const d = at(s, t2) - at(s, t1);
    a.all += d;
    if (s.metric.class === 'node') a.node += d;
    acc.set(s.metric.pod, a);
  }
  return new Map([...acc].map(([pod, a]) => [pod, { requests: a.all, ratio: a.all ? a.node / a.all : 0 }]));
}
