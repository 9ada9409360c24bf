// One writer per database: every writing command (watch, agent, ingest, prune) holds `<db>-lock` while it runs. The lock
// is SQLite's own file lock on that small side file: a connection that holds `BEGIN IMMEDIATE` (a RESERVED lock,
// never committed) excludes every other writer, lets anyone read, and is released by the operating system when the
// process dies (kill -9 leaves no stale lock). The holder's pid, command and start time are committed in the file
// just before it is locked, so a second writer can say who holds it. Readers (report, audit) never touch it.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';

/** Who holds a database's writer lock. */
export interface LockHolder {
  pid: number;
  command: string;
  /** ms since epoch. */
  since: number;
}

export class WriterLock {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /** The side file that carries the lock of the database at dbPath. */
  static pathFor(dbPath: string): string {
    return `${dbPath}-lock`;
  }

  /** Takes the lock now, or returns who holds it. */
  static tryAcquire(dbPath: string, command: string): WriterLock | LockHolder {
    const path = WriterLock.pathFor(dbPath);
    const db = new Database(path, { timeout: 300 });
    const token = randomBytes(8).toString('hex');
    try {
      for (let attempt = 0; ; attempt++) {
        const r = tryOnce(db, token, command);
        if (r === 'held') return new WriterLock(db, path);
        // The holder row is our own when another writer took the lock between our two steps: ask again.
        if (r.token !== token || attempt >= 20) {
          db.close();
          return { pid: r.pid, command: r.command, since: r.since };
        }
      }
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Waits until the lock is free (polling); `onWait` is told once who holds it. Null when the signal aborts. */
  static async acquire(dbPath: string, command: string, opts: { signal?: AbortSignal; onWait?(h: LockHolder): void; pollMs?: number } = {}): Promise<WriterLock | null> {
    let told = false;
    for (;;) {
      const r = WriterLock.tryAcquire(dbPath, command);
      if (r instanceof WriterLock) return r;
      if (!told) opts.onWait?.(r);
      told = true;
      if (opts.signal?.aborted) return null;
      const stop = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), opts.pollMs ?? 250);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve(true);
        }, { once: true });
      });
      if (stop) return null;
    }
  }

  release(): void {
    if (!this.db.open) return;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.db.close();
    }
  }
}

interface HolderRow extends LockHolder {
  token: string;
}

function isBusy(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

/** 'held' when this connection now holds the lock, else the holder row as committed. */
function tryOnce(db: Database.Database, token: string, command: string): 'held' | HolderRow {
  const holder = (): HolderRow =>
    (db.prepare('SELECT pid, command, since, token FROM holder WHERE id = 1').get() as HolderRow | undefined) ??
    { pid: 0, command: 'another process', since: 0, token: '' };
  try {
    db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, command TEXT NOT NULL, since INTEGER NOT NULL, token TEXT NOT NULL)');
    // Step 1: say who we are (committed, readable by the next writer).
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT OR REPLACE INTO holder (id, pid, command, since, token) VALUES (1, ?, ?, ?, ?)').run(process.pid, command, Date.now(), token);
    db.exec('COMMIT');
    // Step 2: take the lock and keep it (never committed; released by ROLLBACK, close or the process's end).
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    if (!isBusy(err)) throw err;
    if (db.inTransaction) db.exec('ROLLBACK');
    return readHolder(holder);
  }
  const h = readHolder(holder);
  if (h.token === token) return 'held';
  db.exec('ROLLBACK');
  return h;
}

function readHolder(read: () => HolderRow): HolderRow {
  try {
    return read();
  } catch (err) {
    if (!isBusy(err) && !/no such table/.test(String((err as Error).message))) throw err;
    return { pid: 0, command: 'another process', since: 0, token: '' };
  }
}
