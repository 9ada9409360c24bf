// SQLite schema of a snatscope database, as an ordered list of migrations. Migration i takes the file from
// `PRAGMA user_version` i to i + 1; db/open.ts applies the missing ones, each in its own transaction.
//
// Layout, chosen for insert speed and size (every request is stored):
// - requests: one row per request, integers only except the high-cardinality texts (remote address, recovered
//   client, X-Forwarded-For, and since migration 2 the target). Repeating strings (method, protocol, referer,
//   user agent, owner, upstream) are ids into `strings`; namespace/pod/container/node are one id into `pods`; classes are small ints (CLASS_ID in src/classes.ts).
// - batches: rowid range and time extent of each committed batch (the cheap stand-in for an index on time).
// - rollups: per minute, pod ref and class; upserted with every flush; most reports read only these.
// - snat_rollups: per minute, pod ref, owner and address, the node-class (SNAT'd) requests; upserted with every flush.
// - sources: one per file/stdin/container stream, with the committed line count and resume cursor.
// - unparsed + unparsed_samples, topology, services, pod_events (for audits), meta.

import { CLASS_ID, NODE_ID } from '../src/classes.js';
import { createTable, knownColumns } from './ddl.js';

const EXTERNAL_ID = CLASS_ID.external;

// Migrations are history: once released, an entry's meaning never changes (NODE_ID is a stored id, fixed forever).
// Views are not data: requests_v is (re)created on open from the field table (db/row-columns.ts).
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;

  CREATE TABLE strings (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);

  ${createTable('sqlite', 'pods')}

  ${createTable('sqlite', 'sources')}

  ${createTable('sqlite', 'requests')}

  -- Instead of an index on requests.time (which costs ~20% of insert time and ~17 bytes a row): one row per
  -- committed batch with its rowid range and time extent. Rows of a batch have consecutive ids (one writer), so a
  -- time window reads only the id ranges of the batches that overlap it (queries.ts: REQUESTS_IN_WINDOW). Ranges never
  -- overlap: if deleted rows let SQLite reuse ids, the store trims older ranges before recording a new one.
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    min_time INTEGER NOT NULL,
    max_time INTEGER NOT NULL,
    committed INTEGER NOT NULL
  );
  CREATE INDEX batches_time ON batches (max_time);
  CREATE INDEX batches_last ON batches (last_id);

  ${createTable('sqlite', 'rollups')}

  ${createTable('sqlite', 'unparsed')}

  ${createTable('sqlite', 'unparsed_samples')}
  CREATE INDEX unparsed_samples_source ON unparsed_samples (source, reason);

  CREATE TABLE topology (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, json TEXT NOT NULL);

  ${createTable('sqlite', 'services')}

  ${createTable('sqlite', 'pod_events')}
  CREATE INDEX pod_events_pod ON pod_events (namespace, pod, time);

  -- requests_v (requests with strings and classes resolved) is derived, created on open: db/row-columns.ts.

  INSERT INTO meta (key, value) VALUES ('app', 'snatscope');
  `,
  // 2: near-unique request targets are stored inline (interning them cost ~30% of ingest); `target` (strings.id)
  // stays for rows written before. snat_rollups: per minute, pod ref, owner and remote address, the node-class
  // requests (what the report's SNAT sources read instead of scanning every row); prune keeps it like rollups.
  `
  ALTER TABLE requests ADD COLUMN target_text TEXT;

  ${createTable('sqlite', 'snat_rollups')}

  INSERT INTO snat_rollups (minute, pod, owner, addr, requests)
  SELECT CASE WHEN time >= 0 THEN time / 60000 ELSE -((59999 - time) / 60000) END, pod, coalesce(owner, 0), remote_addr, count(*)
  FROM requests WHERE class = ${NODE_ID} GROUP BY 1, 2, 3, 4;
  `,
  // 3: pruned_seconds: what prune deletes, per second, pod ref, class and (class node only) owner and address, so
  // a report over any window gives the same totals and SNAT sources before and after prune (rows + pruned_seconds);
  // minute rollups alone could not answer a window that starts or ends inside a minute.
  `
  ${createTable('sqlite', 'pruned_seconds')}

  -- A database pruned before this table existed: what its rollups count beyond the rows left, at the first second
  -- of each minute (minute resolution, the best those rollups allow).
  INSERT INTO pruned_seconds (second, pod, class, owner, addr, requests, recovered)
  SELECT r.minute * 60, r.pod, r.class, 0, '', r.requests - coalesce(x.n, 0), r.recovered - coalesce(x.rec, 0)
  FROM rollups r LEFT JOIN (
    SELECT CASE WHEN time >= 0 THEN time / 60000 ELSE -((59999 - time) / 60000) END AS minute, pod, class,
           count(*) AS n, count(client) AS rec
    FROM requests GROUP BY 1, 2, 3
  ) x ON x.minute = r.minute AND x.pod = r.pod AND x.class = r.class
  WHERE r.class <> 0 AND r.requests > coalesce(x.n, 0)
    AND r.minute * 60000 < coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pruned_before'), -8640000000000000);

  INSERT INTO pruned_seconds (second, pod, class, owner, addr, requests, recovered)
  SELECT s.minute * 60, s.pod, 0, s.owner, s.addr, s.requests - coalesce(x.n, 0), 0
  FROM snat_rollups s LEFT JOIN (
    SELECT CASE WHEN time >= 0 THEN time / 60000 ELSE -((59999 - time) / 60000) END AS minute, pod,
           coalesce(owner, 0) AS owner, remote_addr AS addr, count(*) AS n
    FROM requests WHERE class = 0 GROUP BY 1, 2, 3, 4
  ) x ON x.minute = s.minute AND x.pod = s.pod AND x.owner = s.owner AND x.addr = s.addr
  WHERE s.requests > coalesce(x.n, 0)
    AND s.minute * 60000 < coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pruned_before'), -8640000000000000);
  `,
  // 4: rollups.known and pruned_seconds.known, the requests whose genuine client is known (class external, or a recovered client that is
  // external): the numerator of clientRatio. Backfilled from the rows still stored; a minute pruned before this
  // migration counts only its external-class requests. Class `probe` (id 5) needs no schema change: an older
  // database simply has no probe rows until `snatscope reclassify` recomputes its classes from the stored user agents.
  knownColumns('sqlite', EXTERNAL_ID),
];

/**
 * A read-only open (report, audit) of an older database reads it as it is (a read-only open cannot migrate): temporary
 * stand-ins, which unqualified names resolve to before the file's own tables, let every query run. Before 3 an empty
 * pruned_seconds; before 4 a `known` column counting the external-class requests only (recovered external clients
 * count once the file is opened writable and migrated).
 */
export const READ_COMPATIBLE: { from: number; shim: (version: number) => string } = {
  from: 2,
  shim: (v) =>
    [
      v < 3
        ? `CREATE TEMP TABLE IF NOT EXISTS pruned_seconds (second INTEGER NOT NULL, pod INTEGER NOT NULL, class INTEGER NOT NULL,
    owner INTEGER NOT NULL, addr TEXT NOT NULL, requests INTEGER NOT NULL, recovered INTEGER NOT NULL, known INTEGER NOT NULL)`
        : `CREATE TEMP VIEW IF NOT EXISTS pruned_seconds AS
    SELECT *, CASE WHEN class = ${EXTERNAL_ID} THEN requests ELSE 0 END AS known FROM main.pruned_seconds`,
      `CREATE TEMP VIEW IF NOT EXISTS rollups AS
    SELECT *, CASE WHEN class = ${EXTERNAL_ID} THEN requests ELSE 0 END AS known FROM main.rollups`,
    ].join(';\n'),
};

/** The user_version a fully migrated database has. */
export const SCHEMA_VERSION = MIGRATIONS.length;
