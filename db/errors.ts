// A write to the database that failed (locked, disk full, read-only, I/O error) as one line the user can act on.
// The open batch is never committed after such a failure: the caller closes the connection, which rolls it back,
// so the rows and the source position of the failed batch are both absent and a re-run stores them once.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { UserError } from '../src/errors.js';
import { PgStoreError } from './pg/bridge.js';

/** source(): another writer owns this source now (PostgreSQL: it holds the source's advisory lock). */
export class SourceBusyError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 1);
    this.name = 'SourceBusyError';
  }
}

/** An error raised by SQLite (better-sqlite3's SqliteError carries a SQLITE_* code) or by PostgreSQL. */
export function isStoreFailure(err: unknown): boolean {
  if (err instanceof PgStoreError) return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** Processes (other than this one) that have the database or its WAL open, as "pid 123 (node)"; Linux only. */
export function dbHolders(dbPath: string): string[] {
  let real: string;
  try {
    real = realpathSync(dbPath);
  } catch {
    return [];
  }
  const names = new Set([real, `${real}-wal`, `${real}-shm`]);
  const found: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (names.has(target)) {
        let comm = '?';
        try {
          comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); // the name only: arguments may hold secrets
        } catch {
          /* gone */
        }
        found.push(`pid ${pid} (${comm})`);
        break;
      }
    }
    if (found.length >= 5) break;
  }
  return found;
}

/** The UserError for a failed write to `dbPath` (exit 1: the input was fine, the run did not finish). */
export function storeFailure(err: unknown, dbPath: string): UserError {
  const code = String((err as { code?: unknown }).code);
  const again = 'lines already stored are skipped on the next run';
  if (err instanceof PgStoreError) return pgFailure(err, dbPath, again);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_')) {
    const holders = dbHolders(dbPath);
    const who = holders.length ? `held by ${holders.join(', ')}` : 'held by another process';
    return new UserError(`database ${dbPath} is locked (${who}); the last batch was not stored`, `again when that process has finished; ${again}`, 1);
  }
  if (code === 'SQLITE_FULL' || (code === 'SQLITE_IOERR_WRITE' && /full|space/i.test(String((err as Error).message)))) {
    return new UserError(`the disk holding database ${dbPath} is full; the last batch was not stored`, `freeing space and running again; ${again}`, 1);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new UserError(`database ${dbPath} is read-only (file system or permissions); nothing more was stored`, '--db PATH on a writable file system', 1);
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CORRUPT' || code === 'SQLITE_CANTOPEN') {
    return new UserError(`writing database ${dbPath} failed (${code}); the last batch was not stored`, `checking the disk (dmesg), then running again; ${again}`, 1);
  }
  return new UserError(`writing database ${dbPath} failed: ${(err as Error).message} (${code})`, `running again; ${again}`, 1);
}

/** PostgreSQL's SQLSTATE classes (and a connection that could not be brought back) as one line; no password in it. */
function pgFailure(err: PgStoreError, db: string, again: string): UserError {
  const what = `PostgreSQL ${db}`;
  if (err.kind === 'busy') return new UserError(`${what}: ${err.message}; the last batch was not stored`, err.hint ?? again, 1);
  if (err.kind === 'connection') {
    return new UserError(`${what}: connection lost and not back in time (${err.message}); the batches not yet committed were not stored`, `running again when the server is up; ${again}`, 1);
  }
  if (err.code === '53100') return new UserError(`${what}: the server's disk is full; the last batch was not stored`, `freeing space on the server, then running again; ${again}`, 1);
  if (err.code === '25006' || err.code === '42501') return new UserError(`${what}: not allowed to write (${err.message}); nothing more was stored`, 'a user with INSERT/UPDATE on the snatscope tables, or a primary (not a standby)', 1);
  return new UserError(`${what}: writing failed: ${err.message} (${err.code}); the last batch was not stored`, `running again; ${again}`, 1);
}

/** Exit code of a writing command whose database another snatscope is writing (README: exit codes). */
export const EXIT_DB_BUSY = 6;

/** Who holds the writer lock, in words: "pid 123 (snatscope watch, since 21:04:05)". */
export function describeHolder(h: { pid: number; command: string; since: number }): string {
  if (h.pid === 0) return 'another process';
  const since = h.since > 0 ? `, since ${new Date(h.since).toTimeString().slice(0, 8)}` : '';
  return `pid ${h.pid} (${h.command}${since})`;
}

/** A second writer: one line naming the holder, exit 6; nothing was written. */
export function writerBusy(dbPath: string, h: { pid: number; command: string; since: number }): UserError {
  return new UserError(
    `database ${dbPath} is being written by ${describeHolder(h)}; nothing was written`,
    `--wait to start when it has finished, or --db PATH of another database`,
    EXIT_DB_BUSY,
  );
}
