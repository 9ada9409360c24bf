// Running and measuring child processes: wall time, CPU time and peak RSS (through `/usr/bin/time -v` when it is
// there, else by polling /proc/PID/status VmHWM), plus /proc readers for a process that keeps running.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** User + system CPU seconds (null when unknown). */
  cpuSeconds: number | null;
  /** Peak resident set size in bytes (null when unknown). */
  peakRss: number | null;
}

const TIME = '/usr/bin/time';

/** The repository root (has package.json), from this file in bench/ or dist/bench/. */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'snatscope.js'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('bench: cannot find the snatscope repository root');
}

/** The first of `names` found on PATH, or null. */
export function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

const hasGnuTime = (() => {
  let cached: boolean | null = null;
  return () => (cached ??= existsSync(TIME) && spawnSync(TIME, ['-v', 'true'], { encoding: 'utf8' }).stderr.includes('Maximum resident'));
})();

function field(text: string, label: string): number | null {
  const i = text.lastIndexOf(label);
  if (i === -1) return null;
  const m = /:\s*([0-9.]+)/.exec(text.slice(i + label.length, i + label.length + 40));
  return m ? Number(m[1]) : null;
}

/** Runs a command to the end (async, so an in-process server keeps serving) and measures it. */
export function measure(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Measured> {
  const gnu = hasGnuTime();
  const file = gnu ? TIME : cmd;
  const argv = gnu ? ['-v', cmd, ...args] : args;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwm = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += stdout.length < 1 << 20 ? d : ''));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += stderr.length < 1 << 20 ? d : ''));
    const poll = gnu
      ? null
      : setInterval(() => {
          const s = procStatus(child.pid!);
          if (s) hwm = Math.max(hwm, s.hwm);
        }, 20);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      let cpuSeconds: number | null = null;
      let peakRss: number | null = hwm || null;
      if (gnu) {
        const u = field(stderr, 'User time (seconds)');
        const s = field(stderr, 'System time (seconds)');
        cpuSeconds = u !== null && s !== null ? u + s : null;
        const kb = field(stderr, 'Maximum resident set size (kbytes)');
        peakRss = kb !== null ? kb * 1024 : null;
        const cut = stderr.lastIndexOf('\tCommand being timed:');
        if (cut !== -1) stderr = stderr.slice(0, cut);
      }
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, seconds, cpuSeconds, peakRss });
    });
  });
}

export interface ProcStatus {
  /** Peak RSS (VmHWM), bytes. */
  hwm: number;
  /** Current RSS (VmRSS), bytes. */
  rss: number;
}

/** VmHWM and VmRSS of a running process, or null when it is gone. */
export function procStatus(pid: number): ProcStatus | null {
  try {
    const t = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return null;
  }
}

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU seconds a running process has used, or null when it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}
