// Hardening, oversized and broken input: 1 GB of seeded random bytes on stdin, a 100 MB line, a gzip file cut in
// half, an empty file, a directory given as a file. Each run ends with a clear message or a summary with unparsed
// counts, and the store stays sound (PRAGMA integrity_check = ok, report works). Also: a file that grows twice is
// stored exactly once over three runs.
import { appendFileSync, mkdirSync, openSync, closeSync, writeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { integrity, mainLine, pipeNoise, requestCount, startCli, storedTargets, writeMainLog } from './helpers/hostile.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('snatscope-hard-input-');
});
afterAll(() => tmp.cleanup());

/** The store is sound and the report reads it. */
function expectSound(db: string, requests: number): void {
  expect(integrity(db)).toBe('ok');
  const rep = runCli(['report', '--db', db, '-o', 'json']);
  expect(rep.code, rep.stderr).toBe(0);
  expect((JSON.parse(rep.stdout) as { totals: { requests: number } }).totals.requests).toBe(requests);
}

describe('oversized and broken input', () => {
  it('1 GB of random bytes on stdin: a summary with every line unparsed, nothing stored, the store sound', async () => {
    const db = join(tmp.dir, 'noise.db');
    const run = startCli(['ingest', '-', '--db', db, '-q'], { stdin: 'pipe' });
    await pipeNoise(run.child.stdin!, 1 << 30);
    // Exit 4: the source had lines and not one request (README, exit codes); the summary still comes.
    expect(await run.exited, run.out.stderr).toBe(4);
    const m = /ingested: (\d+) lines, 0 requests, (\d+) unparsed/.exec(run.out.stdout);
    expect(m, run.out.stdout).not.toBeNull();
    // About one newline per 256 random bytes: millions of lines, all counted as unparsed.
    expect(Number(m![1])).toBeGreaterThan(3_000_000);
    expect(m![2]).toBe(m![1]);
    expectSound(db, 0);
  }, 150_000);

  it('a 100 MB line between two valid ones: counted as too long, the neighbours stored', () => {
    const path = join(tmp.dir, 'long-line.log');
    const fd = openSync(path, 'w');
    writeSync(fd, mainLine('before') + '\n');
    const block = Buffer.alloc(1 << 20, 'A');
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, '\n' + mainLine('after') + '\n');
    closeSync(fd);
    const db = join(tmp.dir, 'long-line.db');
    const r = runCli(['ingest', path, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingested: 3 lines, 2 requests, 1 unparsed/);
    expect(storedTargets(db)).toEqual(['/r/before', '/r/after']);
    expectSound(db, 2);
  }, 60_000);

  it('a gzip file cut in half: says it is truncated, keeps the lines before the cut, and the full file adds the rest once', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(mainLine(`gz${i}`));
    const gz = gzipSync(lines.join('\n') + '\n');
    const path = join(tmp.dir, 'web-gz.log.gz');
    writeFileSync(path, gz.subarray(0, gz.length >> 1));
    const db = join(tmp.dir, 'gz.db');
    const r = runCli(['ingest', path, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^snatscope: .*web-gz\.log\.gz: gzip data ends early \(the file is truncated\); the \d+ lines before it were stored \(try gzip -t/m);
    const kept = requestCount(db);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(20_000);
    expectSound(db, kept);
    writeFileSync(path, gz);
    const again = runCli(['ingest', path, '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    const targets = storedTargets(db);
    expect(targets).toHaveLength(20_000);
    expect(new Set(targets).size).toBe(20_000);
  }, 60_000);

  it('an empty file: a summary of zero lines, exit 0', () => {
    const path = join(tmp.dir, 'empty.log');
    writeFileSync(path, '');
    const db = join(tmp.dir, 'empty.db');
    const r = runCli(['ingest', path, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingested: 0 lines, 0 requests, 0 unparsed/);
    expectSound(db, 0);
  });

  it('a directory given as a log file: one clear line, exit 2, no database written', () => {
    const dir = join(tmp.dir, 'logs.d');
    mkdirSync(dir);
    const db = join(tmp.dir, 'dir.db');
    const r = runCli(['ingest', dir, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/logs\.d is a directory, not a log file \(try .*logs\.d\/\*\.log\)/);
  });

  it('binary garbage with NULs and a truncated UTF-8 tail between valid lines: counted, the rest stored', () => {
    const path = join(tmp.dir, 'mixed.log');
    writeFileSync(path, Buffer.concat([
      Buffer.from(mainLine('m1') + '\n'),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 10]),
      Buffer.from(mainLine('m2') + '\n'),
      Buffer.from([0xe2, 0x82]),
    ]));
    const db = join(tmp.dir, 'mixed.db');
    const r = runCli(['ingest', path, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ingested: 4 lines, 2 requests, 2 unparsed/);
    expectSound(db, 2);
  });

  it('a file that grows twice is stored exactly once over three runs', () => {
    const path = join(tmp.dir, 'web-grow.log');
    const db = join(tmp.dir, 'grow.db');
    writeMainLog(path, 300, 'g');
    expect(runCli(['ingest', path, '--db', db]).code).toBe(0);
    appendFileSync(path, Array.from({ length: 200 }, (_, i) => mainLine(`h${i}`)).join('\n') + '\n');
    expect(runCli(['ingest', path, '--db', db]).code).toBe(0);
    appendFileSync(path, Array.from({ length: 100 }, (_, i) => mainLine(`k${i}`)).join('\n') + '\n');
    const third = runCli(['ingest', path, '--db', db]);
    expect(third.stdout).toMatch(/ingested: 100 lines, 100 requests, 0 unparsed, 500 already stored/);
    const targets = storedTargets(db);
    expect(targets).toHaveLength(600);
    expect(new Set(targets).size).toBe(600);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(600);
  });
});
