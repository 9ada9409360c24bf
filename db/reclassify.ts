// The write half of `snatscope reclassify` (Store.reclassify): recomputes class, owner and recovered client of stored
// request rows from their stored remote address, X-Forwarded-For and user agent, and moves their counts between the
// rollup cells (rollups: requests, recovered, known, bytes; snat_rollups: node-class rows) by the same deltas, in
// one transaction per chunk of rows. Every committed chunk leaves rows and rollups agreeing, so an interrupted run
// (kill -9) leaves a consistent database, and running it again finishes the job (a row whose result is unchanged is
// not touched). Minutes whose rows prune deleted keep their stored classes: there is nothing to recompute them from.

import type Database from 'better-sqlite3';
import { CLASS_ID, FALLBACK_ID, NODE_ID, classOfId, type AddressClass } from '../src/classes.js';

const EXTERNAL_ID = CLASS_ID.external;

/** What the classifier says about one stored request. */
export interface Reclassified {
  cls: AddressClass;
  owner: string | null;
  client: string | null;
  clientCls: AddressClass | null;
}

export type ReclassifyFn = (remoteAddr: string, xff: string | null, userAgent: string | null) => Reclassified;

export interface ReclassifyOptions {
  /** Rows from this time (ms, inclusive). */
  from?: number;
  /** Rows before this time (ms, exclusive). */
  until?: number;
  /** Rows per transaction (default 20,000). */
  chunk?: number;
  /** After each committed chunk: rows read so far, rows changed so far, rows in the selection. */
  progress?: (read: number, changed: number, total: number) => void;
}

export interface ReclassifyResult {
  rows: number;
  changed: number;
  /** Requests per class before and after, over the rows read. */
  before: Record<string, number>;
  after: Record<string, number>;
}

interface StoredRow {
  id: number;
  time: number;
  pod: number;
  cls: number;
  remote_addr: string;
  owner: number | null;
  client: string | null;
  client_class: number | null;
  xff: string | null;
  ua: string | null;
  bytes: number;
}

const MIN_T = -8.64e15;
const MAX_T = 8.64e15;

export function reclassifyRequests(db: Database.Database, fn: ReclassifyFn, opts: ReclassifyOptions = {}): ReclassifyResult {
  const from = opts.from ?? MIN_T;
  const until = opts.until ?? MAX_T;
  const chunk = Math.max(1, opts.chunk ?? 20_000);
  const total = db.prepare('SELECT count(*) FROM requests WHERE time >= ? AND time < ?').pluck().get(from, until) as number;
  const read = db.prepare(
    `SELECT r.id, r.time, r.pod, r.class AS cls, r.remote_addr, r.owner, r.client, r.client_class, r.xff, u.s AS ua, r.bytes
     FROM requests r LEFT JOIN strings u ON u.id = r.user_agent
     WHERE r.id > ? AND r.time >= ? AND r.time < ? ORDER BY r.id LIMIT ?`,
  );
  const update = db.prepare('UPDATE requests SET class = ?, owner = ?, client = ?, client_class = ? WHERE id = ?');
  const intern = db.prepare('INSERT INTO strings (s) VALUES (?) ON CONFLICT (s) DO UPDATE SET s = s RETURNING id').pluck();
  const rollup = db.prepare(
    'INSERT INTO rollups (minute, pod, class, requests, recovered, known, bytes) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (minute, pod, class) DO UPDATE SET requests = requests + excluded.requests, ' +
      'recovered = recovered + excluded.recovered, known = known + excluded.known, bytes = bytes + excluded.bytes',
  );
  const snat = db.prepare(
    'INSERT INTO snat_rollups (minute, pod, owner, addr, requests) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (minute, pod, owner, addr) DO UPDATE SET requests = requests + excluded.requests',
  );
  const dropEmpty = db.prepare('DELETE FROM rollups WHERE requests = 0');
  const dropEmptySnat = db.prepare('DELETE FROM snat_rollups WHERE requests = 0');
  const owners = new Map<string, number>();
  const ownerId = (s: string | null): number | null => {
    if (s === null) return null;
    let id = owners.get(s);
    if (id === undefined) owners.set(s, (id = intern.get(s) as number));
    return id;
  };
  const result: ReclassifyResult = { rows: 0, changed: 0, before: {}, after: {} };
  const count = (into: Record<string, number>, id: number) => {
    const c = classOfId(id);
    into[c] = (into[c] ?? 0) + 1;
  };
  let last = -1;
  for (;;) {
    const n = db.transaction(() => {
      const rows = read.all(last, from, until, chunk) as StoredRow[];
      for (const r of rows) {
        last = r.id;
        const next = fn(r.remote_addr, r.xff, r.ua);
        const cls = CLASS_ID[next.cls] ?? FALLBACK_ID;
        const clientCls = next.clientCls === null ? null : (CLASS_ID[next.clientCls] ?? FALLBACK_ID);
        const owner = ownerId(next.owner);
        count(result.before, r.cls);
        count(result.after, cls);
        if (cls === r.cls && owner === r.owner && next.client === r.client && clientCls === r.client_class) continue;
        result.changed++;
        update.run(cls, owner, next.client, clientCls, r.id);
        const minute = Math.floor(r.time / 60000);
        const oldKnown = r.cls === EXTERNAL_ID || r.client_class === EXTERNAL_ID ? 1 : 0;
        const newKnown = cls === EXTERNAL_ID || clientCls === EXTERNAL_ID ? 1 : 0;
        rollup.run(minute, r.pod, r.cls, -1, r.client === null ? 0 : -1, -oldKnown, -r.bytes);
        rollup.run(minute, r.pod, cls, 1, next.client === null ? 0 : 1, newKnown, r.bytes);
        if (r.cls === NODE_ID) snat.run(minute, r.pod, r.owner ?? 0, r.remote_addr, -1);
        if (cls === NODE_ID) snat.run(minute, r.pod, owner ?? 0, r.remote_addr, 1);
      }
      dropEmpty.run();
      dropEmptySnat.run();
      return rows.length;
    })();
    result.rows += n;
    opts.progress?.(result.rows, result.changed, total);
    if (n < chunk) break;
  }
  return result;
}
