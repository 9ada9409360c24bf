// The only writer to snatscope's SQLite file. Requests go in through add() into one open transaction that
// flush() commits together with the rollups, source cursors (advance) and unparsed counts of the same batch:
// all or nothing, so a crash never loses or duplicates an accepted line.
//
// Hot path (add): no allocation beyond what better-sqlite3 does per statement. Low-cardinality strings (method,
// protocol, owner, upstream, user agent, referer) are interned into `strings` through a bounded Map cache;
// near-unique texts (target, addresses, X-Forwarded-For) are stored inline. Rows are bound 256 at a time into one
// multi-row INSERT, passed as arguments (run.apply) rather than as one array: better-sqlite3 reads an array element
// by element through the V8 API, which cost more than SQLite's own insert. The per-minute rollup aggregates of the
// batch (per class, and per SNAT source for node-class rows) are kept in nested Maps and upserted at flush.
// WAL checkpoints run between batches, not inside commits.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../src/errors.js';
import type { RequestRow, UnparsedReason } from '../src/types.js';
import { CLASS_IDS, MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type SourceKind = 'file' | 'stdin' | 'stream';
export type PodEventKind = 'watched' | 'deleted' | 'stream-start' | 'stream-end' | 'stream-error' | 'restart';

export interface StoreOptions {
  readonly?: boolean;
  busyTimeoutMs?: number;
  /** Rows per transaction before add() commits on its own (default 50_000). */
  batchSize?: number;
  /** Most interned strings kept in memory (default 100_000, in two generations). */
  internCacheSize?: number;
}

export interface SourceMeta {
  namespace?: string | null;
  pod?: string | null;
  container?: string | null;
  containerId?: string | null;
  node?: string | null;
  path?: string | null;
}

export interface SourceState {
  id: number;
  /** Lines already committed for this source: a re-ingest skips this many. */
  lines: number;
  cursor: string | null;
}

export interface PodEvent {
  time?: number;
  namespace: string;
  pod: string;
  container?: string | null;
  event: PodEventKind;
  detail?: string | null;
}

const COLS = 18;
/** Rows per multi-row INSERT (18 * 256 = 4608 parameters; SQLite allows 32766). 32 rows cost ~30% more per row. */
const CHUNK = 256;
/** Rows per INSERT for the rest of the buffer at a flush (small batches of `watch`). */
const SMALL_CHUNK = 16;
const MAX_SAMPLES = 3;
const MAX_SAMPLE_CHARS = 2048;
const MAX_POD_REFS = 1 << 24;
const INSERT_COLS =
  'time, source, pod, class, remote_addr, owner, client, client_class, method, target_text, protocol, status, bytes, ' +
  'referer, user_agent, xff, request_ms, upstream_addr';

/** A copy of s that does not keep a larger parent string (a sliced log line) alive while cached. */
function detach(s: string): string {
  // Concatenation then slice flattens into a fresh string of s.length + 1 characters (short ones are copied whole).
  return (' ' + s).slice(1);
}

/**
 * A flush checkpoints the WAL (PASSIVE: never waits for readers) after this many rows or commits since the last
 * one, instead of SQLite's autocheckpoint inside a commit every 4000 pages: bulk ingest copies pages far less often.
 */
const CHECKPOINT_ROWS = 400_000;
const CHECKPOINT_COMMITS = 2_000;

/** Last pod ref seen per source: most rows of a source share it, so no key is built per row. */
class PodSlot {
  namespace = '';
  pod = '';
  container = '';
  node: string | null = null;
  id = -1;
}

/** Node-class requests of one (minute, pod, owner, address) in the open batch. */
class SnatAgg {
  requests = 0;
  constructor(readonly minute: number, readonly pod: number, readonly owner: number, readonly addr: string) {}
}

/** Rollup cell of the open batch. */
class Agg {
  requests = 0;
  recovered = 0;
  bytes = 0;
  constructor(readonly minute: number, readonly pod: number, readonly cls: number) {}
}

class UnparsedPending {
  count = 0;
  readonly samples: string[] = [];
  constructor(public stored: number) {}
}

export class Store {
  readonly db: Database.Database;
  readonly path: string;
  readonly readonly: boolean;
  private readonly batchSize: number;
  private readonly internCacheSize: number;

  private strCache = new Map<string, number>();
  private strOld = new Map<string, number>();
  private readonly podIds = new Map<string, number>();
  private readonly podSlots = new Map<number, PodSlot>();
  private readonly buf: unknown[] = new Array<unknown>(CHUNK * COLS).fill(null);
  private readonly smallBuf: unknown[] = new Array<unknown>(SMALL_CHUNK * COLS).fill(null);
  private bufRows = 0;
  private batchRows = 0;
  /** Rowid of the last request inserted: rows of one batch have consecutive ids ending here. */
  private lastRowId = 0;
  private batchMinTime = Infinity;
  private batchMaxTime = -Infinity;
  private aggs = new Map<number, Map<number, Agg>>();
  private aggMinute = Number.NaN;
  private aggInner: Map<number, Agg> | undefined = undefined;
  /** (minute * 2^24 + pod) -> owner id -> address -> node-class count of the open batch. */
  private snatAggs = new Map<number, Map<number, Map<string, SnatAgg>>>();
  private snatKey = Number.NaN;
  private snatOwner = -1;
  private snatInner: Map<string, SnatAgg> | undefined = undefined;
  private ckptRows = 0;
  private ckptCommits = 0;
  private readonly pendingLines = new Map<number, number>();
  private readonly pendingCursor = new Map<number, string | null>();
  private readonly unparsedPending = new Map<number, Map<string, UnparsedPending>>();
  private closed = false;

  // Prepared once (write side only when not read-only).
  private readonly st!: {
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    insChunk: Database.Statement;
    insSmall: Database.Statement;
    ins1: Database.Statement;
    internString: Database.Statement;
    selPod: Database.Statement;
    insPod: Database.Statement;
    upRollup: Database.Statement;
    upSnat: Database.Statement;
    insBatch: Database.Statement;
    trimBatches: Database.Statement;
    dropEmptyBatches: Database.Statement;
    selSource: Database.Statement;
    insSource: Database.Statement;
    touchSource: Database.Statement;
    advSource: Database.Statement;
    advSourceCursor: Database.Statement;
    cursorSource: Database.Statement;
    metaSource: Database.Statement;
    upUnparsed: Database.Statement;
    insSample: Database.Statement;
    countSamples: Database.Statement;
    insTopology: Database.Statement;
    insService: Database.Statement;
    insPodEvent: Database.Statement;
  };

  private constructor(db: Database.Database, file: string, opts: StoreOptions) {
    this.db = db;
    this.path = file;
    this.readonly = opts.readonly === true;
    this.batchSize = Math.max(1, opts.batchSize ?? 50_000);
    this.internCacheSize = Math.max(16, opts.internCacheSize ?? 100_000);
    if (this.readonly) return;
    const rowParams = `(${new Array<string>(COLS).fill('?').join(',')})`;
    this.st = {
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      insChunk: db.prepare(`INSERT INTO requests (${INSERT_COLS}) VALUES ${new Array<string>(CHUNK).fill(rowParams).join(',')}`),
      insSmall: db.prepare(`INSERT INTO requests (${INSERT_COLS}) VALUES ${new Array<string>(SMALL_CHUNK).fill(rowParams).join(',')}`),
      ins1: db.prepare(`INSERT INTO requests (${INSERT_COLS}) VALUES ${rowParams}`),
      internString: db.prepare('INSERT INTO strings (s) VALUES (?) ON CONFLICT (s) DO UPDATE SET s = s RETURNING id').pluck(),
      selPod: db.prepare('SELECT id FROM pods WHERE namespace = ? AND pod = ? AND container = ? AND node = ?').pluck(),
      insPod: db.prepare('INSERT INTO pods (namespace, pod, container, node) VALUES (?, ?, ?, ?)'),
      upRollup: db.prepare(
        'INSERT INTO rollups (minute, pod, class, requests, recovered, bytes) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (minute, pod, class) DO UPDATE SET requests = requests + excluded.requests, ' +
          'recovered = recovered + excluded.recovered, bytes = bytes + excluded.bytes',
      ),
      upSnat: db.prepare(
        'INSERT INTO snat_rollups (minute, pod, owner, addr, requests) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (minute, pod, owner, addr) DO UPDATE SET requests = requests + excluded.requests',
      ),
      insBatch: db.prepare('INSERT INTO batches (first_id, last_id, min_time, max_time, committed) VALUES (?, ?, ?, ?, ?)'),
      trimBatches: db.prepare('UPDATE batches SET last_id = ? WHERE last_id >= ?'),
      dropEmptyBatches: db.prepare('DELETE FROM batches WHERE last_id < first_id'),
      selSource: db.prepare('SELECT id, lines, cursor FROM sources WHERE key = ?'),
      insSource: db.prepare(
        'INSERT INTO sources (key, kind, namespace, pod, container, container_id, node, path, first_seen, last_seen) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      touchSource: db.prepare(
        'UPDATE sources SET namespace = coalesce(?, namespace), pod = coalesce(?, pod), container = coalesce(?, container), ' +
          'container_id = coalesce(?, container_id), node = coalesce(?, node), path = coalesce(?, path), last_seen = ? WHERE id = ?',
      ),
      advSource: db.prepare('UPDATE sources SET lines = ?, last_seen = ? WHERE id = ?'),
      advSourceCursor: db.prepare('UPDATE sources SET lines = ?, cursor = ?, last_seen = ? WHERE id = ?'),
      cursorSource: db.prepare('UPDATE sources SET cursor = ?, last_seen = ? WHERE id = ?'),
      metaSource: db.prepare('UPDATE sources SET format = coalesce(?, format), envelope = coalesce(?, envelope) WHERE id = ?'),
      upUnparsed: db.prepare(
        'INSERT INTO unparsed (source, reason, count) VALUES (?, ?, ?) ' +
          'ON CONFLICT (source, reason) DO UPDATE SET count = count + excluded.count',
      ),
      insSample: db.prepare('INSERT INTO unparsed_samples (source, reason, sample) VALUES (?, ?, ?)'),
      countSamples: db.prepare('SELECT count(*) FROM unparsed_samples WHERE source = ? AND reason = ?').pluck(),
      insTopology: db.prepare('INSERT INTO topology (time, json) VALUES (?, ?)'),
      insService: db.prepare('INSERT INTO services (time, namespace, name, json) VALUES (?, ?, ?, ?)'),
      insPodEvent: db.prepare(
        'INSERT INTO pod_events (time, namespace, pod, container, event, detail) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Open (and create or migrate) a database file. Problems the user can fix are UserErrors naming the path. */
  static open(file: string, opts: StoreOptions = {}): Store {
    const readonly = opts.readonly === true;
    checkPath(file, readonly);
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? 5000 });
    } catch (err) {
      throw new UserError(`cannot open database ${file}: ${(err as Error).message}`, 'a writable path to a new or snatscope database file');
    }
    try {
      if (readonly) {
        db.pragma('cache_size = -16384');
      } else {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('cache_size = -32768');
        db.pragma('temp_store = MEMORY');
        // Checkpoints run from flush() between transactions (see CHECKPOINT_ROWS), not inside a commit.
        db.pragma('wal_autocheckpoint = 0');
      }
      migrate(db, file, readonly);
      return new Store(db, file, opts);
    } catch (err) {
      db.close();
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new UserError(`${file} is not a SQLite database`, 'a path to a new file or to a database snatscope wrote');
      }
      if (code === 'SQLITE_BUSY') {
        throw new UserError(`database ${file} is locked by another process`, 'again when the other snatscope has finished');
      }
      throw err;
    }
  }

  /** Rows added since the last commit. */
  get pending(): number {
    return this.batchRows;
  }

  /** Get or create the source with this key; `lines`/`cursor` are its committed position (or the one advanced in the open batch). */
  source(key: string, kind: SourceKind, meta: SourceMeta = {}): SourceState {
    this.writable();
    const now = Date.now();
    const row = this.st.selSource.get(key) as { id: number; lines: number; cursor: string | null } | undefined;
    if (row) {
      this.st.touchSource.run(
        meta.namespace ?? null, meta.pod ?? null, meta.container ?? null, meta.containerId ?? null,
        meta.node ?? null, meta.path ?? null, now, row.id,
      );
      // A position advanced in the open batch is committed with it: that is the one to resume from.
      const cursor = this.pendingCursor.has(row.id) ? (this.pendingCursor.get(row.id) ?? null) : row.cursor;
      return { id: row.id, lines: this.pendingLines.get(row.id) ?? row.lines, cursor };
    }
    const info = this.st.insSource.run(
      key, kind, meta.namespace ?? null, meta.pod ?? null, meta.container ?? null, meta.containerId ?? null,
      meta.node ?? null, meta.path ?? null, now, now,
    );
    return { id: Number(info.lastInsertRowid), lines: 0, cursor: null };
  }

  /** Record the detected line format and envelope of a source (committed with the next flush). */
  sourceMeta(sourceId: number, meta: { format?: string | null; envelope?: string | null }): void {
    this.beginIfNeeded();
    this.st.metaSource.run(meta.format ?? null, meta.envelope ?? null, sourceId);
  }

  /** Add one classified request to the open batch. */
  add(sourceId: number, row: RequestRow): void {
    if (this.batchRows >= this.batchSize) this.flush();
    this.beginIfNeeded();
    let t = row.time;
    t = t === t && t > -8.64e15 && t < 8.64e15 ? Math.round(t) : Date.now();
    const pod = this.podRef(sourceId, row);
    const cls = CLASS_IDS[row.cls] ?? 4;
    const rt = row.requestTime;
    const b = this.buf;
    let i = this.bufRows * COLS;
    b[i++] = t;
    b[i++] = sourceId;
    b[i++] = pod;
    b[i++] = cls;
    b[i++] = row.remoteAddr;
    const owner = row.owner === null ? null : this.intern(row.owner);
    b[i++] = owner;
    b[i++] = row.client;
    b[i++] = row.clientCls === null ? null : (CLASS_IDS[row.clientCls] ?? 4);
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
    const k = pod * 8 + cls;
    let a = inner.get(k);
    if (a === undefined) inner.set(k, (a = new Agg(minute, pod, cls)));
    a.requests++;
    if (row.client !== null) a.recovered++;
    a.bytes += row.bytes;
    if (cls === 0) this.addSnat(minute, pod, owner ?? 0, row.remoteAddr);
  }

  private addSnat(minute: number, pod: number, owner: number, addr: string): void {
    const key = minute * MAX_POD_REFS + pod;
    let inner = this.snatInner;
    if (key !== this.snatKey || owner !== this.snatOwner || inner === undefined) {
      let byOwner = this.snatAggs.get(key);
      if (byOwner === undefined) this.snatAggs.set(key, (byOwner = new Map()));
      inner = byOwner.get(owner);
      if (inner === undefined) byOwner.set(owner, (inner = new Map()));
      this.snatKey = key;
      this.snatOwner = owner;
      this.snatInner = inner;
    }
    let a = inner.get(addr);
    if (a === undefined) inner.set(addr, (a = new SnatAgg(minute, pod, owner, addr)));
    a.requests++;
  }

  /** The source has been consumed up to `lines` (and `cursor`, when given); committed with the rows it covers. */
  advance(sourceId: number, lines: number, cursor?: string | null): void {
    this.writable();
    this.pendingLines.set(sourceId, lines);
    if (cursor !== undefined) this.pendingCursor.set(sourceId, cursor);
  }

  /** Count a line that was not accepted, keeping the first few samples per source and reason. */
  unparsed(sourceId: number, reason: UnparsedReason, sample: string): void {
    this.beginIfNeeded();
    let bySource = this.unparsedPending.get(sourceId);
    if (bySource === undefined) this.unparsedPending.set(sourceId, (bySource = new Map()));
    let p = bySource.get(reason);
    if (p === undefined) {
      p = new UnparsedPending(this.st.countSamples.get(sourceId, reason) as number);
      bySource.set(reason, p);
    }
    p.count++;
    if (p.stored + p.samples.length < MAX_SAMPLES) {
      p.samples.push(detach(sample.length > MAX_SAMPLE_CHARS ? sample.slice(0, MAX_SAMPLE_CHARS) : sample));
    }
  }

  /** Keep a snapshot of the cluster topology (any JSON-serialisable value). */
  topology(snapshot: unknown, time: number = Date.now()): void {
    this.beginIfNeeded();
    this.st.insTopology.run(Math.round(time), JSON.stringify(snapshot));
  }

  /** Keep a snapshot of one service (kube JSON with metadata, or an object with namespace/name). */
  service(snapshot: unknown, time: number = Date.now()): void {
    this.beginIfNeeded();
    const s = (snapshot ?? {}) as { metadata?: { namespace?: unknown; name?: unknown }; namespace?: unknown; name?: unknown };
    const ns = s.metadata?.namespace ?? s.namespace;
    const name = s.metadata?.name ?? s.name;
    this.st.insService.run(
      Math.round(time), typeof ns === 'string' ? ns : null, typeof name === 'string' ? name : null, JSON.stringify(snapshot),
    );
  }

  /** Record a pod/stream event (audits use these to find gaps in coverage). */
  podEvent(ev: PodEvent): void {
    this.beginIfNeeded();
    this.st.insPodEvent.run(
      Math.round(ev.time ?? Date.now()), ev.namespace, ev.pod, ev.container ?? null, ev.event, ev.detail ?? null,
    );
  }

  /** Commit the open batch: rows, rollups, source positions and unparsed counts, all or nothing. */
  flush(): void {
    if (this.readonly) return;
    if (!this.db.inTransaction) {
      if (this.pendingLines.size === 0 && this.pendingCursor.size === 0) return;
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
        this.lastRowId = st.ins1.run(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7], b[o + 8], b[o + 9],
          b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14], b[o + 15], b[o + 16], b[o + 17]).lastInsertRowid as number;
      }
      if (this.batchRows > 0) {
        const last = this.lastRowId;
        const first = last - this.batchRows + 1;
        // Ids are reused only after the newest rows were deleted: older ranges then hold no row at or above `first`.
        if (st.trimBatches.run(first - 1, first).changes > 0) st.dropEmptyBatches.run();
        st.insBatch.run(first, last, this.batchMinTime, this.batchMaxTime, Date.now());
      }
      for (const inner of this.aggs.values()) {
        for (const a of inner.values()) st.upRollup.run(a.minute, a.pod, a.cls, a.requests, a.recovered, a.bytes);
      }
      for (const byOwner of this.snatAggs.values()) {
        for (const inner of byOwner.values()) {
          for (const a of inner.values()) st.upSnat.run(a.minute, a.pod, a.owner, a.addr, a.requests);
        }
      }
      const now = Date.now();
      for (const [id, lines] of this.pendingLines) {
        if (this.pendingCursor.has(id)) st.advSourceCursor.run(lines, this.pendingCursor.get(id) ?? null, now, id);
        else st.advSource.run(lines, now, id);
      }
      for (const [id, cursor] of this.pendingCursor) {
        if (!this.pendingLines.has(id)) st.cursorSource.run(cursor, now, id);
      }
      for (const [id, byReason] of this.unparsedPending) {
        for (const [reason, p] of byReason) {
          if (p.count > 0) st.upUnparsed.run(id, reason, p.count);
          for (const s of p.samples) st.insSample.run(id, reason, s);
        }
      }
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

  /** Flush and close the file. */
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
      this.db.close();
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
      this.db.close();
    }
  }

  private resetBatch(failed: boolean): void {
    this.bufRows = 0;
    this.batchRows = 0;
    this.batchMinTime = Infinity;
    this.batchMaxTime = -Infinity;
    this.aggs = new Map();
    this.aggMinute = Number.NaN;
    this.aggInner = undefined;
    this.snatAggs = new Map();
    this.snatKey = Number.NaN;
    this.snatOwner = -1;
    this.snatInner = undefined;
    this.pendingLines.clear();
    this.pendingCursor.clear();
    for (const byReason of this.unparsedPending.values()) {
      for (const p of byReason.values()) {
        if (!failed) p.stored += p.samples.length;
        p.count = 0;
        p.samples.length = 0;
      }
    }
    if (failed) {
      // Ids handed out inside the rolled-back transaction no longer exist.
      this.strCache.clear();
      this.strOld.clear();
      this.podIds.clear();
      this.podSlots.clear();
      this.unparsedPending.clear();
    }
  }

  private writable(): void {
    if (this.readonly) throw new Error(`store ${this.path} is open read-only`);
    if (this.closed) throw new Error(`store ${this.path} is closed`);
  }

  private beginIfNeeded(): void {
    if (!this.db.inTransaction) {
      this.writable();
      this.st.begin.run();
    }
  }

  private intern(s: string): number {
    const id = this.strCache.get(s);
    return id !== undefined ? id : this.internMiss(s);
  }

  /** Two generations: when the current one is full it becomes the old one; hits in the old one move back. */
  private internMiss(s: string): number {
    let id = this.strOld.get(s);
    const flat = detach(s);
    if (id === undefined) id = this.st.internString.get(flat) as number;
    if (this.strCache.size >= this.internCacheSize >> 1) {
      this.strOld = this.strCache;
      this.strCache = new Map();
    }
    this.strCache.set(flat, id);
    return id;
  }

  private podRef(sourceId: number, row: RequestRow): number {
    let slot = this.podSlots.get(sourceId);
    if (
      slot !== undefined &&
      slot.pod === row.pod &&
      slot.namespace === row.namespace &&
      slot.container === row.container &&
      slot.node === row.nodeName
    ) {
      return slot.id;
    }
    if (slot === undefined) this.podSlots.set(sourceId, (slot = new PodSlot()));
    const ns = detach(row.namespace);
    const pod = detach(row.pod);
    const container = detach(row.container);
    const node = row.nodeName === null ? null : detach(row.nodeName);
    const key = `${ns}\u0000${pod}\u0000${container}\u0000${node ?? ''}`;
    let id = this.podIds.get(key);
    if (id === undefined) {
      id = this.st.selPod.get(ns, pod, container, node ?? '') as number | undefined;
      if (id === undefined) id = Number(this.st.insPod.run(ns, pod, container, node ?? '').lastInsertRowid);
      if (id >= MAX_POD_REFS) throw new Error('too many distinct pod/container/node combinations in one database');
      this.podIds.set(key, id);
    }
    slot.namespace = ns;
    slot.pod = pod;
    slot.container = container;
    slot.node = node;
    slot.id = id;
    return id;
  }
}

function checkPath(file: string, readonly: boolean): void {
  const hint = 'a path to a new file or to a database snatscope wrote';
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UserError(`cannot open database ${file}: a parent of it is not a directory`, hint);
    if (code !== 'ENOENT') throw new UserError(`cannot open database ${file}: ${(err as Error).message}`, hint);
  }
  if (st?.isDirectory()) {
    throw new UserError(`database path ${file} is a directory`, `a file path such as ${path.join(file, 'snatscope.db')}`);
  }
  if (st === undefined) {
    if (readonly) throw new UserError(`database ${file} does not exist`, 'the path of a database snatscope wrote');
    const dir = path.dirname(path.resolve(file));
    let dst: fs.Stats | undefined;
    try {
      dst = fs.statSync(dir);
    } catch {
      dst = undefined;
    }
    if (dst === undefined) throw new UserError(`cannot create database ${file}: directory ${dir} does not exist`, `mkdir -p ${dir}`);
    if (!dst.isDirectory()) throw new UserError(`cannot create database ${file}: ${dir} is not a directory`, hint);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new UserError(`cannot create database ${file}: directory ${dir} is not writable`, 'a path in a writable directory');
    }
  } else if (!readonly) {
    if (!st.isFile()) throw new UserError(`database path ${file} is not a regular file`, hint);
    try {
      fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    } catch {
      throw new UserError(`database ${file} is not writable`, 'opening it read-only, or a writable copy');
    }
  }
}

function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const check = (v: number): void => {
    if (v > SCHEMA_VERSION) {
      throw new UserError(
        `database ${file} was written by a newer snatscope (schema ${v}, this one knows ${SCHEMA_VERSION})`,
        'a newer snatscope, or a new database path',
      );
    }
    if (v === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
      if (tables > 0) throw new UserError(`${file} is a SQLite database that snatscope did not write`, 'a path to a new file');
    }
  };
  let v = version();
  check(v);
  if (v === SCHEMA_VERSION) return;
  if (readonly) {
    throw new UserError(
      v === 0 ? `database ${file} is empty` : `database ${file} needs an upgrade (schema ${v} -> ${SCHEMA_VERSION}) that a read-only open cannot do`,
      v === 0 ? 'the path of a database snatscope wrote' : 'opening it once without read-only',
    );
  }
  while (v < SCHEMA_VERSION) {
    db.exec('BEGIN IMMEDIATE');
    try {
      v = version(); // another process may have migrated meanwhile
      check(v);
      if (v < SCHEMA_VERSION) {
        db.exec(MIGRATIONS[v]);
        db.pragma(`user_version = ${v + 1}`);
        if (v === 0) db.prepare("INSERT INTO meta (key, value) VALUES ('created', ?)").run(new Date().toISOString());
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    v = version();
  }
}
