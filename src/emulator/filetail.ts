// Tails a real file for attachLogFile(): the existing content, then lines appended later, each handed over
// when read. Polls (a missing file is waited for; truncation and replacement start over from the top).

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export class FileTail {
  private fd: number | null = null;
  private ino = -1;
  private offset = 0;
  private rest = '';
  private decoder = new StringDecoder('utf8');
  private readonly timer: NodeJS.Timeout;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private closed = false;

  constructor(private readonly path: string, private readonly onLines: (lines: string[]) => void, pollMs = 50) {
    this.poll();
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  private reopen(): boolean {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      return false;
    }
    this.ino = fstatSync(this.fd).ino;
    this.offset = 0;
    this.rest = '';
    this.decoder = new StringDecoder('utf8');
    return true;
  }

  /** Reads what is new (at most 8 MiB per poll so one huge file cannot block the loop). */
  poll(): void {
    if (this.closed) return;
    try {
      if (this.fd === null && !this.reopen()) return;
      let st = statSync(this.path, { throwIfNoEntry: false });
      if (st && st.ino !== this.ino) {
        this.drain();
        if (!this.reopen()) return;
        st = fstatSync(this.fd!);
      }
      const size = fstatSync(this.fd!).size;
      if (size < this.offset) {
        this.offset = 0;
        this.rest = '';
      }
      this.drain();
    } catch {
      // The file went away between stat and read; the next poll tries again.
    }
  }

  private drain(): void {
    if (this.fd === null) return;
    let text = '';
    for (let i = 0; i < 8; i++) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      text += this.decoder.write(this.buf.subarray(0, n));
    }
    if (text === '') return;
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    if (parts.length) this.onLines(parts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
