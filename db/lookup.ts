// Read one source's committed position without creating it (Store.source() creates what it does not find): the
// agent asks whether a pod folder it no longer watches still has lines it had not finished.
import type Database from 'better-sqlite3';

const statements = new WeakMap<Database.Database, Database.Statement>();

/** The committed cursor of the source with this key: undefined when there is no such source, null when it has none. */
export function committedCursor(db: Database.Database, key: string): string | null | undefined {
  let st = statements.get(db);
  if (!st) statements.set(db, (st = db.prepare('SELECT cursor FROM sources WHERE key = ?')));
  const row = st.get(key) as { cursor: string | null } | undefined;
  return row === undefined ? undefined : row.cursor;
}
