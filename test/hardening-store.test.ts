// Hardening, the database under stress: a second snatscope on a locked database waits (busy timeout) and, when the
// lock stays, names the process that holds it; a read-only file system (a tmpfs remounted ro) and a full disk (a
// tiny tmpfs) give one clear line, never partial rows: the rows and source position of the failed batch are absent,
// and a re-run after freeing space stores the rest exactly once. Mounts need root: skipped with the reason on a
// laptop, a failure under CI (test/helpers/prereq.ts).
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { cliAsync, integrity, requestCount, storedTargets, writeMainLog } from './helpers/hostile.js';
import { requirePrereq } from './helpers/prereq.js';
import { accessLine, startCluster } from './helpers/kube.js';

let tmp: ReturnType<typeof tempDir>;
let small: string;
let medium: string;
const MEDIUM = 60_000;
beforeAll(() => {
  tmp = tempDir('snatscope-hard-store-');
  small = join(tmp.dir, 'web-small.log');
  medium = join(tmp.dir, 'web-medium.log');
  writeMainLog(small, 500, 's');
  writeMainLog(medium, MEDIUM, 'm');
});
afterAll(() => tmp.cleanup());

function committedLines(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT coalesce(sum(lines), 0) FROM sources').pluck().get() as number;
  } finally {
    d.close();
  }
}

describe('a second process on the same database', () => {
  it('waits while another writer holds the lock for a moment, then stores everything', async () => {
    const db = join(tmp.dir, 'wait.db');
    expect(runCli(['ingest', small, '--db', db, '-q']).code).toBe(0);
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    const release = setTimeout(() => holder.exec('COMMIT'), 1500);
    const r = await cliAsync(['ingest', medium, '--db', db, '-q']);
    clearTimeout(release);
    if (holder.inTransaction) holder.exec('COMMIT');
    holder.close();
    expect(r.code, r.stderr).toBe(0);
    expect(requestCount(db)).toBe(500 + MEDIUM);
  }, 60_000);

  it('says which process holds a lock that does not go away, stores nothing half-way, exit 1', async () => {
    const db = join(tmp.dir, 'locked.db');
    expect(runCli(['ingest', small, '--db', db, '-q']).code).toBe(0);
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    let r: Awaited<ReturnType<typeof cliAsync>>;
    try {
      r = await cliAsync(['ingest', medium, '--db', db, '-q']);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^snatscope: database .*locked\\.db is locked \\(held by pid ${process.pid} \\(node`));
    expect(requestCount(db)).toBe(500);
    expect(committedLines(db)).toBe(500);
    expect(integrity(db)).toBe('ok');
    // Once the lock is gone the same command stores the file exactly once.
    expect(runCli(['ingest', medium, '--db', db, '-q']).code).toBe(0);
    const targets = storedTargets(db);
    expect(targets).toHaveLength(500 + MEDIUM);
    expect(new Set(targets).size).toBe(500 + MEDIUM);
  }, 60_000);
});

const isRoot = process.getuid?.() === 0;
let canMount = false;
if (isRoot) {
  try {
    const probe = tempDir('snatscope-mount-probe-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.dir], { stdio: 'ignore' });
      execFileSync('umount', [probe.dir], { stdio: 'ignore' });
      canMount = true;
    } finally {
      probe.cleanup();
    }
  } catch {
    canMount = false;
  }
}
const mounts = requirePrereq('tmpfs mounts', canMount, isRoot ? 'mount -t tmpfs failed (no CAP_SYS_ADMIN?)' : 'not root');

describe.runIf(mounts)('read-only and full file systems (tmpfs)', () => {
  const mounted: string[] = [];
  const mountTmpfs = (name: string, size: string): string => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounted.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of mounted.splice(0)) execFileSync('umount', [dir]);
  });

  it('a read-only file system: ingest and report each say so in one line, the database is unchanged', () => {
    const dir = mountTmpfs('ro', '8m');
    const db = join(dir, 'snatscope.db');
    expect(runCli(['ingest', small, '--db', db, '-q']).code).toBe(0);
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const ingest = runCli(['ingest', medium, '--db', db, '-q']);
    expect(ingest.code).toBe(2);
    expect(ingest.stderr).toMatch(/^snatscope: database .*snatscope\.db is not writable \(try .*\)\n$/);
    const fresh = runCli(['ingest', medium, '--db', join(dir, 'new.db'), '-q']);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/^snatscope: cannot create database .*new\.db: directory .* is not writable/);
    const report = runCli(['report', '--db', db, '-o', 'json']);
    expect(report.stderr).not.toMatch(/internal error/);
    expect(report.stderr).toMatch(/^snatscope: cannot read database .*: its directory is read-only/);
    expect(report.code).toBe(2);
    execFileSync('mount', ['-o', 'remount,rw', dir]);
    expect(requestCount(db)).toBe(500);
    expect(integrity(db)).toBe('ok');
  }, 60_000);

  it('a full disk: one clear line, the failed batch absent (rows and position), the rest stored once after freeing space', () => {
    const dir = mountTmpfs('full', '2m');
    const db = join(dir, 'snatscope.db');
    const r = runCli(['ingest', medium, '--db', db, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^snatscope: the disk holding database .* is full; the last batch was not stored \(try freeing space/);
    expect(integrity(db)).toBe('ok');
    const stored = requestCount(db);
    expect(stored).toBeLessThan(MEDIUM);
    expect(committedLines(db)).toBe(stored); // every committed batch has its position; the failed one has neither
    expect(runCli(['report', '--db', db, '-o', 'json']).code).toBe(0);
    execFileSync('mount', ['-o', 'remount,size=64m', dir]);
    const again = runCli(['ingest', medium, '--db', db, '-q']);
    expect(again.code, again.stderr).toBe(0);
    const targets = storedTargets(db);
    expect(targets).toHaveLength(MEDIUM);
    expect(new Set(targets).size).toBe(MEDIUM);
  }, 60_000);

  it('a full disk during watch: one clear line, the failed batch absent, the next watch resumes and stores each line once', async () => {
    const dir = mountTmpfs('wfull', '2m');
    const db = join(dir, 'snatscope.db');
    const c = await startCluster({ pods: 1 });
    try {
      const N = 40_000; // within the emulator's log buffer (it keeps the last 50k lines), and more than 2 MiB of rows
      const lines = Array.from({ length: N }, (_, i) => accessLine(`w${i}`));
      c.model.appendLog('default', 'web-0', 'nginx', lines, Date.UTC(2026, 10, 27, 2, 10));
      const args = ['watch', '-l', 'app=web', '--no-follow', '--kubeconfig', c.kubeconfig, '--db', db, '--output', 'none'];
      const r = await cliAsync(args, { env: { HOME: c.dir } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^snatscope: the disk holding database .* is full; the last batch was not stored \(try freeing space/m);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(integrity(db)).toBe('ok');
      expect(requestCount(db)).toBeLessThan(N);
      execFileSync('mount', ['-o', 'remount,size=64m', dir]);
      const again = await cliAsync(args, { env: { HOME: c.dir } });
      expect(again.code, again.stderr).toBe(0);
      const targets = storedTargets(db);
      expect(targets).toHaveLength(N);
      expect(new Set(targets).size).toBe(N);
    } finally {
      await c.close();
    }
  }, 90_000);
});
