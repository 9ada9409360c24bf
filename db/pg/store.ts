// The PostgreSQL store: the same API as the SQLite Store (db/store.ts), so the pipeline, the commands and the read
// side do not know which one they have. add() buffers the row in columns (batch.ts); flush() hands the batch to
// the worker (worker.ts), which commits rows, rollups and positions in one transaction while this thread goes
// on parsing. At most MAX_INFLIGHT_ROWS are in flight: then flush() waits (backpressure). A failed commit is
// thrown by the next flush() or close(), and nothing after it commits, so a re-run resumes exactly.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../../src/errors.js';
import type { RequestRow, UnparsedReason } from '../../src/types.js';
import type { PgConnection } from '../location.js';
import { query, type Sql } from '../sql.js';
import type { PodEventRecord as PodEvent, PruneOptions, PruneResult, SourceDetails as SourceMeta, SourceKind, SourceState, StoreOptions, StoreWriter } from '../interface.js';
import { BatchBuilder } from './batch.js';
import { Bridge, PgStoreError } from './bridge.js';
import { PgSql } from './sql.js';
import type { Notice } from './worker.js';
import { SourceBusyError } from '../errors.js';
import { pruneRequests } from '../prune.js';
import { reclassifyRequests, type ReclassifyFn, type ReclassifyOptions, type ReclassifyResult } from '../reclassify.js';
import { unfinishedInstances } from '../instances.js';
import { readClassifyFlags, writeClassifyFlags } from '../meta.js';

const MAX_SAMPLES = 3;
const PEEK = query(() => 'SELECT id, lines, cursor FROM sources WHERE key = @key');
const MAX_SAMPLE_CHARS = 2048;
/** Rows committed but not yet acknowledged before flush() waits: a short outage is ridden out without blocking. */
const MAX_INFLIGHT_ROWS = 500_000;

export interface PgStoreOptions extends StoreOptions {
  /** For messages: the URL without its password. */
  display: string;
  /** Said once when the connection is lost and once when it is back (default: a line on stderr). */
  onNotice?: (message: string) => void;
  /** Give up reconnecting after this long (default 10 minutes). */
  reconnectMs?: number;
  /** Names this writer in pg_stat_activity (and in the message another writer of the same source gets). */
  role?: string;
}

export class PgStore implements StoreWriter {
  readonly backend = 'postgres';
  readonly path: string;
  readonly readonly: boolean;
  readonly sql: Sql;
  private readonly bridge: Bridge;
  private readonly builder = new BatchBuilder();
  private readonly batchSize: number;
  /** Positions advanced since start, per source: what source() returns while commits are in flight. */
  private readonly known = new Map<number, { lines: number; cursor: string | null }>();
  private readonly samples = new Map<string, number>();
  private readonly unparsedOpen = new Map<string, [number, string, number, string[]]>();
  private closed = false;

  private constructor(bridge: Bridge, opts: PgStoreOptions) {
    this.bridge = bridge;
    this.path = opts.display;
    this.readonly = opts.readonly === true;
    this.batchSize = Math.max(1, opts.batchSize ?? 50_000);
    this.sql = new PgSql(bridge, () => {
      // A read sees what this process has written: commits in flight go first.
      if (!this.readonly) this.sync();
    });
  }

  static open(connection: PgConnection, opts: PgStoreOptions): PgStore {
    const say = opts.onNotice ?? ((m: string) => process.stderr.write(`snatscope: ${m}\n`));
    const display = opts.display;
    const onNotice = (n: Notice) =>
      say(n.notice === 'lost'
        ? `PostgreSQL ${display}: connection lost (${n.message}); reconnecting, rows are kept until they are stored`
        : `PostgreSQL ${display}: reconnected after ${(n.downMs / 1000).toFixed(1)} s; nothing was lost`);
    const bridge = new Bridge({
      connection,
      readonly: opts.readonly === true,
      appName: `snatscope ${opts.role ?? (opts.readonly ? 'reader' : 'writer')} pid ${process.pid} on ${hostname()}`.slice(0, 63),
      writer: randomUUID(),
      reconnectMs: opts.reconnectMs ?? 600_000,
      onNotice,
    });
    try {
      bridge.call({ op: 'open' });
    } catch (err) {
      bridge.terminate();
      throw openError(err, display);
    }
    return new PgStore(bridge, opts);
  }

  get pending(): number {
    return this.builder.rows;
  }

  source(key: string, kind: SourceKind, meta: SourceMeta = {}): SourceState {
    this.writable();
    const m = { namespace: meta.namespace ?? null, pod: meta.pod ?? null, container: meta.container ?? null, containerId: meta.containerId ?? null, node: meta.node ?? null, path: meta.path ?? null };
    let r: { id: number; lines: number; cursor: string | null };
    try {
      r = this.bridge.call({ op: 'source', key, kind, meta: m, now: Date.now() });
    } catch (err) {
      if (err instanceof PgStoreError && err.kind === 'busy') {
        throw new SourceBusyError(`${describeSource(key, meta)} ${err.message}`, err.hint);
      }
      throw err;
    }
    const k = this.known.get(r.id);
    return k ? { id: r.id, lines: k.lines, cursor: k.cursor } : r;
  }

  unfinishedInstances(namespace: string, pod: string, container: string): string[] {
    return unfinishedInstances(this.sql, namespace, pod, container);
  }

  peekSource(key: string): SourceState | null {
    this.writable();
    const r = this.sql.get<SourceState>(PEEK, { key });
    if (r === undefined) return null;
    const k = this.known.get(r.id);
    return k ? { id: r.id, lines: k.lines, cursor: k.cursor } : r;
  }

  sourceMeta(sourceId: number, meta: { format?: string | null; envelope?: string | null }): void {
    this.writable();
    this.builder.batch.sourceMeta.push([sourceId, meta.format ?? null, meta.envelope ?? null]);
  }

  add(sourceId: number, row: RequestRow): void {
    if (this.builder.rows >= this.batchSize) this.flush();
    let t = row.time;
    t = t === t && t > -8.64e15 && t < 8.64e15 ? Math.round(t) : Date.now();
    this.builder.add(sourceId, row, t);
  }

  advance(sourceId: number, lines: number, cursor?: string | null): void {
    this.writable();
    const k = this.known.get(sourceId);
    const c = cursor !== undefined ? cursor : (k?.cursor ?? null);
    this.known.set(sourceId, { lines, cursor: c });
    this.builder.batch.positions.push([sourceId, lines, cursor]);
  }

  unparsed(sourceId: number, reason: UnparsedReason, sample: string): void {
    this.writable();
    const key = `${sourceId}\u0000${reason}`;
    let u = this.unparsedOpen.get(key);
    if (u === undefined) {
      this.unparsedOpen.set(key, (u = [sourceId, reason, 0, []]));
      this.builder.batch.unparsed.push(u);
    }
    u[2]++;
    const kept = this.samples.get(key) ?? 0;
    if (kept < MAX_SAMPLES) {
      this.samples.set(key, kept + 1);
      u[3].push(sample.length > MAX_SAMPLE_CHARS ? sample.slice(0, MAX_SAMPLE_CHARS) : sample);
    }
  }

  topology(snapshot: unknown, time: number = Date.now()): void {
    this.writable();
    this.builder.batch.topology.push([Math.round(time), JSON.stringify(snapshot)]);
  }

  service(snapshot: unknown, time: number = Date.now()): void {
    this.writable();
    const s = (snapshot ?? {}) as { metadata?: { namespace?: unknown; name?: unknown }; namespace?: unknown; name?: unknown };
    const ns = s.metadata?.namespace ?? s.namespace;
    const name = s.metadata?.name ?? s.name;
    this.builder.batch.services.push([Math.round(time), typeof ns === 'string' ? ns : null, typeof name === 'string' ? name : null, JSON.stringify(snapshot)]);
  }

  podEvent(ev: PodEvent): void {
    this.writable();
    this.builder.batch.podEvents.push([Math.round(ev.time ?? Date.now()), ev.namespace, ev.pod, ev.container ?? null, ev.event, ev.detail ?? null]);
  }

  /** Hands the open batch to the worker; throws a failure of an earlier one. Waits only when too much is in flight. */
  flush(): void {
    if (this.readonly || this.closed) return;
    this.bridge.settle(MAX_INFLIGHT_ROWS);
    if (this.builder.empty) return;
    const batch = this.builder.take();
    this.unparsedOpen.clear();
    this.bridge.post({ op: 'commit', batch }, Math.max(1, batch.rows));
  }

  /** Waits until everything handed over is committed (throws when a commit failed). */
  sync(): void {
    this.flush();
    this.bridge.settle(0);
  }

  classifyFlags(): string | null {
    return readClassifyFlags(this.sql);
  }

  setClassifyFlags(record: string): void {
    this.writable();
    this.sync();
    writeClassifyFlags(this.sql, record);
  }

  prune(cutoff: number, opts: PruneOptions = {}): PruneResult {
    this.writable();
    this.sync();
    return pruneRequests(this.sql, cutoff, opts);
  }

  /** Recompute the stored rows' classes with `fn` (db/reclassify.ts). Commits what is in flight first. */
  reclassify(fn: ReclassifyFn, opts: ReclassifyOptions = {}): ReclassifyResult {
    this.writable();
    this.sync();
    return reclassifyRequests(this.sql, fn, opts);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.sync();
      this.bridge.call({ op: 'close' });
    } finally {
      this.closed = true;
      this.bridge.terminate();
    }
  }

  /** Ends without committing the open batch; batches in flight are abandoned with the connection (rolled back). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.builder.discard();
    this.bridge.terminate();
  }

  private writable(): void {
    if (this.readonly) throw new Error(`store ${this.path} is open read-only`);
    if (this.closed) throw new Error(`store ${this.path} is closed`);
  }
}

function describeSource(key: string, meta: SourceMeta): string {
  if (meta.path) return `file ${meta.path}`;
  if (meta.pod) return `${meta.namespace ?? ''}/${meta.pod}${meta.container ? `/${meta.container}` : ''}`;
  return `source ${key}`;
}

function openError(err: unknown, display: string): unknown {
  if (!(err instanceof PgStoreError)) return err;
  const hint = err.hint ?? 'the URL, that the server runs, and the password (PGPASSWORD or ~/.pgpass)';
  if (err.kind === 'user') return new UserError(`PostgreSQL database ${display} ${err.message}`, hint);
  if (err.code === '28P01' || err.code === '28000') return new UserError(`PostgreSQL ${display}: ${err.message}`, 'the user and password (PGPASSWORD or ~/.pgpass)');
  if (err.code === '3D000') return new UserError(`PostgreSQL ${display}: ${err.message}`, 'createdb NAME, or the name of an existing database');
  return new UserError(`cannot connect to PostgreSQL ${display}: ${err.message}`, hint);
}
