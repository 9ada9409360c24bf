// The pipeline: one per run, the same for files, stdin and live Kubernetes streams: each source's lines go through
// its LineStage and the Classifier into the store and the sinks (the drawing: docs/architecture.md). A source's
// feed, the per-line path, is src/source-feed.ts.
//
// A feed's position (lines consumed) and its stream cursor are handed to the store at flush time, in the same
// transaction as the rows they cover: after a crash a source resumes exactly after its last committed line.
import type { StoreWriter } from '../db/index.js';
import { zeroPerClass } from './classes.js';
import type { UnparsedReason } from './types.js';
import {
  SourceFeed, type FeedPipeline, type PipelineOptions, type PipelineStats, type Sink, type SourceMeta, type UnparsedSource,
} from './source-feed.js';

export type { PipelineOptions, PipelineStats, Sink, SourceFeed, SourceMeta, UnparsedSource } from './source-feed.js';

/** How many first lines of a source, all unparsed, make `onUnparsedStart` say so before the run ends. */
export const FIRST_LINES_UNPARSED = 20;

export class Pipeline implements FeedPipeline {
  readonly stats: PipelineStats = {
    lines: 0,
    requests: 0,
    unparsed: 0,
    unparsedBy: {},
    skipped: 0,
    classes: zeroPerClass(),
  };
  readonly sinks: Sink[];
  /** Per source id: its unparsed lines in this run (the notes at the end of a watch or agent run). */
  readonly unparsedSources = new Map<number, UnparsedSource>();
  private readonly feeds = new Set<SourceFeed>();
  private timer: NodeJS.Timeout | null = null;
  /** @internal */
  readonly flushRows: number;

  constructor(readonly options: PipelineOptions) {
    this.sinks = options.sinks ?? [];
    this.flushRows = Math.max(1, options.flushRows ?? 10_000);
  }

  get store(): StoreWriter {
    return this.options.store;
  }

  /**
   * Opens (or resumes) a source. `skipCommitted`: for files and stdin, lines up to the committed position are
   * skipped (re-ingest does not double-count). Live streams resume through their cursor instead.
   */
  openSource(
    key: string,
    kind: 'file' | 'stdin' | 'stream',
    meta: SourceMeta,
    opts: { cursor?: () => string | null; skipCommitted?: boolean } = {},
  ): SourceFeed {
    const { nodeName, ...rest } = meta;
    const handle = this.options.store.source(key, kind, { ...rest, node: nodeName ?? null });
    const feed = new SourceFeed(this, handle.id, handle.lines, handle.cursor, meta, opts.cursor ?? null, opts.skipCommitted ?? kind !== 'stream');
    this.feeds.add(feed);
    return feed;
  }

  /** Commits every feed's position and the rows added so far in one transaction. */
  flush(): void {
    const t0 = this.options.onCommit ? performance.now() : 0;
    const store = this.options.store;
    for (const feed of this.feeds) {
      if (feed.dirty) {
        store.advance(feed.sourceId, feed.position, feed.cursorFn ? feed.cursorFn() : undefined);
        feed.dirty = false;
      }
    }
    store.flush();
    this.options.onCommit?.((performance.now() - t0) / 1000);
  }

  /** Flush on a timer (live sources): rows become visible to reports within `ms`. */
  autoFlush(ms: number): void {
    this.timer ??= setInterval(() => this.commit(), ms);
    this.timer.unref();
  }

  /** The failure that stopped this pipeline, if any; no line is accepted after it. */
  failure: unknown = null;

  /** @internal flush(), routing a failure to `onFailure` when there is one. */
  commit(): void {
    if (this.failure !== null) return;
    try {
      this.flush();
    } catch (err) {
      const onFailure = this.options.onFailure;
      if (!onFailure) throw err;
      this.failure = err;
      this.stopAutoFlush();
      onFailure(err);
    }
  }

  stopAutoFlush(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** @internal This run's unparsed lines per source; a source whose first lines are all unparsed is said at once. */
  noteUnparsed(feed: SourceFeed, reason: UnparsedReason, sample: string): void {
    let seen = this.unparsedSources.get(feed.sourceId);
    if (!seen) this.unparsedSources.set(feed.sourceId, (seen = { meta: feed.meta, total: 0, reasons: [] }));
    seen.total++;
    const r = seen.reasons.find((x) => x.reason === reason);
    if (r) r.count++;
    else seen.reasons.push({ reason, count: 1, sample });
    // This run's lines of the feed so far (its position started at the committed count).
    if (seen.total === FIRST_LINES_UNPARSED && feed.position - feed.committed === FIRST_LINES_UNPARSED) this.options.onUnparsedStart?.(seen);
  }

  /** @internal */
  release(feed: SourceFeed): void {
    if (feed.dirty) {
      this.options.store.advance(feed.sourceId, feed.position, feed.cursorFn ? feed.cursorFn() : undefined);
      feed.dirty = false;
    }
    this.feeds.delete(feed);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
    for (const sink of this.sinks) await sink.close?.();
  }
}
