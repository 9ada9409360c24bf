// The Kubernetes API emulator: an HTTP server on loopback speaking the real wire protocol (discovery, list,
// watch, get, patch, delete, pod logs) over a ClusterModel, plus fault injection for tests (cut/end/stall log
// streams, expire watches, fail the next requests, require a bearer token) and per-path request counters. Which
// handler serves a path is routes.ts.

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KubeconfigOptions, writeKubeconfigFile } from './kubeconfig.js';
import type { LogWriter, StreamFilter } from './logs.js';
import { ClusterModel } from './model.js';
import { route, type RouteContext } from './routes.js';
import { SelectorError } from './selectors.js';
import { sendStatus, statusObject } from './status.js';
import type { WatchStream } from './watch.js';

export interface FailRule {
  remaining: number;
  status: number;
  path?: RegExp;
  retryAfter?: number;
  message?: string;
  reason?: string;
}

export interface RequestRecord {
  method: string;
  /** Path and query as sent. */
  url: string;
  time: number;
}

export class Emulator {
  readonly model: ClusterModel;
  /** Base URL once started (http://127.0.0.1:PORT). */
  url = '';
  /** Requests per path (no query), for assertions. */
  readonly requests = new Map<string, number>();
  /** The last requests (method and full URL), oldest first, bounded. */
  readonly requestLog: RequestRecord[] = [];
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs = 10_000;
  private readonly ownsModel: boolean;
  private server: Server | null = null;
  private readonly logStreams = new Set<LogWriter>();
  private readonly watches = new Set<WatchStream>();
  private readonly failRules: FailRule[] = [];
  private token: string | null = null;
  private silent = false;

  /** What the router serves from: the model, the open streams, the watch settings. */
  private readonly routes: RouteContext;

  constructor(model?: ClusterModel) {
    this.ownsModel = model === undefined;
    this.model = model ?? new ClusterModel();
    const self = this;
    this.routes = {
      model: this.model,
      logStreams: this.logStreams,
      watches: this.watches,
      get bookmarkIntervalMs() {
        return self.bookmarkIntervalMs;
      },
      get silent() {
        return self.silent;
      },
    };
  }

  async start(opts: { port?: number; host?: '127.0.0.1' | '::1' } = {}): Promise<string> {
    const host = opts.host ?? '127.0.0.1';
    const server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.cut();
    for (const l of [...this.logStreams]) l.cut();
    if (this.ownsModel) this.model.close();
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  writeKubeconfig(path: string, opts: KubeconfigOptions = {}): void {
    if (!this.url) throw new Error('emulator: start() before writeKubeconfig()');
    writeKubeconfigFile(path, this.url, opts);
  }

  // ---- fault injection --------------------------------------------------------------------------

  private logsMatching(filter?: StreamFilter): LogWriter[] {
    return [...this.logStreams].filter((l) => l.matches(filter));
  }

  /** Destroys the sockets of matching log streams mid-stream (a reset). Returns how many. */
  cutLogStreams(filter?: StreamFilter): number {
    const hit = this.logsMatching(filter);
    for (const l of hit) l.cut();
    return hit.length;
  }

  /** Ends matching log streams cleanly while the container keeps running. Returns how many. */
  endLogStreams(filter?: StreamFilter): number {
    const hit = this.logsMatching(filter);
    for (const l of hit) l.finish();
    return hit.length;
  }

  /** Matching log streams stop writing for ms with the connection open, then catch up. Returns how many. */
  stallLogStreams(ms: number, filter?: StreamFilter): number {
    const hit = this.logsMatching(filter);
    for (const l of hit) l.stall(ms);
    return hit.length;
  }

  /** Matching log streams write at most `lines` lines every `everyMs` from now on (a slow drain). Returns how many. */
  dripLogStreams(lines: number, everyMs: number, filter?: StreamFilter): number {
    const hit = this.logsMatching(filter);
    for (const l of hit) l.drip(lines, everyMs);
    return hit.length;
  }

  /**
   * Watches go silent (connected, sending nothing: no events, no bookmarks), new ones too; false ends the silence
   * by cutting the silent watches, so their clients re-watch and get the events they missed replayed.
   */
  silenceWatches(on: boolean): void {
    this.silent = on;
    for (const w of [...this.watches]) {
      if (on) w.silent = true;
      else if (w.silent) w.cut();
    }
  }

  /** Open follow log streams (for assertions). */
  get openLogStreams(): number {
    return this.logStreams.size;
  }

  /** Open watches (for assertions). */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Sends every open watch the 410 Expired ERROR event and closes it; all older resourceVersions expire. */
  expireWatches(): void {
    this.model.expireHistory();
    for (const w of [...this.watches]) w.error('The resourceVersion for the provided watch is too old.');
  }

  /** Sends every open watch an ERROR event with this Status (code, message, reason) and closes it. */
  errorWatches(code: number, message: string, reason?: string): void {
    for (const w of [...this.watches]) w.error(message, code, reason);
  }

  /** Resets every open watch connection. */
  cutWatches(): void {
    for (const w of [...this.watches]) w.cut();
  }

  /** Ends every open watch cleanly (as a watch timeout does). */
  endWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /** Answers the next n requests whose path+query matches with that status and a Status body. */
  failNext(n: number, status: number, opts: { path?: RegExp; retryAfter?: number; message?: string; reason?: string } = {}): void {
    this.failRules.push({ remaining: n, status, ...opts });
  }

  /** Requires `Authorization: Bearer token` on every request (401 otherwise); null turns it off. */
  requireToken(token: string | null): void {
    this.token = token;
  }

  /** Sum of requests whose path matches. */
  requestCount(path: RegExp | string): number {
    let n = 0;
    for (const [p, c] of this.requests) if (typeof path === 'string' ? p === path : path.test(p)) n += c;
    return n;
  }

  // ---- request handling -------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const u = new URL(rawUrl, 'http://emulator');
    this.requests.set(u.pathname, (this.requests.get(u.pathname) ?? 0) + 1);
    this.requestLog.push({ method: req.method ?? 'GET', url: rawUrl, time: Date.now() });
    if (this.requestLog.length > 5000) this.requestLog.splice(0, 1000);

    const rule = this.failRules.find((r) => r.remaining > 0 && (!r.path || r.path.test(rawUrl)));
    if (rule) {
      rule.remaining--;
      if (rule.remaining === 0) this.failRules.splice(this.failRules.indexOf(rule), 1);
      const st = statusObject(rule.status, rule.message ?? `injected failure ${rule.status}`, rule.reason,
        rule.retryAfter !== undefined ? { retryAfterSeconds: rule.retryAfter } : undefined);
      return sendStatus(res, st, rule.retryAfter !== undefined ? { 'Retry-After': String(rule.retryAfter) } : {});
    }
    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
      return sendStatus(res, statusObject(401, 'Unauthorized'));
    }
    try {
      const p = route(this.routes, req, res, u);
      if (p) p.catch((e: unknown) => this.internal(res, e));
    } catch (e) {
      this.internal(res, e);
    }
  }

  private internal(res: ServerResponse, e: unknown): void {
    if (e instanceof SelectorError) return sendStatus(res, statusObject(400, e.message));
    if (res.headersSent) res.destroy();
    else sendStatus(res, statusObject(500, `emulator: ${(e as Error)?.message ?? String(e)}`));
  }
}
