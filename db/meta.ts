// Keys of the `meta` table that prune (db/prune.ts) writes and the audits (db/audit.ts) read.

/** Request rows older than this (ms, a whole minute) were deleted by prune. */
export const PRUNED_KEY = 'pruned_before';
/** `source_span:<source id>:<pod ref>` = "first,last" request time of rows prune deleted. */
export const SPAN_KEY = 'source_span:';
/** The classification flags (src/classify/flags.ts flagsRecord) the stored rows were last classified with. */
export const CLASSIFY_FLAGS_KEY = 'classify_flags';
