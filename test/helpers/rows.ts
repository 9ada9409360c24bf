// A classified request with plain defaults, for tests of the sinks, the store and the views.
import type { RequestRow } from '../../src/types.js';

export function requestRow(over: Partial<RequestRow> = {}): RequestRow {
  return {
    time: Date.UTC(2026, 10, 27, 2, 10),
    namespace: 'default',
    pod: 'web-1',
    container: 'nginx',
    nodeName: null,
    remoteAddr: '203.0.113.7',
    cls: 'external',
    owner: null,
    client: null,
    clientCls: null,
    method: 'GET',
    target: '/',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 100,
    referer: null,
    userAgent: 'curl/8.5.0',
    xff: null,
    requestTime: NaN,
    upstreamAddr: null,
    ...over,
  };
}
