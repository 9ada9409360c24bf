// The real program (the compiled bin) in a real terminal (tmux, 100x30): `snatscope watch` against the emulated
// cluster shows the pods, SNAT ratios that match what the store holds, and q exits 0 with every request stored; the
// demo's "p" key (confirmed with y) switches the Service to Local for real and the SNAT ratio on screen drops.
// Screens are polled (bounded), never slept on; nothing here asserts timing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, tempDir } from './helpers/cli.js';
import { accessLine, startCluster, type Cluster } from './helpers/kube.js';
import { requirePrereq } from './helpers/prereq.js';
import { hasTmux, sessionName, TmuxSession } from './helpers/tmux.js';

const run = requirePrereq('tmux', hasTmux(), 'the TUI end-to-end tests drive the program in a real terminal');
const sessions: TmuxSession[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

afterAll(async () => {
  for (const s of sessions) await s.kill();
  for (const c of cleanups.reverse()) await c();
});

function termEnv(home: string): Record<string, string> {
  return { LANG: 'C.UTF-8', TERM: 'xterm-256color', HOME: home, KUBECONFIG: '' };
}

async function start(tag: string, dir: string, args: string[], width = 100, height = 30): Promise<TmuxSession> {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli.js'))) throw new Error('dist/ is missing: run npm run build first');
  const s = await TmuxSession.start({
    name: sessionName(tag),
    argv: [process.execPath, BIN, ...args],
    env: termEnv(dir),
    cwd: ROOT,
    exitFile: join(dir, `${tag}.exit`),
    width,
    height,
  });
  sessions.push(s);
  return s;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface ScreenRow {
  node: string;
  req: string;
  snat: string;
}

/** A pod's row of the pod table as shown: NODE, REQ and SNAT columns. */
function podRow(screen: string, pod: string): ScreenRow | null {
  for (const line of screen.split('\n')) {
    const t = line.replace(/^>/, '').trim().split(/\s+/);
    if (t[0] === pod && t.length >= 5) return { node: t[1], req: t[2], snat: t[4] };
  }
  return null;
}

/** The SNAT percentage of the table's total row, or null when not shown. */
function totalSnat(screen: string): number | null {
  const m = /total \(\d+ pods?\)\s+\S+\s+\S+\s+[<>]?(\d+)%/.exec(screen);
  return m ? Number(m[1]) : null;
}

interface ReportJson {
  totals: { requests: number };
  pods: { pod: string; requests: number; snatRatio: number }[];
}

describe.skipIf(!run)('the TUI in a real terminal', () => {
  it('watch shows the pods and SNAT ratios that match the store, and q exits 0 with every request stored', async () => {
    const c: Cluster = await startCluster();
    cleanups.push(() => c.close());
    // node-a: nginx-0; node-b: nginx-1, nginx-2; a NodePort Service in front of them.
    const pods = [
      { name: 'nginx-0', node: 'node-a', ip: '10.244.1.10', snat: 20, ext: 10 },
      { name: 'nginx-1', node: 'node-b', ip: '10.244.2.11', snat: 10, ext: 30 },
      { name: 'nginx-2', node: 'node-b', ip: '10.244.2.12', snat: 0, ext: 25 },
    ];
    for (const p of pods) {
      c.model.addPod({ namespace: 'default', name: p.name, nodeName: p.node, ip: p.ip, labels: { app: 'nginx' }, containers: ['nginx'] });
    }
    c.model.addService({ namespace: 'default', name: 'web', type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80, nodePort: 30080 }] });

    const s = await start('watch', c.dir, ['watch', '-n', 'default', '-l', 'app=nginx', '--kubeconfig', c.kubeconfig, '--db', c.db]);
    await s.waitForScreen(
      (scr) => pods.every((p) => podRow(scr, p.name) !== null) && /streams 3 live/.test(scr),
      'the three pods to appear with live streams',
    );

    // Known node (SNAT) and external addresses: 20/30, 10/40 and 0/25 are node addresses.
    let appended = 0;
    for (const p of pods) {
      const lines: string[] = [];
      for (let i = 0; i < p.snat; i++) lines.push(accessLine(`${p.name}-n${i}`, i % 2 === 0 ? '10.0.0.11' : '10.0.0.12'));
      for (let i = 0; i < p.ext; i++) lines.push(accessLine(`${p.name}-e${i}`, i % 2 === 0 ? `203.0.113.${1 + (i % 200)}` : `198.51.100.${1 + (i % 200)}`));
      c.model.appendLog('default', p.name, 'nginx', lines);
      appended += lines.length;
    }
    const screen = await s.waitForScreen(
      (scr) => pods.every((p) => podRow(scr, p.name)?.req === String(p.snat + p.ext)),
      'every appended request counted on screen',
    );
    expect(screen).toMatch(/default\/web NodePort .* externalTrafficPolicy Cluster .* nodePorts 30080/);
    expect(screen).toContain('Cluster: kube-proxy SNATs external traffic');

    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
    // The UI gave the terminal back; the summary follows it.
    expect(await s.capture()).toMatch(new RegExp(`snatscope: ${appended} lines, ${appended} requests, 0 unparsed from 3 streams`));

    const rep = await cli(['report', '-o', 'json', '--db', c.db]);
    expect(rep.code, rep.stderr).toBe(0);
    const report = JSON.parse(rep.stdout) as ReportJson;
    expect(report.totals.requests).toBe(appended);
    for (const p of pods) {
      const row = podRow(screen, p.name)!;
      const stored = report.pods.find((r) => r.pod === p.name)!;
      expect(stored.requests).toBe(p.snat + p.ext);
      expect(row.node).toBe(p.node);
      // What the screen showed is the store's ratio, rounded as displayed (and the ratio these lines make).
      expect(row.snat).toBe(`${Math.round(stored.snatRatio * 100)}%`);
      expect(row.snat).toBe(`${Math.round((100 * p.snat) / (p.snat + p.ext))}%`);
    }
  }, 90_000);

  it('the demo: p then y switches the Service to Local, the SNAT ratio shown drops, and q exits 0', async () => {
    const { dir, cleanup } = tempDir('snatscope-tui-');
    cleanups.push(cleanup);
    const s = await start('demo', dir, ['demo', '--seed', '7', '--rate', '400', '--db', join(dir, 'demo.db')]);

    const before = await s.waitForScreen(
      (scr) => /NodePort \S externalTrafficPolicy Cluster/.test(scr) && /streams 3 live/.test(scr) && (totalSnat(scr) ?? 0) >= 50,
      'the demo under Cluster with its SNAT ratio shown',
    );
    expect(before).toMatch(/p policy/);
    const snatBefore = totalSnat(before)!;

    await s.sendKeys('p');
    const prompt = await s.waitForScreen((scr) => /to externalTrafficPolicy Local\? \(y\/n\)/.test(scr), 'the policy switch to ask for confirmation');
    // Before asking, it says what will happen: a PATCH of the live Service, the load split, the nodes that lose traffic.
    expect(prompt).toMatch(/This PATCHes the live Service default\/nginx through the API server/);
    expect(prompt).toMatch(/Nodes that lose traffic[^:]*:\s+ydzs-master, ydzs-node3\./);
    expect(prompt).toMatch(/nginx-\S+\s+ydzs-node1\s+\d+%\s+50%/);
    await s.sendKeys('y');
    // The banner follows the Service as the topology watch sees it (the PATCH went through the API server).
    const switched = await s.waitForScreen((scr) => /NodePort \S externalTrafficPolicy Local/.test(scr), 'the banner to show Local');
    expect(switched).toContain('Local: client addresses kept');
    const after = await s.waitForScreen((scr) => (totalSnat(scr) ?? 100) < snatBefore - 5, 'the SNAT ratio shown to drop');
    expect(totalSnat(after)!).toBeLessThan(snatBefore);
    expect(after).toMatch(/EXT%/);
    // The load split since the switch, per pod (LOAD) and per node, beside what the what-if predicted.
    expect(after).toMatch(/^\s+POD\s.*\sLOAD\s/m);
    expect(after).toMatch(/LOAD since Local at \d\d:\d\d:\d\d: ydzs-node1 \d+% · ydzs-node2 \d+% \(what-if 50% · 50%\)/);

    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
  }, 90_000);

  it('redraws cleanly when the terminal narrows from 120 to 80 columns and widens again: no old frame above the new', async () => {
    const { dir, cleanup } = tempDir('snatscope-tui-');
    cleanups.push(cleanup);
    const s = await start('resize', dir, ['demo', '--seed', '5', '--rate', '100', '--db', join(dir, 'demo.db')], 120, 30);
    const wide = (scr: string) => /^\s+POD\s.*\sUNK%\s/m.test(scr) && /streams 3 live/.test(scr);
    await s.waitForScreen(wide, 'the demo at 120 columns');
    /** The UI drawn once, from the top row: one header, one table header, and the three pods. */
    const once = (scr: string) => {
      const rows = scr.split('\n');
      return (
        /^snatscope · context /.test(rows[0]) &&
        rows.filter((l) => /^snatscope · context /.test(l)).length === 1 &&
        rows.filter((l) => /^\s+POD\s+NODE\s/.test(l)).length === 1 &&
        rows.filter((l) => /^[> ] nginx-/.test(l)).length === 3
      );
    };
    await s.resize(80, 24);
    const narrow = await s.waitForScreen((scr) => !/UNK%/.test(scr) && /^\s+POD\s.*\sSTATE\s*$/m.test(scr) && once(scr), 'the 80-column frame, drawn once');
    // Nothing of the 120-column frame survives, wrapped or not (its trend column, its tail of the table header).
    expect(narrow).not.toMatch(/SNAT \dm|RECOV|^\s*POD%/m);
    for (const l of narrow.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    await s.resize(120, 30);
    await s.waitForScreen((scr) => wide(scr) && once(scr), 'the 120-column frame again, drawn once');
    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
  }, 90_000);

  it('with --no-follow, once every stream has ended, says "done: N requests; q to quit" and q exits 0', async () => {
    const c: Cluster = await startCluster({ pods: 2 });
    cleanups.push(() => c.close());
    const lines = (pod: string, n: number) => Array.from({ length: n }, (_, i) => accessLine(`${pod}-${i}`, `203.0.113.${1 + i}`));
    c.model.appendLog('default', 'web-0', 'nginx', lines('web-0', 7));
    c.model.appendLog('default', 'web-1', 'nginx', lines('web-1', 5));
    const s = await start('nofollow', c.dir, ['watch', '-l', 'app=web', '--no-follow', '--kubeconfig', c.kubeconfig, '--db', c.db]);
    const screen = await s.waitForScreen((scr) => /done: \d+ requests; q to quit/.test(scr), 'the done line');
    expect(screen).toMatch(/^streams 2 ended · done: 12 requests; q to quit/m);
    expect(screen).not.toMatch(/req\/s|REQ\/S/);
    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
    expect(await s.capture()).toMatch(/snatscope: 12 lines, 12 requests, 0 unparsed from 2 streams/);
  }, 60_000);

  it('shows queued streams and notices on the status line, not on stderr under the UI', async () => {
    const c: Cluster = await startCluster({ pods: 3 });
    cleanups.push(() => c.close());
    const s = await start('queued', c.dir, ['watch', '-l', 'app=web', '--max-streams', '2', '--kubeconfig', c.kubeconfig, '--db', c.db]);
    const screen = await s.waitForScreen(
      (scr) => /streams 2 live, 1 queued/.test(scr) && /1 queued until another stream ends/.test(scr),
      'two live streams, one queued, and the notice saying so',
    );
    // Nothing was written over the UI: the first line is still the header.
    expect(screen.split('\n')[0]).toMatch(/^snatscope \S context snatscope-emulator/);
    expect(screen).not.toMatch(/^snatscope: /m);
    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
  }, 60_000);

  it('says a stream whose first lines do not parse on the status line, not over the UI, and the whole note after it', async () => {
    const c: Cluster = await startCluster({ pods: 1 });
    cleanups.push(() => c.close());
    const s = await start('unparsed', c.dir, ['watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', c.db]);
    await s.waitForScreen((scr) => /streams 1 live/.test(scr), 'the stream');
    c.model.appendLog('default', 'web-0', 'nginx', Array.from({ length: 20 }, (_, i) => `web|203.0.113.${i}|GET /c/${i}|200|\x1b[31mred`));
    const screen = await s.waitForScreen((scr) => /default\/web-0\/nginx: 20 unparsed lines: did not match the log format/.test(scr), 'the note on the status line');
    expect(screen.split('\n')[0]).toMatch(/^snatscope \S context snatscope-emulator/);
    expect(screen).not.toMatch(/^snatscope: /m);
    await s.sendKeys('q');
    expect(await s.exitCode()).toBe(0);
    const after = await s.capture();
    expect(after).toMatch(/^snatscope: default\/web-0\/nginx: 20 unparsed lines: did not match the log format \(try --format/m);
    expect(after).toMatch(/^ {2}e\.g\. \S+Z web\|203\.0\.113\.0\|GET \/c\/0\|200\|\\e\[31mred$/m);
  }, 60_000);

  it('a demo with --duration ends by itself on a terminal: the UI unmounts and it exits 0', async () => {
    const { dir, cleanup } = tempDir('snatscope-tui-');
    cleanups.push(cleanup);
    const s = await start('duration', dir, ['demo', '--seed', '3', '--rate', '100', '--duration', '8', '--db', join(dir, 'demo.db')]);
    await s.waitForScreen((scr) => /streams 3 live/.test(scr), 'the demo to show its streams');
    expect(await s.exitCode(30_000)).toBe(0);
    expect(await s.capture()).toMatch(/snatscope: \d+ lines, \d+ requests, 0 unparsed from 3 streams/);
  }, 60_000);
});
