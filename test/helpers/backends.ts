// The two store backends as one test table: each gives a fresh database location (a SQLite file in a temp dir, or
// a new database on a PostgreSQL the file starts itself) and reads it back with the backend's own client
// (better-sqlite3, psql), not through snatscope. PostgreSQL missing: its tests skip saying why; under CI=true the
// file fails instead (prereqGate).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './cli.js';
import { pgMissing, startPg, type PgServer } from './pg.js';
import { prereqGate } from './prereq.js';

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: boolean;
  /** A new empty database: a file path or a PostgreSQL URL. */
  fresh(name: string): string;
  /** Rows of a query as text lines (columns joined by |), read with the backend's own client. */
  rows(location: string, sql: string): string[];
  /** The first column of the first row, as a number. */
  num(location: string, sql: string): number;
  /** The PostgreSQL server (postgres only). */
  readonly server: PgServer | null;
}

/** Registers the hooks and returns [sqlite, postgres]; call at the top level of a test file. */
export function backends(): Backend[] {
  const tmp = tempDir('snatscope-be-');
  const gate = prereqGate('the PostgreSQL store', pgMissing());
  let server: PgServer | null = null;
  beforeAll(async () => {
    if (!gate.skip) server = await startPg();
  }, 120_000);
  afterAll(() => {
    server?.destroy();
    tmp.cleanup();
  });
  const sqlite: Backend = {
    name: 'sqlite',
    skip: false,
    server: null,
    fresh: (name) => join(tmp.dir, `${name}.db`),
    rows(location, sql) {
      const db = new Database(location, { readonly: true });
      try {
        return (db.prepare(sql).raw(true).all() as unknown[][]).map((r) => r.map((v) => (v === null ? '' : String(v))).join('|'));
      } finally {
        db.close();
      }
    },
    num(location, sql) {
      return Number(sqlite.rows(location, sql)[0]?.split('|')[0] ?? NaN);
    },
  };
  const dbName = (location: string) => new URL(location).pathname.slice(1);
  const postgres: Backend = {
    name: 'postgres',
    skip: gate.skip,
    get server() {
      return server;
    },
    fresh(name) {
      if (!server) throw new Error('PostgreSQL not started');
      return server.createDb(name.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
    },
    rows(location, sql) {
      const out = server!.psql(dbName(location), sql);
      return out === '' ? [] : out.replace(/\n$/, '').split('\n');
    },
    num(location, sql) {
      return Number(postgres.rows(location, sql)[0]?.split('|')[0] ?? NaN);
    },
  };
  return [sqlite, postgres];
}
