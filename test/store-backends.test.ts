// The same behaviour on both stores (one table, two backends: a SQLite file, and a real PostgreSQL this file
// starts): the real CLI ingests, reports, audits and prunes; what it stored is read back with the backend's own
// client. Report and audit output must equal the golden files (test/fixtures/golden) on both, byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { cliAsync, startCli, until, writeMainLog } from './helpers/hostile.js';

const BACKENDS = backends();
const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
const SAMPLE = 'test/fixtures/sample';
const ENV = { TZ: 'Asia/Kolkata' };
const WINDOW = ['--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:40:00Z'];
const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', namespace: 'default' },
  spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster', selector: { app: 'nginx' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
};
const BIG = 120_000;

let tmp: ReturnType<typeof tempDir>;
let topoPath: string;
let bigLog: string;
beforeAll(() => {
  tmp = tempDir('snatscope-backends-');
  const topo = JSON.parse(readFileSync(join(ROOT, SAMPLE, 'topology.json'), 'utf8')) as { items: unknown[] };
  topo.items.push(SERVICE);
  topoPath = join(tmp.dir, 'topology.json');
  writeFileSync(topoPath, JSON.stringify(topo));
  bigLog = join(tmp.dir, 'web-big.log');
  writeMainLog(bigLog, BIG, 'b');
});
afterAll(() => tmp.cleanup());

/** The golden test's database: the sample logs with a Service, plus a hostile pod name and user agent. */
function ingestGolden(db: string): void {
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
  const r = runCli(['ingest', ...files, '--topology', topoPath, '--db', db, '-q'], { env: ENV });
  expect(r.code, r.stderr).toBe(0);
  const hostile = '198.51.100.9 - - [27/Nov/2026:02:20:00 +0000] "GET /<script>alert(1)</script> HTTP/1.1" 200 5 "-" "<script>alert(\'ua\')</script>|x" "-"\n';
  const h = runCli(['ingest', '-', '--pod', '<img src=x onerror=alert(1)>', '--db', db, '-q'], { input: hostile, env: ENV });
  expect(h.code, h.stderr).toBe(0);
}

const golden = (name: string) => readFileSync(join(GOLDEN, name), 'utf8');

for (const b of BACKENDS) {
  describe.skipIf(b.skip)(`${b.name} store`, () => {
    describe('report and audit output', () => {
      let db: string;
      beforeAll(() => {
        db = b.fresh('golden');
        ingestGolden(db);
      }, 60_000);

      it.each([
        ['table', 'pod', 'report-pod.txt'],
        ['json', 'pod', 'report-pod.json'],
        ['csv', 'pod', 'report-pod.csv'],
        ['markdown', 'pod', 'report-pod.md'],
        ['html', 'pod', 'report-pod.html'],
        ['table', 'node', 'report-node.txt'],
        ['json', 'service', 'report-service.json'],
        ['csv', 'class', 'report-class.csv'],
        ['markdown', 'service', 'report-service.md'],
      ])('report as %s by %s equals its golden file', (format, by, file) => {
        const r = runCli(['report', '--db', db, ...WINDOW, '-o', format, '--by', by], { env: ENV });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(golden(file));
      });

      it.each([
        ['table', 'audit.txt'],
        ['json', 'audit.json'],
        ['markdown', 'audit.md'],
      ])('audit as %s equals its golden file', (format, file) => {
        const r = runCli(['audit', '--db', db, '--from', '2026-11-27 07:40', '--until', '2026-11-27 08:10', '-o', format], { env: ENV });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(golden(file));
      });

      it('prune deletes old rows but the report over whole minutes stays the same', () => {
        const before = runCli(['report', '--db', db, ...WINDOW, '-o', 'json'], { env: ENV });
        const p = runCli(['prune', '--db', db, '--older-than', '1d']);
        expect(p.code, p.stderr).toBe(0);
        expect(p.stdout).toMatch(/^pruned: 329 request rows before /);
        expect(b.num(db, 'SELECT count(*) FROM requests')).toBe(0);
        const after = runCli(['report', '--db', db, ...WINDOW, '-o', 'json'], { env: ENV });
        expect(after.stdout).toBe(before.stdout);
      });
    });

    it('kill -9 of an ingest mid-way, then a re-run: every line stored exactly once', async () => {
      const db = b.fresh('killed');
      // The first half comes through a pipe as pod web-big (the file's pod, so the same source) and the pipe stays
      // open: the kill lands mid-way however fast the machine is.
      const text = readFileSync(bigLog);
      const run = startCli(['ingest', '-', '--pod', 'web-big', '--db', db, '-q'], { stdin: 'pipe' });
      run.child.stdin!.on('error', () => undefined); // the kill cuts the pipe while the test still writes to it
      run.child.stdin!.write(text.subarray(0, text.indexOf(10, text.length >> 1) + 1));
      await until(() => {
        try {
          return b.num(db, 'SELECT count(*) FROM requests') > 0;
        } catch {
          return false; // not created yet
        }
      }, 30_000, 'the first committed rows');
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe(137);
      const stored = b.num(db, 'SELECT count(*) FROM requests');
      expect(stored).toBeLessThan(BIG);
      // Rows, rollups and the position are committed together.
      expect(b.num(db, 'SELECT sum(lines) FROM sources')).toBe(stored);
      expect(b.num(db, 'SELECT sum(requests) FROM rollups')).toBe(stored);
      const again = await cliAsync(['ingest', bigLog, '--db', db, '-q']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`${stored} already stored`);
      expect(b.num(db, 'SELECT count(*) FROM requests')).toBe(BIG);
      expect(b.num(db, 'SELECT count(DISTINCT target_text) FROM requests')).toBe(BIG);
      expect(b.num(db, 'SELECT sum(requests) FROM rollups')).toBe(BIG);
    }, 120_000);
  });
}
