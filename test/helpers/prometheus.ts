// A real Prometheus server for tests (Debian's prometheus package): started on loopback with a temporary config
// and TSDB scraping the given targets every second, queried through its HTTP API, removed afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export function prometheusMissing(): string[] {
  const out: string[] = [];
  if (!existsSync(PROMETHEUS)) out.push('prometheus (Debian package prometheus)');
  if (!existsSync(PROMTOOL)) out.push('promtool (Debian package prometheus)');
  return out;
}


export interface Sample {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface PromServer {
  url: string;
  /** An instant or range-vector query at `time` (seconds); the result vector/matrix. */
  query(expr: string, time?: number): Promise<Sample[]>;
  close(): Promise<void>;
}

export async function startPrometheus(targets: string[], job = 'snatscope'): Promise<PromServer> {
  const dir = mkdtempSync(join(tmpdir(), 'snatscope-prom-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n` +
      `scrape_configs:\n  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  );
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > end) {
      await close();
      throw new Error(`prometheus did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close,
    async query(expr, time) {
      const q = new URLSearchParams({ query: expr });
      if (time !== undefined) q.set('time', String(time));
      const res = await fetch(`${url}/api/v1/query?${q}`);
      const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: (Sample & { value?: [number, string] })[] } };
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
      return body.data.result.map((r) => ({ metric: r.metric, values: r.values ?? (r.value ? [r.value] : []) }));
    },
  };
}

/** promtool check metrics on an exposition text: its complaints ('' when clean) and exit code. */
export function checkMetrics(text: string): { code: number | null; out: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
