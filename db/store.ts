// The SQLite store: the public entry to the database (`Store.open`), implementing THE store interface
// (`StoreWriter`, db/interface.ts) on one SQLite file. Its write side is layered by concern, each layer a file:
//   db/open.ts     open, path checks, migrations, the connection and its transaction
//   db/intern.ts   interned strings and pod references
//   db/rollups.ts  the per-minute rollup and snat_rollup aggregators of the open batch
//   db/writer.ts   the request row buffer, add() (the hot path), flush/commit, batches, checkpoints
//   db/sources.ts  sources and their committed positions
//   db/samples.ts  unparsed counts and samples, snapshots, pod events
//   db/prune.ts    deleting old request rows
// The layers are one class chain (StoreConnection <- RefInterner <- RollupBatch <- BatchWriter <- Store) so add()
// reaches every part through `this`, with no extra call per row. The read side is db/queries.ts and db/audit.ts,
// functions over `Store.db` that never write.

import type Database from 'better-sqlite3';
import type { UnparsedReason } from '../src/types.js';
import type {
  PodEventRecord,
  PruneOptions,
  PruneResult,
  SourceDetails,
  SourceKind,
  SourceState,
  StoreOptions,
  StoreWriter,
} from './interface.js';
import { unfinishedInstances } from './instances.js';
import { openDatabase } from './open.js';
import { sqliteSql, type Sql } from './sql.js';
import { pruneRequests } from './prune.js';
import { reclassifyRequests, type ReclassifyFn, type ReclassifyOptions, type ReclassifyResult } from './reclassify.js';
import { readClassifyFlags, writeClassifyFlags } from './meta.js';
import { Snapshots } from './samples.js';
import { BatchWriter } from './writer.js';

export class Store extends BatchWriter implements StoreWriter {
  readonly backend = 'sqlite';
  private readonly snapshots: Snapshots | null = null;

  private constructor(db: Database.Database, file: string, opts: StoreOptions) {
    super(db, file, opts);
    if (!this.readonly) this.snapshots = new Snapshots(db);
  }

  /** The read side's queries on this connection (db/sql.ts). */
  get sql(): Sql {
    return sqliteSql(this.db);
  }

  /** Open (and create or migrate) a database file. Problems the user can fix are UserErrors naming the path. */
  static open(file: string, opts: StoreOptions = {}): Store {
    return openDatabase(file, opts, (db) => new Store(db, file, opts));
  }

  source(key: string, kind: SourceKind, details: SourceDetails = {}): SourceState {
    this.writable();
    return this.positions!.source(key, kind, details);
  }

  peekSource(key: string): SourceState | null {
    this.writable();
    return this.positions!.peek(key);
  }

  unfinishedInstances(namespace: string, pod: string, container: string): string[] {
    return unfinishedInstances(this.sql, namespace, pod, container);
  }

  sourceMeta(sourceId: number, meta: { format?: string | null; envelope?: string | null }): void {
    this.beginIfNeeded();
    this.positions!.meta(sourceId, meta);
  }

  advance(sourceId: number, lines: number, cursor?: string | null): void {
    this.writable();
    this.positions!.advance(sourceId, lines, cursor);
  }

  unparsed(sourceId: number, reason: UnparsedReason, sample: string): void {
    this.beginIfNeeded();
    this.unparsedCounts!.add(sourceId, reason, sample);
  }

  topology(snapshot: unknown, time: number = Date.now()): void {
    this.beginIfNeeded();
    this.snapshots!.topology(snapshot, time);
  }

  service(snapshot: unknown, time: number = Date.now()): void {
    this.beginIfNeeded();
    this.snapshots!.service(snapshot, time);
  }

  podEvent(ev: PodEventRecord): void {
    this.beginIfNeeded();
    this.snapshots!.podEvent(ev);
  }

  prune(cutoff: number, opts: PruneOptions = {}): PruneResult {
    this.writable();
    this.flush();
    return pruneRequests(this.sql, cutoff, opts);
  }

  /** Recompute the stored rows' classes with `fn` (db/reclassify.ts). Commits the open batch first. */
  reclassify(fn: ReclassifyFn, opts: ReclassifyOptions = {}): ReclassifyResult {
    this.writable();
    this.flush();
    return reclassifyRequests(this.sql, fn, opts);
  }

  /** The classification flags the stored rows were classified with (null: never recorded). */
  classifyFlags(): string | null {
    return readClassifyFlags(this.sql);
  }

  /** Record the classification flags of the rows just stored or reclassified. */
  setClassifyFlags(record: string): void {
    this.writable();
    writeClassifyFlags(this.sql, record);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
      if (!this.readonly) {
        // Bounded: a fresh database of millions of rows would otherwise be fully ANALYZEd at close.
        this.db.pragma('analysis_limit = 400');
        this.db.pragma('optimize');
      }
    } finally {
      this.closed = true;
      this.closeConnection();
    }
  }
}
