// Files and stdin as sources: gzip read transparently (detected by its magic bytes, not the name), lines split with
// a maximum length, and a source identity that makes re-ingest idempotent.
//
// Identity: `file:<pod>:<sha256 of the first line>`. The first line of an nginx log carries a time and a client, so it
// names the log; it does not change when the file grows, so the rest of a file after an interrupted run, or the
// same file ingested again (under any path), resumes after the last committed line instead of counting twice.
// The pod is part of the key because two pods' logs can start with the same probe line in the same second.
//
// Big files are parsed in a worker thread (src/parallel/): this thread then only reads, and writes what comes back.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { isStoreFailure, SourceBusyError } from '../../db/errors.js';
import type { Pipeline, SourceFeed } from '../pipeline.js';
import type { ClassifyFlags } from '../classify/flags.js';
import { ParallelFeed } from '../parallel/driver.js';
import { LineConsumer, MAX_LINE } from './consume.js';

export { MAX_LINE };

/** Inputs at least this big are parsed in a worker thread (auto): below it the start-up of the worker (its own
 * classifier, topology files, cold address cache) costs more than it saves. Measured break-even: 8-16 MB. */
export const PARALLEL_MIN_BYTES = 16 << 20;

export interface InputSpec {
  /** A path, or '-' for stdin. */
  path: string;
  pod?: string;
  namespace?: string;
}

export interface IngestResult {
  feed: SourceFeed | null;
  lines: number;
  skipped: number;
  /** Set when the run was interrupted (signal) before the end of the input. */
  interrupted: boolean;
}

/** The pod a file stands for when no envelope or --pod says otherwise: its name without .gz and one extension
 * (`web-1.log.gz` -> `web-1`; pod names may contain dots, so only the last extension goes). */
export function podFromPath(path: string): string {
  let name = basename(path);
  name = name.replace(/\.gz$/i, '');
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Checks an input before anything is written: a clear error for a missing file or a directory. */
export function checkInput(path: string): void {
  if (path === '-') return;
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`log file ${path} does not exist`, 'a path to an nginx access log, or - for stdin');
    throw new UserError(`cannot read log file ${path}: ${code ?? (err as Error).message}`, 'checking its permissions');
  }
  if (st.isDirectory()) throw new UserError(`${path} is a directory, not a log file`, `${path}/*.log`);
}

const ABORTED = Symbol('aborted');

/** Settles with ABORTED when the signal aborts (at once when it has); null without a signal. */
function abortPromise(signal: AbortSignal | undefined): Promise<typeof ABORTED> | null {
  if (!signal) return null;
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

function openStream(path: string): Readable {
  return path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * Reads one input into the pipeline. `progress` is called with bytes read so far (of the raw input).
 * `signal` stops the read, also one waiting on a pipe: everything read so far is committed.
 */
export async function ingestInput(
  pipeline: Pipeline,
  spec: InputSpec,
  opts: {
    progress?: (bytes: number) => void;
    /**
     * A signal stops the read at once, also while it waits for input (a pipe that stays open): everything read so
     * far is committed, the bytes after the last newline are not a line.
     */
    signal?: AbortSignal;
    /**
     * Parse and classify in a worker thread while this thread writes SQLite (the classifier is rebuilt there from
     * these flags). `threads`: 1 never, 2 always, unset: for files of PARALLEL_MIN_BYTES or more. Same stored result.
     */
    parallel?: { classify: ClassifyFlags; threads?: number };
  } = {},
): Promise<IngestResult> {
  const raw = openStream(spec.path);
  let input: AsyncIterable<Buffer> = raw;
  let bytes = 0;
  const counting = async function* (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of src) {
      bytes += chunk.length;
      opts.progress?.(bytes);
      yield chunk;
    }
  };
  const label = spec.path === '-' ? 'stdin' : spec.path;
  const pod = spec.pod ?? (spec.path === '-' ? 'stdin' : podFromPath(spec.path));

  // Sniff gzip from the first bytes.
  const iter = counting(raw)[Symbol.asyncIterator]();
  const first = await iter.next().catch((err) => {
    throw readError(label, err);
  });
  const firstChunk: Buffer | null = first.done ? null : first.value;
  if (firstChunk && firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b) {
    const gunzip = createGunzip();
    (async () => {
      try {
        gunzip.write(firstChunk);
        for (;;) {
          const n = await iter.next();
          if (n.done) break;
          if (!gunzip.write(n.value)) await new Promise((r) => gunzip.once('drain', r));
        }
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    input = gunzip;
  } else {
    input = (async function* () {
      if (firstChunk) yield firstChunk;
      for (;;) {
        const n = await iter.next();
        if (n.done) return;
        yield n.value;
      }
    })();
  }

  let feed: SourceFeed | null = null;
  // Lines up to the committed position are counted and skipped; the rest go to the pipeline, here or in a worker.
  let consumer: LineConsumer | null = null;
  let par: ParallelFeed | null = null;
  let head: Buffer[] = [];
  let headLength = 0;
  const meta = { pod, namespace: spec.namespace, path: spec.path === '-' ? undefined : spec.path };
  const kind = spec.path === '-' ? 'stdin' : 'file';
  const open = (firstLine: Buffer) => {
    const key = `file:${pod}:${createHash('sha256').update(firstLine).digest('hex').slice(0, 32)}`;
    feed = pipeline.openSource(key, kind, meta, { skipCommitted: true });
    if (opts.parallel && useWorker(pipeline, spec.path, opts.parallel.threads)) {
      par = new ParallelFeed(pipeline, feed, { key, kind }, opts.parallel.classify);
    } else consumer = new LineConsumer(feed);
  };
  const write = (chunk: Buffer): Promise<void> | void => (par !== null ? (par as ParallelFeed).write(chunk) : consumer!.write(chunk));
  const counts = () => {
    const c = (par ?? consumer) as ParallelFeed | LineConsumer | null;
    return { lines: c?.lines ?? 0, skipped: c?.skipped ?? 0 };
  };

  let interrupted = false;
  const chunks = input[Symbol.asyncIterator]();
  const aborted = abortPromise(opts.signal);
  try {
    for (;;) {
      // Stopped between chunks, or while the read waits for input that may never come: what it would read is not taken.
      const pending = opts.signal?.aborted ? null : chunks.next();
      const next = pending === null ? ABORTED : aborted === null ? await pending : await Promise.race([pending, aborted]);
      if (next === ABORTED) {
        pending?.catch(() => undefined);
        chunks.return?.(undefined).catch(() => undefined);
        raw.destroy();
        interrupted = true;
        break;
      }
      if (next.done) break;
      const chunk = next.value;
      if (feed === null) {
        // Hold data until the first line is complete: it names the source.
        head.push(chunk);
        headLength += chunk.length;
        const all = head.length === 1 ? head[0] : Buffer.concat(head);
        const nl = all.indexOf(10);
        if (nl === -1 && headLength < MAX_LINE) continue;
        open(all.subarray(0, nl === -1 ? MAX_LINE : nl));
        head = [];
        await write(all);
      } else await write(chunk);
    }
  } catch (err) {
    const p = par as ParallelFeed | null;
    // A failed write to the database is not a broken input: the caller rolls back and reports it. Neither is a
    // failure of the parse worker, nor another writer owning this source (nothing of it was read into the store).
    if (isStoreFailure(err) || p?.owns(err) || err instanceof SourceBusyError) {
      p?.abort();
      throw err;
    }
    // Keep what was read: commit it, then report the broken input. The bytes after the last newline are a line cut
    // by the break, not a line: they are not counted, so a re-run with the whole file reads that line in full.
    if (p) await p.finish(false);
    else if (feed) (feed as SourceFeed).end();
    if (feed) pipeline.flush();
    throw readError(label, err, counts().lines);
  }
  if (feed === null && headLength > 0) {
    open((head.length === 1 ? head[0] : Buffer.concat(head)).subarray(0, MAX_LINE));
    await write(head.length === 1 ? head[0] : Buffer.concat(head));
  }
  if (feed === null) return { feed: null, lines: 0, skipped: 0, interrupted };
  if (par !== null) await (par as ParallelFeed).finish(!interrupted);
  else {
    if (!interrupted) consumer!.endInput();
    (feed as SourceFeed).end();
  }
  return { feed, ...counts(), interrupted };
}

/** Whether to parse in a worker: never with sinks (they run per row on this thread), by `threads`, else by size. */
function useWorker(pipeline: Pipeline, path: string, threads: number | undefined): boolean {
  if (pipeline.sinks.length > 0 || threads === 1) return false;
  if (threads !== undefined && threads >= 2) return true;
  // One CPU: the worker would only add the cost of handing rows over.
  if (path === '-' || availableParallelism() < 2) return false;
  try {
    return statSync(path).size >= PARALLEL_MIN_BYTES;
  } catch {
    return false;
  }
}

function readError(label: string, err: unknown, lines?: number): UserError {
  const e = err as NodeJS.ErrnoException;
  const kept = lines ? `; the ${lines} lines before it were stored` : '';
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) {
    return new UserError(`${label}: gzip data ends early (the file is truncated)${kept}`, 'gzip -t on the file, or ingest the complete file', 1);
  }
  if (e.code && e.code.startsWith('Z_')) {
    return new UserError(`${label}: not valid gzip data (${e.message})${kept}`, 'gunzip the file first to check it', 1);
  }
  if (e.code === 'EISDIR') return new UserError(`${label} is a directory, not a log file`, `${label}/*.log`);
  return new UserError(`${label}: read failed: ${e.message}${kept}`, 'checking that the file is readable', 1);
}
