// The parse worker of a parallel ingest: takes raw byte chunks of one source from the main thread, runs them through
// the same LineConsumer -> SourceFeed (LineStage -> Classifier -> RequestRow) code as the single-threaded path, and
// posts batches of classified rows (src/parallel/wire.ts, packed by columns.ts) with the exact feed position each batch covers.
// The classifier is rebuilt here from the command-line flags (topology files, node IPs, pod CIDRs, trust, internal).
import { parentPort, workerData } from 'node:worker_threads';
import type { StoreWriter } from '../../db/index.js';
import { buildClassifier, type ClassifyFlags } from '../classify/flags.js';
import { Pipeline, type SourceFeed, type SourceMeta } from '../pipeline.js';
import { LineConsumer } from '../sources/consume.js';
import { CLASSES } from '../classes.js';
import type { JsonFields } from '../parse/index.js';
import { RowColumns } from './columns.js';
import type { BatchMessage, StatsDelta } from './wire.js';

export interface WorkerInit {
  format: string;
  jsonFields?: JsonFields;
  maxLineLength?: number;
  classify: ClassifyFlags;
  source: { key: string; kind: 'file' | 'stdin'; meta: SourceMeta; id: number; committed: number };
  /** Rows per batch. */
  batchRows: number;
}

/** Main thread -> worker. */
export type ToWorker = { t: 'chunk'; buf: ArrayBuffer } | { t: 'end'; complete: boolean };

const init = workerData as WorkerInit;
const port = parentPort!;

const { topology, classifier } = buildClassifier(init.classify);
let chunks = 0;
let sentLines = 0;
let sentSkipped = 0;
let pipeline: Pipeline;
const columns = new RowColumns({ id: init.source.id, lines: init.source.committed, cursor: null }, init.batchRows, () => send(false));
pipeline = new Pipeline({
  // The worker's pipeline writes into columns, never into SQLite (same methods, see RowColumns).
  store: columns as unknown as StoreWriter,
  classifier,
  topology,
  format: init.format,
  jsonFields: init.jsonFields,
  maxLineLength: init.maxLineLength,
  onDetect: (_feed, description) => columns.describe(description),
  reuseRows: true, // RowColumns.add copies every field at once
});
const feed: SourceFeed = pipeline.openSource(init.source.key, init.source.kind, init.source.meta, { skipCommitted: true });
const consumer = new LineConsumer(feed);

function send(done: boolean): void {
  const s = pipeline.stats;
  const c = s.classes;
  const stats: StatsDelta = [s.lines, s.requests, s.unparsed, s.skipped];
  for (const cls of CLASSES) {
    stats.push(c[cls]);
    c[cls] = 0;
  }
  s.lines = s.requests = s.unparsed = s.skipped = 0;
  const cols = columns.cut();
  const msg: BatchMessage = {
    t: 'batch',
    chunks,
    position: feed.position,
    lines: consumer.lines - sentLines,
    skipped: consumer.skipped - sentSkipped,
    stats,
    done,
    ...cols,
  };
  sentLines = consumer.lines;
  sentSkipped = consumer.skipped;
  port.postMessage(msg, [msg.nums.buffer as ArrayBuffer, msg.cls.buffer as ArrayBuffer, msg.lens.buffer as ArrayBuffer, msg.ids.buffer as ArrayBuffer]);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'chunk') {
    consumer.write(Buffer.from(m.buf));
    chunks++;
    send(false);
  } else {
    // After an interruption the bytes after the last newline are a cut line, not a line: not counted.
    if (m.complete) consumer.endInput();
    feed.end();
    send(true);
    port.close();
  }
});
