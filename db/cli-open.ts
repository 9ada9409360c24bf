// The store at the path a user gave (--db, $SNATSCOPE_DB, ./snatscope.db): what can be wrong with that path (a
// database that should exist and does not, a read-only directory, another writer) as one line the user can act on.
import { existsSync } from 'node:fs';
import { UserError } from '../src/errors.js';
import { describeHolder, writerBusy } from './errors.js';
import { Store } from './store.js';
import { openStoreAt } from './connect.js';
import type { StoreWriter } from './interface.js';
import { isPostgresUrl } from './location.js';
import { WriterLock, type LockHolder } from './lock.js';

export function defaultDbPath(): string {
  return process.env.SNATSCOPE_DB || './snatscope.db';
}

export function openStore(path: string | undefined, opts: { readonly?: boolean; mustExist?: boolean; role?: string } = {}): StoreWriter {
  const p = path ?? defaultDbPath();
  // PostgreSQL (db/connect.ts): a reader checks the schema is there; problems are said without the password.
  if (isPostgresUrl(p)) return openStoreAt(p, { readonly: opts.readonly, role: opts.role });
  if (opts.mustExist && !existsSync(p)) {
    throw new UserError(`database ${p} does not exist`, `snatscope ingest FILE --db ${p} first, or --db PATH of an existing database`);
  }
  try {
    return Store.open(p, { readonly: opts.readonly });
  } catch (err) {
    // A WAL database read on a read-only file system: SQLite cannot create its -shm file next to it.
    if (opts.readonly && (err as { code?: unknown }).code === 'SQLITE_CANTOPEN') {
      throw new UserError(`cannot read database ${p}: its directory is read-only and SQLite needs to create ${p}-shm there`, 'copying it to a writable directory, then --db PATH of the copy');
    }
    throw err;
  }
}

export interface WriterOpen {
  /** Wait for another writer instead of failing (--wait). */
  wait?: boolean;
  mustExist?: boolean;
  signal?: AbortSignal;
  /** Told once when waiting. */
  say?(message: string): void;
}

/**
 * Opens the database for writing by `command` (watch, agent, ingest, prune), holding its writer lock (db/lock.ts) until the
 * store is closed: a second writer gets one line naming the holder (exit 6), or waits with --wait. Readers never
 * lock. Null when the signal aborted the wait.
 */
export async function openWriter(path: string | undefined, command: string, o: WriterOpen = {}): Promise<StoreWriter | null> {
  const p = path ?? defaultDbPath();
  // PostgreSQL: many writers share one database; each source is owned by one of them (an advisory lock per source).
  if (isPostgresUrl(p)) return openStoreAt(p, { role: command });
  if (o.mustExist && !existsSync(p)) openStore(p, { mustExist: true });
  const name = `snatscope ${command}`;
  let lock: WriterLock | LockHolder;
  try {
    lock = WriterLock.tryAcquire(p, name);
  } catch (err) {
    // The lock file cannot be made next to the database (missing or read-only directory): opening says why.
    openStore(p).close();
    throw err;
  }
  if (!(lock instanceof WriterLock)) {
    if (!o.wait) throw writerBusy(p, lock);
    o.say?.(`waiting for ${describeHolder(lock)} to finish writing ${p} (--wait)`);
    const got = await WriterLock.acquire(p, name, { signal: o.signal });
    if (!got) return null;
    lock = got;
  }
  try {
    return Store.open(p, { lock });
  } catch (err) {
    lock.release();
    throw err;
  }
}
