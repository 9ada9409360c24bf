// list / get / patch / delete of stored objects: selectors, resourceVersion, limit+continue paging,
// Table answers, Status errors.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterModel } from './model.js';
import type { KubeObject } from './objects.js';
import { type ResourceInfo, groupVersion } from './resources.js';
import { type Requirement, matchFields, matchLabels } from './selectors.js';
import { notFound, sendJson, sendStatus, statusObject } from './status.js';
import { type IncludeObject, toTable } from './table.js';

/** Items of a List carry no kind/apiVersion (the List names them), as the apiserver sends them. */
function listItem(o: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export function serveList(model: ClusterModel, res: ServerResponse, r: ResourceInfo, namespace: string | undefined,
  labels: Requirement[], fields: Requirement[], q: URLSearchParams, table: IncludeObject | null): void {
  const all = model.list(r.name, namespace).filter((o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, o));
  const rv = model.resourceVersion;
  let start = 0;
  const cont = q.get('continue');
  if (cont) {
    try {
      const parsed = JSON.parse(Buffer.from(cont, 'base64url').toString()) as { start: number };
      start = parsed.start;
      if (!Number.isInteger(start) || start < 0) throw new Error('bad');
    } catch {
      return sendStatus(res, statusObject(400, 'continue key is not valid: incorrect encoded start resourceVersion'));
    }
  }
  const limit = Number(q.get('limit') ?? '0');
  let items = all.slice(start);
  const meta: Record<string, string> = { resourceVersion: rv };
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    meta.continue = Buffer.from(JSON.stringify({ start: start + limit })).toString('base64url');
  }
  if (table) return sendJson(res, 200, toTable(r.name, items, table, meta));
  sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: meta, items: items.map(listItem) });
}

export function serveGet(model: ClusterModel, res: ServerResponse, r: ResourceInfo, namespace: string | undefined,
  name: string, table: IncludeObject | null): void {
  const o = model.get(r.name, namespace, name);
  if (!o) return sendStatus(res, notFound(r.name, name));
  if (table) return sendJson(res, 200, toTable(r.name, [o], table, { resourceVersion: o.metadata.resourceVersion }));
  sendJson(res, 200, o);
}

function readBody(req: IncomingMessage, max = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) reject(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function servePatch(model: ClusterModel, req: IncomingMessage, res: ServerResponse, r: ResourceInfo,
  namespace: string | undefined, name: string): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
  if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
    return sendStatus(res, statusObject(415, `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`));
  }
  let patch: unknown;
  try {
    patch = JSON.parse(await readBody(req));
  } catch (e) {
    return sendStatus(res, statusObject(400, `error decoding patch: ${(e as Error).message}`));
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return sendStatus(res, statusObject(400, 'error decoding patch: a merge patch must be a JSON object'));
  }
  const out = model.patch(r.name, namespace, name, patch);
  if (!out) return sendStatus(res, notFound(r.name, name));
  sendJson(res, 200, out);
}

export function serveDelete(model: ClusterModel, res: ServerResponse, r: ResourceInfo, namespace: string | undefined,
  name: string): void {
  const o = model.get(r.name, namespace, name);
  if (!o || !model.deleteObject(r.name, namespace, name)) return sendStatus(res, notFound(r.name, name));
  sendJson(res, 200, model.get(r.name, namespace, name) ?? o);
}
