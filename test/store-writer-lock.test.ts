// One writer per database: the lock on `<db>-lock` names its holder (pid and command), is released on release() and
// by the operating system when the holder is killed (kill -9 leaves no stale lock), and never stops a reader.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriterLock } from '../db/lock.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { cliAsync, mainLine, startCli, until } from './helpers/hostile.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('snatscope-lock-');
});
afterEach(() => tmp.cleanup());

describe('the writer lock', () => {
  it('a second writer learns who holds it: pid, command and since when', () => {
    const db = join(tmp.dir, 'w.db');
    const first = WriterLock.tryAcquire(db, 'snatscope watch');
    expect(first).toBeInstanceOf(WriterLock);
    const second = WriterLock.tryAcquire(db, 'snatscope ingest');
    expect(second).toMatchObject({ pid: process.pid, command: 'snatscope watch' });
    expect((second as { since: number }).since).toBeGreaterThan(Date.now() - 60_000);
    (first as WriterLock).release();
    const third = WriterLock.tryAcquire(db, 'snatscope ingest');
    expect(third).toBeInstanceOf(WriterLock);
    (third as WriterLock).release();
  });

  it('a reader of the lock file and of the database is never blocked by the holder', () => {
    const db = join(tmp.dir, 'r.db');
    new Database(db).exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    const lock = WriterLock.tryAcquire(db, 'snatscope watch') as WriterLock;
    const r = new Database(db, { readonly: true, timeout: 0 });
    expect(r.prepare('SELECT x FROM t').pluck().get()).toBe(1);
    r.close();
    const side = new Database(WriterLock.pathFor(db), { readonly: true, timeout: 0 });
    expect(side.prepare('SELECT command FROM holder').pluck().get()).toBe('snatscope watch');
    side.close();
    lock.release();
  });

  it('waits with acquire() until the holder releases, telling once who it waits for', async () => {
    const db = join(tmp.dir, 'wait.db');
    const first = WriterLock.tryAcquire(db, 'snatscope ingest') as WriterLock;
    const told: string[] = [];
    const waiting = WriterLock.acquire(db, 'snatscope watch', { pollMs: 20, onWait: (h) => told.push(`${h.pid} ${h.command}`) });
    await new Promise((r) => setTimeout(r, 150));
    first.release();
    const got = await waiting;
    expect(got).toBeInstanceOf(WriterLock);
    expect(told).toEqual([`${process.pid} snatscope ingest`]);
    got!.release();
  });

  it('a holder killed with kill -9 leaves no stale lock', async () => {
    const lockJs = join(ROOT, 'dist', 'db', 'lock.js');
    expect(existsSync(lockJs), 'npm run build first').toBe(true);
    const db = join(tmp.dir, 'k.db');
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `const { WriterLock } = await import(${JSON.stringify(lockJs)}); WriterLock.tryAcquire(${JSON.stringify(db)}, 'snatscope watch'); console.log('held'); setInterval(() => {}, 1000);`,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
    expect(WriterLock.tryAcquire(db, 'snatscope ingest')).toMatchObject({ pid: child.pid, command: 'snatscope watch' });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const after = WriterLock.tryAcquire(db, 'snatscope ingest');
    expect(after).toBeInstanceOf(WriterLock);
    (after as WriterLock).release();
  });
});

describe('two writing commands on one database', () => {
  const holderOf = (db: string): number | null => {
    try {
      const d = new Database(WriterLock.pathFor(db), { readonly: true, fileMustExist: true, timeout: 100 });
      try {
        return (d.prepare('SELECT pid FROM holder').pluck().get() as number | undefined) ?? null;
      } finally {
        d.close();
      }
    } catch {
      return null;
    }
  };
  const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => mainLine(`${prefix}${i}`)).join('\n') + '\n';

  it('a second ingest exits 6 with one line naming the first; --wait makes it start when the first has finished', async () => {
    const db = join(tmp.dir, 'c.db');
    const file = join(tmp.dir, 'big.log');
    writeFileSync(file, lines('f', 3000));
    // The first writer reads stdin and holds the database until its stdin ends.
    const first = startCli(['ingest', '-', '--db', db, '-q', '--pod', 'web-0'], { stdin: 'pipe' });
    first.child.stdin!.write(lines('s', 500));
    await until(() => holderOf(db) === first.child.pid, 15_000, 'the first writer to hold the lock');

    const second = await cliAsync(['ingest', file, '--db', db, '-q']);
    expect(second.code).toBe(6);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^snatscope: database .*c\\.db is being written by pid ${first.child.pid} \\(snatscope ingest, since \\d\\d:\\d\\d:\\d\\d\\); nothing was written \\(try --wait to start when it has finished, or --db PATH of another database\\)$`)),
    ]);

    const waiting = startCli(['ingest', file, '--db', db, '-q', '--wait']);
    await until(() => waiting.out.stderr.includes('waiting for'), 15_000, 'the --wait notice');
    expect(waiting.out.stderr).toContain(`waiting for pid ${first.child.pid} (snatscope ingest`);
    first.child.stdin!.end(lines('t', 500));
    expect(await first.exited).toBe(0);
    expect(await waiting.exited).toBe(0);
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT count(*) FROM requests').pluck().get()).toBe(4000);
    d.close();
  }, 60_000);
});
