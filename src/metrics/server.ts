// `--metrics [HOST:]PORT`: the Prometheus endpoint of a run. GET /metrics serves the registry's text exposition,
// /healthz says the process is alive, /readyz says whether it is ready (the topology and the pod list synced):
// 503 until then. A bare PORT listens on every interface (a DaemonSet is scraped on its pod IP); HOST:PORT, [v6]:PORT
// narrow it. Port 0 picks a free port: the address is in `url`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.js';
import { safeText } from '../text.js';

export interface Listen {
  host: string;
  port: number;
}

/** `9464`, `127.0.0.1:9464`, `[::1]:9464`, `:9464`. */
export function parseListen(text: string): Listen {
  const hint = '--metrics 9464 or --metrics 127.0.0.1:9464';
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new UserError(`--metrics ${safeText(text)} is not a [HOST:]PORT`, hint);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--metrics ${safeText(text)}: ${m[3]} is not a port`, hint);
  const host = m[1] || m[2] || '0.0.0.0';
  return { host, port };
}

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  listen: Listen,
  handlers: { metrics(): Promise<string>; contentType: string; ready(): boolean },
): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      handlers.metrics().then(
        (text) => res.writeHead(200, { 'content-type': handlers.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = handlers.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready: topology or pods not synced yet\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics, /healthz, /readyz\n');
    }
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus' idle connections, as a scrape target should
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'not allowed to listen there' : (err.code ?? err.message);
      reject(new UserError(`--metrics ${safeText(`${listen.host}:${listen.port}`)}: cannot listen (${why})`, 'another port, e.g. --metrics 9465'));
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  server.unref();
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
