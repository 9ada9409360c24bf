// Bytes of one input into one SourceFeed: split into lines (cut at MAX_LINE), skip the lines an earlier run already
// committed, push the rest. Shared by the single-threaded ingest (src/sources/file.ts) and the parse worker
// (src/parallel/worker.ts), so both paths count, skip and cut lines the same way.
import type { SourceFeed } from '../pipeline.js';
import { LineSplitter } from './lines.js';

export const MAX_LINE = 64 * 1024;

export class LineConsumer {
  /** Lines seen so far, skipped ones included. */
  lines = 0;
  /** Lines skipped because an earlier run committed them. */
  skipped = 0;
  private readonly toSkip: number;
  private readonly splitter: LineSplitter;

  constructor(private readonly feed: SourceFeed) {
    this.toSkip = feed.toSkip;
    this.splitter = new LineSplitter(MAX_LINE, (text) => this.line(text), (head) => this.tooLong(head));
  }

  write(chunk: Buffer): void {
    this.splitter.write(chunk);
  }

  /** End of the whole input: a last line without a newline is still a line. Not called after an interruption. */
  endInput(): void {
    this.splitter.end();
  }

  private line(text: string): void {
    this.lines++;
    if (this.skipped < this.toSkip) {
      this.skipped++;
      this.feed.skip();
    } else this.feed.push(text);
  }

  private tooLong(head: string): void {
    this.lines++;
    if (this.skipped < this.toSkip) {
      this.skipped++;
      this.feed.skip();
    } else this.feed.tooLong(head);
  }
}
