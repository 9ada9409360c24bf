// watch follows the user's flags like kubectl, and nothing that matches nothing exits 0 (issue 14, points 5 and 9):
// the real CLI against the emulated cluster, a real SQLite file shared by successive runs.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { accessLine, readRows, startCluster, type Cluster } from './helpers/kube.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 2 });
});
afterEach(async () => {
  await c.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function watch(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'watch', ...args, '--kubeconfig', c.kubeconfig, '--db', c.db, '--format', 'main'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Run = { code: -1, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ ...out, code: code ?? -1 })));
}

const printed = (r: Run) => r.stdout.split('\n').filter(Boolean).map((l) => /GET (\/r\/\S+)/.exec(l)?.[1] ?? l);
const stored = () => readRows(c.db).map((r) => r.target).sort();

/** Five lines per pod, one a second, ending two seconds ago; returns their targets. */
function fiveEach(tag: string, endMs = Date.now() - 2000): string[] {
  const all: string[] = [];
  for (const pod of ['web-0', 'web-1']) {
    for (let i = 0; i < 5; i++) {
      c.model.appendLog('default', pod, 'nginx', accessLine(`${tag}-${pod}-${i}`), endMs - (4 - i) * 1000);
      all.push(`/r/${tag}-${pod}-${i}`);
    }
  }
  return all.sort();
}

describe('watch: what is printed follows --tail/--since, what is stored never repeats', () => {
  it('a second --no-follow --tail 1 prints one line per pod and stores nothing again', async () => {
    const first = fiveEach('a');
    const r1 = await watch(['-l', 'app=web', '--no-follow', '--output', 'lines']);
    expect(r1.code).toBe(0);
    expect(printed(r1).sort()).toEqual(first);
    const r2 = await watch(['-l', 'app=web', '--no-follow', '--tail', '1', '--output', 'lines']);
    expect(r2.code).toBe(0);
    expect(printed(r2).sort()).toEqual(['/r/a-web-0-4', '/r/a-web-1-4']);
    expect(stored()).toEqual(first);
    expect(r2.stderr).toMatch(/0 requests.*2 lines stored by an earlier run shown, not stored again/);
  }, 60_000);

  it('without --tail or --since a second run resumes from the stored cursor and says so', async () => {
    const first = fiveEach('b');
    expect((await watch(['-l', 'app=web', '--no-follow', '--output', 'lines'])).code).toBe(0);
    c.model.appendLog('default', 'web-0', 'nginx', accessLine('b-new'));
    const r2 = await watch(['-l', 'app=web', '--no-follow', '--output', 'lines']);
    expect(r2.code).toBe(0);
    expect(printed(r2)).toEqual(['/r/b-new']);
    expect(r2.stderr).toMatch(/resuming from the cursors stored in the database/);
    expect(stored()).toEqual([...first, '/r/b-new'].sort());
  }, 60_000);

  it('--since prints the window, old lines included, and stores only the lines after the cursor', async () => {
    const first = fiveEach('c', Date.now() - 3000);
    expect((await watch(['-l', 'app=web', '--no-follow', '--output', 'lines'])).code).toBe(0);
    c.model.appendLog('default', 'web-1', 'nginx', accessLine('c-new'), Date.now() - 1000);
    const r2 = await watch(['-l', 'app=web', '--no-follow', '--since', '1h', '--output', 'lines']);
    expect(r2.code).toBe(0);
    expect(printed(r2).sort()).toEqual([...first, '/r/c-new'].sort());
    expect(stored()).toEqual([...first, '/r/c-new'].sort());
  }, 60_000);

  it('a --tail that starts inside the cursor\'s second stores exactly the lines after it', async () => {
    const t = Math.floor(Date.now() / 1000) * 1000 - 3000; // every line in one second
    for (let i = 0; i < 5; i++) c.model.appendLog('default', 'web-0', 'nginx', accessLine(`d-${i}`), t);
    expect((await watch(['web-0', '--no-follow', '--output', 'lines'])).code).toBe(0);
    for (let i = 5; i < 7; i++) c.model.appendLog('default', 'web-0', 'nginx', accessLine(`d-${i}`), t);
    const r2 = await watch(['web-0', '--no-follow', '--tail', '3', '--output', 'lines']);
    expect(r2.code).toBe(0);
    expect(printed(r2)).toEqual(['/r/d-4', '/r/d-5', '/r/d-6']);
    expect(stored()).toEqual(['/r/d-0', '/r/d-1', '/r/d-2', '/r/d-3', '/r/d-4', '/r/d-5', '/r/d-6']);
  }, 60_000);
});

describe('watch: nothing that matches nothing exits 0', () => {
  it.each([
    { args: ['nosuchpod'], line: /^snatscope: pod "nosuchpod" not found in namespace default .*\(try /, what: 'a pod' },
    { args: ['deploy/nosuch'], line: /^snatscope: deployment "nosuch" not found in namespace default \(try /, what: 'a workload' },
    { args: ['svc/nosuch'], line: /^snatscope: service "nosuch" not found in namespace default \(try /, what: 'a Service' },
    { args: ['-l', 'app=nosuch'], line: /^snatscope: no pods match -l app=nosuch in namespace default \(try /, what: 'a selector' },
    { args: ['-l', 'app=web', '-c', 'sidecar'], line: /^snatscope: -c sidecar matches no container of the 2 selected pods \(they have: nginx\) \(try -c nginx\)$/, what: 'a container' },
    { args: ['-l', '==='], line: /^snatscope: cannot list the target pods: .*/, what: 'a malformed selector' },
    { args: ['-n', 'nosuchns'], line: /^snatscope: namespace "nosuchns" not found \(try kubectl get namespaces/, what: 'a namespace' },
  ])('$what that does not exist is one line and exit 2 with --no-follow', async ({ args, line }) => {
    const r = await watch([...args, '--no-follow', '--output', 'lines']);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(line);
    expect(r.code).toBe(2);
  }, 60_000);

  it('a malformed selector is not retried while following either', async () => {
    const r = await watch(['-l', '===', '--output', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
