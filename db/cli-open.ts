// The store at the path or URL a user gave (--db, $SNATSCOPE_DB, ./snatscope.db): what can be wrong with a path
// (a database that should exist and does not, a read-only directory) as one line the user can act on. A PostgreSQL
// URL opens the PostgreSQL store (db/connect.ts); its problems are said by it, never with the password.
import { existsSync } from 'node:fs';
import { UserError } from '../src/errors.js';
import { openStoreAt } from './connect.js';
import type { StoreWriter } from './interface.js';
import { isPostgresUrl } from './location.js';

export function defaultDbPath(): string {
  return process.env.SNATSCOPE_DB || './snatscope.db';
}

export function openStore(path: string | undefined, opts: { readonly?: boolean; mustExist?: boolean; role?: string } = {}): StoreWriter {
  const p = path ?? defaultDbPath();
  // PostgreSQL: a reader checks that the schema is there; `role` names the writer to other writers.
  if (isPostgresUrl(p)) return openStoreAt(p, { readonly: opts.readonly, role: opts.role });
  if (opts.mustExist && !existsSync(p)) {
    throw new UserError(`database ${p} does not exist`, `snatscope ingest FILE --db ${p} first, or --db PATH of an existing database`);
  }
  try {
    return openStoreAt(p, { readonly: opts.readonly });
  } catch (err) {
    // A WAL database read on a read-only file system: SQLite cannot create its -shm file next to it.
    if (opts.readonly && (err as { code?: unknown }).code === 'SQLITE_CANTOPEN') {
      throw new UserError(`cannot read database ${p}: its directory is read-only and SQLite needs to create ${p}-shm there`, 'copying it to a writable directory, then --db PATH of the copy');
    }
    throw err;
  }
}
