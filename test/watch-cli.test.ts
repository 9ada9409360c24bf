// The real CLI (`node bin/snatscope.js watch ...`, compiled) against the emulated cluster: it streams NDJSON while
// following, Ctrl-C flushes the store and exits 0, and --no-follow ends by itself. Async spawns only: the emulator
// lives in this process.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { accessLine, readRows, startCluster, waitFor, type Cluster } from './helpers/kube.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 2 });
});
afterEach(async () => {
  await c.close();
});

function cli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve((out.code = code ?? -1))));
  return { child, out, exited };
}

describe('snatscope watch (CLI)', () => {
  it('follows the logs as NDJSON and exits 0 after flushing on Ctrl-C', async () => {
    const run = cli(['watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', c.db, '--output', 'json', '--format', 'main']);
    await waitFor(() => c.emu.openLogStreams === 2, 15_000, 'two log streams');
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine('cli-1', '10.0.0.12'), accessLine('cli-2')]);
    c.model.appendLog('default', 'web-1', 'nginx', accessLine('cli-3'));
    await waitFor(() => run.out.stdout.split('\n').filter(Boolean).length === 3, 10_000, 'three NDJSON lines');
    const rows = run.out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { target: string; cls: string; owner: string | null });
    expect(rows.find((r) => r.target === '/r/cli-1')).toMatchObject({ cls: 'node', owner: 'node-b' });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.out.stderr).toMatch(/3 lines, 3 requests, 0 unparsed from 2 streams/);
    expect(readRows(c.db).map((r) => r.target).sort()).toEqual(['/r/cli-1', '/r/cli-2', '/r/cli-3']);
  }, 40_000);

  it('ends by itself with --no-follow and prints lines', async () => {
    c.model.appendLog('default', 'web-1', 'nginx', accessLine('once'));
    const run = cli(['watch', 'web-1', '--no-follow', '--kubeconfig', c.kubeconfig, '--db', c.db, '--output', 'lines']);
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toBe('web-1 external 203.0.113.7  GET /r/once 200\n');
  }, 40_000);

  it('fails with one line and exit 2 for an unknown context', async () => {
    const run = cli(['watch', '--kubeconfig', c.kubeconfig, '--context', 'nope', '--db', c.db, '--output', 'none']);
    expect(await run.exited).toBe(2);
    expect(run.out.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.out.stderr).toMatch(/^snatscope: context "nope" is not in the kubeconfig .* \(try --context NAME, one of: snatscope-emulator\)/);
  }, 40_000);
});
