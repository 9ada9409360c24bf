// The request writer: requests go in through add() into one open transaction that flush() commits together with
// the rollups, source positions (advance) and unparsed counts of the same batch: all or nothing, so a crash never
// loses or duplicates an accepted line. The `batches` table records each commit's id range and time span.
//
// Hot path (add): no allocation beyond what better-sqlite3 does per statement. Interned strings and pod refs come
// from db/intern.ts, the rollup cells from db/rollups.ts, all layers of this one object (no extra call per row);
// near-unique texts (target, addresses, X-Forwarded-For) are stored inline. Rows are bound 256 at a time into one
// multi-row INSERT, passed as arguments (run.apply) rather than as one array: better-sqlite3 reads an array element
// by element through the V8 API, which cost more than SQLite's own insert. WAL checkpoints run between batches,
// not inside commits.

import type Database from 'better-sqlite3';
import type { RequestRow } from '../src/fields.js';
import type { StoreOptions } from './interface.js';
import { Agg, RollupBatch } from './rollups.js';
import { CLASS_COUNT, CLASS_ID, FALLBACK_ID, NODE_ID } from '../src/classes.js';

const EXTERNAL_ID = CLASS_ID.external;
import { ROW_PARAMS as COLS, insertSql } from './row-columns.js';
import { SourcePositions } from './sources.js';
import { UnparsedCounts } from './samples.js';

/** Rows per multi-row INSERT (COLS 18 * 256 = 4608 parameters; SQLite allows 32766). 32 rows cost ~30% more per row. */
const CHUNK = 256;
/** Rows per INSERT for the rest of the buffer at a flush (small batches of `watch`). */
const SMALL_CHUNK = 16;

/**
 * A flush checkpoints the WAL (PASSIVE: never waits for readers) after this many rows or commits since the last
 * one, instead of SQLite's autocheckpoint inside a commit every 4000 pages: bulk ingest copies pages far less often.
 */
const CHECKPOINT_ROWS = 400_000;
const CHECKPOINT_COMMITS = 2_000;

export class BatchWriter extends RollupBatch {
  private readonly batchSize: number;
  private readonly buf: unknown[] = new Array<unknown>(CHUNK * COLS).fill(null);
  private readonly smallBuf: unknown[] = new Array<unknown>(SMALL_CHUNK * COLS).fill(null);
  private bufRows = 0;
  private batchRows = 0;
  /** Rowid of the last request inserted: rows of one batch have consecutive ids ending here. */
  private lastRowId = 0;
  private batchMinTime = Infinity;
  private batchMaxTime = -Infinity;
  private ckptRows = 0;
  private ckptCommits = 0;
  /** Source positions and unparsed counts of the open batch (null on a read-only store). */
  protected readonly positions: SourcePositions | null = null;
  protected readonly unparsedCounts: UnparsedCounts | null = null;

  // Prepared once (write side only when not read-only).
  private readonly st!: {
    commit: Database.Statement;
    rollback: Database.Statement;
    insChunk: Database.Statement;
    insSmall: Database.Statement;
    ins1: Database.Statement;
    insBatch: Database.Statement;
    trimBatches: Database.Statement;
    dropEmptyBatches: Database.Statement;
  };

  protected constructor(db: Database.Database, file: string, opts: StoreOptions) {
    super(db, file, opts);
    this.batchSize = Math.max(1, opts.batchSize ?? 50_000);
    if (this.readonly) return;
    this.positions = new SourcePositions(db);
    this.unparsedCounts = new UnparsedCounts(db);
    this.st = {
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      insChunk: db.prepare(insertSql(CHUNK)),
      insSmall: db.prepare(insertSql(SMALL_CHUNK)),
      ins1: db.prepare(insertSql(1)),
      insBatch: db.prepare('INSERT INTO batches (first_id, last_id, min_time, max_time, committed) VALUES (?, ?, ?, ?, ?)'),
      trimBatches: db.prepare('UPDATE batches SET last_id = ? WHERE last_id >= ?'),
      dropEmptyBatches: db.prepare('DELETE FROM batches WHERE last_id < first_id'),
    };
  }

  /** Rows added since the last commit. */
  get pending(): number {
    return this.batchRows;
  }

  /** Add one classified request to the open batch. */
  add(sourceId: number, row: RequestRow): void {
    if (this.batchRows >= this.batchSize) this.flush();
    this.beginIfNeeded();
    let t = row.time;
    t = t === t && t > -8.64e15 && t < 8.64e15 ? Math.round(t) : Date.now();
    const pod = this.podRef(sourceId, row);
    const cls = CLASS_ID[row.cls] ?? FALLBACK_ID;
    const rt = row.requestTime;
    const b = this.buf;
    let i = this.bufRows * COLS;
    // In INSERT_COLUMNS order (db/row-columns.ts; test/fields.test.ts checks it).
    b[i++] = sourceId;
    b[i++] = t;
    b[i++] = pod;
    b[i++] = row.remoteAddr;
    b[i++] = cls;
    const owner = row.owner === null ? null : this.intern(row.owner);
    b[i++] = owner;
    b[i++] = row.client;
    const clientCls = row.clientCls === null ? -1 : (CLASS_ID[row.clientCls] ?? FALLBACK_ID);
    b[i++] = clientCls < 0 ? null : clientCls;
    b[i++] = row.method === null ? null : this.intern(row.method);
    b[i++] = row.target;
    b[i++] = row.protocol === null ? null : this.intern(row.protocol);
    b[i++] = row.status;
    b[i++] = row.bytes;
    b[i++] = row.referer === null ? null : this.intern(row.referer);
    b[i++] = row.userAgent === null ? null : this.intern(row.userAgent);
    b[i++] = row.xff;
    b[i++] = rt === rt ? Math.round(rt * 1000) : null;
    b[i] = row.upstreamAddr === null ? null : this.intern(row.upstreamAddr);
    if (++this.bufRows === CHUNK) {
      const ins = this.st.insChunk;
      this.lastRowId = ins.run.apply(ins, b).lastInsertRowid as number;
      this.bufRows = 0;
    }
    this.batchRows++;
    if (t < this.batchMinTime) this.batchMinTime = t;
    if (t > this.batchMaxTime) this.batchMaxTime = t;

    const minute = Math.floor(t / 60000);
    let inner = this.aggInner;
    if (minute !== this.aggMinute || inner === undefined) {
      inner = this.aggs.get(minute);
      if (inner === undefined) this.aggs.set(minute, (inner = new Map()));
      this.aggMinute = minute;
      this.aggInner = inner;
    }
    const k = pod * CLASS_COUNT + cls;
    let a = inner.get(k);
    if (a === undefined) inner.set(k, (a = new Agg(minute, pod, cls)));
    a.requests++;
    if (row.client !== null) a.recovered++;
    if (cls === EXTERNAL_ID || clientCls === EXTERNAL_ID) a.known++; // clientKnown() in src/classes.ts
    a.bytes += row.bytes;
    if (cls === NODE_ID) this.addSnat(minute, pod, owner ?? 0, row.remoteAddr);
  }

  /** Commit the open batch: rows, rollups, source positions and unparsed counts, all or nothing. */
  flush(): void {
    if (this.readonly) return;
    if (!this.db.inTransaction) {
      if (!this.positions!.pending) return;
      this.beginIfNeeded();
    }
    const st = this.st;
    try {
      const b = this.buf;
      let r = 0;
      for (const sb = this.smallBuf; r + SMALL_CHUNK <= this.bufRows; r += SMALL_CHUNK) {
        for (let j = 0, o = r * COLS; j < SMALL_CHUNK * COLS; j++) sb[j] = b[o + j];
        this.lastRowId = st.insSmall.run.apply(st.insSmall, sb).lastInsertRowid as number;
      }
      for (; r < this.bufRows; r++) {
        const o = r * COLS;
        this.lastRowId = st.ins1.run.apply(st.ins1, b.slice(o, o + COLS)).lastInsertRowid as number;
      }
      if (this.batchRows > 0) {
        const last = this.lastRowId;
        const first = last - this.batchRows + 1;
        // Ids are reused only after the newest rows were deleted: older ranges then hold no row at or above `first`.
        if (st.trimBatches.run(first - 1, first).changes > 0) st.dropEmptyBatches.run();
        st.insBatch.run(first, last, this.batchMinTime, this.batchMaxTime, Date.now());
      }
      this.writeRollups();
      this.positions!.write();
      this.unparsedCounts!.write();
      st.commit.run();
    } catch (err) {
      if (this.db.inTransaction) st.rollback.run();
      this.resetBatch(true);
      throw err;
    }
    this.ckptRows += this.batchRows;
    this.ckptCommits++;
    this.resetBatch(false);
    if (this.ckptRows >= CHECKPOINT_ROWS || this.ckptCommits >= CHECKPOINT_COMMITS) {
      this.ckptRows = 0;
      this.ckptCommits = 0;
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
  }

  /**
   * Closes without committing: the open batch (rows, rollups, positions, unparsed counts) is rolled back. For a
   * write that failed (disk full, locked): nothing of the failed batch is stored, so a re-run stores it once.
   */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // The failed statement may have rolled back already.
    } finally {
      this.resetBatch(true);
      this.closeConnection();
    }
  }

  private resetBatch(failed: boolean): void {
    this.bufRows = 0;
    this.batchRows = 0;
    this.batchMinTime = Infinity;
    this.batchMaxTime = -Infinity;
    this.resetRollups();
    this.positions?.clear();
    this.unparsedCounts?.reset(failed);
    // Ids handed out inside the rolled-back transaction no longer exist.
    if (failed) this.forgetRefs();
  }
}
