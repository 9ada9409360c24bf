// The emulator's router: a request's path (discovery, version, health, /api and /apis resources, pod logs) and
// method to the handler that serves it (discovery.ts, rest.ts, watch.ts, logs.ts). The server (server.ts) counts
// requests and injects faults before it routes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { type LogWriter, serveLog } from './logs.js';
import type { ClusterModel } from './model.js';
import { findResource } from './resources.js';
import { serveDelete, serveGet, serveList, servePatch } from './rest.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { sendJson, sendStatus, statusObject } from './status.js';
import { type IncludeObject, wantsTable } from './table.js';
import { WatchStream } from './watch.js';

/** What the routes serve from. */
export interface RouteContext {
  readonly model: ClusterModel;
  /** Open log streams and watches (the server's fault injection reaches them here). */
  readonly logStreams: Set<LogWriter>;
  readonly watches: Set<WatchStream>;
  /** Interval of BOOKMARK events on watches that allow them. */
  readonly bookmarkIntervalMs: number;
  /** New watches send no events (silenceWatches). */
  readonly silent: boolean;
}

function flag(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> | void {
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
      return serveLog(ctx.model, req, res, namespace!, name!, q, ctx.logStreams);
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
      new WatchStream(res, ctx.model, r, {
        namespace, labels, fields, table, resourceVersion: q.get('resourceVersion'),
        bookmarks: flag(q.get('allowWatchBookmarks')), bookmarkIntervalMs: ctx.bookmarkIntervalMs,
        timeoutSeconds: Number(q.get('timeoutSeconds') ?? '0') || 0, sendInitialEvents: flag(q.get('sendInitialEvents')),
        silent: ctx.silent,
      }, ctx.watches);
      return;
    }
    if (name === undefined) return serveList(ctx.model, res, r, namespace, labels, fields, q, table);
    return serveGet(ctx.model, res, r, namespace, name, table);
  }
  if (name === undefined) {
    return sendStatus(res, statusObject(405, `the server does not allow this method on the requested resource`));
  }
  if (method === 'PATCH') return servePatch(ctx.model, req, res, r, namespace, name);
  if (method === 'DELETE') return serveDelete(ctx.model, res, r, namespace, name);
  return sendStatus(res, statusObject(405, `the server does not allow this method on the requested resource`));
}
