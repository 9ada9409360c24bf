// The parallel ingest (parse + classify in a worker thread, SQLite on the main thread) against the single-threaded
// one, through the real CLI and real SQLite files: the same inputs give the same stored rows, report and unparsed
// counts; re-ingest, growth and a SIGTERM mid-way keep every line stored exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { mainLine, requestCount, startCli, storedTargets, until, writeMainLog } from './helpers/hostile.js';
import { PARALLEL_MIN_BYTES } from '../src/sources/file.js';

const SAMPLE = join(ROOT, 'test', 'fixtures', 'sample');
const POD_A = join(SAMPLE, 'nginx-7c5d8f9b4-a1b2c.log');
const TOPOLOGY = join(SAMPLE, 'topology.json');
const sampleLines = () => readFileSync(POD_A, 'utf8').split('\n').filter(Boolean);

/** A file big enough to be parsed in a worker without --threads. */
const BIG_LINES = 200_000;
let tmp: ReturnType<typeof tempDir>;
let big: string;
beforeAll(() => {
  tmp = tempDir('snatscope-par-');
  big = join(tmp.dir, 'web-big.log');
  writeMainLog(big, BIG_LINES, 'b');
});
afterAll(() => tmp.cleanup());

/** Every stored request (all columns of requests_v but the id), sources' positions and formats, unparsed counts and samples. */
function checksum(db: string): { rows: number; sum: string; sources: unknown[]; unparsed: unknown[]; samples: unknown[] } {
  const d = new Database(db, { readonly: true });
  try {
    const h = createHash('sha256');
    let rows = 0;
    const it = d.prepare('SELECT * FROM requests_v ORDER BY source, id').raw().iterate() as Iterable<unknown[]>;
    for (const r of it) {
      h.update(JSON.stringify(r.slice(1)) + '\n');
      rows++;
    }
    const sources = d.prepare('SELECT key, kind, pod, lines, format, envelope FROM sources ORDER BY key').all();
    const unparsed = d
      .prepare('SELECT s.key, u.reason, u.count FROM unparsed u JOIN sources s ON s.id = u.source ORDER BY 1, 2')
      .all();
    const samples = d
      .prepare('SELECT s.key, u.reason, u.sample FROM unparsed_samples u JOIN sources s ON s.id = u.source ORDER BY u.id')
      .all();
    return { rows, sum: h.digest('hex'), sources, unparsed, samples };
  } finally {
    d.close();
  }
}

function ingest(dbName: string, threads: 1 | 2, args: string[], input?: string | Buffer) {
  const db = join(tmp.dir, `${dbName}-t${threads}.db`);
  const r = runCli(['ingest', ...args, '--db', db, '--threads', String(threads)], { input });
  expect(r.code, r.stderr).toBe(0);
  return { db, r };
}

function reportOf(db: string): unknown {
  const r = runCli(['report', '--db', db, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** A log with every kind of line: requests, CRLF, garbage, NUL bytes, invalid UTF-8, an over-long line, hostile text. */
function dirtyLog(path: string): void {
  const good = sampleLines();
  const parts: Buffer[] = [];
  for (let i = 0; i < 30; i++) {
    parts.push(Buffer.from(`${good[i % good.length]}\n`));
    if (i % 7 === 3) parts.push(Buffer.from(`${good[i]}\r\n`));
    if (i % 9 === 4) parts.push(Buffer.from('not an nginx line at all\n'), Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a]));
    if (i % 11 === 5) parts.push(Buffer.from(`${mainLine(`h${i}`, { ua: 'ua \u0000 \u001b[31m \u2028 ☃ "quoted" \\x', referer: 'é\t|\u0001', target: `/p?q=${'\u00ff'.repeat(3)}` })}\n`));
  }
  parts.push(Buffer.from('203.0.113.9 - - [27/Nov/2026:02:00:10 +0000] "GET /' + 'a'.repeat(70_000) + ' HTTP/1.1" 200 1 "-" "x" "-"\n'));
  parts.push(Buffer.from(`${good[0]}`)); // a last line without a newline is still a line
  writeFileSync(path, Buffer.concat(parts));
}

describe('parallel ingest stores exactly what the single-threaded ingest stores', () => {
  const cases: Array<[string, () => { args: string[]; input?: string | Buffer }]> = [
    ['the sample logs of three pods with a topology', () => ({
      args: [...['a1b2c', 'd3e4f', 'g5h6i'].map((s) => join(SAMPLE, `nginx-7c5d8f9b4-${s}.log`)), '--topology', TOPOLOGY, '--trust', '10.0.0.0/8'],
    })],
    ['a dirty log (garbage, NUL, invalid UTF-8, over-long, hostile text, no final newline)', () => {
      const p = join(tmp.dir, 'dirty.log');
      dirtyLog(p);
      return { args: [p, '--format', 'main'] };
    }],
    ['a gzip file', () => {
      const p = join(tmp.dir, 'zipped.log.gz');
      writeFileSync(p, gzipSync(readFileSync(POD_A, 'utf8').repeat(50)));
      return { args: [p, '--node-ip', '10.151.40.11=node-x', '--pod-cidr', '10.244.0.0/16'] };
    }],
    ['more distinct user agents and referers than the shared string dictionary holds (it starts over)', () => {
      const p = join(tmp.dir, 'many-agents.log');
      const lines = Array.from({ length: 60_000 }, (_, i) =>
        `203.0.113.${i % 250} - - [27/Nov/2026:02:10:00 +0000] "GET /p/${i} HTTP/1.1" 200 1 "https://ref.example/${i}" "agent/${i}" "-"`);
      writeFileSync(p, lines.join('\n') + '\n');
      return { args: [p, '--format', 'main'] };
    }],
    ['stdin with kubectl --prefix --timestamps attributing each line to its pod', () => {
      const a = sampleLines();
      const pods = ['nginx-7c5d8f9b4-a1b2c', 'nginx-7c5d8f9b4-d3e4f'];
      const input = a.map((l, i) => `[pod/${pods[i % 2]}/nginx] 2026-11-27T02:00:${String(i % 60).padStart(2, '0')}.5Z ${l}`).join('\n') + '\n';
      return { args: ['-', '--topology', TOPOLOGY], input };
    }],
  ];
  it.each(cases)('%s', (name, make) => {
    const { args, input } = make();
    const one = ingest(`same-${name.length}`, 1, args, input);
    const two = ingest(`same-${name.length}`, 2, args, input);
    expect(two.r.stdout).toBe(one.r.stdout);
    expect(two.r.stderr).toBe(one.r.stderr); // "says which" format, once per source
    const c1 = checksum(one.db);
    expect(c1.rows).toBeGreaterThan(0);
    expect(checksum(two.db)).toEqual(c1);
    expect(reportOf(two.db)).toEqual(reportOf(one.db));
  });

  it('a big file (parallel by default) gives the rows --threads 1 gives', () => {
    expect(statSync(big).size).toBeGreaterThanOrEqual(PARALLEL_MIN_BYTES);
    const db1 = join(tmp.dir, 'auto-t1.db');
    const dbAuto = join(tmp.dir, 'auto.db');
    expect(runCli(['ingest', big, '--db', db1, '--threads', '1', '-q']).code).toBe(0);
    const r = runCli(['ingest', big, '--db', dbAuto, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ingested: ${BIG_LINES} lines, ${BIG_LINES} requests, 0 unparsed`));
    expect(checksum(dbAuto)).toEqual(checksum(db1));
  });
});

describe('parallel ingest keeps every line exactly once', () => {
  it('does not double-count a file ingested again', () => {
    const { db } = ingest('again', 2, [POD_A]);
    const r = runCli(['ingest', POD_A, '--db', db, '--threads', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${sampleLines().length} already stored`);
    expect(requestCount(db)).toBe(sampleLines().length);
  });

  it('stores only the rest of a file that grew since the last run', () => {
    const path = join(tmp.dir, 'web-grow.log');
    const lines = sampleLines();
    writeFileSync(path, lines.slice(0, 40).join('\n') + '\n');
    const { db } = ingest('grow', 2, [path]);
    appendFileSync(path, [...lines.slice(40), lines[3], lines[3]].join('\n') + '\n');
    const r = runCli(['ingest', path, '--db', db, '--threads', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ingested: \d+ lines, \d+ requests, 0 unparsed, 40 already stored/);
    expect(requestCount(db)).toBe(lines.length + 2);
  });

  it('SIGTERM mid-way commits what was read (exit 143); the re-run stores the rest once', async () => {
    const LINES = BIG_LINES;
    const db = join(tmp.dir, 'term.db');
    const run = startCli(['ingest', big, '--db', db, '-q', '--threads', '2']);
    await until(() => {
      try {
        return requestCount(db) > 0;
      } catch {
        return false;
      }
    }, 20_000, 'the first committed rows');
    run.child.kill('SIGTERM');
    expect(await run.exited, run.out.stderr).toBe(143);
    const stored = requestCount(db);
    expect(stored).toBeLessThan(LINES);
    const m = /ingested: (\d+) lines, (\d+) requests/.exec(run.out.stdout);
    expect(Number(m?.[2])).toBe(stored);
    const again = runCli(['ingest', big, '--db', db, '-q', '--threads', '2']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${stored} already stored`);
    const targets = storedTargets(db);
    expect(targets).toHaveLength(LINES);
    expect(new Set(targets).size).toBe(LINES);
  }, 90_000);
});
