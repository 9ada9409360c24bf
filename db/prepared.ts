// Prepared statements are compiled once per connection: `perConnection(build)` gives a getter that builds a
// connection's statements on first use and keeps them for as long as the connection lives.
import type Database from 'better-sqlite3';

export function perConnection<T>(build: (db: Database.Database) => T): (db: Database.Database) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (db) => {
    let s = cache.get(db);
    if (s === undefined) cache.set(db, (s = build(db)));
    return s;
  };
}
