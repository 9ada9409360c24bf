// Read-side queries of an ingest run over the rows it added, on either backend (db/sql.ts): whether the database had
// rows before, where this run's rows start, and the proxies whose X-Forwarded-For no --trust believed
// (src/classify/trust-hint.ts words the hint).
import { CLASS_ID, classOfId, type AddressClass } from '../src/classes.js';
import { asSql, query, type Readable } from './sql.js';

const HAS_REQUESTS = query(() => 'SELECT CASE WHEN EXISTS (SELECT 1 FROM requests) THEN 1 ELSE 0 END');
const LAST_ID = query(() => 'SELECT coalesce(max(id), 0) FROM requests');
const UNTRUSTED = query(
  () =>
    `SELECT remote_addr AS addr, class, count(*) AS n FROM requests
     WHERE id > @afterId AND xff IS NOT NULL AND client IS NULL AND class IN (${CLASS_ID.node}, ${CLASS_ID.pod}, ${CLASS_ID.private})
     GROUP BY remote_addr, class ORDER BY n DESC LIMIT @limit`,
);

export function hasRequests(db: Readable): boolean {
  return asSql(db).value<number>(HAS_REQUESTS) === 1;
}

/** The highest request id stored (0 when none): rows added later have larger ids. */
export function lastRequestId(db: Readable): number {
  return asSql(db).value<number>(LAST_ID) ?? 0;
}

/** Remote addresses of class node, pod or private whose requests after `afterId` carried X-Forwarded-For and got no client. */
export function untrustedProxies(db: Readable, afterId: number, limit = 50): { addr: string; cls: AddressClass; requests: number }[] {
  const rows = asSql(db).all<{ addr: string; class: number; n: number }>(UNTRUSTED, { afterId, limit });
  return rows.map((r) => ({ addr: r.addr, cls: classOfId(r.class), requests: r.n }));
}
