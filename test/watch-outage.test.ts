// The API server going away mid-watch is said once, on one status line, not once per stream and retry; its return
// is said too, and the streams resume (issue 15). The real CLI against the emulator, which is stopped and restarted
// on the same port.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { accessLine, startCluster, waitFor, type Cluster } from './helpers/kube.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 2 });
});
afterEach(async () => {
  await c.close();
});

describe('watch when the API server goes away', () => {
  it('says "API server unreachable since HH:MM:SS, retrying" once, then that it is back, and goes on', async () => {
    const child = spawn(process.execPath, [BIN, 'watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', c.db, '-o', 'lines', '--format', 'main'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    try {
      await waitFor(() => c.emu.openLogStreams === 2, 15_000, 'two log streams');
      const port = Number(new URL(c.emu.url).port);
      await c.emu.close();
      await waitFor(() => /unreachable since/.test(stderr), 15_000, 'the outage line');
      await new Promise((r) => setTimeout(r, 4000)); // every watcher retries a few times meanwhile
      await c.emu.start({ port });
      await waitFor(() => /reachable again/.test(stderr), 20_000, 'the line saying it is back');
      await waitFor(() => c.emu.openLogStreams === 2, 40_000, 'the streams back');
      c.model.appendLog('default', 'web-1', 'nginx', accessLine('after-outage'));
      await waitFor(() => stdout.includes('/r/after-outage'), 20_000, 'a line after the outage');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.filter((l) => /^snatscope: API server unreachable since \d\d:\d\d:\d\d, retrying$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^snatscope: API server reachable again after \d+s$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /retrying/.test(l))).toHaveLength(1);
  }, 120_000);
});
