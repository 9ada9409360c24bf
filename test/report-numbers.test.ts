// Numbers in the report tables that people act on: recovered clients on their class's row, one header per column,
// no ratio where there are no requests, unparsed lines by reason, and impossible times rejected. Through the real
// CLI on a database the real `ingest` built from the sample logs (with --trust, so clients are recovered).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.js';

const SAMPLE = 'test/fixtures/sample';
const ENV = { TZ: 'UTC' };
let tmp: ReturnType<typeof tempDir>;
let db: string;

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'n.db');
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
  const r = runCli(['ingest', ...files, '--topology', `${SAMPLE}/topology.json`, '--trust', '10.151.40.10/32', '--db', db, '-q'], { env: ENV });
  expect(r.code, r.stderr).toBe(0);
  // A log in a custom format snatscope cannot parse, plus one over-long line: stored as unparsed with reasons.
  const custom = 'ts=2026-11-27T02:00:00Z ip=203.0.113.7 GET /\n'.repeat(3) + `203.0.113.7 - - [27/Nov/2026:02:00:00 +0000] "GET /${'a'.repeat(70_000)} HTTP/1.1" 200 1 "-" "-"\n`;
  const u = runCli(['ingest', '-', '--pod', 'custom-0', '--format', 'combined', '--db', db, '-q'], { input: custom, env: ENV });
  expect([0, 4]).toContain(u.code);
});
afterAll(() => tmp.cleanup());

const table = (...args: string[]) => {
  const r = runCli(['report', '--db', db, ...args], { env: ENV });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n');
};
const cols = (line: string) => line.trim().split(/\s{2,}/);

describe('report --by class', () => {
  it('puts the recovered clients on the row of the class they came through (the trusted proxy is private)', () => {
    const lines = table('--by', 'class');
    const header = cols(lines[0]);
    const at = header.indexOf('RECOVERED');
    const row = (k: string) => cols(lines.find((l) => l.startsWith(`${k} `))!);
    expect(row('private')[at]).toBe('8');
    expect(row('node')[at]).toBe('0');
    expect(row('external')[at]).toBe('0');
    expect(row('TOTAL')[at]).toBe('8');
  });

  it('prints - for the SNAT ratio of a class with no requests, not 0.0%', () => {
    const lines = table('--by', 'class');
    const header = cols(lines[0]);
    const unknown = cols(lines.find((l) => l.startsWith('unknown '))!);
    expect(unknown[header.indexOf('REQUESTS')]).toBe('0');
    expect(unknown[header.indexOf('SNAT')]).toBe('-');
  });
});

describe('report table header', () => {
  it.each([['pod'], ['node'], ['service'], ['class']])('names every column once with --by %s', (by) => {
    const header = cols(table('--by', by)[0]);
    expect(new Set(header).size).toBe(header.length);
    expect(header).toContain('NODE-IP');
  });
});

describe('report and unparsed lines', () => {
  it('counts unparsed lines by reason', () => {
    const text = table().join('\n');
    expect(text).toMatch(/^4 unparsed lines \(format 3, too-long 1\)$/m);
    const j = JSON.parse(runCli(['report', '--db', db, '-o', 'json'], { env: ENV }).stdout) as { unparsed: number; unparsedByReason: unknown };
    expect(j.unparsed).toBe(4);
    expect(j.unparsedByReason).toEqual([
      { reason: 'format', lines: 3 },
      { reason: 'too-long', lines: 1 },
    ]);
  });

  it('leaves the reasons of other pods out when filtered to one pod', () => {
    expect(table('--pod', 'nginx-7c5d8f9b4-a1b2c').join('\n')).not.toMatch(/unparsed/);
  });
});

describe('impossible times', () => {
  it.each([['--from', '2026-12-01 25:00'], ['--until', '2026-02-30 10:00'], ['--from', '2026-11-27T24:00:00Z']])('%s %s is one line, exit 2', (flag, value) => {
    const r = runCli(['report', '--db', db, flag, value], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^snatscope: ${flag} "${value}" is not a valid date and time \\(try .*\\)\\n$`));
  });
});
