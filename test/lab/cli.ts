// Runs the real snatscope CLI (node bin/snatscope.js) for the lab end to end: builds dist/ first when it is
// missing or older than the sources, runs a command to completion, or keeps one running (watch) and collects
// its stdout lines as they come.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_ENV } from './exec.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/snatscope.js');
const CLI_JS = join(ROOT, 'dist/src/cli.js');
const BUILD_INFO = join(ROOT, 'dist/.tsbuildinfo');

/** Environment for snatscope children: no proxies, no colour, no inherited database path. */
const ENV: NodeJS.ProcessEnv = { ...CHILD_ENV, NO_COLOR: '1', SNATSCOPE_DB: '' };

function newestTs(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name)) continue;
    newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Compiles the CLI (`tsc -p tsconfig.json`, which emits despite type errors elsewhere) when dist/ is stale. */
export async function ensureBuilt(): Promise<'fresh' | 'built'> {
  const newest = Math.max(...['src', 'db', 'ui'].map((d) => newestTs(join(ROOT, d))));
  // tsc -p (incremental) rewrites its build info on every build that saw a change, but not unchanged outputs.
  if (existsSync(CLI_JS) && existsSync(BUILD_INFO) && statSync(BUILD_INFO).mtimeMs >= newest) return 'fresh';
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await new Promise<void>((done) => {
    execFile(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, timeout: 90_000, maxBuffer: 16 << 20 }, () => done());
  });
  if (!existsSync(CLI_JS)) throw new Error(`snatscope build failed: ${CLI_JS} missing (run npm run build)`);
  return 'built';
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `snatscope ARGS` to completion. */
export function snatscope(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ code, signal: (err?.signal as NodeJS.Signals | undefined) ?? null, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.end();
  });
}

/** A running `snatscope ARGS` whose stdout lines are collected as they arrive. */
export class CliProcess {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<CliResult>;
  private readonly child: ChildProcess;
  private rest = '';
  private stdout = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      const parts = (this.rest + s).split('\n');
      this.rest = parts.pop()!;
      for (const p of parts) this.lines.push(p);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((done) => {
      this.child.once('close', (code, signal) => done({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `n` stdout lines arrived; rejects (with stderr) on timeout or exit. */
  async waitLines(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < n) {
      if (!this.running) throw new Error(`snatscope exited after ${this.lines.length}/${n} lines: ${this.stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`snatscope printed ${this.lines.length}/${n} lines in ${timeoutMs} ms: ${this.stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends a signal; resolves with how the process ended (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGINT', graceMs = 10_000): Promise<CliResult> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
