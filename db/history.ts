// Read side: the stored cluster over time. Every topology snapshot (watch writes one at each change of nodes,
// pods or Services) and every Service snapshot that matters for a window: the newest one at or before its start
// (else the first one after it: saved logs are ingested after the fact) and all those inside it, oldest first.

import { perSql, type Readable, type Stmt } from './sql.js';

export interface StoredSnapshot {
  /** ms since epoch */
  time: number;
  /** 'topology' (a whole snapshot with nodes, pods and services) or 'service' (one Service). */
  kind: 'topology' | 'service';
  json: unknown;
}

const statements = perSql((db, d) => ({
  topology: db.prepare(
    `SELECT time, json FROM topology
     WHERE time < @until AND time >= coalesce((SELECT max(time) FROM topology WHERE time <= @from),
                                              (SELECT min(time) FROM topology))
     ORDER BY time, id`,
  ),
  services: db.prepare(
    `SELECT s.time, s.json FROM services s
     WHERE s.time >= coalesce(
       (SELECT max(x.time) FROM services x WHERE x.time <= @from AND x.namespace IS NOT DISTINCT FROM s.namespace AND x.name IS NOT DISTINCT FROM s.name),
       (SELECT min(x.time) FROM services x WHERE x.namespace IS NOT DISTINCT FROM s.namespace AND x.name IS NOT DISTINCT FROM s.name))
     AND (s.time < @until OR s.time = (SELECT min(x.time) FROM services x WHERE x.namespace IS NOT DISTINCT FROM s.namespace AND x.name IS NOT DISTINCT FROM s.name))
     ORDER BY s.time, s.id`,
  ),
  firstTopology: db.prepare('SELECT time, json FROM topology ORDER BY time, id LIMIT 1'),
}));

/** Snapshots that describe [from, until), oldest first (topology before service at the same time). */
export function snapshotsFor(db: Readable, from: number, until: number): StoredSnapshot[] {
  const st = statements(db);
  const p = { from, until };
  let topo = st.topology.all(p) as { time: number; json: string }[];
  // Only snapshots taken after the window (an ingest of old logs): the first one stands for the whole window.
  if (topo.length === 0) topo = st.firstTopology.all() as { time: number; json: string }[];
  const out: StoredSnapshot[] = topo.map((r) => ({ time: r.time, kind: 'topology', json: JSON.parse(r.json) as unknown }));
  for (const r of st.services.all(p) as { time: number; json: string }[]) {
    out.push({ time: r.time, kind: 'service', json: JSON.parse(r.json) as unknown });
  }
  return out.sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'topology' ? -1 : 1));
}
