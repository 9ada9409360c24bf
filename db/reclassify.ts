// The write half of `snatscope reclassify` (Store.reclassify): recomputes class, owner and recovered client of stored
// request rows from their stored remote address, X-Forwarded-For and user agent, and moves their counts between the
// rollup cells (rollups: requests, recovered, known, bytes; snat_rollups: node-class rows) by the same deltas, in
// one transaction per chunk of rows. Every committed chunk leaves rows and rollups agreeing, so an interrupted run
// (kill -9) leaves a consistent database, and running it again finishes the job (a row whose result is unchanged is
// not touched). Minutes whose rows prune deleted keep their stored classes: there is nothing to recompute them from.
//
// Both backends (db/sql.ts): a chunk's changed rows go in ONE statement (a JSON array of changes, read by
// json_each on SQLite and json_to_recordset on PostgreSQL), and its rollup moves are summed per cell first, so a
// chunk costs a handful of round trips to a PostgreSQL server, not one per row.

import { CLASS_ID, FALLBACK_ID, NODE_ID, classOfId, type AddressClass } from '../src/classes.js';
import { query, type Sql } from './sql.js';

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

const TOTAL = query(() => 'SELECT count(*) AS n FROM requests WHERE time >= @from AND time < @until');
const READ = query(
  () => `SELECT r.id, r.time, r.pod, r.class AS cls, r.remote_addr, r.owner, r.client, r.client_class, r.xff, u.s AS ua, r.bytes
     FROM requests r LEFT JOIN strings u ON u.id = r.user_agent
     WHERE r.id > @last AND r.time >= @from AND r.time < @until ORDER BY r.id LIMIT @n`,
);
/** @rows: a JSON array of {id, c, o, cl, cc} (class, owner, client, client class). */
const UPDATE = query((d) =>
  d.name === 'pg'
    ? `UPDATE requests r SET class = v.c, owner = v.o, client = v.cl, client_class = v.cc
       FROM json_to_recordset(@rows::json) AS v(id bigint, c smallint, o integer, cl text, cc smallint) WHERE r.id = v.id`
    : `UPDATE requests SET class = v.value->>'c', owner = v.value->>'o', client = v.value->>'cl', client_class = v.value->>'cc'
       FROM json_each(@rows) v WHERE requests.id = v.value->>'id'`,
);
// strings are unique by s on SQLite, by md5(s) on PostgreSQL (db/pg/schema.ts).
const INTERN = query((d) =>
  `INSERT INTO strings (s) VALUES (@s) ON CONFLICT (${d.name === 'pg' ? 'md5(s)' : 's'}) DO UPDATE SET s = excluded.s RETURNING id`,
);
const ROLLUP = query(
  () => `INSERT INTO rollups (minute, pod, class, requests, recovered, known, bytes) VALUES (@minute, @pod, @cls, @requests, @recovered, @known, @bytes)
     ON CONFLICT (minute, pod, class) DO UPDATE SET requests = rollups.requests + excluded.requests,
       recovered = rollups.recovered + excluded.recovered, known = rollups.known + excluded.known, bytes = rollups.bytes + excluded.bytes`,
);
const DROP_ROLLUP = query(() => 'DELETE FROM rollups WHERE minute = @minute AND pod = @pod AND class = @cls AND requests = 0');
const SNAT = query(
  () => `INSERT INTO snat_rollups (minute, pod, owner, addr, requests) VALUES (@minute, @pod, @owner, @addr, @requests)
     ON CONFLICT (minute, pod, owner, addr) DO UPDATE SET requests = snat_rollups.requests + excluded.requests`,
);
const DROP_SNAT = query(() => 'DELETE FROM snat_rollups WHERE minute = @minute AND pod = @pod AND owner = @owner AND addr = @addr AND requests = 0');

/** One rollup cell's move (the cell's key and the amounts it changes by). */
type Move = { minute: number; pod: number; cls: number; requests: number; recovered: number; known: number; bytes: number };
/** One SNAT-rollup cell's move. */
type SnatMove = { minute: number; pod: number; owner: number; addr: string; requests: number };

export function reclassifyRequests(sql: Sql, fn: ReclassifyFn, opts: ReclassifyOptions = {}): ReclassifyResult {
  const from = opts.from ?? MIN_T;
  const until = opts.until ?? MAX_T;
  const chunk = Math.max(1, opts.chunk ?? 20_000);
  const total = Number(sql.value<number>(TOTAL, { from, until }) ?? 0);
  const owners = new Map<string, number>();
  const ownerId = (s: string | null): number | null => {
    if (s === null) return null;
    let id = owners.get(s);
    if (id === undefined) owners.set(s, (id = Number(sql.value<number>(INTERN, { s }))));
    return id;
  };
  const result: ReclassifyResult = { rows: 0, changed: 0, before: {}, after: {} };
  const count = (into: Record<string, number>, id: number) => {
    const c = classOfId(id);
    into[c] = (into[c] ?? 0) + 1;
  };
  let last = -1;
  for (;;) {
    const n = sql.transaction(() => {
      const rows = sql.all<StoredRow>(READ, { last, from, until, n: chunk });
      const changes: Array<{ id: number; c: number; o: number | null; cl: string | null; cc: number | null }> = [];
      const moves = new Map<string, Move>();
      const snat = new Map<string, SnatMove>();
      const move = (minute: number, pod: number, cls: number, d: number, recovered: number, known: number, bytes: number) => {
        const key = `${minute}|${pod}|${cls}`;
        const m = moves.get(key);
        if (m === undefined) moves.set(key, { minute, pod, cls, requests: d, recovered, known, bytes });
        else {
          m.requests += d;
          m.recovered += recovered;
          m.known += known;
          m.bytes += bytes;
        }
      };
      const snatMove = (minute: number, pod: number, owner: number, addr: string, d: number) => {
        const key = `${minute}|${pod}|${owner}|${addr}`;
        const m = snat.get(key);
        if (m === undefined) snat.set(key, { minute, pod, owner, addr, requests: d });
        else m.requests += d;
      };
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
        changes.push({ id: r.id, c: cls, o: owner, cl: next.client, cc: clientCls });
        const minute = Math.floor(r.time / 60000);
        const oldKnown = r.cls === EXTERNAL_ID || r.client_class === EXTERNAL_ID ? 1 : 0;
        const newKnown = cls === EXTERNAL_ID || clientCls === EXTERNAL_ID ? 1 : 0;
        move(minute, r.pod, r.cls, -1, r.client === null ? 0 : -1, -oldKnown, -r.bytes);
        move(minute, r.pod, cls, 1, next.client === null ? 0 : 1, newKnown, r.bytes);
        if (r.cls === NODE_ID) snatMove(minute, r.pod, r.owner ?? 0, r.remote_addr, -1);
        if (cls === NODE_ID) snatMove(minute, r.pod, owner ?? 0, r.remote_addr, 1);
      }
      if (changes.length > 0) sql.run(UPDATE, { rows: JSON.stringify(changes) });
      for (const m of moves.values()) {
        if (m.requests === 0 && m.recovered === 0 && m.known === 0 && m.bytes === 0) continue;
        sql.run(ROLLUP, m);
        if (m.requests < 0) sql.run(DROP_ROLLUP, m);
      }
      for (const m of snat.values()) {
        if (m.requests === 0) continue;
        sql.run(SNAT, m);
        if (m.requests < 0) sql.run(DROP_SNAT, m);
      }
      return rows.length;
    });
    result.rows += n;
    opts.progress?.(result.rows, result.changed, total);
    if (n < chunk) break;
  }
  return result;
}
