// The write half of prune (`snatscope prune`, StoreWriter.prune) for both backends (db/sql.ts): deletes old request
// rows but keeps their counts per second (pruned_seconds, beside the per-minute rollups and snat_rollups), so the
// totals and SNAT sources of any window stay the same; records what each source covered.

import type { PruneOptions, PruneResult } from './interface.js';
import { PRUNED_KEY, SPAN_KEY } from './meta.js';
import { CLASS_ID, NODE_ID } from '../src/classes.js';
import { perSql, type Sql } from './sql.js';

const EXTERNAL_ID = CLASS_ID.external;

const MIN_T = -8.64e15;
/** 1 for a row whose client is known external (itself, or its recovered client), else 0 (on both backends). */
const KNOWN_OF_ROW = `CASE WHEN class = ${EXTERNAL_ID} OR client_class = ${EXTERNAL_ID} THEN 1 ELSE 0 END`;
/** floor(time / 1000) in SQL (integer division truncates toward zero, on both backends). */
const SECOND_OF_TIME = 'CASE WHEN time >= 0 THEN time / 1000 ELSE -((999 - time) / 1000) END';

const statements = perSql((db) => ({
  spanOf: db.prepare('SELECT source, pod, min(time) AS first, max(time) AS last FROM requests WHERE time < ? GROUP BY source, pod'),
  getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
  setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  // One batch: the ids up to the batch's last id, aggregated into pruned_seconds and deleted in one transaction, so
  // every row is counted exactly once (as a row or in pruned_seconds), whatever interrupts prune.
  lastOfBatch: db.prepare('SELECT max(id) FROM (SELECT id FROM requests WHERE time < ? ORDER BY id LIMIT ?) b').pluck(),
  keep: db.prepare(
    `INSERT INTO pruned_seconds (second, pod, class, owner, addr, requests, recovered, known)
     SELECT ${SECOND_OF_TIME}, pod, class, CASE WHEN class = ${NODE_ID} THEN coalesce(owner, 0) ELSE 0 END,
            CASE WHEN class = ${NODE_ID} THEN remote_addr ELSE '' END, count(*), count(client), sum(${KNOWN_OF_ROW})
     FROM requests WHERE time < @edge AND id <= @last GROUP BY 1, 2, 3, 4, 5
     ON CONFLICT (second, pod, class, owner, addr) DO UPDATE SET
       requests = pruned_seconds.requests + excluded.requests, recovered = pruned_seconds.recovered + excluded.recovered,
       known = pruned_seconds.known + excluded.known`,
  ),
  del: db.prepare('DELETE FROM requests WHERE time < @edge AND id <= @last'),
}));

/**
 * Deletes request rows older than `cutoff` (rounded down to a whole minute, so every deleted row's minute is
 * entirely covered by its rollup) in batches, keeping rollups, sources and events. Records the cutoff and the
 * time span of each source whose rows go, so audits still know what a saved log covered. Optionally VACUUMs.
 */
export function pruneRequests(sql: Sql, cutoff: number, opts: PruneOptions = {}): PruneResult {
  const edge = Math.floor(cutoff / 60000) * 60000;
  const batch = Math.max(1, opts.batch ?? 50_000);
  const st = statements(sql);
  let deleted = 0;
  sql.transaction(() => {
    for (const r of st.spanOf.all(edge) as { source: number; pod: number; first: number; last: number }[]) {
      const key = `${SPAN_KEY}${r.source}:${r.pod}`;
      const old = st.getMeta.get(key) as string | undefined;
      let [a, b] = [r.first, r.last];
      if (old !== undefined) {
        const [oa, ob] = old.split(',').map(Number);
        a = Math.min(a, oa);
        b = Math.max(b, ob);
      }
      st.setMeta.run(key, `${a},${b}`);
    }
    const before = st.getMeta.get(PRUNED_KEY) as string | undefined;
    st.setMeta.run(PRUNED_KEY, String(Math.max(edge, before === undefined ? MIN_T : Number(before))));
  });
  for (;;) {
    const n = sql.transaction(() => {
      const last = (st.lastOfBatch.get(edge, batch) as number | null | undefined) ?? null;
      if (last === null) return 0;
      st.keep.run({ edge, last });
      return st.del.run({ edge, last }).changes;
    });
    deleted += n;
    if (n < batch) break;
  }
  if (opts.vacuum) sql.vacuum();
  return { cutoff: edge, deleted, vacuumed: opts.vacuum === true };
}
