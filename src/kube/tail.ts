// One container's log stream: GET .../pods/{pod}/log?container=C&follow=true&timestamps=true, split into lines
// (the timestamp prefix stays on each line: the line stage's kubectl-timestamps envelope reads it), with a cursor
// that makes every drop resumable without a gap or a duplicate.
//
// Cursor: the last whole second seen and how many lines of that second were delivered. The API server cuts sinceTime
// to whole seconds and is inclusive, so a resume asks for sinceTime=<that second> and skips that many lines of it
// (what stern does). Drops that resume: a clean end while the container instance still runs, a socket reset, an idle
// stream (no bytes for `idleMs`; a quiet pod costs one cheap reconnect), 5xx/429, and errors inside the 200 body
// ("unable to retrieve container logs ..."): any line without a timestamp is such an error. Before each reconnect
// `decide()` (the pod watch) says whether this container instance still runs, has stopped (read the rest and end),
// was replaced by a restart (read the rest with previous=true and end) or is gone (end).
// States: queued -> connecting -> live -> retrying (with reason) -> ... -> ended.
import type { IncomingMessage } from 'node:http';
import { LineSplitter } from '../sources/lines.js';
import { safeText } from '../text.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeError, isAbort, type KubeClient } from './http.js';

/** A log stream's state (the TUI shows it per stream). */
export type StreamState = 'queued' | 'connecting' | 'live' | 'retrying' | 'ended';

/** Where a stream resumes: `sinceTime` is a whole second (RFC3339, UTC), `skip` the lines of it already delivered. */
export interface TailCursor {
  sinceTime: string;
  skip: number;
}

/** What the container instance is doing now: keep following, read what is left and end, read the previous instance, end. */
export type ResumeDecision = 'resume' | 'final' | 'previous' | 'end';

export interface TailStart {
  /** A persisted cursor for this container instance: wins over everything else. */
  cursor?: TailCursor | null;
  /** RFC3339; the server cuts it to whole seconds. */
  sinceTime?: string;
  tailLines?: number;
}

export interface TailOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  /** Follow the log (default) or read what it holds now and end (--no-follow). */
  follow?: boolean;
  start?: TailStart;
  /** One whole line, timestamp prefix included. */
  onLine(line: string): void;
  /** The head of a line longer than maxLineLength (cut, counted). */
  onTooLong?(head: string): void;
  onState?(tail: Tail): void;
  decide?(): ResumeDecision;
  /** No bytes for this long -> reconnect from the cursor (default 5 min). */
  idleMs?: number;
  /** Wait after a clean end before asking decide(), so the pod watch can catch up (default 750 ms). */
  endGraceMs?: number;
  backoff?: BackoffOptions;
  maxLineLength?: number;
  /** Failed attempts before a --no-follow read gives up (default 5). Follow streams retry until stopped. */
  maxAttempts?: number;
}

type Mode = 'follow' | 'final' | 'previous';

export class Tail {
  state: StreamState = 'queued';
  /** Why it is retrying or why it ended (escaped, one line). */
  reason: string | null = null;
  /** Lines delivered. */
  lines = 0;
  /** Lines dropped on resume because an earlier connection delivered them already. */
  skipped = 0;
  connects = 0;
  retries = 0;
  /** The current retry is routine (a clean end, an idle reconnect of a quiet stream): not worth telling anyone. */
  quietRetry = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly key: string;
  private sec = '';
  private count = 0;
  private resumeSec = '';
  private skipLeft = 0;
  private connDead = false;
  private conn: AbortController | null = null;
  private stopping = false;
  private finishing = false;
  private started = false;
  private readonly backoff: Backoff;
  private readonly path: string;
  private failure: KubeError | null = null;
  private readonly onLineBound: (line: string) => void;
  private readonly onLongBound: (head: string) => void;

  constructor(private readonly opts: TailOptions) {
    this.key = `${opts.namespace}/${opts.pod}/${opts.container}`;
    this.path = `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/pods/${encodeURIComponent(opts.pod)}/log`;
    this.backoff = new Backoff(opts.backoff);
    this.done = new Promise((r) => (this.resolveDone = r));
    const c = opts.start?.cursor;
    if (c && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(c.sinceTime) && c.skip >= 0) {
      this.sec = c.sinceTime.slice(0, 19);
      this.count = c.skip;
    }
    this.onLineBound = (line) => this.handle(line, false);
    this.onLongBound = (head) => this.handle(head, true);
  }

  get name(): string {
    return this.key;
  }

  /** The resume point covering every line delivered so far, or null before the first line. */
  cursor(): TailCursor | null {
    return this.sec ? { sinceTime: `${this.sec}Z`, skip: this.count } : null;
  }

  cursorJson(): string | null {
    return this.sec ? `{"sinceTime":"${this.sec}Z","skip":${this.count}}` : null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  /** The pod is gone: let a live stream end by itself (at most `drainMs`), never reconnect. */
  finish(drainMs = 5000): void {
    if (this.state === 'ended') return;
    this.finishing = true;
    if (!this.started || this.state !== 'live') {
      void this.stop('pod deleted');
      return;
    }
    setTimeout(() => void this.stop('pod deleted'), drainMs).unref();
  }

  /** Ends now. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.state === 'ended') return;
    this.stopReason = reason;
    this.stopping = true;
    this.conn?.abort();
    if (!this.started) this.end(reason);
    else await this.done;
  }

  private stopReason = 'stopped';

  private setState(state: StreamState, reason: string | null): void {
    this.state = state;
    this.reason = reason;
    this.opts.onState?.(this);
  }

  private end(reason: string | null): void {
    if (this.state === 'ended') return;
    this.setState('ended', reason);
    this.resolveDone();
  }

  private async run(): Promise<void> {
    const follow = this.opts.follow ?? true;
    let mode: Mode = follow ? 'follow' : 'final';
    let first = true;
    let failures = 0;
    while (!this.stopping) {
      if (!first && follow) {
        const d = this.opts.decide?.() ?? 'resume';
        if (d === 'end') return this.end(this.finishing ? 'pod deleted' : 'container gone');
        mode = d === 'resume' ? 'follow' : d;
      }
      first = false;
      if (this.finishing && mode === 'follow') return this.end('pod deleted');
      this.setState('connecting', this.reason);
      const t0 = Date.now();
      const before = this.lines;
      try {
        const res = await this.opts.client.get(this.path, this.query(mode), { signal: this.newConn() });
        this.connects++;
        this.setState('live', null);
        const clean = await this.consume(res, mode !== 'follow');
        if (!clean) throw this.failure ?? new KubeError(0, 'ECONNRESET', 'log stream dropped');
        failures = 0;
        if (mode !== 'follow') return this.end(null);
        if (this.finishing) return this.end('pod deleted');
        // A follow stream ended cleanly: the container stopped, or something in between closed it.
        const healthy = this.lines > before || Date.now() - t0 > 10_000;
        if (healthy) this.backoff.reset();
        this.quietRetry = true;
        this.setState('retrying', 'stream ended');
        const wait = Math.max(this.opts.endGraceMs ?? 750, healthy ? 0 : this.backoff.next());
        if (!(await sleep(wait, this.stopSignal()))) break;
      } catch (err) {
        if (this.stopping || isAbort(err)) break;
        if (!(err instanceof KubeError)) throw err;
        if (this.finishing) return this.end('pod deleted');
        failures++;
        if (this.lines > before || Date.now() - t0 > 10_000) this.backoff.reset();
        if (!follow && (failures >= (this.opts.maxAttempts ?? 5) || (err.status >= 400 && err.status < 500 && err.status !== 429))) {
          return this.end(err.text);
        }
        if (mode === 'previous' && err.status === 400) return this.end('previous container log unavailable');
        this.retries++;
        const delay = err.reason === 'Idle' ? 0 : this.backoff.next(err.retryAfterMs ?? 0);
        this.quietRetry = err.reason === 'Idle';
        this.setState('retrying', err.text);
        if (!(await sleep(delay, this.stopSignal()))) break;
      }
    }
    this.end(this.stopReason);
  }

  /** A fresh signal for the current request or wait: stop() aborts whatever is current. */
  private stopSignal(): AbortSignal {
    return this.newConn();
  }

  private newConn(): AbortSignal {
    this.conn = new AbortController();
    if (this.stopping) this.conn.abort();
    return this.conn.signal;
  }

  private query(mode: Mode): Record<string, string | number | boolean | undefined> {
    const q: Record<string, string | number | boolean | undefined> = { container: this.opts.container, timestamps: true };
    if (mode === 'follow') q.follow = true;
    if (mode === 'previous') q.previous = true;
    this.skipLeft = 0;
    this.resumeSec = '';
    if (this.sec) {
      q.sinceTime = `${this.sec}Z`;
      this.resumeSec = this.sec;
      this.skipLeft = this.count;
    } else if (this.opts.start?.sinceTime) q.sinceTime = this.opts.start.sinceTime;
    else if (this.opts.start?.tailLines !== undefined && this.opts.start.tailLines >= 0) q.tailLines = this.opts.start.tailLines;
    return q;
  }

  /** Reads one response; true on a clean end, false on a drop (this.failure says why). */
  private consume(res: IncomingMessage, flushTail: boolean): Promise<boolean> {
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
        settle(!this.failure);
      });
      res.on('error', () => settle(false));
      res.on('close', () => settle(false));
    });
  }

  private onFail: (err: KubeError) => void = () => {};

  /** Per line: check the timestamp, skip what a previous connection delivered, count, hand on. */
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
    let fast = line.charCodeAt(19) === 46 /* . */ || line.charCodeAt(19) === 90; /* Z */
    if (fast) {
      const sp = line.indexOf(' ', 19);
      fast = sp > 19 && line.charCodeAt(sp - 1) === 90;
    }
    if (this.resumeSec !== '') {
      const sec = fast ? line.slice(0, 19) : utcSecond(line);
      if (sec < this.resumeSec || (sec === this.resumeSec && this.skipLeft > 0)) {
        if (sec === this.resumeSec) this.skipLeft--;
        this.skipped++;
        return;
      }
      this.resumeSec = '';
      this.skipLeft = 0;
    }
    if (fast ? line.startsWith(this.sec) && this.sec !== '' : utcSecond(line) === this.sec) this.count++;
    else {
      this.sec = fast ? line.slice(0, 19) : utcSecond(line);
      this.count = 1;
    }
    this.lines++;
    if (tooLong) this.opts.onTooLong?.(line);
    else this.opts.onLine(line);
  }
}

/** The whole UTC second of a timestamp with an offset (slow path: kubelet normally writes Z). */
function utcSecond(line: string): string {
  const sp = line.indexOf(' ');
  const ms = Date.parse(sp === -1 ? line : line.slice(0, sp));
  return Number.isNaN(ms) ? line.slice(0, 19) : new Date(ms).toISOString().slice(0, 19);
}
