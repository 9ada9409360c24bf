// prune keeps every total: the bundled sample, `prune --older-than 1h` (every row goes), then reports over windows
// that do not start or end on a minute give the same totals, pods and SNAT sources as before; an edge inside a
// pruned second is resolved to the second and the report says so; the audit says what the pruned part rests on
// and still gives its timeline and totals. Through the real CLI on a database the real `ingest` built.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.js';

const SAMPLE = 'test/fixtures/sample';
const ENV = { TZ: 'UTC' };
const WINDOWS = [
  ['2026-11-27T02:10:30Z', '2026-11-27T02:30:30Z'],
  ['2026-11-27T02:00:00Z', '2026-11-27T02:40:00Z'],
  ['2026-11-27T02:25:03Z', '2026-11-27T02:25:46Z'],
  ['2026-11-27T02:10:07Z', '2026-11-27T02:10:08Z'],
];
let tmp: ReturnType<typeof tempDir>;
let db: string;
const before = new Map<string, Record<string, unknown>>();
let auditBefore: { totals: unknown; pods: unknown; timeline: unknown[]; snatSources: unknown };

const json = (args: string[]) => {
  const r = runCli(args, { env: ENV });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
const report = (from: string, until: string) => json(['report', '--db', db, '--from', from, '--until', until, '-o', 'json']);
const audit = () => json(['audit', '--db', db, '--from', '2026-11-27 02:10:30', '--until', '2026-11-27 02:30:30', '-o', 'json']) as unknown as typeof auditBefore & { notes: string[] };

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'prune.db');
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
  const r = runCli(['ingest', ...files, '--topology', `${SAMPLE}/topology.json`, '--trust', '10.151.40.10/32', '--db', db, '-q'], { env: ENV });
  expect(r.code, r.stderr).toBe(0);
  for (const [from, until] of WINDOWS) before.set(from, report(from, until));
  auditBefore = audit();
  const p = runCli(['prune', '--db', db, '--older-than', '1h'], { env: ENV });
  expect(p.code, p.stderr).toBe(0);
  expect(p.stdout).toMatch(/^pruned: 328 request rows before /);
});
afterAll(() => tmp.cleanup());

describe('prune keeps the totals of every window', () => {
  it.each(WINDOWS)('report --from %s --until %s: the same totals, pods and SNAT sources after prune', (from, until) => {
    const after = report(from, until);
    const was = before.get(from)!;
    expect((was.totals as { requests: number }).requests).toBeGreaterThan(0);
    for (const k of ['totals', 'pods', 'snatSources', 'from', 'to']) expect([k, after[k]]).toEqual([k, was[k]]);
    expect(after.notes).toEqual([]);
  });

  it('counts the 190 requests of 02:10:30 .. 02:30:30 before and after', () => {
    expect((report('2026-11-27T02:10:30Z', '2026-11-27T02:30:30Z').totals as { requests: number }).requests).toBe(190);
  });

  it('resolves an edge inside a pruned second to that second, and says so', () => {
    const r = report('2026-11-27T02:10:30.500Z', '2026-11-27T02:30:30.250Z');
    expect(r.totals).toEqual(before.get('2026-11-27T02:10:30Z')!.totals);
    expect(r.notes).toEqual([
      'the window start 2026-11-27T02:10:30.500Z is inside pruned data, kept per second: counted from 2026-11-27T02:10:30.000Z',
      'the window end 2026-11-27T02:30:30.250Z is inside pruned data, kept per second: counted until 2026-11-27T02:30:31.000Z',
    ]);
    const text = runCli(['report', '--db', db, '--from', '2026-11-27T02:10:30.500Z', '--until', '2026-11-27T02:30:30.250Z'], { env: ENV }).stdout;
    expect(text).toContain('note: the window start 2026-11-27T02:10:30.500Z is inside pruned data');
  });
});

describe('audit over a pruned period', () => {
  it('still gives the totals, pods, timeline and SNAT sources, and says what they rest on', () => {
    const a = audit();
    expect(a.totals).toEqual(auditBefore.totals);
    expect(a.pods).toEqual(auditBefore.pods);
    expect(a.snatSources).toEqual(auditBefore.snatSources);
    expect(a.timeline).toHaveLength(auditBefore.timeline.length);
    // The cutoff is an hour before the prune ran (--older-than 1h): whatever the day the suite runs on.
    expect(a.notes).toHaveLength(1);
    const cutoff = /^request rows before (\S+) were pruned: /.exec(a.notes[0])?.[1] ?? '';
    expect(Math.abs(Date.parse(cutoff) - (Date.now() - 3_600_000))).toBeLessThan(3_600_000);
    expect(a.notes[0]).toBe(
      `request rows before ${cutoff} were pruned: for 2026-11-27T02:10:30+00:00 .. 2026-11-27T02:30:30+00:00 the totals, pods, timeline and SNAT sources ` +
        'include 190 requests from the per-second counts prune keeps; their other addresses, clients, status codes and X-Forwarded-For are not kept',
    );
  });

  it('says that --client cannot select pruned requests instead of reporting none', () => {
    const a = json(['audit', '--db', db, '--from', '2026-11-27 02:10:30', '--until', '2026-11-27 02:30:30', '--client', '203.0.113.0/24', '-o', 'json']) as { notes: string[] };
    expect(a.notes[0]).toMatch(/were pruned and their addresses not kept, so --client cannot select them: 2026-11-27T02:10:30\+00:00 \.\. 2026-11-27T02:30:30\+00:00 is not in this audit$/);
  });
});

describe('a database pruned by an older snatscope (schema 2, no per-second counts)', () => {
  it('is read as it is by report, and upgraded with its pruned minutes recovered from the rollups', async () => {
    const { default: Database } = await import('better-sqlite3');
    const old = join(tmp.dir, 'old.db');
    const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
    expect(runCli(['ingest', ...files, '--topology', `${SAMPLE}/topology.json`, '--db', old, '-q'], { env: ENV }).code).toBe(0);
    const minutes = (db0: string) => report0(db0, '2026-11-27T02:10:00Z', '2026-11-27T02:31:00Z');
    const whole = minutes(old);
    // What the old prune left: rows gone, rollups kept, the cutoff in meta, schema 2.
    const raw = new Database(old);
    // (rollups.known came with schema 4.)
    raw.exec("DELETE FROM requests; DROP TABLE pruned_seconds; ALTER TABLE rollups DROP COLUMN known; INSERT INTO meta (key, value) VALUES ('pruned_before', '1796169600000') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    raw.pragma('user_version = 2');
    raw.close();
    expect(minutes(old).totals).toEqual(whole.totals); // read-only, from the rollups
    expect(runCli(['prune', '--db', old, '--older-than', '3650d'], { env: ENV }).code).toBe(0); // a writable open migrates
    // A window that ends inside a pruned minute takes that whole minute (the old rollups have no finer grain).
    expect(report0(old, '2026-11-27T02:10:00Z', '2026-11-27T02:30:30Z').totals).toEqual(whole.totals);
  });
});

function report0(path: string, from: string, until: string): { totals: unknown } {
  const r = runCli(['report', '--db', path, '--from', from, '--until', until, '-o', 'json'], { env: ENV });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { totals: unknown };
}
