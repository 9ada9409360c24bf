// Shared by the hardening tests: nginx-style rendering of hostile field values, seeded random bytes fed into a child's
// stdin, an async CLI runner (stdout/stderr collected, exit awaited), and checks on what a database holds.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { BIN, ROOT } from './cli.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** nginx's default escaping of a variable value: 0x00-0x1F, '"', '\', 0x7F-0xFF as \xHH of the UTF-8 bytes. */
export function nginxEscape(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    out += b < 0x20 || b === 0x22 || b === 0x5c || b >= 0x7f ? `\\x${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** $time_local of `ms` (whole seconds) at a UTC offset in minutes. */
export function timeLocal(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const off = Math.abs(offsetMin);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(off / 60))}${p2(off % 60)}`;
}

/** A `main` line (official nginx image) whose target /r/<tag> names it; fields are nginx-escaped. */
export function mainLine(tag: string | number, o: { remote?: string; ua?: string; referer?: string; target?: string } = {}): string {
  const target = o.target ?? `/r/${tag}`;
  return `${o.remote ?? '203.0.113.7'} - - [27/Nov/2026:02:10:00 +0000] "${nginxEscape(`GET ${target} HTTP/1.1`)}" 200 612 ` +
    `"${nginxEscape(o.referer ?? '-')}" "${nginxEscape(o.ua ?? 'curl/8.5.0')}" "-"`;
}

/** Writes n `main` lines with targets /r/<prefix><i>; returns the text size in bytes. */
export function writeMainLog(path: string, n: number, prefix = ''): number {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(mainLine(`${prefix}${i}`, { remote: `203.0.113.${i % 250}` }));
  const text = parts.join('\n') + '\n';
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

/**
 * Writes `total` bytes of seeded xorshift32 noise into a writable (a child's stdin), honouring backpressure, in 1 MiB
 * chunks; resolves when all is written and the stream is ended. Several hundred MB/s on one core.
 */
export function pipeNoise(dest: NodeJS.WritableStream, total: number, seed = 0x9e3779b9): Promise<void> {
  return new Promise((resolve, reject) => {
    let x = seed >>> 0 || 1;
    let sent = 0;
    const size = 1 << 20;
    const next = () => {
      const buf = Buffer.allocUnsafe(size);
      const u = new Uint32Array(buf.buffer, buf.byteOffset, size >> 2);
      for (let i = 0; i < u.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        u[i] = x;
      }
      return buf;
    };
    const pump = () => {
      while (sent < total) {
        const chunk = next();
        sent += chunk.length;
        if (!dest.write(chunk)) {
          dest.once('drain', pump);
          return;
        }
      }
      dest.end(resolve);
    };
    dest.on('error', reject);
    pump();
  });
}

export interface Run {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  /** Exit code, or 128 + signal number for a signal death. */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `node bin/snatscope.js ...` without blocking this process (an emulator may live here). */
export function startCli(args: string[], opts: { env?: Record<string, string>; stdin?: 'pipe' | 'ignore'; cwd?: string } = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', ...opts.env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0))),
  );
  return { child, out, exited };
}

/** Runs the CLI to the end (async). */
export async function cliAsync(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(args, { env: opts.env, stdin: opts.input === undefined ? 'ignore' : 'pipe' });
  if (opts.input !== undefined) run.child.stdin!.end(opts.input);
  const code = await run.exited;
  return { code, ...run.out };
}

/** `PRAGMA integrity_check` of a database file ('ok' when sound). */
export function integrity(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    return (d.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  } finally {
    d.close();
  }
}

/** Targets stored, in insertion order. */
export function storedTargets(db: string): string[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT target FROM requests_v ORDER BY id').pluck().all() as string[];
  } finally {
    d.close();
  }
}

/** Rows in the requests table. */
export function requestCount(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT count(*) FROM requests').pluck().get() as number;
  } finally {
    d.close();
  }
}

/** Characters a terminal acts on that must never come out raw: C0 (but tab and newline), DEL, C1, bidi overrides. */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Resolves once cond() holds, polling; rejects after ms with what was awaited. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
