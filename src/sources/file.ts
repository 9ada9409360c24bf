// Files and stdin as sources: gzip read transparently (detected by its magic bytes, not the name), lines split with
// a maximum length, and a source identity that makes re-ingest idempotent.
//
// Identity: `file:<pod>:<sha256 of the first line>`. The first line of an nginx log carries a time and a client, so it
// names the log; it does not change when the file grows, so the rest of a file after an interrupted run, or the
// same file ingested again (under any path), resumes after the last committed line instead of counting twice.
// The pod is part of the key because two pods' logs can start with the same probe line in the same second.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { isStoreFailure } from '../commands/store-errors.js';
import type { Pipeline, SourceFeed } from '../pipeline.js';
import { LineSplitter } from './lines.js';

export const MAX_LINE = 64 * 1024;

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

function openStream(path: string): Readable {
  return path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * Reads one input into the pipeline. `progress` is called with bytes read so far (of the raw input).
 * `shouldStop` is polled between chunks: a signal stops the read at a chunk boundary and everything read is committed.
 */
export async function ingestInput(
  pipeline: Pipeline,
  spec: InputSpec,
  opts: { progress?: (bytes: number) => void; shouldStop?: () => boolean } = {},
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
  let lines = 0;
  let skipped = 0;
  let toSkip = 0;
  let head: Buffer[] = [];
  let headLength = 0;
  const meta = { pod, namespace: spec.namespace, path: spec.path === '-' ? undefined : spec.path };

  // Lines up to the committed position are counted and skipped; the rest go to the pipeline.
  const each = (take: (text: string) => void) => (text: string) => {
    lines++;
    if (skipped < toSkip) {
      skipped++;
      feed!.skip();
    } else take(text);
  };
  const splitter = new LineSplitter(MAX_LINE, each((line) => feed!.push(line)), each((head) => feed!.tooLong(head)));
  const open = (firstLine: Buffer) => {
    const key = `file:${pod}:${createHash('sha256').update(firstLine).digest('hex').slice(0, 32)}`;
    feed = pipeline.openSource(key, spec.path === '-' ? 'stdin' : 'file', meta, { skipCommitted: true });
    toSkip = feed.toSkip;
  };

  let interrupted = false;
  try {
    for await (const chunk of input) {
      if (feed === null) {
        // Hold data until the first line is complete: it names the source.
        head.push(chunk);
        headLength += chunk.length;
        const all = head.length === 1 ? head[0] : Buffer.concat(head);
        const nl = all.indexOf(10);
        if (nl === -1 && headLength < MAX_LINE) continue;
        open(all.subarray(0, nl === -1 ? MAX_LINE : nl));
        head = [];
        splitter.write(all);
      } else splitter.write(chunk);
      if (opts.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
  } catch (err) {
    // A failed write to the database is not a broken input: the caller rolls back and reports it.
    if (isStoreFailure(err)) throw err;
    // Keep what was read: commit it, then report the broken input. The bytes after the last newline are a line cut
    // by the break, not a line: they are not counted, so a re-run with the whole file reads that line in full.
    if (feed) {
      (feed as SourceFeed).end();
      pipeline.flush();
    }
    throw readError(label, err, lines);
  }
  if (feed === null && headLength > 0) open((head.length === 1 ? head[0] : Buffer.concat(head)).subarray(0, MAX_LINE));
  if (feed === null) return { feed: null, lines: 0, skipped: 0, interrupted };
  if (!interrupted) splitter.end();
  (feed as SourceFeed).end();
  return { feed, lines, skipped, interrupted };
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
