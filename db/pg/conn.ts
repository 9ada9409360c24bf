// PostgreSQL connections of the store's worker: connect (numbers as JS numbers), migrate once under an advisory
// lock, claim a source (a session advisory lock per sources.id: one writer per source), and what a driver error
// means (connection lost and worth retrying, a conflict to retry, or final).
import pg from 'pg';
import type { SourcePlace } from '../interface.js';
import type { PgConnection } from '../location.js';
import { REQUESTS_VIEW, requestsViewSql } from '../row-columns.js';
import { MIGRATION_LOCK, PG_MIGRATIONS, PG_UTC, SOURCE_LOCK } from './schema.js';

const INT8 = 20;
const NUMERIC = 1700;

/** An error the main thread turns into a message; `code` is SQLSTATE or the socket's errno, `kind` what to do. */
export interface WireError {
  message: string;
  code: string;
  kind: 'connection' | 'retry' | 'user' | 'busy' | 'final';
  hint?: string;
}

export async function connect(c: PgConnection, appName: string, readonly: boolean): Promise<pg.Client> {
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: c.ssl,
    application_name: appName,
    options: c.options,
    connectionTimeoutMillis: c.connectionTimeoutMillis,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A connection lost while idle is seen at the next query; without a listener it would end the process.
  client.on('error', () => undefined);
  await client.connect();
  if (readonly) await client.query('SET default_transaction_read_only = on');
  return client;
}

export function wireError(err: unknown): WireError {
  const e = err as { message?: string; code?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = String(e?.message ?? err);
  if (/^(ECONNREFUSED|ECONNRESET|EPIPE|ENOENT|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code) || code.startsWith('08') ||
    code === '57P01' || code === '57P02' || code === '57P03' || /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message)) {
    return { message, code: code || 'connection', kind: 'connection' };
  }
  if (code === '40P01' || code === '40001') return { message, code, kind: 'retry' };
  return { message, code, kind: 'final' };
}

/** The applied schema version (0 when no snatscope table exists); throws when the database holds something else. */
async function version(client: pg.Client): Promise<number> {
  const r = await client.query<{ t: string | null; other: string | null }>(
    `SELECT to_regclass('snatscope_migrations')::text AS t, to_regclass('requests')::text AS other`,
  );
  if (r.rows[0].t === null) {
    if (r.rows[0].other !== null) throw userError('holds a table named requests that snatscope did not create', 'a new database, or a schema of its own with ?options=-csearch_path%3DNAME');
    return 0;
  }
  const v = await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM snatscope_migrations');
  return v.rows[0].v;
}

function userError(message: string, hint: string): Error {
  return Object.assign(new Error(message), { code: 'user', hint });
}

/** Applies missing migrations, each once even when many writers start at the same moment. */
export async function migrate(client: pg.Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [MIGRATION_LOCK]);
    let v = await version(client);
    if (v > PG_MIGRATIONS.length) throw newer(v);
    if (v === 0) await client.query('CREATE TABLE snatscope_migrations (version INTEGER PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (; v < PG_MIGRATIONS.length; v++) {
      await client.query(PG_MIGRATIONS[v]);
      await client.query('INSERT INTO snatscope_migrations (version) VALUES ($1)', [v + 1]);
      if (v === 0) await client.query("INSERT INTO meta (key, value) VALUES ('created', $1)", [new Date().toISOString()]);
    }
    // requests_v as this build derives it from the field table (as db/open.ts does for SQLite): a database written
    // before a field or class was added reads with the new view, its data untouched.
    const want = requestsViewSql(PG_UTC);
    const have = await client.query<{ def: string | null }>('SELECT obj_description(to_regclass($1), $2) AS def', [REQUESTS_VIEW, 'pg_class']);
    if (have.rows[0].def !== want) {
      await client.query(`DROP VIEW IF EXISTS ${REQUESTS_VIEW}`);
      await client.query(want);
      await client.query(`COMMENT ON VIEW ${REQUESTS_VIEW} IS ${pgLiteral(want)}`);
    }
    await client.query('COMMIT');
    return v;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** For readers: the schema must be there and current (a reader never migrates). */
export async function checkSchema(client: pg.Client): Promise<number> {
  const v = await version(client);
  if (v === 0) throw userError('has no snatscope tables yet', 'snatscope ingest FILE --db URL (or a watch/agent writing to it) first');
  if (v > PG_MIGRATIONS.length) throw newer(v);
  if (v < PG_MIGRATIONS.length) throw userError(`needs an upgrade (schema ${v} -> ${PG_MIGRATIONS.length}) that a reader does not do`, 'running any writer (ingest, watch) of this snatscope against it once');
  return v;
}

function newer(v: number): Error {
  return userError(`was written by a newer snatscope (schema ${v}, this one knows ${PG_MIGRATIONS.length})`, 'a newer snatscope, or another database');
}

export interface Claimed {
  id: number;
  lines: number;
  cursor: string | null;
}

/** A source's place as the worker receives it (every field present, null where it has none). */
export type SourceMetaWire = SourcePlace;

/**
 * Gets or creates the source and takes its lock for this session. Its position is read after the lock is held,
 * so it includes everything a previous owner committed. Another live owner: an error of kind 'busy' naming it.
 */
export async function claimSource(client: pg.Client, key: string, kind: string, m: SourceMetaWire, now: number): Promise<Claimed> {
  const up = await client.query<{ id: number }>(
    `INSERT INTO sources (key, kind, namespace, pod, container, container_id, node, path, first_seen, last_seen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     ON CONFLICT (key) DO UPDATE SET namespace = coalesce(excluded.namespace, sources.namespace),
       pod = coalesce(excluded.pod, sources.pod), container = coalesce(excluded.container, sources.container),
       container_id = coalesce(excluded.container_id, sources.container_id), node = coalesce(excluded.node, sources.node),
       path = coalesce(excluded.path, sources.path), last_seen = excluded.last_seen
     RETURNING id`,
    [key, kind, m.namespace, m.pod, m.container, m.containerId, m.node, m.path, now],
  );
  const id = up.rows[0].id;
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [SOURCE_LOCK, id]);
  if (!got.rows[0].ok) {
    const who = await client.query<{ app: string | null; addr: string | null; since: Date | null }>(
      `SELECT a.application_name AS app, a.client_addr::text AS addr, a.backend_start AS since FROM pg_locks l
       JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted LIMIT 1`,
      [SOURCE_LOCK, id],
    );
    const w = who.rows[0];
    const holder = w ? `${w.app || 'another client'}${w.addr ? ` from ${w.addr}` : ''}` : 'another writer';
    throw Object.assign(new Error(`is being stored by ${holder}`), { code: 'busy', hint: 'stopping the other writer first; one writer stores a source at a time, so nothing is stored twice' });
  }
  const pos = await client.query<{ lines: number; cursor: string | null }>('SELECT lines, cursor FROM sources WHERE id = $1', [id]);
  return { id, lines: pos.rows[0].lines, cursor: pos.rows[0].cursor };
}

/** Takes the locks of sources this writer owned before its connection was lost; false when another took one. */
export async function reclaim(client: pg.Client, ids: Iterable<number>): Promise<number | null> {
  for (const id of ids) {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [SOURCE_LOCK, id]);
    if (!got.rows[0].ok) return id;
  }
  return null;
}

/** The last batch number this writer committed (0 when none). */
export async function committedSeq(client: pg.Client, writer: string): Promise<number> {
  const r = await client.query<{ seq: number }>('SELECT seq FROM writers WHERE writer = $1', [writer]);
  return r.rows[0]?.seq ?? 0;
}

/** A SQL string literal (for the view's own text in its COMMENT; no user input reaches it). */
function pgLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
