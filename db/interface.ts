// THE store interface: what the pipeline, the sources and the commands may ask of a store, with no SQLite in it.
// db/store.ts `Store` implements it on SQLite, db/pg/store.ts `PgStore` on PostgreSQL.
//
// Write side (`StoreWriter`): sources and their committed positions, requests, unparsed lines, snapshots, pod
// events, prune. One batch is open at a time; flush() commits all of it (rows, rollups, positions, unparsed
// counts) or nothing, so a crash never loses or duplicates an accepted line.
// Read side: the query functions of db/queries.ts (report, sources, unparsed) and db/audit.ts (audits), which
// read through `sql` (db/sql.ts, either backend) and never write.

import type { RequestRow, UnparsedReason } from '../src/types.js';
import type { ReclassifyFn, ReclassifyOptions, ReclassifyResult } from './reclassify.js';
import type { Sql } from './sql.js';

export type SourceKind = 'file' | 'stdin' | 'stream';
export type PodEventKind = 'watched' | 'deleted' | 'stream-start' | 'stream-end' | 'stream-error' | 'restart';

export interface StoreOptions {
  readonly?: boolean;
  /** The database's writer lock (db/lock.ts), held by the caller: released when the store closes or is abandoned. */
  lock?: { release(): void };
  busyTimeoutMs?: number;
  /** Rows per transaction before add() commits on its own (default 50_000). */
  batchSize?: number;
  /** Most interned strings kept in memory (default 100_000, in two generations). */
  internCacheSize?: number;
}

/** What the store records about a source (the `sources` row); null/absent fields keep the stored value. */
export interface SourceDetails {
  namespace?: string | null;
  pod?: string | null;
  container?: string | null;
  containerId?: string | null;
  node?: string | null;
  path?: string | null;
}

/** The `sources` columns that say where a source's lines come from, as stored (null where it has none). */
export type SourcePlace = { [K in keyof SourceDetails]-?: string | null };

/** A stored source as the read side returns it: id, key, kind and where its lines come from. */
export interface StoredSource extends SourcePlace {
  id: number;
  key: string;
  kind: SourceKind;
}

export interface SourceState {
  id: number;
  /** Lines already committed for this source: a re-ingest skips this many. */
  lines: number;
  cursor: string | null;
}

/** A pod/stream event as podEvent() writes it (db/audit.ts `StoredPodEvent` is what the read side returns). */
export interface PodEventRecord {
  time?: number;
  namespace: string;
  pod: string;
  container?: string | null;
  event: PodEventKind;
  detail?: string | null;
}

export interface PruneOptions {
  vacuum?: boolean;
  /** Rows deleted per transaction (default 50_000). */
  batch?: number;
}

export interface PruneResult {
  cutoff: number;
  deleted: number;
  vacuumed: boolean;
}

export interface StoreWriter {
  /** The database this store writes (a file path, or a PostgreSQL URL without its password), for messages. */
  readonly path: string;
  readonly backend: 'sqlite' | 'postgres';
  readonly readonly: boolean;
  /** The read side's connection: db/queries.ts and db/audit.ts run their queries through it (db/sql.ts). */
  readonly sql: Sql;
  /** Rows added since the last commit. */
  readonly pending: number;
  /** Get or create the source with this key; `lines`/`cursor` are its committed position (or the one advanced in the open batch). */
  source(key: string, kind: SourceKind, details?: SourceDetails): SourceState;
  /** The source with this key and its position (as source() gives it), without creating it; null when there is none. */
  peekSource(key: string): SourceState | null;
  /** Container IDs of this container's stored stream instances whose cursor does not say they were read to their end. */
  unfinishedInstances(namespace: string, pod: string, container: string): string[];
  /** Record the detected line format and envelope of a source (committed with the next flush). */
  sourceMeta(sourceId: number, meta: { format?: string | null; envelope?: string | null }): void;
  /** Add one classified request to the open batch (the hot path: copies what it keeps, holds no reference to row). */
  add(sourceId: number, row: RequestRow): void;
  /** The source has been consumed up to `lines` (and `cursor`, when given); committed with the rows it covers. */
  advance(sourceId: number, lines: number, cursor?: string | null): void;
  /** Count a line that was not accepted, keeping the first few samples per source and reason. */
  unparsed(sourceId: number, reason: UnparsedReason, sample: string): void;
  /** Keep a snapshot of the cluster topology (any JSON-serialisable value). */
  topology(snapshot: unknown, time?: number): void;
  /** Keep a snapshot of one service (kube JSON with metadata, or an object with namespace/name). */
  service(snapshot: unknown, time?: number): void;
  /** Record a pod/stream event (audits use these to find gaps in coverage). */
  podEvent(ev: PodEventRecord): void;
  /** Commit the open batch: rows, rollups, source positions and unparsed counts, all or nothing. */
  flush(): void;
  /**
   * Delete request rows older than `cutoff` (rounded down to a whole minute), keeping the per-minute rollups,
   * sources and events, and recording what each source covered. Commits the open batch first.
   */
  prune(cutoff: number, opts?: PruneOptions): PruneResult;
  /** Recompute the stored rows' classes, owners and recovered clients with `fn`, rollups moved with them (db/reclassify.ts). */
  reclassify(fn: ReclassifyFn, opts?: ReclassifyOptions): ReclassifyResult;
  /** The classification flags (src/classify/flags.ts flagsRecord) the stored rows were classified with (null: never recorded). */
  classifyFlags(): string | null;
  /** Record the classification flags of the rows just stored or reclassified. */
  setClassifyFlags(record: string): void;
  /** Flush and close. */
  close(): void;
  /** Close without committing: the open batch is rolled back (for a write that failed; a re-run stores it once). */
  abandon(): void;
}
