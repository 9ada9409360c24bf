// The offline pipeline end to end, through the real CLI and a real SQLite file: what a user doing a post-incident
// audit of saved logs sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressClass } from '../src/classes.js';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const SAMPLE = join(ROOT, 'test', 'fixtures', 'sample');
const POD_A = join(SAMPLE, 'nginx-7c5d8f9b4-a1b2c.log');
const TOPOLOGY = join(SAMPLE, 'topology.json');

interface Row {
  namespace?: string;
  pod?: string;
  nodeName?: string | null;
  requests: number;
  classes: Record<AddressClass, number>;
  snatRatio: number;
  recovered: number;
}
interface Report {
  from: string | null;
  to: string | null;
  totals: Row;
  pods: Row[];
  unparsed: number;
}

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

function db(name: string): string {
  return join(tmp.dir, `${name}.db`);
}
function reportJson(dbPath: string, ...extra: string[]): Report {
  const r = runCli(['report', '--db', dbPath, '-o', 'json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Report;
}
const lineCount = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).length;

describe('ingest of saved nginx logs', () => {
  it('classifies every request of the sample against the topology and reports per pod', () => {
    const d = db('sample');
    const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => join(SAMPLE, `nginx-7c5d8f9b4-${s}.log`));
    const r = runCli(['ingest', ...files, '--topology', TOPOLOGY, '--db', d]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('format main');
    expect(r.stderr).not.toContain('no nodes known');
    const total = files.reduce((n, f) => n + lineCount(f), 0);
    expect(r.stdout).toMatch(new RegExp(`ingested: ${total} lines, ${total} requests, 0 unparsed, SNAT ratio \\d+\\.\\d%`));

    const rep = reportJson(d);
    expect(rep.pods.map((p) => p.pod)).toEqual(['nginx-7c5d8f9b4-a1b2c', 'nginx-7c5d8f9b4-d3e4f', 'nginx-7c5d8f9b4-g5h6i']);
    expect(rep.pods.map((p) => p.nodeName)).toEqual(['ydzs-node1', 'ydzs-node2', 'ydzs-node2']);
    expect(rep.totals.requests).toBe(total);
    for (const p of rep.pods) {
      const sum = Object.values(p.classes).reduce((a, b) => a + b, 0);
      expect(sum).toBe(p.requests);
      expect(p.snatRatio).toBeCloseTo(p.classes.node / (p.requests - p.classes.probe), 10);
      expect(p.classes.probe).toBeGreaterThan(0); // the kubelet's kube-probe/ requests from the node's cni0 address
      expect(p.classes.node).toBeGreaterThan(0); // masqueraded requests (Cluster phase)
      expect(p.classes.external).toBeGreaterThan(0); // genuine clients (Local phase)
      expect(p.classes.pod).toBeGreaterThan(0); // the curl pod on ydzs-node3
    }
    expect(rep.totals).not.toHaveProperty('pod');
    expect(rep.unparsed).toBe(0);
  });

  it('says that SNAT cannot be recognised when no nodes are known, instead of a silent 0%', () => {
    const r = runCli(['ingest', POD_A, '--db', db('no-nodes')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^snatscope: note: no nodes known, so SNAT'd requests cannot be recognised \(try --topology .*\)$/m);
    expect(r.stdout).toMatch(/SNAT ratio 0\.0%/);
  });

  it('does not double-count when the same file is ingested again, even under another path', () => {
    const d = db('again');
    expect(runCli(['ingest', POD_A, '--db', d]).code).toBe(0);
    const before = reportJson(d).totals.requests;
    const copy = join(tmp.dir, 'copy');
    mkdirSync(copy, { recursive: true });
    writeFileSync(join(copy, 'nginx-7c5d8f9b4-a1b2c.log'), readFileSync(POD_A));
    const again = runCli(['ingest', join(copy, 'nginx-7c5d8f9b4-a1b2c.log'), '--db', d]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`skipped ${before} lines already stored`);
    expect(reportJson(d).totals.requests).toBe(before);
  });

  it('stores only the rest of a file that grew since the last run (identical lines are still two requests)', () => {
    const d = db('grow');
    const path = join(tmp.dir, 'web-1.log');
    const lines = readFileSync(POD_A, 'utf8').split('\n').filter(Boolean);
    const dup = lines[3];
    writeFileSync(path, lines.slice(0, 40).join('\n') + '\n');
    expect(runCli(['ingest', path, '--db', d]).code).toBe(0);
    appendFileSync(path, [...lines.slice(40), dup, dup].join('\n') + '\n');
    expect(runCli(['ingest', path, '--db', d]).code).toBe(0);
    expect(reportJson(d).totals.requests).toBe(lines.length + 2);
  });

  it('keeps two pods apart even when their logs start with the same line', () => {
    const d = db('twins');
    const first = readFileSync(POD_A, 'utf8').split('\n')[0];
    writeFileSync(join(tmp.dir, 'twin-a.log'), `${first}\n${first}\n`);
    writeFileSync(join(tmp.dir, 'twin-b.log'), `${first}\n`);
    expect(runCli(['ingest', join(tmp.dir, 'twin-a.log'), join(tmp.dir, 'twin-b.log'), '--db', d]).code).toBe(0);
    const rep = reportJson(d);
    expect(rep.pods.map((p) => [p.pod, p.requests])).toEqual([
      ['twin-a', 2],
      ['twin-b', 1],
    ]);
  });

  it('reads gzip transparently', () => {
    const d = db('gz');
    const gz = join(tmp.dir, 'nginx-gz.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(POD_A)));
    const r = runCli(['ingest', gz, '--db', d]);
    expect(r.code).toBe(0);
    const rep = reportJson(d);
    expect(rep.pods[0].pod).toBe('nginx-gz');
    expect(rep.totals.requests).toBe(lineCount(POD_A));
  });

  it('stores what it could read of a gzip file cut in half and says the file is truncated', () => {
    const d = db('gzcut');
    const big = readFileSync(POD_A, 'utf8').repeat(40);
    const gz = gzipSync(Buffer.from(big));
    const cut = join(tmp.dir, 'cut.log.gz');
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    const r = runCli(['ingest', cut, '--db', d]);
    expect(r.code).not.toBe(0);
    const last = r.stderr.trim().split('\n').pop();
    expect(last).toMatch(/^snatscope: .*cut\.log\.gz: gzip data ends early \(the file is truncated\); the \d+ lines before it were stored \(try .*\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(reportJson(d).totals.requests).toBeGreaterThan(0);
  });

  it('reads stdin with kubectl --prefix --timestamps and attributes each line to its pod', () => {
    const d = db('stdin');
    const a = readFileSync(POD_A, 'utf8').split('\n').filter(Boolean).slice(0, 3);
    const input = [
      `[pod/nginx-7c5d8f9b4-a1b2c/nginx] 2026-11-27T02:00:10.123456789Z ${a[0]}`,
      `[pod/nginx-7c5d8f9b4-d3e4f/nginx] 2026-11-27T02:00:11.000000001Z ${a[1]}`,
      `[pod/nginx-7c5d8f9b4-a1b2c/nginx] 2026-11-27T02:00:12.5Z ${a[2]}`,
    ].join('\n');
    const r = runCli(['ingest', '-', '--db', d, '--topology', TOPOLOGY], { input });
    expect(r.code).toBe(0);
    const rep = reportJson(d);
    expect(rep.pods.map((p) => [p.pod, p.nodeName, p.requests])).toEqual([
      ['nginx-7c5d8f9b4-a1b2c', 'ydzs-node1', 2],
      ['nginx-7c5d8f9b4-d3e4f', 'ydzs-node2', 1],
    ]);
  });

  it('counts binary garbage, NUL bytes, invalid UTF-8 and an over-long line as unparsed and keeps going', () => {
    const d = db('garbage');
    const good = readFileSync(POD_A, 'utf8').split('\n')[0];
    const path = join(tmp.dir, 'dirty.log');
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(`${good}\r\n`),
        Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a]),
        Buffer.from(`not an nginx line at all\n`),
        Buffer.from('203.0.113.9 - - [27/Nov/2026:02:00:10 +0000] "GET /' + 'a'.repeat(70_000) + ' HTTP/1.1" 200 1 "-" "x" "-"\n'),
        Buffer.from(`${good}\n`),
      ]),
    );
    const r = runCli(['ingest', path, '--db', d, '--format', 'main']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 lines, 2 requests, 3 unparsed/);
    expect(reportJson(d).unparsed).toBe(3);
  });
});

describe('bad input is refused with one clear line, before anything is written', () => {
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ['an unknown format name', () => ['ingest', POD_A, '--format', 'apache'], /unknown format "?apache"?/i],
    ['a malformed log_format', () => ['ingest', POD_A, '--format', '${remote_addr "$request"'], /log_format|\$\{/i],
    ['a missing log file', (dir) => ['ingest', join(dir, 'nope.log')], /nope\.log does not exist/],
    ['a directory given as a file', (dir) => ['ingest', dir], /is a directory, not a log file/],
    ['a topology file that is not JSON', (dir) => {
      writeFileSync(join(dir, 'bad.json'), '{ nodes: oops');
      return ['ingest', POD_A, '--topology', join(dir, 'bad.json')];
    }, /bad\.json/],
    ['an unwritable database path', (dir) => ['ingest', POD_A, '--db', join(dir, 'no', 'such', 'dir', 'x.db')], /x\.db/],
    ['a duration without unit', () => ['report', '--since', '90'], /--since "90" is not a duration/],
    ['an unknown option', () => ['ingest', POD_A, '--bogus'], /unknown option '--bogus' \(try snatscope ingest --help\)/],
    ['a mistyped command', () => ['inges', POD_A], /unknown command 'inges' \(try ingest\)/],
  ];
  it.each(cases)('%s', (_name, args, pattern) => {
    const { dir, cleanup } = tempDir();
    try {
      const dbPath = join(dir, 'fresh.db');
      const argv = args(dir);
      if (!argv.includes('--db')) argv.push('--db', dbPath);
      const r = runCli(argv);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).toMatch(/^snatscope: .*\(try .+\)\n$/);
      expect(existsSync(dbPath)).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('says which database is missing when reporting', () => {
    const r = runCli(['report', '--db', join(tmp.dir, 'missing.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/database .*missing\.db does not exist/);
  });
});
