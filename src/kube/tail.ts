// One container's log stream: GET .../pods/{pod}/log?container=C&follow=true&timestamps=true, split into lines
// (the timestamp prefix stays on each line: the line stage's kubectl-timestamps envelope reads it), with a cursor
// that makes every drop resumable without a gap or a duplicate.
//
// Every request names the instance it reads (see cursor.ts): a resume asks for the cursor's second and the replayed
// lines verify that the stream serves this instance; a stream that serves another one (follow=true after a restart
// whose status update lags) is dropped unread and the rest of this instance is read with previous=true. Drops that
// resume: a clean end while the container instance still runs, a socket reset, an idle stream (no bytes for
// `idleMs`; a quiet pod costs one cheap reconnect), 5xx/429, and errors inside the 200 body ("unable to retrieve
// container logs ..."): any line without a timestamp is such an error. Before every connect `decide()` (the pod
// watch) says whether this container instance still runs, has stopped (read the rest and end), was replaced by a
// restart (read the rest with previous=true and end) or is gone (end; loud when nothing could be read).
// A tail that could not read its instance to the end says so: `gaveUp` with the reason.
// States: queued -> connecting -> live -> retrying (with reason) -> ... -> ended. This file: the connections (which
// request comes next, retries, backoff, the end); reading one response's lines is tail-read.ts.
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeError, isAbort, type KubeClient } from './http.js';
import { TailReader, type TailReadOptions } from './tail-read.js';

export type { TailCursor } from './cursor.js';

/** A log stream's state (the TUI shows it per stream). */
export type StreamState = 'queued' | 'connecting' | 'live' | 'retrying' | 'ended';

/** What the container instance is doing now: keep following, read what is left and end, read the previous instance, end. */
export type ResumeDecision = 'resume' | 'final' | 'previous' | 'end';

export interface TailOptions extends TailReadOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  /** Follow the log (default) or read what it holds now and end (--no-follow). */
  follow?: boolean;
  /** Read the previous instance's log (kubectl logs -p) and end; implies no follow. */
  previous?: boolean;
  onState?(tail: Tail): void;
  decide?(): ResumeDecision;
  /** Wait after a clean end before asking decide() again (default 750 ms); a lagging status is caught by the cursor. */
  endGraceMs?: number;
  /**
   * After a clean end of an instance that delivered no line yet (no cursor can verify a reconnect): how long to wait
   * for the pod watch to say the instance stopped or was replaced before following it again (default 30 s).
   */
  unverifiedEndMs?: number;
  backoff?: BackoffOptions;
  /** Failed attempts before a --no-follow read gives up (default 5). Follow streams retry until stopped. */
  maxAttempts?: number;
}

type Mode = 'follow' | 'final' | 'previous';

export class Tail extends TailReader<TailOptions> {
  state: StreamState = 'queued';
  /** Why it is retrying or why it ended (escaped, one line). */
  reason: string | null = null;
  connects = 0;
  retries = 0;
  /** The current retry is routine (a clean end, an idle reconnect of a quiet stream): not worth telling anyone. */
  quietRetry = false;
  /** It ended without reading its instance to the end (`reason` says why): lines may be missing. */
  gaveUp = false;
  /** A stream served another container instance's log (dropped unread; the rest was read with previous=true). */
  foreignStreams = 0;
  /** The error of the current retry (status 0: network, with its code as reason), null after a clean end. */
  retryError: Pick<KubeError, 'status' | 'reason'> | null = null;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly key: string;
  private conn: AbortController | null = null;
  private stopping = false;
  private finishing = false;
  private started = false;
  /** The current read without follow reaches the instance's end (it has stopped). */
  private toEnd = false;
  private readonly backoff: Backoff;
  private readonly path: string;

  constructor(opts: TailOptions) {
    super(opts);
    this.key = `${opts.namespace}/${opts.pod}/${opts.container}`;
    this.path = `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/pods/${encodeURIComponent(opts.pod)}/log`;
    this.backoff = new Backoff(opts.backoff);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get name(): string {
    return this.key;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  /**
   * The pod is gone: a live stream drains until it ends or is idle for `idleMs`, and is never followed again; a
   * stream between two connections reads what is left once without follow.
   */
  finish(): void {
    if (this.state === 'ended') return;
    this.finishing = true;
    if (!this.started) void this.stop('pod deleted');
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

  private end(reason: string | null, complete = false): void {
    if (this.state === 'ended') return;
    if (complete) this.cur.complete = true;
    this.setState('ended', reason);
    this.resolveDone();
  }

  private giveUp(reason: string): void {
    this.gaveUp = true;
    this.end(reason);
  }

  /** Which request comes next: from decide() (the pod status), unless a foreign stream forced previous=true. */
  private nextMode(follow: boolean, first: boolean, forced: Mode | null, lastClean: boolean): Mode | 'done' {
    if (forced) {
      this.toEnd = true;
      return forced;
    }
    if (this.finishing) {
      // Deleted: a stream that ended cleanly was read to its end; after a drop, read what is left once.
      if (lastClean && !first) {
        this.end('pod deleted', true);
        return 'done';
      }
      this.toEnd = true;
      return 'final';
    }
    const d = this.opts.decide?.() ?? 'resume';
    // A read without follow reaches the instance's end only when it has stopped (a --no-follow read of a running one does not).
    this.toEnd = d === 'final' || d === 'previous' || forced === 'previous';
    if (d === 'end') {
      if (first) this.giveUp('the container instance was replaced before its log could be read');
      else this.end('container gone');
      return 'done';
    }
    if (d === 'previous') return 'previous';
    return d === 'final' || !follow ? 'final' : 'follow';
  }

  private async run(): Promise<void> {
    const follow = (this.opts.follow ?? true) && !this.opts.previous;
    let first = true;
    let failures = 0;
    // -p: the previous instance, read once to its end.
    let forced: Mode | null = this.opts.previous ? 'previous' : null;
    let lastClean = false;
    await this.opts.committed?.prepare(this.opts.client, this.path, this.opts.container, this.stopSignal());
    while (!this.stopping) {
      const mode = this.nextMode(follow, first, forced, lastClean);
      if (mode === 'done') return;
      first = false;
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
        lastClean = true;
        if (mode !== 'follow') return this.end(this.finishing ? 'pod deleted' : null, this.toEnd);
        if (this.finishing) return this.end('pod deleted', true);
        // A follow stream ended cleanly: the container stopped, or something in between closed it.
        const healthy = this.lines > before || Date.now() - t0 > 10_000;
        if (healthy) this.backoff.reset();
        this.quietRetry = true;
        this.retryError = null;
        this.setState('retrying', 'stream ended');
        const wait = Math.max(this.opts.endGraceMs ?? 750, healthy ? 0 : this.backoff.next());
        if (!(await sleep(wait, this.stopSignal()))) break;
        if (this.cur.value === null && !(await this.untilDecided())) break;
      } catch (err) {
        if (this.stopping || isAbort(err)) break;
        if (!(err instanceof KubeError)) throw err;
        lastClean = false;
        if (err.reason === 'Foreign') {
          this.foreignStreams++;
          // follow=true (or a lagging "terminated" status) served the NEXT instance: read ours with previous=true.
          if (mode !== 'previous') {
            forced = 'previous';
            continue;
          }
          return this.giveUp(`neither the current nor the previous log (previous=true) replays the lines already stored of this container instance (another instance's log, or its clock stepped back past them); lines after ${this.cur.value?.sinceTime ?? 'its start'} could not be read`);
        }
        if (this.finishing) {
          if (err.reason === 'Idle') return this.end(`pod deleted; its stream was idle for ${Math.round((this.opts.idleMs ?? 300_000) / 1000)}s, stopped draining`, true);
          if (!err.retryable) return this.giveUp(`pod deleted before its log was read to the end: ${err.text}`);
        }
        failures++;
        if (this.lines > before || Date.now() - t0 > 10_000) this.backoff.reset();
        const limited = !follow || this.finishing || mode === 'previous';
        if (limited && (failures >= (this.opts.maxAttempts ?? 5) || (err.status >= 400 && err.status < 500 && err.status !== 429))) {
          return this.giveUp(mode === 'previous' && err.status === 400 ? 'previous container log unavailable' : err.text);
        }
        this.retries++;
        const delay = err.reason === 'Idle' ? 0 : this.backoff.next(err.retryAfterMs ?? 0);
        this.quietRetry = err.reason === 'Idle';
        this.retryError = err;
        this.setState('retrying', err.text);
        if (!(await sleep(delay, this.stopSignal()))) break;
      }
    }
    this.end(this.stopReason);
  }

  /** A fresh signal for the current request or wait: stop() aborts whatever is current. */
  /**
   * Nothing of this instance was delivered, so a replay cannot verify the next stream: follow=true after a restart
   * whose status update lags would serve the NEXT instance's log as this one's. A clean end is then taken as the
   * container stopping: poll decide() until the pod watch says so (or unverifiedEndMs passed). False: stopped meanwhile.
   */
  private async untilDecided(): Promise<boolean> {
    const decide = this.opts.decide;
    if (!decide) return true;
    const end = Date.now() + (this.opts.unverifiedEndMs ?? 30_000);
    while (decide() === 'resume' && Date.now() < end) {
      if (!(await sleep(100, this.stopSignal()))) return false;
    }
    return true;
  }

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
    const since = this.cur.resume();
    if (since) q.sinceTime = since;
    else if (this.opts.start?.sinceTime) q.sinceTime = this.opts.start.sinceTime;
    else if (this.opts.start?.tailLines !== undefined && this.opts.start.tailLines >= 0) q.tailLines = this.opts.start.tailLines;
    return q;
  }

}
