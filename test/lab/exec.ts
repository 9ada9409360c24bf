// Runs the lab's system tools (ip, iptables-restore, curl, nginx) without a shell, with proxy variables
// removed, and says which of them (or root) are missing.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const SEARCH = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Absolute path of an executable, or null. */
export function which(cmd: string): string | null {
  for (const dir of SEARCH) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

const INSTALL: Record<string, string> = {
  nginx: 'nginx-light',
  iptables: 'iptables',
  ip6tables: 'iptables',
  'iptables-restore': 'iptables',
  'ip6tables-restore': 'iptables',
  ip: 'iproute2',
  curl: 'curl',
};

/** What the lab needs and this machine lacks, each with how to get it; [] when it can run. */
export function prereqs(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces and iptables need it; run as root)');
  for (const [cmd, pkg] of Object.entries(INSTALL)) {
    if (!which(cmd)) missing.push(`${cmd} (apt-get install -y ${pkg})`);
  }
  return missing;
}

/** Environment for child processes: no proxies (curl must talk to lab addresses directly). */
export const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(https?|ftp|all|no)_proxy$/i.test(k)),
);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its stderr on a non-zero exit unless `allowFail`. */
export function run(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  const bin = which(cmd) ?? cmd;
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { env: CHILD_ENV, timeout: opts.timeoutMs ?? 15_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code !== 0 && !opts.allowFail) {
        reject(new Error(`lab: \`${cmd} ${args.join(' ')}\` failed (${code}): ${String(stderr).trim() || String(err?.message)}`));
        return;
      }
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command inside a network namespace. */
export function inNs(ns: string, cmd: string, args: string[], opts?: Parameters<typeof run>[2]): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, which(cmd) ?? cmd, ...args], opts);
}
