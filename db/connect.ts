// A store by location: a SQLite file path or a PostgreSQL URL (db/location.ts), behind the one interface.
import type { StoreOptions, StoreWriter } from './interface.js';
import { parseLocation } from './location.js';
import { PgStore, type PgStoreOptions } from './pg/store.js';
import { Store } from './store.js';

export interface OpenOptions extends StoreOptions {
  /** PostgreSQL: what to do with "connection lost"/"reconnected" (default: a line on stderr). */
  onNotice?: PgStoreOptions['onNotice'];
  /** PostgreSQL: names the writer in pg_stat_activity ("snatscope watch pid N on HOST"). */
  role?: string;
  /** PostgreSQL: give up reconnecting after this long (ms). */
  reconnectMs?: number;
}

export function openStoreAt(location: string, opts: OpenOptions = {}): StoreWriter {
  const loc = parseLocation(location);
  if (loc.kind === 'sqlite') return Store.open(loc.path, opts);
  return PgStore.open(loc.connection, { ...opts, display: loc.display });
}
