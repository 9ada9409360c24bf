// Opening a snatscope SQLite file: path checks (each problem a UserError naming the path), pragmas, and the
// migrations of db/schema.ts applied in order, each in its own transaction. `StoreConnection` is the base of the
// store's write layers (db/intern.ts <- db/rollups.ts <- db/writer.ts <- db/store.ts): the connection, whether it is
// read-only or closed, and the open transaction.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../src/errors.js';
import type { StoreOptions } from './interface.js';
import { ensureRequestsView } from './row-columns.js';
import { MIGRATIONS, READ_COMPATIBLE, SCHEMA_VERSION } from './schema.js';

/**
 * Open (and create or migrate) a database file and build the store on it (`build` runs inside the same error
 * handling: the file is closed when it throws). Problems the user can fix are UserErrors naming the path.
 */
export function openDatabase<T>(file: string, opts: StoreOptions, build: (db: Database.Database) => T): T {
  const readonly = opts.readonly === true;
  checkPath(file, readonly);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw new UserError(`cannot open database ${file}: ${(err as Error).message}`, 'a writable path to a new or snatscope database file');
  }
  try {
    if (readonly) {
      db.pragma('cache_size = -16384');
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -32768');
      db.pragma('temp_store = MEMORY');
      // Checkpoints run from flush() between transactions (see CHECKPOINT_ROWS in db/writer.ts), not inside a commit.
      db.pragma('wal_autocheckpoint = 0');
    }
    migrate(db, file, readonly);
    if (!readonly) ensureRequestsView(db);
    return build(db);
  } catch (err) {
    db.close();
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new UserError(`${file} is not a SQLite database`, 'a path to a new file or to a database snatscope wrote');
    }
    if (code === 'SQLITE_BUSY') {
      throw new UserError(`database ${file} is locked by another process`, 'again when the other snatscope has finished');
    }
    throw err;
  }
}

/** The connection of a store and its transaction state; write statements are prepared by the layers above. */
export class StoreConnection {
  readonly db: Database.Database;
  readonly path: string;
  readonly readonly: boolean;
  protected closed = false;
  private readonly begin: Database.Statement | null;
  private lock: { release(): void } | null;

  protected constructor(db: Database.Database, file: string, opts: StoreOptions) {
    this.lock = opts.lock ?? null;
    this.db = db;
    this.path = file;
    this.readonly = opts.readonly === true;
    this.begin = this.readonly ? null : db.prepare('BEGIN');
  }

  /** Closes the connection and lets the next writer in (the writer lock, if this store holds one). */
  protected closeConnection(): void {
    try {
      this.db.close();
    } finally {
      this.lock?.release();
      this.lock = null;
    }
  }

  protected writable(): void {
    if (this.readonly) throw new Error(`store ${this.path} is open read-only`);
    if (this.closed) throw new Error(`store ${this.path} is closed`);
  }

  protected beginIfNeeded(): void {
    if (!this.db.inTransaction) {
      this.writable();
      this.begin!.run();
    }
  }
}

function checkPath(file: string, readonly: boolean): void {
  const hint = 'a path to a new file or to a database snatscope wrote';
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UserError(`cannot open database ${file}: a parent of it is not a directory`, hint);
    if (code !== 'ENOENT') throw new UserError(`cannot open database ${file}: ${(err as Error).message}`, hint);
  }
  if (st?.isDirectory()) {
    throw new UserError(`database path ${file} is a directory`, `a file path such as ${path.join(file, 'snatscope.db')}`);
  }
  if (st === undefined) {
    if (readonly) throw new UserError(`database ${file} does not exist`, 'the path of a database snatscope wrote');
    const dir = path.dirname(path.resolve(file));
    let dst: fs.Stats | undefined;
    try {
      dst = fs.statSync(dir);
    } catch {
      dst = undefined;
    }
    if (dst === undefined) throw new UserError(`cannot create database ${file}: directory ${dir} does not exist`, `mkdir -p ${dir}`);
    if (!dst.isDirectory()) throw new UserError(`cannot create database ${file}: ${dir} is not a directory`, hint);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new UserError(`cannot create database ${file}: directory ${dir} is not writable`, 'a path in a writable directory');
    }
  } else if (!readonly) {
    if (!st.isFile()) throw new UserError(`database path ${file} is not a regular file`, hint);
    try {
      fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    } catch {
      throw new UserError(`database ${file} is not writable`, 'opening it read-only, or a writable copy');
    }
  }
}

function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const check = (v: number): void => {
    if (v > SCHEMA_VERSION) {
      throw new UserError(
        `database ${file} was written by a newer snatscope (schema ${v}, this one knows ${SCHEMA_VERSION})`,
        'a newer snatscope, or a new database path',
      );
    }
    if (v === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
      if (tables > 0) throw new UserError(`${file} is a SQLite database that snatscope did not write`, 'a path to a new file');
    }
  };
  let v = version();
  check(v);
  if (v === SCHEMA_VERSION) return;
  if (readonly && v >= READ_COMPATIBLE.from) {
    db.exec(READ_COMPATIBLE.shim(v));
    return;
  }
  if (readonly) {
    throw new UserError(
      v === 0 ? `database ${file} is empty` : `database ${file} needs an upgrade (schema ${v} -> ${SCHEMA_VERSION}) that a read-only open cannot do`,
      v === 0 ? 'the path of a database snatscope wrote' : 'opening it once without read-only',
    );
  }
  while (v < SCHEMA_VERSION) {
    db.exec('BEGIN IMMEDIATE');
    try {
      v = version(); // another process may have migrated meanwhile
      check(v);
      if (v < SCHEMA_VERSION) {
        db.exec(MIGRATIONS[v]);
        db.pragma(`user_version = ${v + 1}`);
        if (v === 0) db.prepare("INSERT INTO meta (key, value) VALUES ('created', ?)").run(new Date().toISOString());
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    v = version();
  }
}
