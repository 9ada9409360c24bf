// The read side's one way to run SQL on either backend. A query is written once, as a function of the dialect:
// where SQLite and PostgreSQL differ (text order and NULL placement, the FROM clause of a time window), the
// difference is a dialect value inside that one text, not a second copy. Parameters are named (@name) for both;
// PostgreSQL gets them as $1.. (converted once per query). Statements are prepared once per connection.
import type Database from 'better-sqlite3';

export interface Dialect {
  readonly name: 'sqlite' | 'pg';
  /** An ascending sort key over text that may be NULL, ordered as SQLite does (NULL first, then by code point). */
  asc(expr: string): string;
  /** Appended to a text comparison so it compares code points on both. */
  readonly c: string;
  /** FROM clause of request rows `r` in the window [@from, @until) (SQLite: through the batches' id ranges). */
  readonly requestsInWindow: string;
}

export const SQLITE: Dialect = {
  name: 'sqlite',
  asc: (e) => e,
  c: '',
  requestsInWindow:
    'batches b JOIN requests r ON r.id BETWEEN b.first_id AND b.last_id AND b.max_time >= @from AND b.min_time < @until',
};

export const PG: Dialect = {
  name: 'pg',
  asc: (e) => `${e} COLLATE "C" NULLS FIRST`,
  c: ' COLLATE "C"',
  // A BRIN index on requests.time serves the WHERE r.time bounds every such query has.
  requestsInWindow: 'requests r',
};

export interface Query {
  readonly text: (d: Dialect) => string;
}

/** A query defined once for both backends. */
export function query(text: (d: Dialect) => string): Query {
  return { text };
}

export type Params = Record<string, unknown>;

/** What the read side needs from a connection. */
export interface Sql {
  readonly dialect: Dialect;
  all<T>(q: Query, params?: Params): T[];
  get<T>(q: Query, params?: Params): T | undefined;
  /** The first column of the first row. */
  value<T>(q: Query, params?: Params): T | undefined;
  /** Rows one by one (streamed: a window of millions of rows is never loaded at once). */
  iterate<T>(q: Query, params?: Params): IterableIterator<T>;
  run(q: Query, params?: Params): { changes: number };
  /** fn's statements in one transaction. */
  transaction<T>(fn: () => T): T;
  /** Returns disk space after a prune (VACUUM). */
  vacuum(): void;
}

/** SQLite: better-sqlite3 statements, prepared on first use per connection. */
export class SqliteSql implements Sql {
  readonly dialect = SQLITE;
  private readonly prepared = new Map<Query, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  private st(q: Query): Database.Statement {
    let s = this.prepared.get(q);
    if (s === undefined) this.prepared.set(q, (s = this.db.prepare(q.text(SQLITE))));
    return s;
  }

  all<T>(q: Query, params: Params = {}): T[] {
    return this.st(q).all(params) as T[];
  }

  get<T>(q: Query, params: Params = {}): T | undefined {
    return this.st(q).get(params) as T | undefined;
  }

  value<T>(q: Query, params: Params = {}): T | undefined {
    const row = this.st(q).raw(true).get(params) as unknown[] | undefined;
    this.st(q).raw(false);
    return row === undefined ? undefined : (row[0] as T);
  }

  iterate<T>(q: Query, params: Params = {}): IterableIterator<T> {
    return this.st(q).iterate(params) as IterableIterator<T>;
  }

  run(q: Query, params: Params = {}): { changes: number } {
    return { changes: this.st(q).run(params).changes };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  vacuum(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
  }
}

const sqliteOf = new WeakMap<Database.Database, SqliteSql>();

/** The Sql of a better-sqlite3 connection (one per connection, so its statements are prepared once). */
export function sqliteSql(db: Database.Database): SqliteSql {
  let s = sqliteOf.get(db);
  if (s === undefined) sqliteOf.set(db, (s = new SqliteSql(db)));
  return s;
}

/** Something that reads: a Sql, a store (either backend) or a raw better-sqlite3 connection. */
export type Readable = Sql | { readonly sql: Sql } | Database.Database;

export function asSql(r: Readable): Sql {
  if ('dialect' in r) return r;
  if ('sql' in r && (r as { sql?: unknown }).sql) return (r as { sql: Sql }).sql;
  return sqliteSql(r as Database.Database);
}

/** `text` with @name parameters as PostgreSQL's $n, and the names in order. */
export function positional(text: string): { text: string; names: string[] } {
  const names: string[] = [];
  const out = text.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    let i = names.indexOf(name);
    if (i === -1) i = names.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text: out, names };
}

/** A statement over either backend, shaped like better-sqlite3's (named @params, or positional ? args). */
export interface Stmt {
  all(...args: unknown[]): unknown[];
  get(...args: unknown[]): unknown;
  iterate(...args: unknown[]): IterableIterator<unknown>;
  run(...args: unknown[]): { changes: number };
  /** The first column only (get() returns it instead of the row). */
  pluck(): Stmt;
}

function stmt(sql: Sql, text: string, pluck = false): Stmt {
  let n = 0;
  const named = text.replace(/\?/g, () => `@p${++n}`);
  const q = query(() => named);
  const params = (args: unknown[]): Params => {
    if (n === 0) return (args[0] as Params | undefined) ?? {};
    const p: Params = {};
    args.forEach((a, i) => (p[`p${i + 1}`] = a));
    return p;
  };
  const first = (row: unknown) => (row === undefined || row === null ? undefined : Object.values(row as object)[0]);
  return {
    all: (...a) => (pluck ? sql.all(q, params(a)).map(first) : sql.all(q, params(a))),
    get: (...a) => (pluck ? sql.value(q, params(a)) : sql.get(q, params(a))),
    iterate: (...a) => sql.iterate(q, params(a)),
    run: (...a) => sql.run(q, params(a)),
    pluck: () => stmt(sql, text, true),
  };
}

/**
 * Statements built once per connection (either backend) from texts that may use the connection's dialect:
 * `perSql((db, d) => ({ x: db.prepare(`... ${d.requestsInWindow} ...`) }))`.
 */
export function perSql<T>(build: (db: { prepare(text: string): Stmt }, d: Dialect) => T): (r: Readable) => T {
  const cache = new WeakMap<Sql, T>();
  return (r) => {
    const sql = asSql(r);
    let s = cache.get(sql);
    if (s === undefined) cache.set(sql, (s = build({ prepare: (text) => stmt(sql, text) }, sql.dialect)));
    return s;
  };
}
