// The write half of prune (`snatscope prune`, StoreWriter.prune) for both backends (db/sql.ts): deletes old request
// rows but keeps the per-minute rollups and snat_rollups, so report totals and SNAT sources stay the same; records
// what each source covered.

import type { PruneOptions, PruneResult } from './interface.js';
import { PRUNED_KEY, SPAN_KEY } from './meta.js';
import { query, type Sql } from './sql.js';

const MIN_T = -8.64e15;

const Q = {
  spanOf: query(() => 'SELECT source, pod, min(time) AS first, max(time) AS last FROM requests WHERE time < @edge GROUP BY source, pod'),
  meta: query(() => 'SELECT value FROM meta WHERE key = @key'),
  setMeta: query(() => 'INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  del: query(() => 'DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE time < @edge LIMIT @batch)'),
};

/**
 * Deletes request rows older than `cutoff` (rounded down to a whole minute, so every deleted row's minute is
 * entirely covered by its rollup) in batches, keeping rollups, sources and events. Records the cutoff and the
 * time span of each source whose rows go, so audits still know what a saved log covered. Optionally VACUUMs.
 */
export function pruneRequests(sql: Sql, cutoff: number, opts: PruneOptions = {}): PruneResult {
  const edge = Math.floor(cutoff / 60000) * 60000;
  const batch = Math.max(1, opts.batch ?? 50_000);
  const getMeta = (key: string) => sql.value<string>(Q.meta, { key });
  let deleted = 0;
  sql.transaction(() => {
    for (const r of sql.all<{ source: number; pod: number; first: number; last: number }>(Q.spanOf, { edge })) {
      const key = `${SPAN_KEY}${r.source}:${r.pod}`;
      const old = getMeta(key);
      let [a, b] = [r.first, r.last];
      if (old !== undefined) {
        const [oa, ob] = old.split(',').map(Number);
        a = Math.min(a, oa);
        b = Math.max(b, ob);
      }
      sql.run(Q.setMeta, { key, value: `${a},${b}` });
    }
    const before = getMeta(PRUNED_KEY);
    sql.run(Q.setMeta, { key: PRUNED_KEY, value: String(Math.max(edge, before === undefined ? MIN_T : Number(before))) });
  });
  for (;;) {
    const n = sql.transaction(() => sql.run(Q.del, { edge, batch }).changes);
    deleted += n;
    if (n < batch) break;
  }
  if (opts.vacuum) sql.vacuum();
  return { cutoff: edge, deleted, vacuumed: opts.vacuum === true };
}
