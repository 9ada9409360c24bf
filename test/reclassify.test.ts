// `snatscope reclassify`: stored rows recomputed with new flags (a --trust added later, a database from before class
// probe), rollups moved with them; an ingest of stored sources with other flags says so; kill -9 mid-run leaves rows
// and rollups agreeing, and a second run finishes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, report } from '../db/index.js';
import { CLASS_ID } from '../src/classes.js';
import { ROOT, runCli, spawnCli, tempDir } from './helpers/cli.js';
import { requestRow } from './helpers/rows.js';
import { backends, type Backend } from './helpers/backends.js';

const BACKENDS = backends();
const sqlite = BACKENDS[0];

const SAMPLE = join(ROOT, 'test', 'fixtures', 'sample');
const LOGS = ['nginx-7c5d8f9b4-a1b2c.log', 'nginx-7c5d8f9b4-d3e4f.log', 'nginx-7c5d8f9b4-g5h6i.log'].map((f) => join(SAMPLE, f));
const TOPOLOGY = join(SAMPLE, 'topology.json');

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('snatscope-reclassify-');
});
afterAll(() => tmp.cleanup());

const EXT = CLASS_ID.external;
const MINUTE = 'CASE WHEN time >= 0 THEN time / 60000 ELSE -((59999 - time) / 60000) END';

/** Rollup cells that disagree with the rows (both directions): 0 when the database is consistent. */
function inconsistencies(location: string, b: Backend = sqlite): number {
  const fromRows = `SELECT ${MINUTE} AS minute, pod, class, count(*), count(client),
    sum(CASE WHEN class = ${EXT} OR client_class = ${EXT} THEN 1 ELSE 0 END), sum(bytes) FROM requests GROUP BY 1, 2, 3`;
  const cells = 'SELECT minute, pod, class, requests, recovered, known, bytes FROM rollups';
  const snatRows = `SELECT ${MINUTE}, pod, coalesce(owner, 0), remote_addr, count(*) FROM requests WHERE class = ${CLASS_ID.node} GROUP BY 1, 2, 3, 4`;
  const snatCells = 'SELECT minute, pod, owner, addr, requests FROM snat_rollups';
  const n = (q: string) => b.num(location, `SELECT count(*) FROM (${q}) d`);
  return n(`${fromRows} EXCEPT ${cells}`) + n(`${cells} EXCEPT ${fromRows}`) + n(`${snatRows} EXCEPT ${snatCells}`) + n(`${snatCells} EXCEPT ${snatRows}`);
}

function totals(file: string): { recovered: number; probe: number; node: number; clientKnown: number } {
  const rep = runCli(['report', '--db', file, '-o', 'json']);
  expect(rep.code, rep.stderr).toBe(0);
  const t = JSON.parse(rep.stdout).totals;
  return { recovered: t.recovered, probe: t.classes.probe, node: t.classes.node, clientKnown: t.clientKnown };
}

describe.each(BACKENDS)('reclassify on $name', (b) => {
  it.skipIf(b.skip)('recovers clients after --trust is added, and ingest of the stored logs with the new flag names reclassify', () => {
    const db = b.fresh('trust');
    expect(runCli(['ingest', ...LOGS, '--topology', TOPOLOGY, '--db', db, '-q']).code).toBe(0);
    const before = totals(db);
    expect(before.recovered).toBe(0);
    const reportBefore = runCli(['report', '--db', db, '-o', 'json']).stdout;

    const again = runCli(['ingest', ...LOGS, '--topology', TOPOLOGY, '--db', db, '--trust', '10.151.40.10/32']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('328 already stored');
    expect(again.stderr).toContain('already stored, classified with other --trust than now');
    expect(again.stderr).toContain(`try snatscope reclassify --db ${db} --topology ${TOPOLOGY} --trust 10.151.40.10/32`);
    expect(totals(db).recovered).toBe(0); // re-ingest alone changes nothing

    const r = runCli(['reclassify', '--db', db, '--trust', '10.151.40.10/32']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('with the stored topology');
    expect(r.stderr).toContain('reclassify: 328/328 rows (100%), 8 changed');
    expect(r.stdout).toBe('reclassified: 328 rows, 8 changed; rollups updated\n');
    const after = totals(db);
    expect(after).toMatchObject({ recovered: 8, node: before.node, probe: before.probe });
    expect(after.clientKnown).toBe(before.clientKnown + 8); // the recovered clients are public addresses
    expect(inconsistencies(db, b)).toBe(0);

    // The database now records --trust: the same ingest says nothing more.
    const third = runCli(['ingest', ...LOGS, '--topology', TOPOLOGY, '--db', db, '--trust', '10.151.40.10/32']);
    expect(third.stderr).not.toContain('reclassify');

    // Run again with the old flags: every row back where it was, the report byte for byte the one from before.
    const back = runCli(['reclassify', '--db', db, '-q']);
    expect(back.stdout).toBe('reclassified: 328 rows, 8 changed; rollups updated\n');
    expect(runCli(['report', '--db', db, '-o', 'json']).stdout).toBe(reportBefore);
    expect(inconsistencies(db, b)).toBe(0);
  }, 60_000);
});

describe('reclassify', () => {
  it('turns the kubelet probes of a database from before class probe into probes, SNAT sources included', () => {
    const file = join(tmp.dir, 'old.db');
    const s = Store.open(file);
    const src = s.source('old', 'file', {});
    const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);
    for (let i = 0; i < 6; i++) {
      s.add(src.id, requestRow({ time: T0 + i * 20_000, pod: 'web', remoteAddr: '10.244.1.1', cls: 'node', owner: 'ydzs-node1', userAgent: i % 2 ? 'kube-probe/1.29' : 'curl/8.5.0' }));
    }
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '203.0.113.7', cls: 'external' }));
    s.flush();
    s.close();
    const r = runCli(['reclassify', '--db', file, '--node-ip', '10.244.1.1=ydzs-node1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('reclassified: 7 rows, 3 changed (node 6 -> 3, probe 0 -> 3); rollups updated\n');
    const ro = Store.open(file, { readonly: true });
    const rep = report(ro.db);
    expect(rep.totals.classes).toMatchObject({ node: 3, probe: 3, external: 1 });
    expect(rep.totals.snatRatio).toBe(3 / 4);
    expect(report(ro.db, { via: 'rows' }).totals).toEqual(rep.totals);
    ro.close();
    expect(inconsistencies(file)).toBe(0);
  });

  it('needs a topology: one line and a hint when neither flags nor the database give one', () => {
    const file = join(tmp.dir, 'empty.db');
    Store.open(file).close();
    const r = runCli(['reclassify', '--db', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/reclassify has no topology.*\(try snatscope reclassify --topology/);
  });

  it('killed (-9) between chunks leaves rows and rollups agreeing, and a second run finishes', async () => {
    const file = join(tmp.dir, 'big.db');
    const log = join(tmp.dir, 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const sec = i % 3600;
      const t = `27/Nov/2026:02:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')} +0000`;
      lines.push(`10.151.40.10 - - [${t}] "GET /${i} HTTP/1.1" 200 ${i % 500} "-" "curl/8.5.0" "203.0.113.${i % 200}"`);
    }
    writeFileSync(log, lines.join('\n') + '\n');
    expect(runCli(['ingest', log, '--db', file, '--node-ip', '10.0.0.1', '-q']).code).toBe(0);
    const child = spawnCli(['reclassify', '--db', file, '--trust', '10.151.40.10/32', '--chunk', '20']);
    // At the first progress line (a chunk committed), take the write lock so no further chunk can commit, then kill -9:
    // the run dies mid-way, whatever the machine's speed.
    const lock = new Database(file, { timeout: 60_000 });
    await new Promise<void>((resolve) => {
      let locked = false;
      child.stderr.on('data', (d: Buffer) => {
        if (locked || !/reclassify: \d+\/30000 rows/.test(d.toString())) return;
        locked = true;
        lock.exec('BEGIN IMMEDIATE');
        child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    if (lock.inTransaction) lock.exec('ROLLBACK');
    lock.close();
    expect(child.signalCode).toBe('SIGKILL');
    expect(inconsistencies(file)).toBe(0);
    const partial = totals(file).recovered;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(30_000);
    const r = runCli(['reclassify', '--db', file, '--trust', '10.151.40.10/32', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`reclassified: 30000 rows, ${30_000 - partial} changed; rollups updated\n`);
    expect(totals(file).recovered).toBe(30_000);
    expect(inconsistencies(file)).toBe(0);
  });
});
