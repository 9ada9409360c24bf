// Unparsed input is loud: ingest names, per source, how many lines it could not read, why, one escaped sample and
// what to try; a source with lines but no request exits 4; `snatscope unparsed` lists the stored samples, escaped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const MAIN_LINE = readFileSync(join(ROOT, 'test', 'fixtures', 'sample', 'nginx-7c5d8f9b4-a1b2c.log'), 'utf8').split('\n')[0];

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('snatscope-unparsed-');
});
afterAll(() => tmp.cleanup());

function file(name: string, lines: string[]): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('ingest with unparsed lines', () => {
  const cases: { name: string; lines: string[]; format: string; hint: string }[] = [
    {
      name: 'a custom log_format',
      lines: ['2026-11-27T02:00:10Z|203.0.113.7|GET /|200', '2026-11-27T02:00:11Z|203.0.113.8|GET /a|404'],
      format: 'auto',
      hint: "(try --format '<your log_format>', the log_format line from nginx.conf)",
    },
    { name: 'main lines read as combined', lines: [MAIN_LINE, MAIN_LINE], format: 'combined', hint: '(try --format main)' },
  ];
  it.each(cases)('$name: count, reason, sample, hint, exit 4', ({ name, lines, format, hint }) => {
    const log = file(`${name.replace(/\W+/g, '-')}.log`, lines);
    const r = runCli(['ingest', log, '--db', join(tmp.dir, `${name.replace(/\W+/g, '-')}.db`), '--format', format, '--node-ip', '10.0.0.1']);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`${lines.length} lines, 0 requests, ${lines.length} unparsed`);
    expect(r.stderr).toContain(`${log}: ${lines.length} unparsed lines: did not match the log format ${hint}`);
    expect(r.stderr).toContain(`  e.g. ${lines[0]}\n`);
    expect(r.stderr).toContain(`no request in ${log}: every line was unparsed`);
  });

  it('a source with some requests exits 0 but still says what it could not read', () => {
    const log = file('mixed.log', [MAIN_LINE, 'garbage \x1b[2J here', MAIN_LINE]);
    const r = runCli(['ingest', log, '--db', join(tmp.dir, 'mixed.db'), '--node-ip', '10.0.0.1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${log}: 1 unparsed line: did not match the log format`);
    expect(r.stderr).toContain('  e.g. garbage \\e[2J here'); // escaped, never a raw control sequence
    expect(r.stderr).not.toContain('\x1b[2J');
  });
});

describe('snatscope unparsed', () => {
  it('prints the stored samples per source and reason, escaped, and filters by --source', () => {
    const db = join(tmp.dir, 'list.db');
    const a = file('web-a.log', [MAIN_LINE, 'bad \x07 line one', 'bad line two']);
    const b = file('web-b.log', [MAIN_LINE, 'other bad']);
    expect(runCli(['ingest', a, b, '--db', db, '--node-ip', '10.0.0.1', '-q']).code).toBe(0);
    const all = runCli(['unparsed', '--db', db]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(
      'web-a (file): 2 unparsed, did not match the log format\n  bad \\x07 line one\n  bad line two\n' +
        'web-b (file): 1 unparsed, did not match the log format\n  other bad\n',
    );
    expect(runCli(['unparsed', '--db', db, '--source', 'web-b']).stdout).toBe('web-b (file): 1 unparsed, did not match the log format\n  other bad\n');
    expect(runCli(['unparsed', '--db', db, '--source', 'nope']).stdout).toBe('no unparsed lines stored for nope\n');
  });
});
