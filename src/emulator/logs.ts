// GET .../pods/{pod}/log: validation exactly like the apiserver/kubelet (400/404 Status bodies), then a chunked
// text/plain stream. Follow streams are LogWriters listening to a ContainerLog; all writes of one tick are
// batched (setImmediate), a writer that hits backpressure waits for 'drain' and catches up from its index.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ContainerLog, type LogListener, StampFormatter } from './containerlog.js';
import type { ClusterModel } from './model.js';
import { HeldResponse } from './held-response.js';
import { type StatusObject, notFound, sendStatus, statusObject } from './status.js';

export interface StreamFilter {
  namespace?: string;
  pod?: string;
  container?: string;
}

const pending: LogWriter[] = [];
let tickScheduled = false;

function runPending(): void {
  tickScheduled = false;
  const batch = pending.splice(0, pending.length);
  for (const w of batch) w.flush();
}

function schedule(w: LogWriter): void {
  pending.push(w);
  if (!tickScheduled) {
    tickScheduled = true;
    setImmediate(runPending);
  }
}

export interface LogWriterOptions {
  timestamps: boolean;
  follow: boolean;
  /** Lines before this time (ms) are skipped (sinceTime cut to the second, or now - sinceSeconds). */
  sinceMs: number;
  /** Stop after this many bytes (0 = no limit). */
  limitBytes: number;
}

export class LogWriter extends HeldResponse implements LogListener {
  private next: number;
  private scheduled = false;
  private stalledUntil = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private bytesLeft: number;
  private dripLines = 0;
  private dripMs = 0;
  private dripTimer: NodeJS.Timeout | null = null;
  private readonly fmt = new StampFormatter();
  /** Lines written so far (for tests and the benchmark). */
  linesWritten = 0;

  constructor(res: ServerResponse, readonly log: ContainerLog, start: number, readonly namespace: string,
    readonly pod: string, readonly container: string, private readonly opts: LogWriterOptions,
    private readonly registry: Set<LogWriter>) {
    super(res);
    this.next = start;
    this.bytesLeft = opts.limitBytes > 0 ? opts.limitBytes : Infinity;
    registry.add(this);
    if (opts.follow && !log.closed) log.listeners.add(this);
    res.on('drain', () => this.request());
    this.request();
  }

  matches(f: StreamFilter | undefined): boolean {
    return !f || ((f.namespace === undefined || f.namespace === this.namespace) && (f.pod === undefined || f.pod === this.pod)
      && (f.container === undefined || f.container === this.container));
  }

  onAppend(): void {
    this.request();
  }

  onClose(): void {
    this.request();
  }

  private request(): void {
    if (this.scheduled || this.done) return;
    this.scheduled = true;
    schedule(this);
  }

  flush(): void {
    this.scheduled = false;
    if (this.done || this.stalledUntil > 0 || this.res.writableNeedDrain || this.dripTimer) return;
    const log = this.log;
    let end = log.end;
    let caughtUp = true;
    let i = this.next < log.base ? log.base : this.next;
    if (this.dripLines > 0 && end - i > this.dripLines) {
      // A slow drip: at most dripLines lines now, the rest after dripMs.
      end = i + this.dripLines;
      caughtUp = false;
      this.dripTimer = setTimeout(() => {
        this.dripTimer = null;
        this.request();
      }, this.dripMs);
    }
    if (i < end) {
      const { lines, times, subs, base } = log;
      const since = this.opts.sinceMs;
      const ts = this.opts.timestamps;
      let s = '';
      let n = 0;
      for (; i < end; i++) {
        const idx = i - base;
        const t = times[idx];
        if (t < since) continue;
        if (ts) s += this.fmt.format(t, subs[idx]) + ' ';
        s += lines[idx] + '\n';
        n++;
      }
      this.next = end;
      if (s !== '') {
        if (this.bytesLeft !== Infinity) {
          const buf = Buffer.from(s);
          if (buf.length >= this.bytesLeft) {
            this.res.write(buf.subarray(0, this.bytesLeft));
            this.bytesLeft = 0;
            this.finish();
            return;
          }
          this.bytesLeft -= buf.length;
          this.res.write(buf);
        } else {
          this.res.write(s);
        }
        this.linesWritten += n;
      }
    }
    if (caughtUp && (!this.opts.follow || log.closed)) this.finish();
  }

  /** From now on writes at most `lines` lines every `everyMs` (a slow drip: a backlog that takes long to drain). */
  drip(lines: number, everyMs: number): void {
    this.dripLines = Math.max(0, lines);
    this.dripMs = everyMs;
  }

  /** Clean end of the stream (terminating chunk). */
  finish(): void {
    this.close();
  }

  /** Stops writing for ms (the connection stays open), then catches up. */
  stall(ms: number): void {
    if (this.done) return;
    this.stalledUntil = Date.now() + ms;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      this.stalledUntil = 0;
      this.request();
    }, ms);
  }

  protected release(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    if (this.dripTimer) clearTimeout(this.dripTimer);
    this.log.listeners.delete(this);
    this.registry.delete(this);
  }
}

function flag(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string, min: number): number | StatusObject | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    return statusObject(422, `PodLogOptions "" is invalid: ${name}: Invalid value: ${v}: must be greater than or equal to ${min}`,
      'Invalid');
  }
  return n;
}

/** Handles one log request; follow streams are added to registry. */
export function serveLog(model: ClusterModel, _req: IncomingMessage, res: ServerResponse, namespace: string,
  podName: string, q: URLSearchParams, registry: Set<LogWriter>): void {
  const pod = model.podState(namespace, podName);
  if (!pod) return sendStatus(res, notFound('pods', podName));
  let cname = q.get('container') ?? '';
  if (cname === '') {
    if (pod.containers.length !== 1) {
      return sendStatus(res, statusObject(400, `a container name must be specified for pod ${podName}, choose one of: [${
        pod.containers.map((c) => c.name).join(' ')}]`));
    }
    cname = pod.containers[0].name;
  }
  const c = pod.containers.find((x) => x.name === cname);
  if (!c) return sendStatus(res, statusObject(400, `container ${cname} is not valid for pod ${podName}`));

  const tail = intParam(q, 'tailLines', 0);
  const sinceSeconds = intParam(q, 'sinceSeconds', 1);
  const limitBytes = intParam(q, 'limitBytes', 1);
  for (const v of [tail, sinceSeconds, limitBytes]) if (typeof v === 'object') return sendStatus(res, v);
  const sinceTimeText = q.get('sinceTime');
  if (sinceTimeText && sinceSeconds !== undefined) {
    return sendStatus(res, statusObject(422, 'PodLogOptions "" is invalid: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified', 'Invalid'));
  }
  let sinceMs = -Infinity;
  if (sinceTimeText) {
    const t = Date.parse(sinceTimeText);
    if (Number.isNaN(t)) {
      return sendStatus(res, statusObject(400, `parsing time "${sinceTimeText}" as "2006-01-02T15:04:05Z07:00": cannot parse`));
    }
    sinceMs = Math.floor(t / 1000) * 1000;
  } else if (typeof sinceSeconds === 'number') {
    sinceMs = Date.now() - sinceSeconds * 1000;
  }

  let log: ContainerLog;
  if (flag(q.get('previous'))) {
    if (!c.previous) {
      return sendStatus(res, statusObject(400, `previous terminated container "${cname}" in pod "${podName}" not found`));
    }
    log = c.previous;
  } else {
    if (c.waiting !== null && !c.log.started) {
      return sendStatus(res, statusObject(400, `container "${cname}" in pod "${podName}" is waiting to start: ${c.waiting}`));
    }
    log = c.log;
  }
  const start = typeof tail === 'number' ? Math.max(log.base, log.end - tail) : log.base;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  new LogWriter(res, log, start, namespace, podName, cname, {
    timestamps: flag(q.get('timestamps')), follow: flag(q.get('follow')), sinceMs,
    limitBytes: typeof limitBytes === 'number' ? limitBytes : 0,
  }, registry);
}
