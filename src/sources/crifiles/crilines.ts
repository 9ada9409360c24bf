// Bytes of CRI log files -> whole log lines, with a position that is always exact: `offset` is the file offset just
// after the last record handed on, and the partial lines still open (P parts waiting for their F, per stream) are
// part of the state, so a position committed at any moment resumes without a lost or a repeated line, also when a
// P part and its F land in different files around a rotation.
//
// A record whose F part closes no partial is handed on as it is (no copy); joined parts go out as one F record with
// the first part's time. Joined text longer than maxLineLength goes to onTooLong with its head (counted, not stored).

export interface CriPartial {
  /** Time (RFC3339Nano) of the first part. */
  time: string;
  text: string;
  /** Grew past the maximum: only the head is kept. */
  over: boolean;
}

/** What is open in a file's record stream: [stdout, stderr]. */
export type CriParts = [CriPartial | null, CriPartial | null];

export interface CriLineSink {
  line(raw: string): void;
  tooLong(head: string): void;
}

const NL = 10;
/** A record with no newline after this many bytes is cut (the runtime writes records of at most 16 KiB). */
const MAX_RECORD = 256 * 1024;

export class CriLines {
  /** File offset after the last record handed on. */
  offset = 0;
  parts: CriParts = [null, null];
  /** Bytes after the last newline, waiting for the rest of their record. */
  private carry: Buffer | null = null;
  private skipRest = false;

  constructor(
    private readonly sink: CriLineSink,
    private readonly maxLineLength = 64 * 1024,
  ) {}

  /** Starts a file at `offset` (the partial lines stay open). */
  reset(offset: number): void {
    this.offset = offset;
    this.carry = null;
    this.skipRest = false;
  }

  /** Bytes read at file offset `at` (the offset right after what was read before). */
  write(chunk: Buffer, at: number): void {
    let buf = chunk;
    let base = at;
    if (this.carry !== null) {
      base -= this.carry.length;
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl === -1) break;
      if (this.skipRest) this.skipRest = false;
      else this.record(buf.toString('utf8', start, nl), base + nl + 1);
      this.offset = base + nl + 1;
      start = nl + 1;
    }
    if (start < buf.length) {
      if (this.skipRest) return; // the rest of a cut record: dropped up to its newline
      if (buf.length - start > MAX_RECORD) {
        if (!this.skipRest) this.sink.tooLong(buf.toString('utf8', start, start + 300));
        this.skipRest = true;
        return;
      }
      this.carry = Buffer.from(buf.subarray(start)); // a copy: the reader reuses its buffer
    }
  }

  /** The end of a file that is complete: a last record without its newline is still a record. */
  endFile(fileEnd: number): void {
    const c = this.carry;
    this.carry = null;
    if (c !== null && c.length > 0 && !this.skipRest) this.record(c.toString('utf8'), fileEnd);
    this.skipRest = false;
    this.offset = fileEnd;
  }

  /** One record ending at `end`; the offset moves there before the line is handed on (a commit inside sees it). */
  private record(s: string, end: number): void {
    const sp = s.indexOf(' ');
    let stream = -1;
    if (sp > 0) {
      if (s.startsWith('stdout ', sp + 1)) stream = 0;
      else if (s.startsWith('stderr ', sp + 1)) stream = 1;
    }
    const tagAt = sp + 8;
    const tag = stream < 0 ? 0 : s.charCodeAt(tagAt);
    const sepOk = tagAt + 1 >= s.length || s.charCodeAt(tagAt + 1) === 32;
    if (stream < 0 || !sepOk || (tag !== 70 && tag !== 80)) {
      // Not a CRI record: handed on as it is, the line stage counts it.
      this.offset = end;
      this.sink.line(s);
      return;
    }
    const textAt = Math.min(s.length, tagAt + 2);
    const open = this.parts[stream];
    if (tag === 80 /* P */) {
      if (open === null) this.parts[stream] = { time: s.slice(0, sp), text: s.slice(textAt), over: false };
      else if (!open.over) {
        open.text += s.slice(textAt);
        if (open.text.length > this.maxLineLength) {
          open.text = open.text.slice(0, 300);
          open.over = true;
        }
      }
      this.offset = end;
      return;
    }
    this.offset = end;
    if (open === null) {
      this.sink.line(s);
      return;
    }
    this.parts[stream] = null;
    if (open.over) {
      this.sink.tooLong(`${open.time} ${stream === 0 ? 'stdout' : 'stderr'} F ${open.text}`);
      return;
    }
    const text = open.text + s.slice(textAt);
    const joined = `${open.time} ${stream === 0 ? 'stdout' : 'stderr'} F ${text}`;
    if (text.length > this.maxLineLength) this.sink.tooLong(joined.slice(0, 300));
    else this.sink.line(joined);
  }
}
