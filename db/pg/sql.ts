// The read side of the PostgreSQL store: the queries of db/queries.ts and db/audit.ts in the PostgreSQL dialect
// (@name parameters as $n), run by the store's worker through the synchronous bridge; iterate() pages through a
// server-side cursor 5000 rows at a time.
import { positional, PG, type Params, type Query, type Sql } from '../sql.js';
import type { Bridge } from './bridge.js';

/** The read side over the bridge: the same queries as SQLite, in the PostgreSQL dialect. */
export class PgSql implements Sql {
  readonly dialect = PG;
  private readonly texts = new Map<Query, { text: string; names: string[] }>();
  /** Inside transaction(): statements run once (not retried on a new connection, which would be outside it). */
  private inTransaction = false;
  constructor(private readonly bridge: Bridge, private readonly beforeRead: () => void) {}

  private prep(q: Query, params: Params): { text: string; values: unknown[]; once: boolean } {
    let t = this.texts.get(q);
    if (t === undefined) this.texts.set(q, (t = positional(q.text(PG))));
    this.beforeRead();
    return { text: t.text, values: t.names.map((n) => params[n] ?? null), once: this.inTransaction };
  }

  all<T>(q: Query, params: Params = {}): T[] {
    return this.bridge.call<T[]>({ op: 'query', ...this.prep(q, params), mode: 'all' });
  }

  get<T>(q: Query, params: Params = {}): T | undefined {
    return this.bridge.call<T | null>({ op: 'query', ...this.prep(q, params), mode: 'get' }) ?? undefined;
  }

  value<T>(q: Query, params: Params = {}): T | undefined {
    const row = this.get<Record<string, unknown>>(q, params);
    return row === undefined ? undefined : (Object.values(row)[0] as T);
  }

  *iterate<T>(q: Query, params: Params = {}): IterableIterator<T> {
    const cursor = this.bridge.call<number>({ op: 'cursor', ...this.prep(q, params) });
    try {
      for (;;) {
        const rows = this.bridge.call<T[]>({ op: 'next', cursor, rows: 5000 });
        yield* rows;
        if (rows.length < 5000) return;
      }
    } finally {
      this.bridge.call({ op: 'closeCursor', cursor });
    }
  }

  run(q: Query, params: Params = {}): { changes: number } {
    return this.bridge.call<{ changes: number }>({ op: 'query', ...this.prep(q, params), mode: 'run' });
  }

  transaction<T>(fn: () => T): T {
    this.bridge.call({ op: 'query', text: 'BEGIN', values: [], mode: 'run' });
    this.inTransaction = true;
    try {
      const r = fn();
      this.bridge.call({ op: 'query', text: 'COMMIT', values: [], mode: 'run', once: true });
      return r;
    } catch (err) {
      try {
        this.bridge.call({ op: 'query', text: 'ROLLBACK', values: [], mode: 'run', once: true });
      } catch {
        // the connection (and with it the transaction) is gone
      }
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  vacuum(): void {
    this.bridge.call({ op: 'query', text: 'VACUUM (ANALYZE) requests', values: [], mode: 'run' });
  }
}
