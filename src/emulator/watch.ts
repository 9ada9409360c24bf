// ?watch=true: newline-delimited JSON events for one resource, filtered by namespace and selectors, replayed
// from a resourceVersion (410 Expired ERROR event when it is too old), with bookmarks, timeoutSeconds, Table
// objects when asked, and the fault hooks expire()/cut()/end().

import type { ServerResponse } from 'node:http';
import type { ClusterModel, ModelEvent } from './model.js';
import type { KubeObject } from './objects.js';
import type { ResourceInfo } from './resources.js';
import { type Requirement, matchFields, matchLabels } from './selectors.js';
import { HeldResponse } from './held-response.js';
import { statusObject } from './status.js';
import { type IncludeObject, toTable } from './table.js';

export interface WatchOptions {
  namespace?: string;
  labels: Requirement[];
  fields: Requirement[];
  /** Table object encoding (null: plain objects). */
  table: IncludeObject | null;
  resourceVersion: string | null;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds: number;
  sendInitialEvents: boolean;
  /** Starts silent (see WatchStream.silent). */
  silent?: boolean;
}

export class WatchStream extends HeldResponse {
  /** A silent watch stays connected and sends nothing (no events, no bookmarks): a hung watch on a loaded server. */
  silent = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onEvent = (ev: ModelEvent) => this.handle(ev);

  constructor(res: ServerResponse, private readonly model: ClusterModel, readonly resource: ResourceInfo,
    private readonly opts: WatchOptions, private readonly registry: Set<WatchStream>) {
    super(res);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    registry.add(this);
    this.silent = opts.silent ?? false;
    const rvText = opts.resourceVersion;
    if (rvText === null || rvText === '' || rvText === '0') {
      for (const o of model.list(resource.name, opts.namespace)) if (this.matches(o)) this.send('ADDED', o);
      if (opts.sendInitialEvents && opts.bookmarks) this.bookmark(true);
    } else {
      const rv = Number(rvText);
      const evs = Number.isInteger(rv) ? model.eventsSince(rv) : null;
      if (evs === null) {
        this.error(`too old resource version: ${rvText} (${model.oldestResourceVersion})`);
        return;
      }
      for (const ev of evs) this.handle(ev);
    }
    model.on('event', this.onEvent);
    if (opts.bookmarks && opts.bookmarkIntervalMs > 0) {
      const t = setInterval(() => this.bookmark(false), opts.bookmarkIntervalMs);
      t.unref();
      this.timers.push(t);
    }
    if (opts.timeoutSeconds > 0) {
      const t = setTimeout(() => this.end(), opts.timeoutSeconds * 1000);
      t.unref();
      this.timers.push(t);
    }
  }

  private matches(o: KubeObject): boolean {
    if (this.opts.namespace !== undefined && o.metadata.namespace !== this.opts.namespace) return false;
    return matchLabels(this.opts.labels, o.metadata.labels) && matchFields(this.opts.fields, o);
  }

  private handle(ev: ModelEvent): void {
    if (this.done || ev.resource !== this.resource.name) return;
    const now = this.matches(ev.object);
    if (ev.type === 'MODIFIED') {
      const before = ev.previous !== null && this.matches(ev.previous);
      if (now) this.send(before ? 'MODIFIED' : 'ADDED', ev.object);
      else if (before) this.send('DELETED', ev.object);
    } else if (now) {
      this.send(ev.type, ev.object);
    }
  }

  private send(type: string, o: KubeObject): void {
    if (this.silent) return;
    const object = this.opts.table
      ? toTable(this.resource.name, [o], this.opts.table, { resourceVersion: o.metadata.resourceVersion })
      : o;
    this.res.write(JSON.stringify({ type, object }) + '\n');
  }

  private bookmark(initialEnd: boolean): void {
    if (this.done || this.silent) return;
    const metadata: Record<string, unknown> = { resourceVersion: this.model.resourceVersion };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    const apiVersion = this.resource.group === '' ? 'v1' : `${this.resource.group}/v1`;
    this.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: this.resource.kind, apiVersion, metadata } }) + '\n');
  }

  /** Sends an ERROR event (default: 410 Expired, as the apiserver does for a compacted resourceVersion) and closes. */
  error(message: string, code = 410, reason = code === 410 ? 'Expired' : undefined): void {
    if (this.done) return;
    this.res.write(JSON.stringify({ type: 'ERROR', object: statusObject(code, message, reason) }) + '\n');
    this.end();
  }

  /** Clean close (what a watch timeout looks like). */
  end(): void {
    this.close();
  }

  protected release(): void {
    for (const t of this.timers) clearTimeout(t);
    this.model.off('event', this.onEvent);
    this.registry.delete(this);
  }
}
