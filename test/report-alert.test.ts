// Reports for cron and CI: --fail-above exits 3 after writing the report and names the pods on one stderr line;
// --out writes a file; --every keeps writing timestamped reports into a directory until SIGTERM; prune keeps
// report totals of rolled-up periods unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli, tempDir } from './helpers/cli.js';

const SAMPLE = 'test/fixtures/sample';
let tmp: ReturnType<typeof tempDir>;
let db: string;

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'alert.db');
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
  const r = runCli(['ingest', ...files, '--topology', `${SAMPLE}/topology.json`, '--db', db, '-q']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('--fail-above', () => {
  it.each([
    ['0.75', 3, /^snatscope: SNAT ratio above 0\.75: default\/nginx-7c5d8f9b4-g5h6i 80\.6%\n$/],
    ['74%', 3, /^snatscope: SNAT ratio above 74%: default\/nginx-7c5d8f9b4-a1b2c 74\.4%, default\/nginx-7c5d8f9b4-d3e4f 74\.5%, default\/nginx-7c5d8f9b4-g5h6i 80\.6%\n$/],
    ['0.9', 0, /^$/],
  ])('at %s exits %i', (ratio, code, stderr) => {
    const r = runCli(['report', '--db', db, '-o', 'markdown', '--fail-above', ratio]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
    expect(r.stdout).toContain('## snatscope report');
  });

  it('rejects a ratio that is not one', () => {
    const r = runCli(['report', '--db', db, '--fail-above', '1.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-above "1\.5" is not a ratio \(try/);
  });

  it('writes --out before failing', () => {
    const out = join(tmp.dir, 'r.html');
    const r = runCli(['report', '--db', db, '-o', 'html', '--out', out, '--fail-above', '0.5']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });
});

describe('--every', () => {
  it('writes timestamped reports into the directory and exits cleanly on SIGTERM', async () => {
    const dir = join(tmp.dir, 'every');
    const child = spawnCli(['report', '--db', db, '-o', 'json', '--every', '1s', '--out', dir]);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !/wrote .*\n[\s\S]*wrote /.test(err)) await new Promise((r) => setTimeout(r, 100));
    const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    child.kill('SIGTERM');
    expect(await code).toBe(143);
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      expect(f).toMatch(/^snatscope-report-\d{8}-\d{6}\.json$/);
      expect((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { totals: { requests: number } }).totals.requests).toBe(328);
    }
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('needs --out and a valid schedule', () => {
    expect(runCli(['report', '--db', db, '--every', '1h']).stderr).toMatch(/--every needs --out DIR/);
    expect(runCli(['report', '--db', db, '--every', 'bogus cron', '--out', tmp.dir]).stderr).toMatch(/neither a duration nor a cron expression/);
  });
});

describe('prune', () => {
  it('deletes old request rows but keeps report totals of rolled-up periods', () => {
    const before = runCli(['report', '--db', db, '-o', 'json']).stdout;
    const window = ['--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:30:00Z', '-o', 'json'];
    const beforeWindow = runCli(['report', '--db', db, ...window]).stdout;
    const auditArgs = ['audit', '--db', db, '--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:30:00Z', '-o', 'json'];
    const coverageBefore = (JSON.parse(runCli(auditArgs).stdout) as { coverage: unknown[] }).coverage;
    const r = runCli(['prune', '--db', db, '--older-than', '1s', '--vacuum']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pruned: 328 request rows before .*\(per-minute rollups kept\), vacuumed\n$/);
    const strip = (s: string) => {
      const j = JSON.parse(s) as Record<string, unknown>;
      delete j.snatSources; // read from request rows, which are gone
      return j;
    };
    expect(strip(runCli(['report', '--db', db, '-o', 'json']).stdout)).toEqual(strip(before));
    expect(strip(runCli(['report', '--db', db, ...window]).stdout)).toEqual(strip(beforeWindow));
    const audit = JSON.parse(runCli(auditArgs).stdout) as { notes: string[]; timeline: unknown[]; coverage: unknown[] };
    expect(audit.notes[0]).toMatch(/were pruned/);
    expect(audit.timeline).toHaveLength(30);
    // What the saved logs covered survives the rows (prune records each source's span).
    expect(audit.coverage).toEqual(coverageBefore);
  });
});
