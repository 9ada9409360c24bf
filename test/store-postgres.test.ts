// What only the shared PostgreSQL store has to get right, with the real CLI against a real server this file
// starts: many writers at once (exact totals and additive rollups, migrations applied once), one writer per
// source (the second says who has it), connection errors as one line without the password, and text that COPY
// must escape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../db/pg/store.js';
import { MIGRATIONS } from '../db/schema.js';
import { parseLocation } from '../db/location.js';
import { backends } from './helpers/backends.js';
import { runCli, tempDir } from './helpers/cli.js';
import { cliAsync, startCli, until, writeMainLog } from './helpers/hostile.js';
import { requestRow } from './helpers/rows.js';

const pgb = backends()[1];
const N = 30_000;
let tmp: ReturnType<typeof tempDir>;
const logs: string[] = [];
beforeAll(() => {
  tmp = tempDir('snatscope-pgonly-');
  for (let i = 0; i < 4; i++) {
    logs.push(join(tmp.dir, `part-${i}.log`));
    writeMainLog(logs[i], N, `w${i}-`);
  }
});
afterAll(() => tmp.cleanup());

function openPg(url: string, readonly = false): PgStore {
  const loc = parseLocation(url);
  if (loc.kind !== 'postgres') throw new Error('not a URL');
  return PgStore.open(loc.connection, { display: loc.display, readonly, onNotice: () => undefined });
}

describe.skipIf(pgb.skip)('PostgreSQL store', () => {
  it('four ingests at once into a new database: migrations applied once, exact totals and rollups', async () => {
    const db = pgb.fresh('four');
    // All four files are the same pod and minute: every commit upserts the same rollup row.
    const runs = logs.map((f) => cliAsync(['ingest', f, '--pod', 'web-0', '--db', db, '-q']));
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(pgb.rows(db, 'SELECT version FROM snatscope_migrations ORDER BY version')).toEqual(MIGRATIONS.map((_, i) => String(i + 1)));
    expect(pgb.num(db, 'SELECT count(*) FROM requests')).toBe(4 * N);
    expect(pgb.num(db, 'SELECT count(DISTINCT target_text) FROM requests')).toBe(4 * N);
    expect(pgb.rows(db, 'SELECT minute, class, requests, bytes FROM rollups')).toEqual([`${Date.UTC(2026, 10, 27, 2, 10) / 60000}|3|${4 * N}|${4 * N * 612}`]);
    expect(pgb.rows(db, 'SELECT lines FROM sources ORDER BY id')).toEqual([String(N), String(N), String(N), String(N)]);
    const report = JSON.parse(runCli(['report', '--db', db, '-o', 'json']).stdout) as { totals: { requests: number; classes: { external: number } } };
    expect(report.totals).toMatchObject({ requests: 4 * N, classes: { external: 4 * N } });
  }, 180_000);

  it('a second writer of the same source says who stores it and stores nothing of it', async () => {
    const db = pgb.fresh('owner');
    const big = join(tmp.dir, 'owned.log');
    writeMainLog(big, 150_000, 'o');
    // The first writer reads the same lines from a pipe it is told is pod "owned" (the file's pod): the same source.
    // The pipe stays open until the second writer has been turned away, so the order does not depend on speed.
    const text = readFileSync(big);
    const half = text.indexOf(10, text.length >> 1) + 1;
    const first = startCli(['ingest', '-', '--pod', 'owned', '--db', db, '-q'], { stdin: 'pipe' });
    first.child.stdin!.write(text.subarray(0, half));
    await until(() => {
      try {
        return pgb.num(db, 'SELECT count(*) FROM requests') > 0;
      } catch {
        return false;
      }
    }, 30_000, 'the first writer committing');
    const second = await cliAsync(['ingest', big, '--db', db, '-q']);
    first.child.stdin!.end(text.subarray(half));
    expect(await first.exited, first.out.stderr).toBe(0);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`^snatscope: file ${big.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being stored by snatscope ingest pid ${first.child.pid} on .* \\(try stopping the other writer first`));
    expect(pgb.num(db, 'SELECT count(*) FROM requests')).toBe(150_000);
    expect(pgb.num(db, 'SELECT sum(requests) FROM rollups')).toBe(150_000);
  }, 180_000);

  it('refuses a wrong password in one line that does not show it', () => {
    const url = pgb.server!.tcpUrl('postgres').replace(/:[^:@/]+@/, ':not-the-password@');
    const r = runCli(['report', '--db', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('not-the-password');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^snatscope: PostgreSQL postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres: password authentication failed for user "postgres" \(try the user and password/);
  });

  it('says when nothing listens at the URL, without the password', () => {
    const r = runCli(['ingest', '-', '--db', 'postgresql://u:hunter2@127.0.0.1:1/snat'], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).toMatch(/^snatscope: cannot connect to PostgreSQL postgresql:\/\/u@127\.0\.0\.1:1\/snat: .*ECONNREFUSED/);
  });

  it('a report of a database without snatscope tables says so; one with foreign tables is not touched', () => {
    const empty = pgb.fresh('empty');
    const r = runCli(['report', '--db', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: PostgreSQL database .* has no snatscope tables yet \(try snatscope ingest FILE --db URL/);
    const foreign = pgb.fresh('foreign');
    pgb.server!.psql('foreign', 'CREATE TABLE requests (id int)');
    const w = runCli(['ingest', '-', '--db', foreign], { input: '' });
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/holds a table named requests that snatscope did not create/);
    expect(pgb.rows(foreign, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).toEqual(['1']);
  });

  it('counts known clients in the rollups, records the classification flags, and reclassify moves rows and rollups together', () => {
    const db = pgb.fresh('classify');
    const r = runCli(['ingest', logs[0], '--pod', 'web-0', '--db', db, '-q']);
    expect(r.code, r.stderr).toBe(0);
    // Every request of the log is external: each one's client is known, in the rollups as in the rows.
    expect(pgb.num(db, 'SELECT sum(known) FROM rollups')).toBe(N);
    expect(pgb.rows(db, "SELECT count(*) FROM meta WHERE key = 'classify_flags'")).toEqual(['1']);
    // One client address turns out to be a node's: reclassify moves its 120 requests (every 250th) to node,
    // the known-client counts and the SNAT sources with them.
    const again = runCli(['reclassify', '--db', db, '--node-ip', '203.0.113.7=node-a', '-q']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`reclassified: ${N} rows, ${N / 250} changed (node 0 -> ${N / 250}, external ${N} -> ${N - N / 250}); rollups updated\n`);
    expect(pgb.num(db, 'SELECT sum(known) FROM rollups')).toBe(N - N / 250);
    expect(pgb.rows(db, "SELECT s.s, r.addr, r.requests FROM snat_rollups r JOIN strings s ON s.id = r.owner")).toEqual([`node-a|203.0.113.7|${N / 250}`]);
    expect(pgb.num(db, "SELECT count(*) FROM requests_v WHERE class = 'node' AND owner = 'node-a'")).toBe(N / 250);
  }, 120_000);

  it('upgrades a database from before migration 4: known backfilled from the stored rows, the report unchanged', () => {
    const db = pgb.fresh('before4');
    expect(runCli(['ingest', logs[1], '--pod', 'web-0', '--db', db, '-q']).code).toBe(0);
    const before = runCli(['report', '--db', db, '-o', 'json']).stdout;
    // What migration 3 left: no known columns, version 3.
    pgb.rows(db, 'ALTER TABLE rollups DROP COLUMN known; ALTER TABLE pruned_seconds DROP COLUMN known; DELETE FROM snatscope_migrations WHERE version = 4');
    // A reader says it needs an upgrade; the next writer (here the same ingest again, storing nothing twice) applies it.
    expect(runCli(['report', '--db', db]).stderr).toMatch(/needs an upgrade \(schema 3 -> 4\)/);
    expect(runCli(['ingest', logs[1], '--pod', 'web-0', '--db', db, '-q']).code).toBe(0);
    expect(pgb.rows(db, 'SELECT max(version) FROM snatscope_migrations')).toEqual(['4']);
    const after = runCli(['report', '--db', db, '-o', 'json']);
    expect(after.code, after.stderr).toBe(0);
    expect(pgb.num(db, 'SELECT sum(known) FROM rollups')).toBe(N);
    expect(after.stdout).toBe(before);
  }, 120_000);

  it('a commit that fails is thrown by the next flush, and nothing after it commits', () => {
    const db = pgb.fresh('failing');
    const s = openPg(db);
    const src = s.source('file:f:1', 'file', { pod: 'web-1', path: '/tmp/f.log' });
    const batch = (from: number) => {
      for (let i = from; i < from + 100; i++) s.add(src.id, requestRow({ target: `/f/${i}` }));
      s.advance(src.id, from + 100);
      s.flush();
    };
    batch(0);
    s.sql.all({ text: () => 'SELECT 1' }); // a read waits for the commits in flight
    pgb.server!.psql('failing', 'ALTER TABLE writers RENAME TO writers_gone');
    batch(100); // handed over; its transaction fails on the server
    let thrown: unknown;
    try {
      batch(200);
      s.close();
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error | undefined)?.message).toMatch(/relation "writers" does not exist/);
    s.abandon();
    expect(pgb.num(db, 'SELECT count(*) FROM requests')).toBe(100);
    expect(pgb.num(db, 'SELECT lines FROM sources')).toBe(100);
    expect(pgb.num(db, 'SELECT sum(requests) FROM rollups')).toBe(100);
  });

  it('stores text that COPY must escape as it came, and reads it back through the view', () => {
    const db = pgb.fresh('text');
    const s = openPg(db);
    const src = s.source('file:x:1', 'file', { pod: 'web-1', path: '/tmp/x.log' });
    const hostile = ['tab\there', 'back\\slash \\N', 'new\nline\r', 'é ✓ 𝄞', '\\.', ''];
    for (const t of hostile) s.add(src.id, requestRow({ target: t, userAgent: t, xff: t }));
    s.advance(src.id, hostile.length);
    s.close();
    const r = openPg(db, true);
    try {
      const got = r.sql.all<{ target: string; user_agent: string; xff: string }>({ text: () => 'SELECT target, user_agent, xff FROM requests_v ORDER BY id' });
      expect(got.map((g) => g.target)).toEqual(hostile);
      expect(got.map((g) => g.user_agent)).toEqual(hostile);
      expect(got.map((g) => g.xff)).toEqual(hostile);
    } finally {
      r.close();
    }
  });
});
