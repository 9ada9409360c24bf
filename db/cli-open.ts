// The store at the path a user gave (--db, $SNATSCOPE_DB, ./snatscope.db): what can be wrong with that path (a
// database that should exist and does not, a read-only directory) as one line the user can act on.
import { existsSync } from 'node:fs';
import { UserError } from '../src/errors.js';
import { Store } from './index.js';

export function defaultDbPath(): string {
  return process.env.SNATSCOPE_DB || './snatscope.db';
}

export function openStore(path: string | undefined, opts: { readonly?: boolean; mustExist?: boolean } = {}): Store {
  const p = path ?? defaultDbPath();
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
