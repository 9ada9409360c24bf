// Flags a kubectl or stern user already knows (issue 15), table-driven: how each command line parses (in-process,
// the real commander program with the action caught), and what it does (the real CLI: against the emulator for
// watch, on the bundled sample for report and audit, help, ingest on a terminal).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { normalizeArgv } from '../src/commands/argv.js';
import { progressText } from '../src/ingest/progress.js';
import { checkFlags, type WatchOptions } from '../src/watch/options.js';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';
import { accessLine, readRows, startCluster, type Cluster } from './helpers/kube.js';

/** The options commander hands to a command's action for this command line. */
async function parsed(argv: string[]): Promise<Record<string, unknown>> {
  const args = normalizeArgv(argv);
  const program = await buildProgram(args);
  let got: Record<string, unknown> = {};
  const cmd = program.commands.find((c) => c.name() === args[0])!;
  cmd.action((...a: unknown[]) => {
    got = a[a.length - 2] as Record<string, unknown>;
  });
  await program.parseAsync(args, { from: 'user' });
  return got;
}

describe('watch flags parse the kubectl/stern way', () => {
  it.each([
    { argv: ['-o', 'json'], check: { follow: true }, opts: { output: 'json' } },
    { argv: ['-f'], check: { follow: true }, opts: {} },
    { argv: ['--follow'], check: { follow: true }, opts: {} },
    { argv: ['--follow=false'], check: { follow: false }, opts: {} },
    { argv: ['--follow=true'], check: { follow: true }, opts: {} },
    { argv: ['--no-follow'], check: { follow: false }, opts: {} },
    { argv: ['-p'], check: { follow: false, previous: true, fromFlags: true }, opts: {} },
    { argv: ['--previous'], check: { previous: true }, opts: {} },
    { argv: ['--timestamps', '--prefix'], check: {}, opts: { timestamps: true, prefix: true } },
    { argv: ['--timestamps=false'], check: {}, opts: {}, absent: ['timestamps'] },
    { argv: ['--all-containers'], check: {}, opts: { allContainers: true } },
    { argv: ['--max-log-requests', '7'], check: { maxStreams: 7 }, opts: {} },
    { argv: ['--max-streams', '9'], check: { maxStreams: 9 }, opts: {} },
    { argv: [], check: { maxStreams: 50, follow: true, fromFlags: false }, opts: {} },
    { argv: ['--tail', '1'], check: { tailLines: 1, fromFlags: true }, opts: {} },
    { argv: ['--tail', '-1'], check: { tailLines: undefined, fromFlags: true }, opts: {} },
    { argv: ['--since', '1m'], check: { fromFlags: true }, opts: {} },
  ])('watch $argv', async ({ argv, check, opts, absent }: { argv: string[]; check: object; opts: object; absent?: string[] }) => {
    const o = await parsed(['watch', 'deploy/nginx', ...argv]);
    expect(o).toMatchObject(opts);
    for (const k of absent ?? []) expect(o[k]).toBeUndefined();
    expect(checkFlags(o as WatchOptions)).toMatchObject(check);
  });

  it.each([
    { argv: ['--include', 'GET', '--include', 'POST'], line: '1.2.3.4 "POST /x"', shown: true },
    { argv: ['--include', 'GET'], line: '1.2.3.4 "POST /x"', shown: false },
    { argv: ['--exclude', 'kube-probe'], line: '"GET /healthz" "kube-probe/1.32"', shown: false },
    { argv: ['--include', 'GET', '--exclude', 'healthz'], line: '"GET /healthz"', shown: false },
  ])('--include/--exclude $argv on $line', async ({ argv, line, shown }) => {
    const c = checkFlags((await parsed(['watch', ...argv])) as WatchOptions);
    expect(c.showLine!(line)).toBe(shown);
  });

  it.each([
    { argv: ['--exclude-pod', 'web-1'], pods: { 'web-1': true, 'web-10': false, 'web-0': false }, containers: {} },
    { argv: ['--exclude-container', 'istio-proxy|linkerd-proxy'], pods: {}, containers: { nginx: true, 'istio-proxy': false } },
    { argv: ['-c', 'nginx|sidecar', '--exclude-container', 'sidecar'], pods: {}, containers: { nginx: true, sidecar: false } },
  ])('$argv', async ({ argv, pods, containers }) => {
    const c = checkFlags((await parsed(['watch', ...argv])) as WatchOptions);
    for (const [name, excluded] of Object.entries(pods)) expect(c.podExcluded!(name)).toBe(excluded);
    for (const [name, read] of Object.entries(containers)) expect(c.containerMatch!(name)).toBe(read);
  });

  it.each([
    { argv: ['--all-containers', '-c', 'nginx'], error: /--all-containers and -c cannot be used together/ },
    { argv: ['-p', '-f'], error: /-p reads the previous/ },
    { argv: ['--max-log-requests', '3', '--max-streams', '4'], error: /same flag with two values/ },
    { argv: ['--max-log-requests', '0'], error: /--max-log-requests 0 is not a positive number/ },
    { argv: ['--include', '('], error: /--include \( is not a valid regular expression/ },
    { argv: ['--exclude-pod', '['], error: /--exclude-pod \[ is not a valid regular expression/ },
  ])('$argv is one clear error', async ({ argv, error }) => {
    const o = (await parsed(['watch', ...argv])) as WatchOptions;
    expect(() => checkFlags(o)).toThrow(error);
  });

  it.each([
    { argv: ['report', '-o', 'json'], opts: { output: 'json' } },
    { argv: ['report', '-n', 'default'], opts: { namespace: 'default' } },
    { argv: ['audit', '-n', 'default', '-o', 'markdown'], opts: { namespace: 'default', output: 'markdown' } },
    { argv: ['ingest', '-n', 'web', 'x.log'], opts: { namespace: 'web' } },
    { argv: ['demo', '-o', 'lines'], opts: { output: 'lines' } },
  ])('$argv', async ({ argv, opts }) => {
    expect(await parsed(argv)).toMatchObject(opts);
  });

  it.each([
    { argv: ['watch', '--follow=false', 'x'], out: ['watch', '--no-follow', 'x'] },
    { argv: ['watch', '--prefix=true', '--timestamps=false'], out: ['watch', '--prefix'] },
    { argv: ['watch', '--', '--follow=false'], out: ['watch', '--', '--follow=false'] },
    { argv: ['watch', '--since=1h'], out: ['watch', '--since=1h'] },
  ])('normalizeArgv $argv', ({ argv, out }) => {
    expect(normalizeArgv(argv)).toEqual(out);
  });
});

describe('report and audit: -o is the output format, --format still works for one release', () => {
  const sample = join(ROOT, 'test', 'fixtures', 'sample');
  const t = tempDir('snatscope-flags-');
  const db = join(t.dir, 's.db');
  beforeAll(() => {
    const r = runCli(['ingest', ...['a1b2c', 'd3e4f', 'g5h6i'].map((s) => join(sample, `nginx-7c5d8f9b4-${s}.log`)),
      '--topology', join(sample, 'topology.json'), '--db', db, '-q']);
    expect(r.code).toBe(0);
  });
  afterAll(() => t.cleanup());

  it.each([
    { cmd: ['report'], output: 'json' },
    { cmd: ['report'], output: 'csv' },
    { cmd: ['audit', '--from', '2026-11-27 00:00', '--until', '2026-11-28 00:00'], output: 'json' },
    { cmd: ['audit', '--from', '2026-11-27 00:00', '--until', '2026-11-28 00:00'], output: 'markdown' },
  ])('$cmd -o $output prints what --format $output did, and --format says it is deprecated', ({ cmd, output }) => {
    const now = runCli([...cmd, '--db', db, '-o', output, '-n', 'default']);
    const old = runCli([...cmd, '--db', db, '--format', output, '-n', 'default']);
    expect(now.code).toBe(0);
    expect(now.stderr).toBe('');
    expect(old.code).toBe(0);
    expect(old.stdout).toBe(now.stdout);
    expect(old.stderr).toBe(`snatscope: --format for the output format is deprecated and goes in the next release; use -o ${output}\n`);
  });
});

describe('help', () => {
  it('lists watch first and every command with [options]', () => {
    for (const argv of [['--help'], []]) {
      const r = runCli(argv);
      const text = r.stdout + r.stderr;
      const cmds = [...text.matchAll(/^ {2}(\w+) (\[options\])?/gm)].map((m) => `${m[1]} ${m[2] ?? ''}`.trim());
      expect(cmds).toEqual(['watch [options]', 'demo [options]', 'agent [options]', 'ingest [options]', 'report [options]', 'audit [options]', 'prune [options]', 'unparsed [options]', 'reclassify [options]', 'help']);
      expect(text).toMatch(/npx snatscope demo/);
    }
  });

  it('demo --help says --serve prints the kubeconfig\'s path', () => {
    expect(runCli(['demo', '--help']).stdout).toMatch(/--serve\s+only run the cluster: prints the kubeconfig's path/);
  });
});

describe('ingest on a terminal', () => {
  it.each([
    { bytes: 0, size: 100e6, lines: 0, ms: 0, text: 'a.log: 0% of 100.0 MB, 0 lines, 0.0 MB/s, ? left' },
    { bytes: 25e6, size: 100e6, lines: 123456, ms: 1000, text: 'a.log: 25% of 100.0 MB, 123,456 lines, 25.0 MB/s, 0:03 left' },
    { bytes: 50e6, size: 100e6, lines: 9, ms: 3600_000, text: 'a.log: 50% of 100.0 MB, 9 lines, 0.0 MB/s, 1:00:00 left' },
    { bytes: 5e6, size: null, lines: 10, ms: 2000, text: 'a.log: 5.0 MB, 10 lines, 2.5 MB/s' },
  ])('progress $bytes of $size', ({ bytes, size, lines, ms, text }) => {
    expect(progressText('a.log', bytes, size, lines, ms)).toBe(text);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('with no file says it reads stdin and how to stop, then reads what is typed', () => {
    const t = tempDir('snatscope-tty-');
    try {
      const line = accessLine('typed');
      const cmd = `${process.execPath} ${BIN} ingest --db ${join(t.dir, 't.db')} --format main`;
      // script gives the CLI a terminal as stdin; Ctrl-D (\x04) after the line ends the input.
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: `${line}\n\x04`, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
      expect(r.stdout).toMatch(/reading nginx log lines from stdin \(the terminal\); end with Ctrl-D/);
      expect(r.stdout).toMatch(/ingested: 1 lines, 1 requests/);
    } finally {
      t.cleanup();
    }
  });
});

describe('watch output with the new flags (real CLI, emulated cluster)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ pods: 2 });
    c.model.addPod({ namespace: 'default', name: 'two', nodeName: 'node-a', ip: '10.244.1.40', labels: { app: 'two' }, containers: ['nginx', 'sidecar'] });
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine('keep-0'), accessLine('drop-0')], Date.parse('2026-11-27T02:10:00Z'));
    c.model.appendLog('default', 'web-1', 'nginx', accessLine('keep-1'));
    c.model.appendLog('default', 'two', 'nginx', accessLine('two-nginx'));
    c.model.appendLog('default', 'two', 'sidecar', accessLine('two-sidecar'));
  });
  afterAll(async () => {
    await c?.close();
  });

  function watch(args: string[], db: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [BIN, 'watch', ...args, '--kubeconfig', c.kubeconfig, '--db', db, '--format', 'main'], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  }

  it.each([
    {
      what: '--timestamps --prefix --include, --exclude-pod: shown lines follow the flags, the database keeps every line read',
      args: ['-l', 'app=web', '--follow=false', '-o', 'lines', '--timestamps', '--prefix', '--include', 'keep', '--exclude-pod', 'web-1'],
      stdout: ['2026-11-27T02:10:00.000Z [pod/web-0/nginx] external 203.0.113.7  GET /r/keep-0 200'],
      stored: ['/r/drop-0', '/r/keep-0'],
    },
    {
      what: 'a pod with two containers shows the container after the pod',
      args: ['two', '--no-follow', '-o', 'lines'],
      stdout: ['two nginx external 203.0.113.7  GET /r/two-nginx 200', 'two sidecar external 203.0.113.7  GET /r/two-sidecar 200'],
      stored: ['/r/two-nginx', '/r/two-sidecar'],
    },
    {
      what: '--exclude-container leaves a container unread',
      args: ['two', '--no-follow', '-o', 'lines', '--exclude-container', 'sidecar'],
      stdout: ['two nginx external 203.0.113.7  GET /r/two-nginx 200'],
      stored: ['/r/two-nginx'],
    },
  ])('$what', async ({ args, stdout, stored }) => {
    const t = tempDir('snatscope-wflags-');
    try {
      const db = join(t.dir, 'w.db');
      const r = await watch(args, db);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n').sort()).toEqual(stdout);
      expect(readRows(db).map((x) => x.target).sort()).toEqual(stored);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  it('-o json gives each request its time in RFC3339 beside the number', async () => {
    const t = tempDir('snatscope-wjson-');
    try {
      const r = await watch(['web-0', '--no-follow', '-o', 'json'], join(t.dir, 'j.db'));
      expect(r.code).toBe(0);
      const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: number; timestamp: string });
      expect(rows[0]).toMatchObject({ time: Date.parse('2026-11-27T02:10:00Z'), timestamp: '2026-11-27T02:10:00.000Z' });
    } finally {
      t.cleanup();
    }
  }, 60_000);

  it('-p reads the previous instance of each container, not the current one', async () => {
    const t = tempDir('snatscope-wprev-');
    try {
      c.model.appendLog('default', 'web-1', 'nginx', accessLine('before-restart'));
      c.model.restartContainer('default', 'web-1', 'nginx');
      c.model.appendLog('default', 'web-1', 'nginx', accessLine('after-restart'));
      const db = join(t.dir, 'p.db');
      const r = await watch(['web-1', '-p', '-o', 'lines'], db);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => /GET (\S+)/.exec(l)?.[1])).toEqual(['/r/keep-1', '/r/before-restart']);
      const none = await watch(['web-0', '-p', '-o', 'lines'], db);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/^snatscope: no previous container instance in the 1 selected pods/);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});

// The README shows the commands a user types after npm install.
it('the README says npx snatscope wherever it shows a snatscope command', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThan(10);
  const shown = (text: string) => text.split('\n').filter((l) => /(^|[|;&]\s*)snatscope [a-z]/.test(l.trim()));
  expect(blocks.flatMap(shown)).toEqual([]);
  // In the prose, a command in backticks too.
  expect([...readme.matchAll(/`snatscope [a-z][^`]*`/g)].map((m) => m[0])).toEqual([]);
  // The sqlite3 examples query the view the store defines.
  expect(readme).toMatch(/FROM requests_v GROUP BY namespace, pod/);
});

describe('npm start compiles only when something changed (bin/fresh.js)', () => {
  const fresh = join(ROOT, 'bin', 'fresh.js');
  it.each([
    { what: 'built after the last change', stampAge: 10, srcAge: 100, code: 0 },
    { what: 'a source changed after the build', stampAge: 100, srcAge: 10, code: 1 },
    { what: 'never built', stampAge: null, srcAge: 10, code: 1 },
  ])('$what: exit $code', ({ stampAge, srcAge, code }) => {
    const t = tempDir('snatscope-fresh-');
    try {
      const now = Date.now() / 1000;
      mkdirSync(join(t.dir, 'src'), { recursive: true });
      mkdirSync(join(t.dir, 'dist', 'src'), { recursive: true });
      writeFileSync(join(t.dir, 'src', 'a.ts'), 'export {};\n');
      writeFileSync(join(t.dir, 'dist', 'src', 'cli.js'), '');
      utimesSync(join(t.dir, 'src', 'a.ts'), now - srcAge, now - srcAge);
      utimesSync(join(t.dir, 'src'), now - 1000, now - 1000);
      if (stampAge !== null) {
        writeFileSync(join(t.dir, 'dist', '.build-stamp'), '');
        utimesSync(join(t.dir, 'dist', '.build-stamp'), now - stampAge, now - stampAge);
      }
      expect(spawnSync(process.execPath, [fresh, t.dir]).status).toBe(code);
    } finally {
      t.cleanup();
    }
  });

  it('package.json runs the check before npm start, and the build records itself', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prestart).toBe('node bin/fresh.js || npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.json && node bin/fresh.js --stamp');
  });
});
