// The main-thread side of a parallel ingest:
//
//   main thread                                         worker thread (src/parallel/worker.ts)
//   file / gzip / stdin chunks ──postMessage (transfer)──> LineConsumer -> SourceFeed (LineStage -> Classifier)
//                                                            │ RowColumns: column batches, string dictionary,
//   Store.add rows, unparsed, advance(position) <────────────┘ and the feed position each batch covers
//   commit every 10k rows: rows + positions in one transaction
//
// One parse worker per source (src/parallel/worker.ts). Raw chunks go to
// the worker (copied into a transferred ArrayBuffer, small ones coalesced) with at most MAX_IN_FLIGHT chunks not yet
// stored; each batch that comes back is stored in order: rows, unparsed lines, then the feed position it covers, and
// the pipeline commits (rows + positions in one transaction) at the same row counts as the single-threaded path.
import { Worker } from 'node:worker_threads';
import type { Pipeline, SourceFeed } from '../pipeline.js';
import type { ClassifyFlags } from '../classify/flags.js';
import { CLASSES } from '../classes.js';
import type { UnparsedReason } from '../types.js';
import { RowReader } from './reader.js';
import type { BatchMessage } from './wire.js';
import type { ToWorker, WorkerInit } from './worker.js';

/** Chunks smaller than this (gzip output, pipes) are joined before they are posted. */
const MIN_CHUNK = 256 * 1024;
/** Chunks posted to the worker whose rows are not stored yet: bounds memory when SQLite is the slower side. */
const MAX_IN_FLIGHT = 4;
/** Rows per batch from the worker; with the pipeline's flush threshold it stays below the store's own batch size. */
const BATCH_ROWS = 1024;

export class ParallelFeed {
  /** Lines seen and lines skipped (already committed), as in IngestResult. */
  lines = 0;
  skipped = 0;
  private readonly worker: Worker;
  private sent = 0;
  private stored = 0;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private wake: (() => void) | null = null;
  private failure: unknown = null;
  private ended = false;
  private readonly finished: Promise<void>;
  /** Reads every batch of this source (it keeps the dictionary of interned values across batches). */
  private readonly rows = new RowReader();
  private resolveFinished!: () => void;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly feed: SourceFeed,
    source: { key: string; kind: 'file' | 'stdin' },
    classify: ClassifyFlags,
  ) {
    const init: WorkerInit = {
      format: pipeline.options.format,
      jsonFields: pipeline.options.jsonFields,
      maxLineLength: pipeline.options.maxLineLength,
      classify,
      source: { ...source, meta: feed.meta, id: feed.sourceId, committed: feed.committed },
      batchRows: BATCH_ROWS,
    };
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: init,
      // A larger young generation: a batch of rows lives through several scavenges otherwise.
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    this.worker.on('message', (b: BatchMessage) => {
      if (this.failure !== null) return;
      try {
        this.apply(b);
      } catch (err) {
        this.fail(err);
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      // Messages the worker posted before it exited are still delivered: judge after them.
      setImmediate(() => {
        if (!this.ended) this.fail(new Error(`parse worker exited (code ${code}) before the end of the input`));
      });
    });
  }

  /** One chunk of the input; resolves when the worker may take more. Throws what went wrong in the worker or the store. */
  async write(chunk: Buffer): Promise<void> {
    this.check();
    this.parts.push(chunk);
    this.partBytes += chunk.length;
    if (this.partBytes < MIN_CHUNK) return;
    this.post();
    while (this.failure === null && this.sent - this.stored >= MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.check();
  }

  /**
   * The input ended (`complete`: at its real end, so a last line without a newline counts; false after a signal or a
   * read error). Resolves when every line the worker read is stored; the feed is ended, the caller flushes.
   */
  async finish(complete: boolean): Promise<void> {
    this.check();
    if (this.partBytes > 0) this.post();
    this.worker.postMessage({ t: 'end', complete } satisfies ToWorker);
    await this.finished;
    this.check();
    this.feed.end();
  }

  /** Whether `err` is this feed's own failure (the worker's, or the store's while storing a batch). */
  owns(err: unknown): boolean {
    return err !== null && err === this.failure;
  }

  /** Stops the worker (after a failure elsewhere); nothing more is stored. */
  abort(): void {
    if (!this.ended) this.fail(new Error('aborted'));
  }

  private post(): void {
    const one = this.parts.length === 1 ? this.parts[0] : null;
    if (one !== null && one.byteOffset === 0 && one.byteLength === one.buffer.byteLength && !(one.buffer instanceof SharedArrayBuffer)) {
      // A file read chunk owns its memory (fs streams allocate each one unpooled): handed over without a copy.
      // Pooled or sliced buffers (zlib output, small pipe reads) never cover their whole ArrayBuffer alone.
      this.parts = [];
      this.partBytes = 0;
      this.worker.postMessage({ t: 'chunk', buf: one.buffer } satisfies ToWorker, [one.buffer]);
      this.sent++;
      return;
    }
    const buf = new ArrayBuffer(this.partBytes);
    const view = new Uint8Array(buf);
    let at = 0;
    for (const p of this.parts) {
      view.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.partBytes = 0;
    this.worker.postMessage({ t: 'chunk', buf } satisfies ToWorker, [buf]);
    this.sent++;
  }

  private apply(b: BatchMessage): void {
    const p = this.pipeline;
    const store = p.store;
    const feed = this.feed;
    const id = feed.sourceId;
    if (b.detected !== null) feed.detected(b.detected[0], b.detected[1], b.detected[2]);
    const rows = this.rows;
    rows.load(b);
    for (let i = 0; i < b.rows; i++) store.add(id, rows.next());
    const u = b.unparsed;
    for (let i = 0; i < u.length; i += 2) store.unparsed(id, u[i] as UnparsedReason, u[i + 1]);
    // After the rows: the position covers exactly the lines of the rows and unparsed lines stored above.
    if (b.position !== feed.position) {
      feed.position = b.position;
      feed.dirty = true;
    }
    const s = b.stats;
    const st = p.stats;
    st.lines += s[0];
    st.requests += s[1];
    st.unparsed += s[2];
    st.skipped += s[3];
    for (let k = 0; k < CLASSES.length; k++) st.classes[CLASSES[k]] += s[4 + k];
    this.lines += b.lines;
    this.skipped += b.skipped;
    if (store.pending >= p.flushRows) p.flush();
    this.stored = b.chunks;
    if (b.done) {
      this.ended = true;
      this.resolveFinished();
    }
    this.release();
  }

  private release(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.ended = true;
    void this.worker.terminate();
    this.release();
    this.resolveFinished();
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }
}
