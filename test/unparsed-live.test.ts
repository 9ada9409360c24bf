// Unparsed lines are loud in watch and agent as in ingest: the real CLI against the emulated cluster (watch) and a
// simulated kubelet's CRI files (agent) says, per source with unparsed lines, the count, the reason, the --format
// hint and one sample with its control characters escaped; at the end of the run, and while following as soon as a
// stream's first 20 lines are all unparsed. A source whose lines parse gets no note.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StampFormatter } from '../src/emulator/containerlog.js';
import { BIN, ROOT } from './helpers/cli.js';
import { accessLine, readSql, startCluster, waitFor, type Cluster } from './helpers/kube.js';
import { SimKubelet } from './helpers/kubelet.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 3 }); // web-0, web-2 on node-a; web-1 on node-b
});
afterEach(async () => {
  await c.close();
});

function cli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', c.kubeconfig, '--db', c.db], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir, NODE_NAME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, out, exited };
}

/** A line in a log_format of the user's own (pipe-separated), its user agent carrying an ESC colour sequence. */
const customLine = (i: number) => `web|203.0.113.${i % 250}|GET /c/${i}|200|\x1b[31mred-agent`;
const customLines = (n: number) => Array.from({ length: n }, (_, i) => customLine(i));

/** What the store holds so far (the run commits every 250 ms). */
function stored(): string {
  try {
    const [u] = readSql<{ n: number | null }>(c.db, 'SELECT sum(count) AS n FROM unparsed');
    const [r] = readSql<{ n: number }>(c.db, 'SELECT count(*) AS n FROM requests');
    return `${u.n ?? 0} unparsed, ${r.n} requests`;
  } catch {
    return 'nothing yet'; // the database is not created yet
  }
}

const HINT = "(try --format '<your log_format>', the log_format line from nginx.conf)";
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * The note of `n` unparsed lines of `source`; its sample is the first line as read (after the API's timestamp or the
 * CRI record's prefix), the ESC shown as \e.
 */
const noteOf = (source: string, n: number) =>
  new RegExp(`snatscope: ${escape(source)}: ${n} unparsed lines: did not match the log format ${escape(HINT)}\n  e\\.g\\. \\S+Z (stdout F )?${escape('web|203.0.113.0|GET /c/0|200|\\e[31mred-agent')}\n`, 'g');
const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

describe('unparsed lines in watch', () => {
  it('says at the end of a --no-follow run how many lines of which stream did not parse, with the hint and an escaped sample', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', customLines(3));
    c.model.appendLog('default', 'web-1', 'nginx', [accessLine('ok-1'), accessLine('ok-2')]);
    const run = cli(['watch', '-l', 'app=web', '--no-follow', '--output', 'none']);
    expect(await run.exited).toBe(0);
    expect(run.out.stderr).toMatch(noteOf('default/web-0/nginx', 3));
    expect(run.out.stderr).not.toContain('\x1b');
    expect(run.out.stderr).not.toMatch(/web-[12]\/nginx: .*unparsed/);
    expect(run.out.stderr).toMatch(/5 lines, 2 requests, 3 unparsed from 3 streams/);
  }, 40_000);

  it('says nothing about unparsed lines when every line parses', async () => {
    c.model.appendLog('default', 'web-1', 'nginx', [accessLine('ok-1'), accessLine('ok-2')]);
    const run = cli(['watch', 'web-1', '--no-follow', '--output', 'none']);
    expect(await run.exited).toBe(0);
    expect(run.out.stderr).not.toMatch(/unparsed line/);
    expect(run.out.stderr).toMatch(/2 lines, 2 requests, 0 unparsed from 1 streams/);
  }, 40_000);

  it('while following, says so once a stream\'s first 20 lines are all unparsed, and again at the end', async () => {
    const run = cli(['watch', '-l', 'app=web', '--output', 'none']);
    await waitFor(() => c.emu.openLogStreams === 3, 15_000, 'three log streams');
    c.model.appendLog('default', 'web-0', 'nginx', customLines(20));
    await waitFor(() => count(run.out.stderr, noteOf('default/web-0/nginx', 20)) > 0, 15_000, 'the note of web-0');
    c.model.appendLog('default', 'web-0', 'nginx', customLines(5));
    c.model.appendLog('default', 'web-1', 'nginx', accessLine('ok'));
    await waitFor(() => stored() === '25 unparsed, 1 requests', 15_000, 'the later lines stored');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(count(run.out.stderr, noteOf('default/web-0/nginx', 20))).toBe(1); // said once while following
    expect(run.out.stderr).toMatch(noteOf('default/web-0/nginx', 25));
    expect(run.out.stderr).not.toMatch(/web-[12]\/nginx: .*unparsed/);
    expect(run.out.stderr).not.toContain('\x1b');
  }, 40_000);
});

describe('unparsed lines in agent', () => {
  it('says so for the CRI files of a pod in a format of its own, live after its first 20 lines and at the end, and not for the pod whose lines parse', async () => {
    const podsDir = join(c.dir, 'pods');
    mkdirSync(podsDir);
    const kubelet = new SimKubelet(podsDir);
    const uid = (pod: string) => c.model.getPod('default', pod)!.metadata.uid as string;
    const custom = kubelet.container('default', 'web-0', uid('web-0'));
    const parsed = kubelet.container('default', 'web-2', uid('web-2'));
    const stamps = new StampFormatter();
    const at = Date.UTC(2026, 11, 1, 12, 0, 0);
    custom.files.write(customLines(22), customLines(22).map((_, i) => stamps.format(at + i, 0)), 'stdout');
    kubelet.write(parsed, 4);
    const run = cli(['agent', '-l', 'app=web', '--node', 'node-a', '--pods-dir', podsDir, '--output', 'none']);
    await waitFor(() => count(run.out.stderr, noteOf('default/web-0/nginx', 20)) > 0, 20_000, 'the live note of web-0');
    await waitFor(() => stored() === '22 unparsed, 4 requests', 20_000, 'every line read');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.out.stderr).toMatch(noteOf('default/web-0/nginx', 22));
    expect(run.out.stderr).not.toMatch(/web-2\/nginx: .*unparsed/);
    expect(run.out.stderr).not.toContain('\x1b');
    expect(run.out.stderr).toMatch(/26 lines, 4 requests, 22 unparsed from the log files of node-a/);
  }, 40_000);
});
