// A small Kubernetes API client for GETs that snatscope owns end to end (log streams, watches, lists): auth and TLS
// come from client-node's KubeConfig (applyToHTTPSOptions, so exec plugins, tokens, client certs and CAs work as in
// kubectl), every request goes through ONE shared keep-alive agent (client-node 1.4 leaks a socket per reconnect),
// with a connect timeout and a response-header timeout. Non-2xx answers become a typed KubeError built from the
// Status body, with messages a user can act on (401, 403 naming verb and resource, 429 with Retry-After).
import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { safeText } from '../text.js';
import { credentialProblem, trackExecPlugin } from './config.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface GetOptions {
  signal?: AbortSignal;
  /** Return the response stream (default for get); getJson reads and parses it. */
  stream?: boolean;
  accept?: string;
  headerTimeoutMs?: number;
}

export interface ClientOptions {
  connectTimeoutMs?: number;
  headerTimeoutMs?: number;
  userAgent?: string;
}

/** An API answer other than 2xx (status from the HTTP answer), or a network failure (status 0). */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    /** Status.reason (Forbidden, NotFound, Expired, ...) or a network error code (ECONNREFUSED, Timeout, ...). */
    readonly reason: string,
    message: string,
    /** For 429/503 with Retry-After: how long the server asked to wait. */
    readonly retryAfterMs: number | null = null,
    /** The server's own message (escaped), for 4xx answers. */
    readonly serverMessage = '',
    /** What the user can do about it ("try ..."), kept apart so a UserError does not say it twice. */
    readonly hint: string | null = null,
  ) {
    // API-server text (Status reason and message, watch ERROR events) is hostile: escaped before any terminal.
    super(safeText(message));
    this.name = 'KubeError';
  }

  /** The message with its hint, for notices and stream states. */
  get text(): string {
    return this.hint ? `${this.message} (try ${this.hint})` : this.message;
  }

  /** Worth retrying as is: network problems, timeouts, 429 and 5xx. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 408 || this.status >= 500;
  }
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

export class KubeClient {
  readonly server: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly connectTimeoutMs: number;
  private readonly headerTimeoutMs: number;
  private readonly userAgent: string;

  constructor(
    private readonly kc: KubeConfig,
    opts: ClientOptions = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('KubeClient: kubeconfig has no current cluster');
    this.server = cluster.server;
    this.base = new URL(cluster.server.endsWith('/') ? cluster.server : `${cluster.server}/`);
    this.secure = this.base.protocol === 'https:';
    const agentOpts = { keepAlive: true, keepAliveMsecs: 30_000, scheduling: 'lifo' as const };
    this.agent = this.secure ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    trackExecPlugin(kc);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.headerTimeoutMs = opts.headerTimeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? 'snatscope';
  }

  /** GET path?query; resolves with the response (2xx) as a stream, or rejects with a KubeError / AbortError. */
  async get(path: string, query: Query = {}, opts: GetOptions = {}): Promise<IncomingMessage> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const k in query) {
      const v = query[k];
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const options: https.RequestOptions = {
      method: 'GET',
      headers: { Accept: opts.accept ?? 'application/json', 'User-Agent': this.userAgent },
    };
    try {
      await this.kc.applyToHTTPSOptions(options);
    } catch (err) {
      // An exec credential plugin, a token file or plain HTTP: said without quoting any plugin output (a token).
      const p = credentialProblem(this.kc, err);
      throw new KubeError(401, 'CredentialsFailed', p.message, null, '', p.hint);
    }
    if (opts.signal?.aborted) throw abortError();
    options.agent = this.agent;
    options.protocol = url.protocol;
    options.hostname = url.hostname.replace(/^\[|\]$/g, '');
    options.port = url.port || (this.secure ? 443 : 80);
    options.path = url.pathname + url.search;
    options.signal = opts.signal;
    const headerTimeout = opts.headerTimeoutMs ?? this.headerTimeoutMs;
    const mod = this.secure ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const arm = (ms: number, what: string) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => req.destroy(new KubeError(0, 'Timeout', `${what} within ${ms / 1000}s (${this.server})`)), ms);
      };
      const disarm = () => {
        if (timer) clearTimeout(timer);
        timer = null;
      };
      const req = mod.request(options);
      arm(this.connectTimeoutMs, 'no connection');
      req.on('socket', (socket) => {
        if (!(socket as { connecting?: boolean }).connecting) arm(headerTimeout, 'no response');
        else socket.once(this.secure ? 'secureConnect' : 'connect', () => arm(headerTimeout, 'no response'));
      });
      req.on('response', (res) => {
        disarm();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        readBody(res, 64 * 1024).then(
          (body) => reject(errorFromResponse(status, res.headers['retry-after'], body, path)),
          (err) => reject(networkError(err, this.server)),
        );
      });
      req.on('error', (err) => {
        disarm();
        reject(err instanceof KubeError || isAbort(err) ? err : networkError(err, this.server));
      });
      req.end();
    });
  }

  /** GET and parse a JSON answer. */
  async getJson<T = unknown>(path: string, query: Query = {}, opts: GetOptions = {}): Promise<T> {
    const res = await this.get(path, query, opts);
    const body = await readBody(res, Infinity);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new KubeError(0, 'BadResponse', `the API server sent something that is not JSON for ${path}`);
    }
  }

  /** Closes idle keep-alive sockets and refuses reuse. */
  close(): void {
    this.agent.destroy();
  }
}

function readBody(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < limit) parts.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

function networkError(err: unknown, server: string): KubeError {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? 'NetworkError';
  const text =
    code === 'ECONNREFUSED' ? `connection refused by ${server}` :
    code === 'ENOTFOUND' ? `cannot resolve the API server host of ${server}` :
    code === 'ECONNRESET' ? `connection reset by ${server}` :
    code === 'ETIMEDOUT' ? `connection to ${server} timed out` :
    code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SELF_SIGNED')
      ? `TLS problem talking to ${server}: ${safeText(String(e?.message ?? code))}` :
    `${safeText(String(e?.message ?? code))} (${server})`;
  return new KubeError(0, code, text);
}

/** Retry-After: seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const FORBIDDEN = /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/;

/** Builds the KubeError for a non-2xx answer from its Status body (or plain text). */
export function errorFromResponse(status: number, retryAfter: string | string[] | undefined, body: string, path: string): KubeError {
  let reason = '';
  let serverMessage = '';
  try {
    const s = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    reason = safeText(String(s.reason ?? '')).slice(0, 100);
    serverMessage = s.message ?? '';
  } catch {
    serverMessage = body.trim().slice(0, 300);
  }
  serverMessage = safeText(serverMessage);
  const retryMs = parseRetryAfter(retryAfter);
  let message: string;
  let hint: string | null = null;
  switch (status) {
    case 401:
      reason ||= 'Unauthorized';
      message = 'token expired or invalid';
      hint = REFRESH;
      break;
    case 403: {
      reason ||= 'Forbidden';
      const m = FORBIDDEN.exec(serverMessage);
      if (m) {
        const resource = m[3] ? `${m[2]}.${m[3]}` : m[2];
        const where = m[4] ? ` in namespace ${m[4]}` : m[0].includes('cluster scope') ? ' at the cluster scope' : '';
        message = `forbidden: cannot ${m[1]} ${resource}${where}`;
        hint = 'granting it, see deploy/rbac.yaml';
      } else {
        message = `forbidden: ${serverMessage || path}`;
        hint = 'granting get/list/watch, see deploy/rbac.yaml';
      }
      break;
    }
    case 429:
      reason ||= 'TooManyRequests';
      message = `the API server is rate limiting (retry after ${Math.round((retryMs ?? 1000) / 1000)}s)`;
      break;
    default:
      reason ||= http.STATUS_CODES[status] ?? 'Error';
      message = `${status} ${reason}: ${serverMessage || path}`;
  }
  return new KubeError(status, reason, message, retryMs, serverMessage, hint);
}

const REFRESH = "refreshing the credentials, e.g. re-run your cloud's get-credentials";
