// Runs the real kubectl against a kubeconfig (the emulator's) with its own --cache-dir, either to completion
// or in the background with a way to wait for output and for its exit.

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export function hasKubectl(): boolean {
  try {
    accessSync(KUBECTL, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface KubectlEnv {
  kubeconfig: string;
  cacheDir: string;
}

export interface KubectlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class KubectlProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<KubectlResult>;
  private waiters: { re: RegExp; resolve: () => void }[] = [];

  constructor(env: KubectlEnv, args: string[]) {
    this.child = spawn(KUBECTL, ['--kubeconfig', env.kubeconfig, '--cache-dir', env.cacheDir, ...args], {
      env: { ...process.env, KUBECONFIG: env.kubeconfig, HOME: env.cacheDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; this.check(); });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.re.test(this.stdout)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once stdout matches re; rejects after timeoutMs or if kubectl exits first. */
  waitFor(re: RegExp, timeoutMs = 10_000): Promise<void> {
    if (re.test(this.stdout)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubectl output never matched ${re}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)), timeoutMs);
      const done = () => { clearTimeout(timer); resolve(); };
      this.waiters.push({ re, resolve: done });
      void this.exited.then(() => {
        if (re.test(this.stdout)) return done();
        clearTimeout(timer);
        reject(new Error(`kubectl exited before output matched ${re}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) this.child.kill('SIGTERM');
  }
}

/** Starts kubectl in the background. */
export function spawnKubectl(env: KubectlEnv, args: string[]): KubectlProcess {
  return new KubectlProcess(env, args);
}

/** Runs kubectl to completion (killed after timeoutMs). */
export async function runKubectl(env: KubectlEnv, args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
  const p = new KubectlProcess(env, args);
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}
