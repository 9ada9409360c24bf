// One writer per database: the lock on `<db>-lock` names its holder (pid and command), is released on release() and
// by the operating system when the holder is killed (kill -9 leaves no stale lock), and never stops a reader.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriterLock } from '../db/lock.js';
import { ROOT, tempDir } from './helpers/cli.js';

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
