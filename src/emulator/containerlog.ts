// The log of one container instance: lines with their timestamps, bounded, plus the follow streams
// listening to it. A new instance (restart) gets a new ContainerLog; closing one ends its follow streams.

import { randomBytes } from 'node:crypto';

/** A follow stream reading a ContainerLog (implemented by the server's log writer). */
export interface LogListener {
  /** New lines are available (called once per append call, not per line). */
  onAppend(): void;
  /** The container instance stopped: write what is left, then end cleanly. */
  onClose(): void;
}

export function newContainerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

export class ContainerLog {
  readonly containerId: string;
  /** Line texts without the newline; lines[i] has absolute index base + i. */
  readonly lines: string[] = [];
  /** Milliseconds since epoch of each line. */
  readonly times: number[] = [];
  /** Sub-millisecond sequence (nanoseconds within the ms) so stamps in one ms stay ordered. */
  readonly subs: number[] = [];
  /** Absolute index of lines[0] (older lines were dropped to stay under maxLines). */
  base = 0;
  closed = false;
  /** Whether this instance ever ran (a container created waiting has an instance that never started). */
  started: boolean;
  readonly listeners = new Set<LogListener>();
  private readonly maxLines: number;
  private lastTime = NaN;
  private lastSub = 0;

  constructor(opts: { started: boolean; maxLines?: number; containerId?: string }) {
    this.containerId = opts.containerId ?? newContainerId();
    this.started = opts.started;
    this.maxLines = opts.maxLines ?? 50_000;
  }

  /** Absolute index one past the last line. */
  get end(): number {
    return this.base + this.lines.length;
  }

  append(lines: readonly string[], time: number): void {
    for (let i = 0; i < lines.length; i++) {
      if (time === this.lastTime) this.lastSub = this.lastSub < 999_999 ? this.lastSub + 1 : this.lastSub;
      else {
        this.lastTime = time;
        this.lastSub = 0;
      }
      this.lines.push(lines[i]);
      this.times.push(time);
      this.subs.push(this.lastSub);
    }
    const excess = this.lines.length - this.maxLines;
    // Drop in blocks so the splice cost is amortised.
    if (excess > 0 && excess >= Math.min(4096, this.maxLines >> 2 || 1)) {
      this.lines.splice(0, excess);
      this.times.splice(0, excess);
      this.subs.splice(0, excess);
      this.base += excess;
    }
    for (const l of this.listeners) l.onAppend();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.listeners]) l.onClose();
  }
}

/** Formats RFC3339Nano stamps with 9 fractional digits and `Z`, caching the per-second prefix. */
export class StampFormatter {
  private sec = NaN;
  private prefix = '';

  format(ms: number, sub: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.sec) {
      this.sec = sec;
      this.prefix = new Date(sec * 1000).toISOString().slice(0, 19) + '.';
    }
    // Whole nanoseconds: a fractional millisecond (a time from performance.now()) must not print as "1.5e5".
    const frac = Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1_000_000) + sub);
    return this.prefix + String(frac).padStart(9, '0') + 'Z';
  }
}
