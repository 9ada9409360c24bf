// Splits a byte stream into lines. Why not split2: split2's maxLength either errors the stream or silently
// skips the long line; snatscope must cut an over-long line, count it and go on. This splitter works on Buffers
// (one indexOf per line, one utf8 decode per line), keeps at most `maxLength` bytes of a line, and reports the head
// of an over-long line to `onTooLong` instead of `onLine`. CR before LF is left to the line stage.

export type LineHandler = (line: string) => void;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private overflow = false;

  constructor(
    private readonly maxLength: number,
    private readonly onLine: LineHandler,
    private readonly onTooLong: LineHandler,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      if (this.pendingLength === 0 && !this.overflow) {
        if (nl - start > this.maxLength) this.onTooLong(chunk.toString('utf8', start, start + 200));
        else this.onLine(chunk.toString('utf8', start, nl));
      } else {
        this.take(chunk.subarray(start, nl));
        this.emitPending();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** End of input: a last line without a newline is still a line. */
  end(): void {
    if (this.pendingLength > 0 || this.overflow) this.emitPending();
  }

  private take(part: Buffer): void {
    if (this.overflow) return;
    if (this.pendingLength + part.length > this.maxLength) {
      // Keep only a head for the sample; drop the rest of the line until its newline.
      const head = Buffer.concat([...this.pending, part]).subarray(0, 200);
      this.pending = [Buffer.from(head)];
      this.pendingLength = head.length;
      this.overflow = true;
      return;
    }
    this.pending.push(Buffer.from(part)); // copy: the chunk's memory is reused by the reader
    this.pendingLength += part.length;
  }

  private emitPending(): void {
    const text = (this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending)).toString('utf8');
    if (this.overflow) this.onTooLong(text);
    else this.onLine(text);
    this.pending = [];
    this.pendingLength = 0;
    this.overflow = false;
  }
}
