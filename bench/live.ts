// The live path under load: N pods (one nginx container each) in the emulated Kubernetes API (this process),
// `snatscope watch` spawned against its kubeconfig (--output none), and log lines appended at a combined rate
// for a fixed time. Measures the rate sustained end to end, the lag from append to stored row (the store's row
// count polled every 50 ms against the append timeline), the watcher's CPU and RSS, and lines lost or duplicated.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel, Emulator } from '../src/emulator/index.js';
import { sampleLines } from './gen.js';
import { removeDb } from './ingest.js';
import { measureLag } from './lag.js';
import { procCpuSeconds, procStatus, repoRoot } from './proc.js';

export { lagStats } from './lag.js';

export interface LiveOptions {
  streams: number;
  /** Combined lines per second over all streams. */
  rate: number;
  seconds: number;
  seed: number;
  dir: string;
  log?: (msg: string) => void;
}

export interface LiveResult {
  streams: number;
  targetRate: number;
  seconds: number;
  appended: number;
  stored: number;
  lost: number;
  duplicates: number;
  /** Lines per second the driver actually appended. */
  appendRate: number;
  /** Lines appended / time from the first append until the last of them was stored. */
  sustainedLinesPerSec: number;
  /** Seconds after the last append until every line was stored. */
  drainSeconds: number;
  /** Append -> stored row, per line (resolution: the 50 ms poll). */
  lagMs: { p50: number; p95: number; p99: number; max: number };
  watcherCpuPercent: number | null;
  watcherPeakRssBytes: number | null;
  /** CPU of this process (emulator serving the streams + the append driver), for context. */
  driverCpuPercent: number;
  note: string | null;
}

const TICK_MS = 10;
const LABEL = 'bench-live';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(cond: () => boolean, ms: number, what: string, child?: ChildProcess, err?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (child && child.exitCode !== null) throw new Error(`snatscope watch exited ${child.exitCode} before ${what}: ${err?.() ?? ''}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${err ? `: ${err()}` : ''}`);
    await sleep(20);
  }
}

/** Stops the run under test with `signal` (SIGKILL after 30 s), closes `reader`, then counts the rows it stored. */
export async function stopAndCount(
  child: ChildProcess, exited: Promise<number>, signal: NodeJS.Signals, reader: Database.Database, db: string,
): Promise<{ code: number; stored: number }> {
  child.kill(signal);
  const code = await Promise.race([exited, sleep(30_000).then(() => -999)]);
  if (code === -999) child.kill('SIGKILL');
  reader.close();
  const after = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return { code, stored: (after.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n };
  } finally {
    after.close();
  }
}

/** A live benchmark's teardown: its reader, the run under test (killed when still running), the emulator. */
export async function tearDown(
  reader: Database.Database | null, child: ChildProcess, exited: Promise<number>, emu: Emulator, model: ClusterModel,
): Promise<void> {
  reader?.close();
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  await emu.close();
  model.close();
}

export async function benchLive(o: LiveOptions): Promise<LiveResult> {
  const log = o.log ?? (() => {});
  const root = repoRoot();
  const dir = join(o.dir, 'live');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'live.db');
  removeDb(db);
  const total = Math.ceil(o.rate * o.seconds);
  const perStream = Math.ceil(total / o.streams) + 1000;
  const model = new ClusterModel({ maxLogLines: perStream, historySize: 5000 });
  const emu = new Emulator(model);
  await emu.start();
  const kubeconfig = join(dir, 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, { namespace: 'default' });
  for (let n = 0; n < 4; n++) model.addNode({ name: `node-${n + 1}`, internalIP: `10.0.0.${11 + n}`, podCIDRs: [`10.244.${n}.0/24`] });
  for (let i = 0; i < o.streams; i++) {
    model.addPod({
      namespace: 'default', name: `web-${i}`, nodeName: `node-${(i % 4) + 1}`,
      ip: `10.244.${i % 4}.${10 + Math.floor(i / 4) % 240}`, labels: { app: LABEL }, containers: ['nginx'],
    });
  }
  const pool = sampleLines(o.seed, 20_000);

  let stderr = '';
  const child = spawn(process.execPath, [
    join(root, 'bin', 'snatscope.js'), 'watch', '-l', `app=${LABEL}`, '--kubeconfig', kubeconfig, '--db', db,
    '--output', 'none', '--format', 'main', '--max-streams', String(o.streams),
  ], { cwd: root, env: { ...process.env, NO_COLOR: '1', HOME: dir, KUBECONFIG: '', SNATSCOPE_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
  let reader: Database.Database | null = null;
  try {
    await waitUntil(() => emu.openLogStreams === o.streams, 60_000, `${o.streams} log streams`, child, () => stderr.trim());
    await waitUntil(() => existsSync(db), 10_000, 'the database');
    reader = new Database(db, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 2000');
    const maxId = reader.prepare('SELECT coalesce(max(id), 0) AS n FROM requests');
    const storedNow = () => (maxId.get() as { n: number }).n;
    log(`live: ${o.streams} streams open; appending ${o.rate} lines/s for ${o.seconds} s`);

    let cursor = 0;
    let pi = 0;
    const cpu0 = procCpuSeconds(child.pid!);
    const self0 = process.cpuUsage();
    // Append on a fixed schedule: the lines due by now, spread evenly over the streams.
    const { appended, t0, tLast, tDone, lagMs } = await measureLag({
      total, linesPerSec: o.rate, seconds: o.seconds, tickMs: TICK_MS, storedNow,
      append: (due) => {
        const base = Math.floor(due / o.streams);
        const extra = due % o.streams;
        for (let j = 0; j < o.streams; j++) {
          const s = (cursor + j) % o.streams;
          const n = base + (j < extra ? 1 : 0);
          if (n === 0) continue;
          if (pi + n > pool.length) pi = 0;
          model.appendLog('default', `web-${s}`, 'nginx', pool.slice(pi, pi + n));
          pi += n;
        }
        cursor = (cursor + extra) % o.streams;
      },
    });
    const cpu1 = procCpuSeconds(child.pid!);
    const hwm = procStatus(child.pid!)?.hwm ?? null;
    const self = process.cpuUsage(self0);
    const wall = (tDone - t0) / 1000;

    const { code, stored } = await stopAndCount(child, exited, 'SIGINT', reader, db);
    reader = null;
    const notes: string[] = [];
    if (code !== 0) notes.push(`watch exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    if (appended < total) notes.push(`appended only ${appended} of ${total}`);
    return {
      streams: o.streams,
      targetRate: o.rate,
      seconds: o.seconds,
      appended,
      stored,
      lost: Math.max(0, appended - stored),
      duplicates: Math.max(0, stored - appended),
      appendRate: appended / ((tLast - t0) / 1000),
      sustainedLinesPerSec: appended / wall,
      drainSeconds: (tDone - tLast) / 1000,
      lagMs,
      watcherCpuPercent: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / wall) * 100 : null,
      watcherPeakRssBytes: hwm,
      driverCpuPercent: ((self.user + self.system) / 1e6 / wall) * 100,
      note: notes.length ? notes.join('; ') : null,
    };
  } finally {
    await tearDown(reader, child, exited, emu, model);
    writeFileSync(join(dir, 'watch.stderr.txt'), stderr);
  }
}
