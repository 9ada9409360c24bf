// List + watch of one resource kind, the loop client-go's reflector runs: list (paged) to get a resourceVersion,
// watch from it, apply events to a local cache and hand them to callbacks. Restarts: clean close (server timeout)
// -> watch again from the last resourceVersion; 410 Gone / ERROR event with code 410 -> re-list (objects gone
// in between are reported DELETED); reset, 5xx, 429, idle stream (no bytes for `idleMs`, bookmarks included)
// -> back off with jitter and watch again. It never gives up until stop().
import { safeText } from '../text.js';
import type { IncomingMessage } from 'node:http';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeError, isAbort, type KubeClient, type Query } from './http.js';

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandlers<T extends KubeObject> {
  onEvent(type: WatchEventType, obj: T): void;
  /** After a (re-)list has been applied: the cache matches the server. */
  onSynced?(): void;
  /** A failed list/watch; it is retried after `retryInMs`. */
  onError?(err: KubeError, retryInMs: number): void;
}

export interface ResourceWatchOptions {
  /** Collection path, e.g. /api/v1/namespaces/default/pods or /api/v1/nodes. */
  path: string;
  /** labelSelector, fieldSelector. */
  query?: Query;
  /** No bytes (not even a bookmark) for this long -> reconnect (default 120 s). */
  idleMs?: number;
  /** Server-side watch timeout (default 240-360 s, jittered like client-go). */
  timeoutSeconds?: number;
  backoff?: BackoffOptions;
  /** Page size for lists (default 500). */
  listLimit?: number;
}

class Gone extends Error {}

export class ResourceWatch<T extends KubeObject> {
  /** The current objects, by namespace/name. */
  readonly objects = new Map<string, T>();
  /** Re-lists done (1 after the first sync). */
  lists = 0;
  /** Watch connections opened. */
  watches = 0;
  private resourceVersion = '';
  private readonly stopper = new AbortController();
  private readonly backoff: Backoff;
  private running: Promise<void> | null = null;
  private syncedOnce = false;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ResourceWatchOptions,
    private readonly handlers: WatchHandlers<T>,
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  /** Resolves after the first list was applied, or false after `timeoutMs`/stop. */
  synced(timeoutMs = 30_000): Promise<boolean> {
    if (this.syncedOnce) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref?.();
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get isSynced(): boolean {
    return this.syncedOnce;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.list(signal);
          needList = false;
        }
        const started = Date.now();
        const got = await this.watchOnce(signal);
        // Clean close (server timeout): watch again at once, unless it keeps closing immediately.
        if (got > 0 || Date.now() - started > 5000) this.backoff.reset();
        else await sleep(this.backoff.next(), signal);
      } catch (err) {
        if (signal.aborted || isAbort(err)) break;
        if (err instanceof Gone) {
          needList = true;
          continue;
        }
        if (!(err instanceof KubeError)) throw err; // a bug: let it surface
        if (err.status === 410) {
          needList = true;
          continue;
        }
        const delay = this.backoff.next(err.retryAfterMs ?? 0);
        this.handlers.onError?.(err, delay);
        await sleep(delay, signal);
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.getJson<{ metadata?: { resourceVersion?: string; continue?: string }; items?: T[] }>(
        this.opts.path,
        { ...this.opts.query, limit: this.opts.listLimit ?? 500, continue: cont },
        { signal },
      );
      for (const item of page.items ?? []) fresh.set(keyOf(item), item);
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    this.resourceVersion = rv;
    this.lists++;
    this.backoff.reset();
    for (const [key, old] of this.objects) {
      if (!fresh.has(key)) {
        this.objects.delete(key);
        this.handlers.onEvent('DELETED', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.objects.get(key);
      this.objects.set(key, obj);
      if (!old) this.handlers.onEvent('ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.handlers.onEvent('MODIFIED', obj);
    }
    this.handlers.onSynced?.();
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** One watch connection; resolves with the number of events on a clean close, rejects otherwise. */
  private async watchOnce(signal: AbortSignal): Promise<number> {
    const conn = new AbortController();
    const onStop = () => conn.abort();
    signal.addEventListener('abort', onStop, { once: true });
    try {
      const timeoutSeconds = this.opts.timeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
      const res = await this.client.get(
        this.opts.path,
        { ...this.opts.query, watch: 1, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        { signal: conn.signal },
      );
      this.watches++;
      return await this.consume(res, conn);
    } finally {
      signal.removeEventListener('abort', onStop);
    }
  }

  private consume(res: IncomingMessage, conn: AbortController): Promise<number> {
    const idleMs = this.opts.idleMs ?? 120_000;
    return new Promise<number>((resolve, reject) => {
      let buf = '';
      let events = 0;
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(idle);
        if (err) {
          res.destroy();
          reject(err);
        } else resolve(events);
      };
      let idle = setTimeout(onIdle, idleMs);
      function onIdle() {
        finish(new KubeError(0, 'Idle', `watch stream silent for ${Math.round(idleMs / 1000)}s, reconnecting`));
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done) return;
        clearTimeout(idle);
        idle = setTimeout(onIdle, idleMs);
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '') continue;
          try {
            this.apply(line);
            events++;
          } catch (err) {
            finish(err as Error);
            return;
          }
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(conn.signal.aborted ? err : new KubeError(0, 'ECONNRESET', `watch ${this.opts.path} dropped: ${err.message}`)));
      res.on('close', () => finish(conn.signal.aborted ? abortErr() : new KubeError(0, 'ECONNRESET', `watch ${this.opts.path} dropped`)));
    });
  }

  private apply(line: string): void {
    let ev: { type?: string; object?: T & { code?: number; message?: string; reason?: string } };
    try {
      ev = JSON.parse(line);
    } catch {
      throw new KubeError(0, 'BadResponse', `watch ${this.opts.path}: an event that is not JSON`);
    }
    const obj = ev.object;
    if (!obj) return;
    switch (ev.type) {
      case 'BOOKMARK':
        if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
        return;
      case 'ERROR':
        if (obj.code === 410) throw new Gone();
        throw new KubeError(Number(obj.code) || 500, safeText(String(obj.reason ?? 'WatchError')), `watch ${this.opts.path}: ${safeText(String(obj.message ?? 'error event'))}`);
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED': {
        if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
        const key = keyOf(obj);
        if (ev.type === 'DELETED') this.objects.delete(key);
        else this.objects.set(key, obj);
        this.handlers.onEvent(ev.type, obj);
        return;
      }
    }
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function abortErr(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
