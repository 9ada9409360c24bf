// One response of a container's log stream, read for the Tail (tail.ts) that connects and reconnects it: split into
// lines (the timestamp prefix stays on each line), each line checked for its timestamp (a line without one is the
// server or kubelet reporting an error inside the 200 body), dropped when an earlier connection delivered it, and
// checked against the instance the cursor names (cursor.ts: a stream that serves another instance is dropped unread).
// Lines an earlier run stored already go to onStored instead of onLine.
import type { IncomingMessage } from 'node:http';
import { LineSplitter } from '../sources/lines.js';
import { safeText } from '../text.js';
import type { CommittedFilter } from './committed.js';
import { StreamCursor, type TailCursor } from './cursor.js';
import { KubeError } from './http.js';

export interface TailStart {
  /** A persisted cursor for this container instance: wins over everything else. */
  cursor?: TailCursor | null;
  /** RFC3339; the server cuts it to whole seconds. */
  sinceTime?: string;
  tailLines?: number;
}

/** The part of TailOptions that reading a stream's lines uses. */
export interface TailReadOptions {
  start?: TailStart;
  /** One whole line, timestamp prefix included. */
  onLine(line: string): void;
  /** Lines already stored by an earlier run (see committed.ts): handed to onStored instead of onLine. */
  committed?: CommittedFilter;
  onStored?(line: string): void;
  /** The head of a line longer than maxLineLength (cut, counted). */
  onTooLong?(head: string): void;
  /** No bytes for this long -> reconnect from the cursor (default 5 min). */
  idleMs?: number;
  maxLineLength?: number;
}

/** Reads responses of one container instance's log into its cursor; Tail adds the connections around them. */
export class TailReader<O extends TailReadOptions> {
  /** Lines delivered. */
  lines = 0;
  protected readonly cur: StreamCursor;
  /** The current response is done with (settled, or a line made it fail): its remaining lines are ignored. */
  private connDead = false;
  /** Why the current response dropped. */
  protected failure: KubeError | null = null;
  private readonly onLineBound: (line: string) => void;
  private readonly onLongBound: (head: string) => void;

  constructor(protected readonly opts: O) {
    const st = opts.start;
    this.cur = new StreamCursor(st?.cursor, !st?.sinceTime && (st?.tailLines === undefined || st.tailLines < 0));
    this.onLineBound = (line) => this.handle(line, false);
    this.onLongBound = (head) => this.handle(head, true);
  }

  /** Lines dropped on resume because an earlier connection delivered them already. */
  get skipped(): number {
    return this.cur.skipped;
  }

  /** Lines older than the cursor (the container's clock stepped back), delivered once. */
  get outOfOrder(): number {
    return this.cur.outOfOrder;
  }

  /** The instance was read to its end. */
  get complete(): boolean {
    return this.cur.complete;
  }

  /** The resume point covering every line delivered so far, or null before the first line. */
  cursor(): TailCursor | null {
    return this.cur.value;
  }

  cursorJson(): string | null {
    return this.cur.json();
  }

  /** Reads one response; true on a clean end, false on a drop (this.failure says why). */
  protected consume(res: IncomingMessage, flushTail: boolean): Promise<boolean> {
    const idleMs = this.opts.idleMs ?? 300_000;
    this.connDead = false;
    this.failure = null;
    const splitter = new LineSplitter(this.opts.maxLineLength ?? 64 * 1024, this.onLineBound, this.onLongBound);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (clean: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        this.connDead = true;
        if (!clean) res.destroy();
        resolve(clean);
      };
      const onIdle = () => {
        this.failure = new KubeError(0, 'Idle', `no data for ${Math.round(idleMs / 1000)}s, reconnecting`);
        settle(false);
      };
      const idle = setTimeout(onIdle, idleMs);
      this.onFail = (err) => {
        this.failure = err;
        settle(false);
      };
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        idle.refresh();
        splitter.write(chunk);
      });
      res.on('end', () => {
        // A partial last line is delivered only when nothing follows; a resume re-reads it whole.
        if (!settled && flushTail) splitter.end();
        if (!settled && !this.failure && !this.cur.replayComplete()) this.failure = foreign();
        settle(!this.failure);
      });
      res.on('error', () => settle(false));
      res.on('close', () => settle(false));
    });
  }

  private onFail: (err: KubeError) => void = () => {};

  /** Per line: check the timestamp, skip what a previous connection delivered, verify the instance, count, hand on. */
  private handle(line: string, tooLong: boolean): void {
    if (this.connDead) return;
    if (
      line.length < 21 ||
      line.charCodeAt(4) !== 45 ||
      line.charCodeAt(10) !== 84 ||
      line.charCodeAt(13) !== 58 ||
      line.charCodeAt(16) !== 58
    ) {
      // With timestamps=true every log line has one: this is the server or kubelet talking inside the 200 body.
      this.connDead = true;
      const text = safeText(line.length > 200 ? line.slice(0, 200) : line).trim();
      this.onFail(new KubeError(0, 'StreamError', text ? `log stream error: ${text}` : 'log stream error'));
      return;
    }
    const verdict = this.cur.classify(line);
    if (verdict === 'seen') return;
    if (verdict === 'foreign') {
      this.connDead = true;
      this.onFail(foreign());
      return;
    }
    if (this.opts.committed?.stored(line)) {
      this.opts.onStored?.(line);
      return;
    }
    this.lines++;
    if (tooLong) this.opts.onTooLong?.(line);
    else this.opts.onLine(line);
  }
}

export function foreign(): KubeError {
  return new KubeError(0, 'Foreign', 'the log stream served another container instance');
}
