// The container instances an earlier run stored: which of one container's instances have a stream cursor that is
// not at their end (the instance ended while snatscope was not running, or the run stopped before reading it all).
import { perSql, type Readable } from './sql.js';

const byContainer = perSql((db) =>
  db.prepare(
    "SELECT container_id AS id, cursor FROM sources WHERE kind = 'stream' AND namespace = ? AND pod = ? AND container = ? " +
      'AND container_id IS NOT NULL AND cursor IS NOT NULL ORDER BY id',
  ),
);

/** Container IDs of this container's stored instances whose cursor does not say `"end":true`. */
export function unfinishedInstances(db: Readable, namespace: string, pod: string, container: string): string[] {
  const out: string[] = [];
  for (const r of byContainer(db).all(namespace, pod, container) as { id: string; cursor: string }[]) {
    let end = false;
    try {
      end = (JSON.parse(r.cursor) as { end?: unknown }).end === true;
    } catch {
      end = false;
    }
    if (!end) out.push(r.id);
  }
  return out;
}
