// Read-side queries of an ingest run over the rows it added: whether the database had rows before, where this run's
// rows start, and the proxies whose X-Forwarded-For no --trust believed (src/classify/trust-hint.ts words the hint).
import type Database from 'better-sqlite3';
import { CLASS_ID, classOfId, type AddressClass } from '../src/classes.js';

export function hasRequests(db: Database.Database): boolean {
  return db.prepare('SELECT EXISTS (SELECT 1 FROM requests)').pluck().get() === 1;
}

/** The highest request id stored (0 when none): rows added later have larger ids. */
export function lastRequestId(db: Database.Database): number {
  return db.prepare('SELECT coalesce(max(id), 0) FROM requests').pluck().get() as number;
}

/** Remote addresses of class node, pod or private whose requests after `afterId` carried X-Forwarded-For and got no client. */
export function untrustedProxies(db: Database.Database, afterId: number, limit = 50): { addr: string; cls: AddressClass; requests: number }[] {
  const rows = db
    .prepare(
      `SELECT remote_addr AS addr, class, count(*) AS n FROM requests
       WHERE id > ? AND xff IS NOT NULL AND client IS NULL AND class IN (${CLASS_ID.node}, ${CLASS_ID.pod}, ${CLASS_ID.private})
       GROUP BY remote_addr, class ORDER BY n DESC LIMIT ?`,
    )
    .all(afterId, limit) as { addr: string; class: number; n: number }[];
  return rows.map((r) => ({ addr: r.addr, cls: classOfId(r.class), requests: r.n }));
}
