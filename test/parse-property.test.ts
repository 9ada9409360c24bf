// Property tests: any field values, written the way nginx writes them (default escaping: bytes 0x00-0x1F, '"',
// '\', 0x7F and 0x80-0xFF as \xHH of the UTF-8 bytes) into a `main` line, parse back to the same fields; and no
// input at all, however broken, makes the line stage throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLogFormat, LineStage, newParsedLine } from '../src/parse/index.js';
import { PRESETS } from './helpers/presets.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** nginx's default escaping of a variable value. */
function nginxEscape(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    out += b < 0x20 || b === 0x22 || b === 0x5c || b >= 0x7f ? `\\x${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** $time_local of `ms` (whole seconds) at a UTC offset in minutes. */
function timeLocal(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const off = Math.abs(offsetMin);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(off / 60))}${p2(off % 60)}`;
}

const text = fc.string({ unit: 'binary', maxLength: 60 });
const addr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`), fc.constant('unix:'));
const fields = fc.record({
  addr,
  user: fc.oneof(fc.constant('-'), fc.stringMatching(/^[a-z0-9._]{1,12}$/)),
  time: fc.integer({ min: 0, max: 253370764800 }) // up to 9998: nginx years have four digits
   .map((s) => s * 1000),
  offset: fc.integer({ min: -12 * 60, max: 14 * 60 }),
  request: text,
  status: fc.integer({ min: 100, max: 599 }),
  bytes: fc.integer({ min: 0, max: 2 ** 40 }),
  referer: text,
  userAgent: text,
  xff: text,
});

describe('nginx main lines round-trip through the parser', () => {
  it('any field values, escaped by nginx, parse back to the same fields', () => {
    fc.assert(fc.property(fields, (f) => {
      const line = `${f.addr} - ${f.user} [${timeLocal(f.time, f.offset)}] "${nginxEscape(f.request)}" ${f.status} ${f.bytes} ` +
        `"${nginxEscape(f.referer)}" "${nginxEscape(f.userAgent)}" "${nginxEscape(f.xff)}"`;
      const out = newParsedLine();
      expect(PRESETS.main.parse(line, out), line).toBe(true);
      const orNull = (v: string) => (v === '-' ? null : v);
      expect(out).toMatchObject({
        remoteAddr: f.addr, time: f.time, request: f.request, status: f.status, bytes: f.bytes,
        referer: orNull(f.referer), userAgent: orNull(f.userAgent), xff: orNull(f.xff),
      });
    }), { numRuns: 500 });
  });

  it('any HTTP request line is split into method, target and protocol', () => {
    const target = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })
      .filter((t) => !/[\x00-\x1f\x7f]/.test(t) && !t.startsWith(' ') && !t.endsWith(' ') && t.trim() !== '');
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND');
    const protocol = fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/3.0');
    fc.assert(fc.property(method, target, protocol, (m, t, p) => {
      const line = `203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "${nginxEscape(`${m} /${t} ${p}`)}" 200 1 "-" "-" "-"`;
      const out = newParsedLine();
      expect(PRESETS.main.parse(line, out)).toBe(true);
      expect([out.method, out.target, out.protocol]).toEqual([m, `/${t}`, p]);
    }), { numRuns: 300 });
  });
});

describe('the line stage never throws', () => {
  const VALID = [
    '10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"',
    '192.168.49.1 - - [27/Nov/2026:08:44:38 +0000] "GET /shop HTTP/1.1" 200 1024 "-" "curl/8.5.0" 78 0.004 [default-shop-80] [] 10.244.1.5:8080 1024 0.004 200 5b2d1c3f',
    '{"time_local":"27/Nov/2026:08:44:38 +0000","remote_addr":"203.0.113.7","request":"GET /api HTTP/1.1","status":"200"}',
    '2026-11-27T08:44:38.123456789Z stdout P 10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615',
    '[pod/web-1/nginx] 2026-11-27T08:44:38.123Z 10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "-" "-"',
    '{"log":"10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] \\"GET / HTTP/1.1\\" 200 615 \\"-\\" \\"-\\" \\"-\\"\\n","stream":"stdout","time":"2026-11-27T08:44:38Z"}',
  ];
  const formats = ['auto', 'combined', 'main', 'upstreaminfo', 'upstreaminfo-2019', 'upstreaminfo-realip', 'upstreaminfo-2017', 'json', '$remote_addr $msec "$request" $status $upstream_addr'];
  // A valid line with random edits: characters inserted, removed or replaced.
  const mutated = fc.tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ maxLength: 4 })), { maxLength: 6 }))
    .map(([line, edits]) => edits.reduce((l, [at, del, ins]) => { const i = at % (l.length + 1); return l.slice(0, i) + ins + l.slice(i + del); }, line));
  const raw = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
    mutated,
  );

  it('for random text, random bytes and mangled valid lines, in any format and envelope', () => {
    fc.assert(fc.property(fc.constantFrom(...formats), fc.array(raw, { minLength: 1, maxLength: 8 }), (format, lines) => {
      const stage = new LineStage({ format, maxLineLength: 150 });
      for (const line of lines) {
        const r = stage.push(line);
        if (r === null) expect([null, 'format', 'envelope', 'too-long', 'binary']).toContain(stage.lastReason);
        else expect(typeof r.remoteAddr).toBe('string');
      }
      stage.end();
    }), { numRuns: 1000 });
  });
});

describe('escape=json log formats round-trip through the parser', () => {
  const format = `log_format j escape=json '{"ip":"$remote_addr","t":"$time_iso8601","r":"$request","s":$status,'
                   '"ua":"$http_user_agent","x":"$http_x_forwarded_for","up":"$upstream_addr"}';`;
  const parser = compileLogFormat(format);
  /** nginx's escape=json: '"', '\' and control characters escaped, everything else raw. */
  const jsonEscape = (v: string) => JSON.stringify(v).slice(1, -1);

  it('any field values, escaped as JSON, parse back to the same fields', () => {
    const unicode = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(fc.property(addr, fc.integer({ min: 0, max: 253370764800 }), unicode, fc.integer({ min: 100, max: 599 }), unicode, unicode, unicode, (ip, sec, request, status, ua, xff, up) => {
      const t = new Date(sec * 1000).toISOString().replace('.000Z', '+00:00');
      const line = `{"ip":"${ip}","t":"${t}","r":"${jsonEscape(request)}","s":${status},"ua":"${jsonEscape(ua)}","x":"${jsonEscape(xff)}","up":"${jsonEscape(up)}"}`;
      const out = newParsedLine();
      expect(parser.parse(line, out), line).toBe(true);
      const orNull = (v: string) => (v === '-' || v === '' ? null : v);
      expect(out).toMatchObject({ remoteAddr: ip, time: sec * 1000, request, status, userAgent: orNull(ua), xff: orNull(xff), upstreamAddr: orNull(up) });
      expect(JSON.parse(line).r).toBe(request); // the line is the JSON nginx would write
    }), { numRuns: 300 });
  });
});
