// Format parsing, table-driven with real nginx sample lines: every preset, nginx's \xHH escaping (quotes, high
// bytes, invalid UTF-8), IPv6 / IPv4-mapped / unix: addresses, bad requests (TLS junk, bare CRLF), '-' fields,
// escape=json, log_format strings as they appear in nginx.conf, and the errors for malformed formats.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import {
  compileLogFormat, createPreset, LineStage, newParsedLine, PRESET_NAMES, resolveFormat, splitRequest, unescapeJson, unescapeNginx,
  type PresetName,
} from '../src/parse/index.js';
import type { ParsedLine } from '../src/types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'formats');
const T = (d: number, h: number, m: number, s: number) => Date.UTC(2026, 10, d, h, m, s);

function parseWith(preset: PresetName, line: string): ParsedLine | null {
  const out = newParsedLine();
  return createPreset(preset).parse(line, out) ? out : null;
}

const samples: Array<[PresetName, string, Partial<ParsedLine>]> = [
  ['combined', '203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "GET /index.html HTTP/1.1" 200 615 "-" "curl/8.5.0"', {
    remoteAddr: '203.0.113.7', time: T(27, 8, 44, 38), request: 'GET /index.html HTTP/1.1', method: 'GET',
    target: '/index.html', protocol: 'HTTP/1.1', status: 200, bytes: 615, referer: null, userAgent: 'curl/8.5.0', xff: null,
  }],
  ['combined', '2001:db8::7 - alice [27/Nov/2026:08:44:39 +0000] "POST /api/v1/items?id=3 HTTP/2.0" 201 42 "https://shop.example/form" "Mozilla/5.0 (X11; Linux x86_64)"', {
    remoteAddr: '2001:db8::7', method: 'POST', target: '/api/v1/items?id=3', protocol: 'HTTP/2.0', status: 201, bytes: 42,
    referer: 'https://shop.example/form', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  }],
  ['combined', '::ffff:198.51.100.23 - - [27/Nov/2026:08:44:40 +0000] "\\x16\\x03\\x01\\x00\\xA5\\x01" 400 157 "-" "-"', {
    remoteAddr: '::ffff:198.51.100.23', request: '\x16\x03\x01\x00\xA5\x01', method: null, target: null, protocol: null,
    status: 400, bytes: 157, userAgent: null,
  }],
  ['combined', '10.244.1.1 - - [27/Nov/2026:08:44:41 +0000] "" 400 0 "-" "-"', {
    remoteAddr: '10.244.1.1', request: '', method: null, status: 400, bytes: 0,
  }],
  ['combined', 'unix: - - [27/Nov/2026:08:44:42 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.30"', {
    remoteAddr: 'unix:', userAgent: 'kube-probe/1.30',
  }],
  ['main', '10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"', {
    remoteAddr: '10.244.0.1', xff: null, requestTime: NaN, upstreamAddr: null,
  }],
  ['main', '192.168.49.2 - - [27/Nov/2026:08:44:39 +0000] "GET /caf\\xC3\\xA9?q=\\x22x\\x22 HTTP/1.1" 404 153 "-" "Mozilla/5.0 \\x22quoted\\x22 Caf\\xC3\\xA9 \\x5Cpath" "203.0.113.9, 198.51.100.4"', {
    request: 'GET /café?q="x" HTTP/1.1', target: '/café?q="x"', userAgent: 'Mozilla/5.0 "quoted" Café \\path',
    xff: '203.0.113.9, 198.51.100.4', status: 404,
  }],
  ['main', '10.244.2.1 - - [27/Nov/2026:08:44:40 -0700] "GET /probe HTTP/1.1" 200 2 "-" "kube-probe/1.30" "-"', {
    time: T(27, 15, 44, 40),
  }],
  ['main', '2001:db8:0:1::5 - - [27/Nov/2026:08:44:41 +0000] "GET / HTTP/1.0" 200 615 "-" "Caf\\xE9 latin1" "2001:db8::1"', {
    remoteAddr: '2001:db8:0:1::5', userAgent: 'Café latin1', xff: '2001:db8::1', protocol: 'HTTP/1.0',
  }],
  ['upstreaminfo', '192.168.49.1 - - [27/Nov/2026:08:44:38 +0000] "GET /shop HTTP/1.1" 200 1024 "-" "curl/8.5.0" 78 0.004 [default-shop-80] [] 10.244.1.5:8080 1024 0.004 200 5b2d1c3f4e6a7b8c', {
    remoteAddr: '192.168.49.1', requestTime: 0.004, upstreamAddr: '10.244.1.5:8080', status: 200, bytes: 1024,
  }],
  ['upstreaminfo', '192.168.49.1 - - [27/Nov/2026:08:44:39 +0000] "GET /shop/cart HTTP/2.0" 502 150 "https://shop.example/" "Mozilla/5.0" 412 0.010 [default-shop-80] [default-shop-canary-80] 10.244.1.5:8080, 10.244.2.6:8080 0, 150 0.005, 0.004 502, 502 0f1e2d3c', {
    requestTime: 0.01, upstreamAddr: '10.244.1.5:8080, 10.244.2.6:8080', status: 502,
  }],
  ['upstreaminfo', '10.244.0.1 - - [27/Nov/2026:08:44:40 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 150 "-" "-" 0 0.001 [] [] - - - - 9a8b7c6d', {
    method: null, status: 400, upstreamAddr: null, requestTime: 0.001,
  }],
  ['upstreaminfo-realip', '203.0.113.50 - [203.0.113.50] - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.68.0" 76 0.001 [default-web-80] 10.244.0.12:80 612 0.000 200 f3b5c2e1', {
    remoteAddr: '203.0.113.50', requestTime: 0.001, upstreamAddr: '10.244.0.12:80',
  }],
  ['upstreaminfo-realip', '10.244.1.0 - [10.244.1.0] - - [27/Nov/2026:08:44:39 +0000] "POST /login HTTP/1.1" 302 0 "https://web.example/" "Mozilla/5.0" 512 0.020 [default-web-80] 10.244.0.12:80 : 10.244.0.13:80 0 : 0 0.010 : 0.010 502 : 302 a9d84c7e', {
    remoteAddr: '10.244.1.0', upstreamAddr: '10.244.0.12:80 : 10.244.0.13:80', status: 302, requestTime: 0.02,
  }],
  ['upstreaminfo-2019', '203.0.113.62 - [203.0.113.62] - - [02/Sep/2019:17:40:12 +0000] "GET /api/items?page=2 HTTP/1.1" 200 951 "https://app.example/" "Mozilla/5.0" 420 0.006 [default-api-80] [default-api-canary-80] 10.244.4.9:8080 951 0.006 200 7d2a1f0b', {
    remoteAddr: '203.0.113.62', time: Date.UTC(2019, 8, 2, 17, 40, 12), target: '/api/items?page=2', status: 200, bytes: 951,
    referer: 'https://app.example/', requestTime: 0.006, upstreamAddr: '10.244.4.9:8080',
  }],
  ['upstreaminfo-2019', '10.244.0.1 - [10.244.0.1] - - [02/Sep/2019:17:40:13 +0000] "GET /healthz HTTP/1.1" 503 0 "-" "kube-probe/1.15" 88 0.000 [default-api-80] [] 10.244.3.7:8080, 10.244.4.9:8080 0, 0 0.000, 0.000 503, 503 8e3b2a1c', {
    remoteAddr: '10.244.0.1', status: 503, upstreamAddr: '10.244.3.7:8080, 10.244.4.9:8080', userAgent: 'kube-probe/1.15',
  }],
  ['upstreaminfo-2017', '203.0.113.61 - [203.0.113.61] - - [14/Mar/2018:09:12:01 +0000] "GET /catalog HTTP/1.1" 200 2311 "-" "Mozilla/5.0 (Windows NT 10.0)" 389 0.012 [shop-catalog-80] 10.2.1.14:8080 2311 0.012 200', {
    remoteAddr: '203.0.113.61', time: Date.UTC(2018, 2, 14, 9, 12, 1), status: 200, bytes: 2311, requestTime: 0.012,
    upstreamAddr: '10.2.1.14:8080', userAgent: 'Mozilla/5.0 (Windows NT 10.0)',
  }],
  ['upstreaminfo-2017', '198.51.100.8 - [198.51.100.8] - - [14/Mar/2018:09:12:03 +0000] "\\x16\\x03\\x01\\x00\\xA5\\x01" 400 173 "-" "-" 0 0.001 [] - - - -', {
    remoteAddr: '198.51.100.8', method: null, status: 400, upstreamAddr: null, userAgent: null,
  }],
  ['json', '{"time_local":"27/Nov/2026:08:44:38 +0000","remote_addr":"203.0.113.7","request":"GET /api HTTP/1.1","status":"200","body_bytes_sent":"512","http_referer":"","http_user_agent":"curl/8.5.0","http_x_forwarded_for":"","request_time":"0.002","upstream_addr":""}', {
    time: T(27, 8, 44, 38), remoteAddr: '203.0.113.7', method: 'GET', target: '/api', status: 200, bytes: 512,
    referer: null, userAgent: 'curl/8.5.0', xff: null, requestTime: 0.002, upstreamAddr: null,
  }],
  ['json', '{"time_iso8601":"2026-11-27T08:44:39+00:00","remote_addr":"2001:db8::9","request":"GET /say?q=\\"hi\\" HTTP/1.1","status":404,"body_bytes_sent":0,"http_user_agent":"Bot \\u001b[31m caf\\u00e9","http_x_forwarded_for":"198.51.100.4"}', {
    time: T(27, 8, 44, 39), remoteAddr: '2001:db8::9', target: '/say?q="hi"', status: 404, userAgent: 'Bot \x1b[31m café',
    xff: '198.51.100.4',
  }],
  ['json', '{"msec":"1795769080.123","remoteAddr":"10.244.1.1","method":"GET","uri":"/healthz","protocol":"HTTP/1.1","status":200,"bytes_sent":120,"userAgent":"kube-probe/1.30"}', {
    time: 1795769080123, remoteAddr: '10.244.1.1', request: 'GET /healthz HTTP/1.1', method: 'GET', target: '/healthz',
    protocol: 'HTTP/1.1', bytes: 120, userAgent: 'kube-probe/1.30',
  }],
];

describe('preset formats parse real nginx lines', () => {
  it.each(samples)('%s: %s', (preset, line, expected) => {
    const out = parseWith(preset, line);
    expect(out).not.toBeNull();
    expect(out).toMatchObject(expected);
  });

  it.each(PRESET_NAMES)('every line of fixtures/%s.log parses with its preset', (preset) => {
    const lines = readFileSync(join(FIXTURES, `${preset}.log`), 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(parseWith(preset, line), line).not.toBeNull();
  });

  it('presets do not accept each other\'s lines (so auto detection can tell them apart)', () => {
    const fixtures = Object.fromEntries(PRESET_NAMES.map((p) => [p, readFileSync(join(FIXTURES, `${p}.log`), 'utf8').split('\n')[0]]));
    const accepts = (p: PresetName, line: string) => parseWith(p, line) !== null;
    expect(accepts('combined', fixtures.main)).toBe(false);
    expect(accepts('main', fixtures.combined)).toBe(false);
    expect(accepts('upstreaminfo', fixtures['upstreaminfo-realip'])).toBe(false);
    expect(accepts('upstreaminfo-realip', fixtures.upstreaminfo)).toBe(false);
    expect(accepts('main', fixtures.upstreaminfo)).toBe(false);
    expect(accepts('json', fixtures.main)).toBe(false);
    expect(accepts('upstreaminfo-2019', fixtures['upstreaminfo-realip'])).toBe(false);
    expect(accepts('upstreaminfo-realip', fixtures['upstreaminfo-2017'])).toBe(false);
    // upstreaminfo-2017 does take realip and 2019 lines (its $upstream_status list swallows the rest), with fields in
    // the wrong columns: auto tries the stricter layouts first (next test).
  });

  it.each(PRESET_NAMES)('--format auto picks %s for every line of its fixture, with the same fields', (preset) => {
    const lines = readFileSync(join(FIXTURES, `${preset}.log`), 'utf8').split('\n').filter((l) => l !== '');
    for (const line of lines) {
      const stage = new LineStage({ format: 'auto' });
      const got = stage.push(line);
      expect(stage.format, line).toBe(preset);
      expect(got, line).toEqual(parseWith(preset, line));
    }
  });

  it('a 2019 ingress-nginx line no longer stores [alt-upstream] as the upstream address', () => {
    const stage = new LineStage({ format: 'auto' });
    const line = readFileSync(join(FIXTURES, 'upstreaminfo-2019.log'), 'utf8').split('\n')[1];
    expect(stage.push(line)).toMatchObject({ upstreamAddr: '10.244.4.9:8080', status: 200, bytes: 951 });
  });

  it('rejects lines with a non-numeric status, a bad time or trailing text', () => {
    const ok = '203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0"';
    expect(parseWith('combined', ok)).not.toBeNull();
    expect(parseWith('combined', ok.replace(' 200 ', ' OK '))).toBeNull();
    expect(parseWith('combined', ok.replace('Nov', 'Nox'))).toBeNull();
    expect(parseWith('combined', ok.replace('08:44', '28:44'))).toBeNull();
    expect(parseWith('combined', `${ok} extra`)).toBeNull();
    expect(parseWith('combined', ok.slice(0, -1))).toBeNull();
    expect(parseWith('combined', '')).toBeNull();
  });
});

describe('nginx escaping is undone', () => {
  it.each([
    ['plain text is returned as is', 'curl/8.5.0', 'curl/8.5.0'],
    ['\\x22 is a quote and \\x5C a backslash', 'a \\x22b\\x22 \\x5C', 'a "b" \\'],
    ['UTF-8 bytes decode as UTF-8', 'Caf\\xC3\\xA9 \\xE2\\x82\\xAC \\xF0\\x9F\\x98\\x80', 'Café € 😀'],
    ['invalid UTF-8 falls back to latin1 per byte', 'Caf\\xE9 \\xFF', 'Café ÿ'],
    ['an overlong encoding is not UTF-8', '\\xC0\\xAF', 'À¯'],
    ['control bytes come back', '\\x1B[31m\\x00\\x7F', '\x1b[31m\x00\x7f'],
    ['lowercase hex is accepted', '\\xc3\\xa9', 'é'],
    ['a backslash without xHH is kept', 'a\\b \\x4', 'a\\b \\x4'],
    ['text already decoded stays with escaped bytes', 'é \\xC3\\xA9', 'é é'],
  ])('default: %s', (_, input, expected) => {
    expect(unescapeNginx(input)).toBe(expected);
  });

  it.each([
    ['quotes and backslashes', 'a \\"b\\" \\\\ \\/', 'a "b" \\ /'],
    ['control escapes', '\\n\\r\\t\\b\\f\\u001B', '\n\r\t\b\f\x1b'],
    ['surrogate pairs', '\\ud83d\\ude00', '😀'],
    ['invalid escapes are kept', '\\q \\u12', '\\q \\u12'],
  ])('json: %s', (_, input, expected) => {
    expect(unescapeJson(input)).toBe(expected);
  });
});

describe('$request is split only when it is an HTTP request line', () => {
  it.each([
    ['GET / HTTP/1.1', 'GET', '/', 'HTTP/1.1'],
    ['POST /a?b=c HTTP/2.0', 'POST', '/a?b=c', 'HTTP/2.0'],
    ['GET http://203.0.113.7/ HTTP/1.0', 'GET', 'http://203.0.113.7/', 'HTTP/1.0'],
    ['CONNECT 203.0.113.7:443 HTTP/1.1', 'CONNECT', '203.0.113.7:443', 'HTTP/1.1'],
    ['GET /a b HTTP/1.1', 'GET', '/a b', 'HTTP/1.1'],
    ['GET /', 'GET', '/', 'HTTP/0.9'],
    ['PRI * HTTP/2.0', 'PRI', '*', 'HTTP/2.0'],
    ['', null, null, null],
    ['\x16\x03\x01\x00\xa5\x01', null, null, null],
    ['GET', null, null, null],
    ['GET  HTTP/1.1', null, null, null],
    ['GET / HTTP/x', null, null, null],
    ['G\x01T / HTTP/1.1', null, null, null],
    ['SSH-2.0-OpenSSH_9.6', null, null, null],
    ['hello world', null, null, null],
  ])('%j', (req, method, target, protocol) => {
    const out = newParsedLine();
    splitRequest(req, out);
    expect([out.method, out.target, out.protocol]).toEqual([method, target, protocol]);
  });
});

describe('log_format strings from nginx.conf', () => {
  const line = '203.0.113.7 [2026-11-27T08:44:38+00:00] "GET / HTTP/1.1" 200 rt=0.123 ua="curl/8.5.0"';
  const expected = { remoteAddr: '203.0.113.7', time: T(27, 8, 44, 38), status: 200, requestTime: 0.123, userAgent: 'curl/8.5.0' };

  it.each([
    ['bare', '$remote_addr [$time_iso8601] "$request" $status rt=$request_time ua="$http_user_agent"'],
    ['${var} form', '${remote_addr} [${time_iso8601}] "${request}" ${status} rt=${request_time} ua="${http_user_agent}"'],
    ['single-quoted pieces over lines', `'$remote_addr [$time_iso8601] "$request" '\n    '$status rt=$request_time ua="$http_user_agent"';`],
    ['a whole log_format directive', `log_format timed '$remote_addr [$time_iso8601] "$request" '\n  '$status rt=$request_time ua="$http_user_agent"';`],
    ['double-quoted with escaped quotes', `"$remote_addr [$time_iso8601] \\"$request\\" $status rt=$request_time ua=\\"$http_user_agent\\"";`],
  ])('%s', (_, format) => {
    const p = compileLogFormat(format);
    const out = newParsedLine();
    expect(p.parse(line, out)).toBe(true);
    expect(out).toMatchObject(expected);
  });

  it('takes the name and escape=json from a log_format directive', () => {
    const p = compileLogFormat(`log_format j escape=json '{"ip":"$remote_addr","t":$msec,"r":"$request","s":$status,"ua":"$http_user_agent","x":"$http_x_forwarded_for"}';`);
    expect(p.name).toBe('j');
    expect(p.escape).toBe('json');
    const out = newParsedLine();
    expect(p.parse('{"ip":"203.0.113.7","t":1795769080.5,"r":"GET /\\"q\\" HTTP/1.1","s":200,"ua":"a \\"b\\" \\\\","x":""}', out)).toBe(true);
    expect(out).toMatchObject({ remoteAddr: '203.0.113.7', time: 1795769080500, target: '/"q"', status: 200, userAgent: 'a "b" \\', xff: null });
  });

  it('composes $request from $request_method $uri $server_protocol (newer ingress-nginx)', () => {
    const p = compileLogFormat('$remote_addr - $remote_user [$time_local] "$request_method $uri $server_protocol" $status $body_bytes_sent');
    const out = newParsedLine();
    expect(p.parse('192.168.49.1 - - [27/Nov/2026:08:44:38 +0000] "GET /shop HTTP/1.1" 200 12', out)).toBe(true);
    expect(out).toMatchObject({ request: 'GET /shop HTTP/1.1', method: 'GET', target: '/shop', protocol: 'HTTP/1.1' });
  });

  it('prefers $realip_remote_addr (the peer before realip) over $remote_addr', () => {
    const p = compileLogFormat('$remote_addr $realip_remote_addr "$request" $status');
    const out = newParsedLine();
    expect(p.parse('203.0.113.9 10.244.0.1 "GET / HTTP/1.1" 200', out)).toBe(true);
    expect(out.remoteAddr).toBe('10.244.0.1');
  });

  it('skips unknown variables, even ones with spaces', () => {
    const p = compileLogFormat('$remote_addr $host "$request" $status "$sent_http_content_type"');
    const out = newParsedLine();
    expect(p.parse('203.0.113.7 shop.example "GET / HTTP/1.1" 200 "text/html; charset=utf-8"', out)).toBe(true);
    expect(out.status).toBe(200);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [`'$remote_addr "$request"`, /unterminated ' quote/],
    [`"$remote_addr \\"$request\\" $status`, /unterminated " quote/],
    ['$remote_user [$time_local] "$request" $status', /has no \$remote_addr/],
    ['$remote_addr$status', /nothing between them/],
    ['$remote_addr ${status', /unterminated/],
    ['log_format x escape=html \'$remote_addr\';', /unknown escape=html/],
    ['no variables here', /has no variables/],
  ])('malformed %j is a UserError naming the problem', (format, message) => {
    let err: unknown;
    try { compileLogFormat(format); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(message);
    expect((err as UserError).hint).toBeTruthy();
  });
});

describe('resolveFormat', () => {
  it('knows auto, every preset and log_format strings', () => {
    expect(resolveFormat('auto')).toBe('auto');
    for (const name of PRESET_NAMES) expect((resolveFormat(name) as { name: string }).name).toBe(name);
    expect((resolveFormat('$remote_addr $status') as { name: string }).name).toBe('custom');
  });

  it('names an unknown format and lists the presets', () => {
    let err: unknown;
    try { resolveFormat('apache'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('unknown format "apache"');
    expect((err as UserError).hint).toContain('upstreaminfo-realip');
  });
});
