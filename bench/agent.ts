// The node agent under load: N nginx containers on one node of the emulated API (this process) writing CRI files
// through the emulated kubelet (KubeletLogs: rotation by size at the kubelet's 10 s monitor interval, gzip, as on a
// node) at a fixed rate each, `snatscope agent --metrics` spawned over the pods folder. Measures lines lost or
// duplicated, the lag from write to stored row (the store's row count polled every 50 ms against the write
// timeline), the agent's CPU and RSS, rotations followed, and what scraping /metrics costs with N pods.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel, Emulator } from '../src/emulator/index.js';
import { StampFormatter } from '../src/emulator/containerlog.js';
import { KubeletLogs, type ContainerLogFiles } from '../src/emulator/kubelet-logs.js';
import { sampleLines } from './gen.js';
import { removeDb } from './ingest.js';
import { measureLag, sleep } from './lag.js';
import { stopAndCount, tearDown, waitUntil } from './live.js';
import { procCpuSeconds, procStatus, repoRoot } from './proc.js';
import { Topology } from '../src/classify/index.js';
import { SnatMetrics } from '../src/metrics/registry.js';
import { CLASSES } from '../src/types.js';

export interface AgentBenchOptions {
  containers: number;
  /** Lines per second per container. */
  rate: number;
  seconds: number;
  /** Rotate a live log at this size (the kubelet's containerLogMaxSize). */
  rotateBytes: number;
  /** How often the kubelet checks log sizes (10 s on a node). */
  monitorMs: number;
  seed: number;
  dir: string;
  log?: (msg: string) => void;
}

export interface AgentBenchResult {
  containers: number;
  ratePerContainer: number;
  seconds: number;
  written: number;
  stored: number;
  lost: number;
  duplicates: number;
  rotations: number;
  bytesWritten: number;
  drainSeconds: number;
  lagMs: { p50: number; p95: number; p99: number; max: number };
  agentCpuPercent: number | null;
  /** Lines read, parsed, classified and stored per CPU-second of the agent (what it costs, whatever the machine's load). */
  linesPerCpuSecond: number | null;
  agentPeakRssBytes: number | null;
  /** GET /metrics with `containers` pods in it: wall time per scrape (HTTP), and the agent's CPU per scrape. */
  scrapeMs: { p50: number; p99: number; max: number; bytes: number; agentCpuMs: number | null } | null;
  /** Rendering the same registry in-process (the exposition alone, no HTTP): wall p50/p99 and CPU per render. */
  renderMs: { p50: number; p99: number; cpu: number };
  note: string | null;
}

const TICK_MS = 20;
const LABEL = 'bench-agent';

export async function benchAgent(o: AgentBenchOptions): Promise<AgentBenchResult> {
  const log = o.log ?? (() => {});
  const root = repoRoot();
  const dir = join(o.dir, 'agent');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'agent.db');
  removeDb(db);
  const podsDir = join(dir, 'pods');
  const model = new ClusterModel({ maxLogLines: 10, historySize: 5000 });
  const emu = new Emulator(model);
  await emu.start();
  const kubeconfig = join(dir, 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, { namespace: 'default' });
  model.addNode({ name: 'node-1', internalIP: '10.0.0.11', podCIDRs: ['10.244.0.0/24'] });
  const kubelet = new KubeletLogs({ dir: podsDir, maxSize: o.rotateBytes });
  const files: ContainerLogFiles[] = [];
  for (let i = 0; i < o.containers; i++) {
    const obj = model.addPod({ namespace: 'default', name: `web-${i}`, nodeName: 'node-1', ip: `10.244.0.${10 + (i % 240)}`, labels: { app: LABEL }, containers: ['nginx'] });
    files.push(kubelet.container('default', `web-${i}`, obj.metadata.uid as string, 'nginx'));
  }
  const pool = sampleLines(o.seed, 20_000);
  let stderr = '';
  const child = spawn(process.execPath, [
    join(root, 'bin', 'snatscope.js'), 'agent', '-l', `app=${LABEL}`, '--node', 'node-1', '--pods-dir', podsDir, '--kubeconfig', kubeconfig,
    '--db', db, '--output', 'none', '--format', 'main', '--metrics', '127.0.0.1:0',
  ], { cwd: root, env: { ...process.env, NO_COLOR: '1', HOME: dir, KUBECONFIG: '', SNATSCOPE_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
  let reader: Database.Database | null = null;
  try {
    await waitUntil(() => /metrics on (http:\S+)\/metrics/.test(stderr), 60_000, 'the agent', child, () => stderr.trim());
    const metricsUrl = /metrics on (http:\S+)\/metrics/.exec(stderr)![1];
    await waitUntil(() => existsSync(db), 10_000, 'the database');
    reader = new Database(db, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 2000');
    const maxId = reader.prepare('SELECT coalesce(max(id), 0) AS n FROM requests');
    const storedNow = () => (maxId.get() as { n: number }).n;
    log(`agent: ${o.containers} containers x ${o.rate} lines/s for ${o.seconds} s, rotation at ${(o.rotateBytes / 1048576).toFixed(2)} MiB`);

    const total = o.containers * o.rate * o.seconds;
    const stamps = new StampFormatter();
    let bytes = 0;
    let rotations = 0;
    let pi = 0;
    const cpu0 = procCpuSeconds(child.pid!);
    let nextMonitor = performance.now() + o.monitorMs;
    const { appended: written, t0, tLast, tDone, lagMs } = await measureLag({
      total, linesPerSec: o.containers * o.rate, seconds: o.seconds, tickMs: TICK_MS, storedNow,
      each: (now) => {
        if (now < nextMonitor) return;
        rotations += kubelet.rotateBySize();
        nextMonitor += o.monitorMs;
      },
      append: (due) => {
        const per = Math.floor(due / o.containers);
        let extra = due % o.containers;
        const stamp = stamps.format(Date.now(), 0);
        for (const f of files) {
          const n = per + (extra > 0 ? 1 : 0);
          if (extra > 0) extra--;
          if (n === 0) continue;
          if (pi + n > pool.length) pi = 0;
          const before = f.size;
          f.write(pool.slice(pi, pi + n), stamp);
          bytes += f.size - before;
          pi += n;
        }
      },
    });
    const cpu1 = procCpuSeconds(child.pid!);
    const hwm = procStatus(child.pid!)?.hwm ?? null;
    const wall = (tDone - t0) / 1000;
    const scrapeMs = await scrapeCost(metricsUrl, child.pid!);
    const { code, stored } = await stopAndCount(child, exited, 'SIGTERM', reader, db);
    reader = null;
    const notes: string[] = [];
    if (code !== 143) notes.push(`agent exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    if (/gap|lost/.test(stderr)) notes.push('the agent reported a gap');
    return {
      containers: o.containers,
      ratePerContainer: o.rate,
      seconds: o.seconds,
      written,
      stored,
      lost: Math.max(0, written - stored),
      duplicates: Math.max(0, stored - written),
      rotations,
      bytesWritten: bytes,
      drainSeconds: (tDone - tLast) / 1000,
      lagMs,
      agentCpuPercent: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / wall) * 100 : null,
      linesPerCpuSecond: cpu0 !== null && cpu1 !== null && cpu1 > cpu0 ? written / (cpu1 - cpu0) : null,
      agentPeakRssBytes: hwm,
      scrapeMs,
      renderMs: await renderCost(o.containers),
      note: notes.length ? notes.join('; ') : null,
    };
  } finally {
    await tearDown(reader, child, exited, emu, model);
    kubelet.closeAll();
    writeFileSync(join(o.dir, 'agent.stderr.txt'), stderr);
    rmSync(podsDir, { recursive: true, force: true });
  }
}

const SCRAPES = 300;

/**
 * SCRAPES scrapes of /metrics one after another once the load has stopped: wall time of each over HTTP, and the
 * agent's own CPU per scrape (its CPU over the scrapes less what it spends idle over as long, read from /proc).
 */
async function scrapeCost(base: string, pid: number): Promise<AgentBenchResult['scrapeMs']> {
  for (let i = 0; i < 10; i++) await (await fetch(`${base}/metrics`)).text(); // warm the JIT
  const idle0 = procCpuSeconds(pid);
  const i0 = performance.now();
  await sleep(2000);
  const idleRate = idle0 === null ? null : ((procCpuSeconds(pid) ?? idle0) - idle0) / (performance.now() - i0);
  const times: number[] = [];
  let size = 0;
  const cpu0 = procCpuSeconds(pid);
  const t0 = performance.now();
  for (let i = 0; i < SCRAPES; i++) {
    const t = performance.now();
    const text = await (await fetch(`${base}/metrics`)).text();
    times.push(performance.now() - t);
    size = text.length;
  }
  const cpu1 = procCpuSeconds(pid);
  const wall = performance.now() - t0;
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * p))] * 100) / 100;
  const cpuMs = cpu0 === null || cpu1 === null || idleRate === null ? null : Math.round((((cpu1 - cpu0) - idleRate * wall) / SCRAPES) * 1e5) / 100;
  return { p50: pct(0.5), p99: pct(0.99), max: Math.round(times[times.length - 1] * 100) / 100, bytes: size, agentCpuMs: cpuMs };
}

/** The registry with `pods` pods x every class rendered 200 times in this process: p50/p99 ms per render. */
async function renderCost(pods: number): Promise<{ p50: number; p99: number; cpu: number }> {
  const m = new SnatMetrics({ topology: new Topology(), version: 'bench', unparsed: () => ({ format: 1 }) });
  for (let i = 0; i < pods; i++) {
    for (const cls of CLASSES) {
      m.write({ time: Date.now(), namespace: 'default', pod: `web-${i}`, container: 'nginx', nodeName: 'node-1', remoteAddr: '10.0.0.11', cls, owner: 'node-1', client: null, clientCls: null, method: 'GET', target: '/', protocol: 'HTTP/1.1', status: 200, bytes: 1, referer: null, userAgent: null, xff: null, requestTime: NaN, upstreamAddr: null });
    }
  }
  m.committed(0.001);
  const times: number[] = [];
  const run = async () => {
    const t = performance.now();
    await m.metrics();
    return performance.now() - t;
  };
  for (let i = 0; i < 50; i++) await run();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) times.push(await run());
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(times[Math.floor(times.length * p)] * 1000) / 1000;
  return { p50: pct(0.5), p99: pct(0.99), cpu: Math.round(((cpu.user + cpu.system) / 1000 / 200) * 1000) / 1000 };
}
