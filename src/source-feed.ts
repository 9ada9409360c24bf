// A source's way through the pipeline (pipeline.ts): each raw line through the source's LineStage, classified, turned
// into its RequestRow (toRow, hand-unrolled) and handed to the store and the sinks; unparsed and too-long lines
// counted with their reason. The feed's position (lines consumed) and stream cursor are what the pipeline commits
// with the rows they cover. The options and stats of a pipeline are defined here, with the part of the Pipeline a
// feed calls (FeedPipeline), so this module does not import the Pipeline.
import { requestClass, type Classifier, type Topology } from './classify/index.js';
import { LineStage, type JsonFields } from './parse/index.js';
import type { StoreWriter } from '../db/index.js';
import type { AddressClass } from './classes.js';
import { emptyRequestRow, type ParsedLine, type RequestRow } from './fields.js';
import type { UnparsedReason } from './types.js';

export interface Sink {
  write(row: RequestRow): void;
  close?(): void | Promise<void>;
}

export interface SourceMeta {
  namespace?: string;
  pod?: string;
  container?: string;
  containerId?: string;
  nodeName?: string;
  path?: string;
}

export interface PipelineOptions {
  store: StoreWriter;
  classifier: Classifier;
  topology?: Topology;
  /** 'auto', a preset name or a log_format string. */
  format: string;
  /** `--json-field` key overrides for JSON logs. */
  jsonFields?: JsonFields;
  sinks?: Sink[];
  maxLineLength?: number;
  /**
   * Commit (rows + every feed's position) once this many rows are pending (default 10_000). Must stay below the
   * store's own batch size: a commit the store starts by itself would carry rows without the position covering them.
   */
  flushRows?: number;
  /**
   * The store copies each row inside add() and keeps no reference to it (the parse worker's column packer): with no
   * sinks, one RequestRow per feed is refilled for every line instead of allocating one per line.
   */
  reuseRows?: boolean;
  /** Called once per source when its format/envelope is known ("says which"). */
  onDetect?: (feed: SourceFeed, description: string) => void;
  /**
   * A commit failed (disk full, database locked too long). With this handler (live sources) the pipeline stops
   * accepting lines and reports here, whichever event triggered the commit; without it the error is thrown to the
   * caller of push()/flush() (files). Either way the failed batch is not committed: close the store with abandon().
   */
  onFailure?: (err: unknown) => void;
  /** After each successful commit, with its duration (metrics: the committed requests count from here). */
  onCommit?: (seconds: number) => void;
  /** Which lines the sinks see (watch --include/--exclude, stern's); the store keeps every line. Default all. */
  showLine?: (raw: string) => boolean;
  /** Once per source whose first lines of this run were all unparsed (src/pipeline.ts FIRST_LINES_UNPARSED). */
  onUnparsedStart?: (source: UnparsedSource) => void;
}

/** One source's unparsed lines in this run, per reason with its first sample (only unparsed lines touch it). */
export interface UnparsedSource {
  meta: SourceMeta;
  total: number;
  reasons: { reason: UnparsedReason; count: number; sample: string }[];
}

export interface PipelineStats {
  lines: number;
  requests: number;
  unparsed: number;
  /** Unparsed lines by reason. */
  unparsedBy: Partial<Record<UnparsedReason, number>>;
  skipped: number;
  /** Requests per class of the remote address. */
  classes: Record<AddressClass, number>;
}

/** What a SourceFeed uses of its Pipeline. */
export interface FeedPipeline {
  readonly options: PipelineOptions;
  readonly stats: PipelineStats;
  readonly sinks: Sink[];
  readonly store: StoreWriter;
  readonly flushRows: number;
  /** The failure that stopped the pipeline, if any; no line is accepted after it. */
  readonly failure: unknown;
  /** flush(), routing a failure to `onFailure` when there is one. */
  commit(): void;
  /** The feed ended: its position is handed to the store and it leaves the pipeline. */
  release(feed: SourceFeed): void;
  /** An unparsed line of `feed` (its stored sample): counted for this run's notes. */
  noteUnparsed(feed: SourceFeed, reason: UnparsedReason, sample: string): void;
}

export class SourceFeed {
  /** Lines consumed from this source so far, including skipped and unparsed ones. */
  position: number;
  dirty = false;
  readonly stage: LineStage;
  private described = false;
  private readonly namespace: string;
  private readonly pod: string;
  private readonly container: string;
  private readonly nodeName: string | null;
  /** The row refilled per line when the pipeline's store copies rows (reuseRows), else null. */
  private readonly scratch: RequestRow | null;

  constructor(
    private readonly pipeline: FeedPipeline,
    readonly sourceId: number,
    /** Lines already committed for this source when it was opened. */
    readonly committed: number,
    /** The stream cursor stored with the last commit (JSON), for live resume. */
    readonly storedCursor: string | null,
    readonly meta: SourceMeta,
    readonly cursorFn: (() => string | null) | null,
    private readonly skipCommitted: boolean,
  ) {
    this.position = committed;
    this.stage = new LineStage({
      format: pipeline.options.format, jsonFields: pipeline.options.jsonFields, maxLineLength: pipeline.options.maxLineLength,
    });
    const known = meta.pod ? findPod(pipeline.options.topology, meta.namespace, meta.pod) : null;
    this.namespace = meta.namespace ?? known?.namespace ?? 'default';
    this.pod = meta.pod ?? '';
    this.container = meta.container ?? '';
    this.nodeName = meta.nodeName ?? known?.nodeName ?? null;
    this.scratch = pipeline.options.reuseRows === true && pipeline.sinks.length === 0 ? emptyRequestRow() : null;
  }

  /** Lines to skip before new data starts (re-ingest of a file already partly stored). */
  get toSkip(): number {
    return this.skipCommitted ? this.committed : 0;
  }

  /** One raw line from the source (no newline). For skipping sources, call `skip()` for the first `toSkip` lines. */
  push(raw: string): void {
    const p = this.pipeline;
    if (p.failure !== null) return; // not stored, not counted: the next run reads it again
    this.position++;
    this.dirty = true;
    p.stats.lines++;
    const line = this.stage.push(raw);
    if (line === null) {
      const reason = this.stage.lastReason;
      if (reason !== null) this.unparsed(reason, raw);
      return;
    }
    if (!this.described) this.describe();
    p.store.add(this.sourceId, this.toRow(line, true, p.options.showLine ? p.options.showLine(raw) : true));
    // After the row: the position (and a live stream's cursor) already include this line.
    if (p.store.pending >= p.flushRows) p.commit();
  }

  /**
   * A line counted but not read again (already stored in an earlier run). The position does not move: it started
   * at the committed count, which already covers the skipped lines.
   */
  skip(): void {
    this.pipeline.stats.skipped++;
  }

  /**
   * A line an earlier run stored already (a live stream the user started before its committed cursor): parsed and
   * shown by the sinks, counted as skipped, not stored again.
   */
  show(raw: string): void {
    const p = this.pipeline;
    p.stats.skipped++;
    if (p.failure !== null || p.sinks.length === 0) return;
    const line = this.stage.push(raw);
    if (line !== null && (!p.options.showLine || p.options.showLine(raw))) this.toRow(line, false);
  }

  /** A line longer than the maximum: cut by the splitter, counted, not stored. */
  tooLong(head: string): void {
    this.position++;
    this.dirty = true;
    this.pipeline.stats.lines++;
    this.unparsed('too-long', head);
  }

  end(): void {
    // An envelope may still hold a partial line (CRI "P" without its "F"): it is counted, not silently dropped.
    const pending = this.stage.end();
    if (pending !== null) this.unparsed(pending, '');
    if (!this.described && this.stage.format) this.describe();
    this.pipeline.release(this);
  }

  private unparsed(reason: UnparsedReason, raw: string): void {
    const stats = this.pipeline.stats;
    stats.unparsed++;
    stats.unparsedBy[reason] = (stats.unparsedBy[reason] ?? 0) + 1;
    const sample = raw.length > 300 ? raw.slice(0, 300) : raw;
    this.pipeline.store.unparsed(this.sourceId, reason, sample);
    this.pipeline.noteUnparsed(this, reason, sample);
  }

  private describe(): void {
    this.detected(this.stage.format, this.stage.envelope, this.stage.describe());
  }

  /** Format and envelope known (here, or in the parse worker that reads this source): stored and announced once. */
  detected(format: string | null, envelope: string | null, description: string): void {
    this.described = true;
    this.pipeline.store.sourceMeta(this.sourceId, { format, envelope });
    this.pipeline.options.onDetect?.(this, description);
  }

  // Both copies below are hand-unrolled for speed, in the field table's order (src/fields.ts); test/fields.test.ts
  // fails when either misses or reorders a field.
  private toRow(line: ParsedLine, count = true, visible = true): RequestRow {
    const p = this.pipeline;
    const { classifier, topology } = p.options;
    const c = classifier.classify(line.remoteAddr);
    let client: string | null = null;
    let clientCls: RequestRow['clientCls'] = null;
    if (line.xff !== null) {
      client = classifier.recover(line.remoteAddr, line.xff);
      if (client !== null) clientCls = classifier.classify(client).cls;
    }
    let namespace = this.namespace;
    let pod = this.pod;
    let container = this.container;
    let nodeName = this.nodeName;
    if (line.envPod !== null && line.envPod !== pod) {
      // kubectl logs --prefix: the line names its pod.
      pod = line.envPod;
      container = line.envContainer ?? container;
      const known = findPod(topology, this.meta.namespace, pod);
      namespace = known?.namespace ?? namespace;
      nodeName = known?.nodeName ?? null;
    }
    const cls = requestClass(c.cls, line.userAgent);
    if (count) {
      p.stats.requests++;
      p.stats.classes[cls]++;
    }
    const time = Number.isNaN(line.time) ? Date.now() : line.time;
    const row = this.scratch;
    if (row !== null) {
      row.time = time;
      row.namespace = namespace;
      row.pod = pod;
      row.container = container;
      row.nodeName = nodeName;
      row.remoteAddr = c.addr;
      row.cls = cls;
      row.owner = c.owner;
      row.client = client;
      row.clientCls = clientCls;
      row.method = line.method;
      row.target = line.target;
      row.protocol = line.protocol;
      row.status = line.status;
      row.bytes = line.bytes;
      row.referer = line.referer;
      row.userAgent = line.userAgent;
      row.xff = line.xff;
      row.requestTime = line.requestTime;
      row.upstreamAddr = line.upstreamAddr;
      return row;
    }
    const fresh: RequestRow = {
      time,
      namespace,
      pod,
      container,
      nodeName,
      remoteAddr: c.addr,
      cls,
      owner: c.owner,
      client,
      clientCls,
      method: line.method,
      target: line.target,
      protocol: line.protocol,
      status: line.status,
      bytes: line.bytes,
      referer: line.referer,
      userAgent: line.userAgent,
      xff: line.xff,
      requestTime: line.requestTime,
      upstreamAddr: line.upstreamAddr,
    };
    const sinks = p.sinks;
    if (visible) for (let i = 0; i < sinks.length; i++) sinks[i].write(fresh);
    return fresh;
  }
}

/** A pod the topology knows, by namespace/name or by name alone when the namespace is not given. */
function findPod(
  topology: Topology | undefined,
  namespace: string | undefined,
  name: string,
): { namespace: string; nodeName: string | null } | null {
  if (!topology) return null;
  if (namespace) {
    const p = topology.pods.get(`${namespace}/${name}`);
    return p ? { namespace: p.namespace, nodeName: p.nodeName } : null;
  }
  for (const p of topology.pods.values()) if (p.name === name) return { namespace: p.namespace, nodeName: p.nodeName };
  return null;
}
