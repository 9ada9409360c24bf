// The Kubernetes API emulator: an HTTP server on loopback speaking the real wire protocol (discovery, list,
// watch, get, patch, delete, pod logs) over a ClusterModel, plus fault injection for tests (cut/end/stall log
// streams, expire watches, fail the next requests, require a bearer token) and per-path request counters.

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { type KubeconfigOptions, writeKubeconfigFile } from './kubeconfig.js';
import { type LogWriter, type StreamFilter, serveLog } from './logs.js';
import { ClusterModel } from './model.js';
import { findResource } from './resources.js';
import { serveDelete, serveGet, serveList, servePatch } from './rest.js';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { sendJson, sendStatus, statusObject } from './status.js';
import { type IncludeObject, wantsTable } from './table.js';
import { WatchStream } from './watch.js';

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

function flag(v: string | null): boolean {
  return v === 'true' || v === '1';
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

  constructor(model?: ClusterModel) {
    this.ownsModel = model === undefined;
    this.model = model ?? new ClusterModel();
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
      const p = this.route(req, res, u);
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

  private route(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> | void {
    const method = req.method ?? 'GET';
    const parts = u.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const q = u.searchParams;
    const nf = () => sendStatus(res, statusObject(404, 'the server could not find the requested resource'));
    if (parts.length === 1 && (parts[0] === 'healthz' || parts[0] === 'livez' || parts[0] === 'readyz')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('ok');
    }
    if (parts[0] === 'version' && parts.length === 1) return sendJson(res, 200, versionInfo());
    let group: string;
    let rest: string[];
    if (parts[0] === 'api') {
      if (parts.length === 1) return sendJson(res, 200, apiVersions(u.host));
      group = '';
      rest = parts.slice(1);
    } else if (parts[0] === 'apis') {
      if (parts.length === 1) return sendJson(res, 200, apiGroupList());
      if (parts.length === 2) {
        const g = apiGroup(parts[1]);
        return g ? sendJson(res, 200, g) : nf();
      }
      group = parts[1];
      rest = parts.slice(2);
    } else {
      return nf();
    }
    const version = rest[0];
    rest = rest.slice(1);
    if (rest.length === 0) {
      const list = apiResourceList(group, version);
      return list ? sendJson(res, 200, list) : nf();
    }
    if (version !== 'v1') return nf();
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      [, namespace, resource, name, sub] = rest;
      if (rest.length > 5) return nf();
    } else {
      [resource, name, sub] = rest;
      if (rest.length > 3) return nf();
    }
    const r = findResource(group, resource);
    if (!r || (namespace !== undefined && !r.namespaced)) return nf();
    if (r.namespaced && namespace === undefined && name !== undefined) return nf();

    if (sub !== undefined) {
      if (r.name === 'pods' && sub === 'log' && method === 'GET') {
        return serveLog(this.model, req, res, namespace!, name!, q, this.logStreams);
      }
      return nf();
    }
    const accept = req.headers.accept;
    const table: IncludeObject | null = wantsTable(accept)
      ? ((q.get('includeObject') as IncludeObject | null) ?? 'Metadata') : null;
    if (method === 'GET') {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'), r.name);
      if (flag(q.get('watch'))) {
        if (name !== undefined) fields.push({ key: 'metadata.name', op: 'eq', values: [name] });
        new WatchStream(res, this.model, r, {
          namespace, labels, fields, table, resourceVersion: q.get('resourceVersion'),
          bookmarks: flag(q.get('allowWatchBookmarks')), bookmarkIntervalMs: this.bookmarkIntervalMs,
          timeoutSeconds: Number(q.get('timeoutSeconds') ?? '0') || 0, sendInitialEvents: flag(q.get('sendInitialEvents')),
          silent: this.silent,
        }, this.watches);
        return;
      }
      if (name === undefined) return serveList(this.model, res, r, namespace, labels, fields, q, table);
      return serveGet(this.model, res, r, namespace, name, table);
    }
    if (name === undefined) {
      return sendStatus(res, statusObject(405, `the server does not allow this method on the requested resource`));
    }
    if (method === 'PATCH') return servePatch(this.model, req, res, r, namespace, name);
    if (method === 'DELETE') return serveDelete(this.model, res, r, namespace, name);
    return sendStatus(res, statusObject(405, `the server does not allow this method on the requested resource`));
  }
}
