// Keys of the `meta` table that prune (db/prune.ts) writes and the audits (db/audit.ts) read.
import { query, type Sql } from './sql.js';

/** Request rows older than this (ms, a whole minute) were deleted by prune. */
export const PRUNED_KEY = 'pruned_before';
/** `source_span:<source id>:<pod ref>` = "first,last" request time of rows prune deleted. */
export const SPAN_KEY = 'source_span:';
/** The classification flags (src/classify/flags.ts flagsRecord) the stored rows were last classified with. */
export const CLASSIFY_FLAGS_KEY = 'classify_flags';

const GET_FLAGS = query(() => `SELECT value FROM meta WHERE key = '${CLASSIFY_FLAGS_KEY}'`);
const SET_FLAGS = query(
  () => `INSERT INTO meta (key, value) VALUES ('${CLASSIFY_FLAGS_KEY}', @record) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
);

/** The classification flags the stored rows were classified with (null: never recorded), on either backend. */
export function readClassifyFlags(sql: Sql): string | null {
  return sql.value<string>(GET_FLAGS) ?? null;
}

/** Record the classification flags of the rows just stored or reclassified, on either backend. */
export function writeClassifyFlags(sql: Sql, record: string): void {
  sql.run(SET_FLAGS, { record });
}
