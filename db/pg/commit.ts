// One batch into PostgreSQL, in the store's worker thread. First (each in its own short transaction, so concurrent
// writers never wait on each other's open batch): new strings and pod refs are upserted and mapped to their ids.
// Then one transaction: the rows through COPY FROM STDIN (text format), the rollups and SNAT rollups as additive
// upserts (sorted by key, so concurrent writers lock rows in one order and cannot deadlock), the source
// positions, unparsed counts and samples, snapshots and events, and this writer's batch number.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { INSERT_COLUMNS } from '../row-columns.js';
import type { Batch } from './batch.js';
import { CLASS_ID } from '../../src/classes.js';

const EXTERNAL_ID = CLASS_ID.external;

/** The columns copyText() writes, in its order. */
const COPY_COLUMNS = [
  'time', 'source', 'pod', 'class', 'remote_addr', 'owner', 'client', 'client_class', 'method', 'target_text', 'protocol',
  'status', 'bytes', 'referer', 'user_agent', 'xff', 'request_ms', 'upstream_addr',
];
const COPY_SQL = `COPY requests (${COPY_COLUMNS.join(', ')}) FROM STDIN`;
// The request fields are one table (src/fields.ts -> INSERT_COLUMNS): a field added there is added here too.
if ([...COPY_COLUMNS].sort().join() !== [...INSERT_COLUMNS].sort().join()) {
  throw new Error(`PostgreSQL COPY writes ${COPY_COLUMNS.join(',')} but requests has ${INSERT_COLUMNS.join(',')}: update db/pg/batch.ts and db/pg/commit.ts`);
}
const MAX_SAMPLES = 3;

/** Local dictionary ids -> database ids, kept across batches of one writer. */
export class Dictionaries {
  strings: number[] = [];
  pods: number[] = [];
  /** The batch whose new entries are mapped already: a commit retried after a lost connection maps them once. */
  private resolved = 0;

  async resolve(client: pg.Client, b: Batch): Promise<void> {
    if (b.seq <= this.resolved) return;
    // Mapped into new arrays first: a connection lost half-way leaves the dictionaries as they were.
    const strings: number[] = [];
    const pods: number[] = [];
    if (b.strings.length) {
      const texts = b.strings.map(pgText);
      await client.query(
        'INSERT INTO strings (s) SELECT x FROM unnest($1::text[]) AS x ORDER BY md5(x) ON CONFLICT (md5(s)) DO NOTHING',
        [texts],
      );
      const r = await client.query<{ id: number; s: string }>(
        'SELECT id, s FROM strings WHERE md5(s) IN (SELECT md5(x) FROM unnest($1::text[]) AS x)',
        [texts],
      );
      const ids = new Map(r.rows.map((x) => [x.s, x.id]));
      for (const t of texts) strings.push(need(ids.get(t), 'string'));
    }
    if (b.pods.length) {
      const cols = [0, 1, 2, 3].map((c) => b.pods.map((p) => pgText(p[c])));
      await client.query(
        `INSERT INTO pods (namespace, pod, container, node)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(n, p, c, d) ORDER BY n, p, c, d
         ON CONFLICT (namespace, pod, container, node) DO NOTHING`,
        cols,
      );
      const r = await client.query<{ id: number; k: string }>(
        `SELECT p.id, p.namespace || chr(1) || p.pod || chr(1) || p.container || chr(1) || p.node AS k
         FROM pods p JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(n, q, c, d)
           ON p.namespace = x.n AND p.pod = x.q AND p.container = x.c AND p.node = x.d`,
        cols,
      );
      const ids = new Map(r.rows.map((x) => [x.k, x.id]));
      for (let i = 0; i < b.pods.length; i++) pods.push(need(ids.get(cols.map((c) => c[i]).join('\u0001')), 'pod'));
    }
    if (b.reset) {
      this.strings = [];
      this.pods = [];
    }
    for (const id of strings) this.strings.push(id);
    for (const id of pods) this.pods.push(id);
    this.resolved = b.seq;
  }
}

function need(id: number | undefined, what: string): number {
  if (id === undefined) throw new Error(`PostgreSQL store: a ${what} just upserted was not found`);
  return id;
}

/** PostgreSQL text cannot hold NUL: it is stored as U+FFFD (the one difference from SQLite, which keeps it). */
export function pgText(s: string): string {
  return s.indexOf('\u0000') === -1 ? s : s.replace(/\u0000/g, '\ufffd');
}

/** A field in COPY text format: NULL as \N, backslash, tab, newline and carriage return escaped. */
function field(s: string | null): string {
  if (s === null) return '\\N';
  if (!/[\\\t\n\r\u0000]/.test(s)) return s;
  return pgText(s).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyText(b: Batch, d: Dictionaries, from: number, to: number): string {
  const S = d.strings;
  const P = d.pods;
  const id = (x: number) => (x < 0 ? '\\N' : String(S[x]));
  let out = '';
  for (let i = from; i < to; i++) {
    const cc = b.clientCls[i];
    const rm = b.requestMs[i];
    out +=
      b.time[i] + '\t' + b.source[i] + '\t' + P[b.pod[i]] + '\t' + b.cls[i] + '\t' + field(b.remote[i]) + '\t' + id(b.owner[i]) + '\t' +
      field(b.client[i]) + '\t' + (cc < 0 ? '\\N' : cc) + '\t' + id(b.method[i]) + '\t' + field(b.target[i]) + '\t' + id(b.protocol[i]) + '\t' +
      b.status[i] + '\t' + b.bytes[i] + '\t' + id(b.referer[i]) + '\t' + id(b.userAgent[i]) + '\t' + field(b.xff[i]) + '\t' +
      (rm === rm ? rm : '\\N') + '\t' + id(b.upstream[i]) + '\n';
  }
  return out;
}

async function copyRows(client: pg.Client, b: Batch, d: Dictionaries): Promise<void> {
  const stream = client.query(copyFrom(COPY_SQL));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const CHUNK = 2000;
  for (let i = 0; i < b.rows; i += CHUNK) {
    if (!stream.write(copyText(b, d, i, Math.min(b.rows, i + CHUNK)))) {
      await new Promise<void>((resolve, reject) => {
        stream.once('drain', resolve);
        stream.once('error', reject);
      });
    }
  }
  stream.end();
  await done;
}

/** The per-minute rollups and SNAT rollups of the batch, keys sorted. */
function rollups(b: Batch, d: Dictionaries) {
  const agg = new Map<string, [number, number, number, number, number, number, number]>();
  const snat = new Map<string, [number, number, number, string, number]>();
  for (let i = 0; i < b.rows; i++) {
    const minute = Math.floor(b.time[i] / 60000);
    const pod = d.pods[b.pod[i]];
    const cls = b.cls[i];
    const k = `${minute}|${pod}|${cls}`;
    let a = agg.get(k);
    if (a === undefined) agg.set(k, (a = [minute, pod, cls, 0, 0, 0, 0]));
    a[3]++;
    if (b.client[i] !== null) a[4]++;
    a[5] += b.bytes[i];
    // known: the genuine client is known (clientKnown in src/classes.ts), as db/rollups.ts counts it for SQLite
    if (cls === EXTERNAL_ID || b.clientCls[i] === EXTERNAL_ID) a[6]++;
    if (cls === 0) {
      const owner = b.owner[i] < 0 ? 0 : d.strings[b.owner[i]];
      const addr = pgText(b.remote[i]);
      const sk = `${minute}|${pod}|${owner}|${addr}`;
      let s = snat.get(sk);
      if (s === undefined) snat.set(sk, (s = [minute, pod, owner, addr, 0]));
      s[4]++;
    }
  }
  const byKey = <T extends unknown[]>(n: number) => (x: T, y: T) => {
    for (let j = 0; j < n; j++) if (x[j] !== y[j]) return (x[j] as number | string) < (y[j] as number | string) ? -1 : 1;
    return 0;
  };
  return { agg: [...agg.values()].sort(byKey(3)), snat: [...snat.values()].sort(byKey(4)) };
}

const col = <T>(rows: readonly T[][], c: number) => rows.map((r) => r[c]);

/** The batch's transaction. The caller has resolved the dictionaries and rolls back on error. */
export async function commitBatch(client: pg.Client, b: Batch, d: Dictionaries, writer: string): Promise<void> {
  const now = Date.now();
  await client.query('BEGIN');
  if (b.rows > 0) await copyRows(client, b, d);
  const { agg, snat } = rollups(b, d);
  if (agg.length) {
    await client.query(
      `INSERT INTO rollups (minute, pod, class, requests, recovered, bytes, known)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::smallint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       ON CONFLICT (minute, pod, class) DO UPDATE SET requests = rollups.requests + excluded.requests,
         recovered = rollups.recovered + excluded.recovered, bytes = rollups.bytes + excluded.bytes,
         known = rollups.known + excluded.known`,
      [0, 1, 2, 3, 4, 5, 6].map((c) => col(agg, c)),
    );
  }
  if (snat.length) {
    await client.query(
      `INSERT INTO snat_rollups (minute, pod, owner, addr, requests)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::bigint[])
       ON CONFLICT (minute, pod, owner, addr) DO UPDATE SET requests = snat_rollups.requests + excluded.requests`,
      [0, 1, 2, 3, 4].map((c) => col(snat, c)),
    );
  }
  for (const [id, lines, cursor] of b.positions) {
    if (cursor === undefined) await client.query('UPDATE sources SET lines = coalesce($1, lines), last_seen = $2 WHERE id = $3', [lines, now, id]);
    else await client.query('UPDATE sources SET lines = coalesce($1, lines), cursor = $2, last_seen = $3 WHERE id = $4', [lines, cursor === null ? null : pgText(cursor), now, id]);
  }
  for (const [id, format, envelope] of b.sourceMeta) {
    await client.query('UPDATE sources SET format = coalesce($1, format), envelope = coalesce($2, envelope) WHERE id = $3', [format, envelope, id]);
  }
  for (const [source, reason, count, samples] of [...b.unparsed].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1))) {
    if (count > 0) {
      await client.query(
        'INSERT INTO unparsed (source, reason, count) VALUES ($1, $2, $3) ON CONFLICT (source, reason) DO UPDATE SET count = unparsed.count + excluded.count',
        [source, reason, count],
      );
    }
    for (const s of samples) {
      await client.query(
        `INSERT INTO unparsed_samples (source, reason, sample) SELECT $1, $2, $3
         WHERE (SELECT count(*) FROM unparsed_samples WHERE source = $1 AND reason = $2) < ${MAX_SAMPLES}`,
        [source, reason, pgText(s)],
      );
    }
  }
  for (const [time, json] of b.topology) await client.query('INSERT INTO topology (time, json) VALUES ($1, $2)', [time, pgText(json)]);
  for (const [time, ns, name, json] of b.services) {
    await client.query('INSERT INTO services (time, namespace, name, json) VALUES ($1, $2, $3, $4)', [time, ns && pgText(ns), name && pgText(name), pgText(json)]);
  }
  for (const e of b.podEvents) {
    await client.query(
      'INSERT INTO pod_events (time, namespace, pod, container, event, detail) VALUES ($1, $2, $3, $4, $5, $6)',
      e.map((v) => (typeof v === 'string' ? pgText(v) : v)),
    );
  }
  await client.query(
    'INSERT INTO writers (writer, seq, at) VALUES ($1, $2, $3) ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, at = excluded.at',
    [writer, b.seq, now],
  );
  await client.query('COMMIT');
}
