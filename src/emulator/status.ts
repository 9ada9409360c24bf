// metav1.Status failure bodies as the apiserver sends them, and small JSON response helpers.

import type { ServerResponse } from 'node:http';

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 415: 'UnsupportedMediaType', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; retryAfterSeconds?: number };
  code: number;
}

export function statusObject(code: number, message: string, reason?: string,
  details?: StatusObject['details']): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message,
    reason: reason ?? REASONS[code] ?? '', ...(details ? { details } : {}), code };
}

export function notFound(resource: string, name: string): StatusObject {
  return statusObject(404, `${resource} "${name}" not found`, 'NotFound', { name, kind: resource });
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, st: StatusObject, headers: Record<string, string> = {}): void {
  sendJson(res, st.code, st, headers);
}
