// Hardening, hostile log text at the parser: long adversarial lines (60 KiB of quotes, backslashes, `\x` fragments,
// brackets) in every preset and every envelope return instead of throwing or hanging; and lines written the way nginx
// writes them (default escaping, or escape=json for the json preset) parse back to the same fields for combined,
// upstreaminfo and json (`main` is covered by parse-property.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineStage, newParsedLine, PRESET_NAMES } from '../src/parse/index.js';
import { PRESETS } from './helpers/presets.js';
import { nginxEscape, timeLocal } from './helpers/hostile.js';

const KIB60 = 60 * 1024;
const STAMP = '2026-11-27T08:44:38.123456789Z';

/** A line in each envelope snatscope detects (the nginx text is put inside as is, JSON-encoded for docker). */
const ENVELOPES: Record<string, (line: string) => string> = {
  none: (l) => l,
  'kubectl-timestamps': (l) => `${STAMP} ${l}`,
  'kubectl-prefix': (l) => `[pod/web-1/nginx] ${l}`,
  'kubectl-prefix-timestamps': (l) => `[pod/web-1/nginx] ${STAMP} ${l}`,
  cri: (l) => `${STAMP} stdout F ${l}`,
  'cri-partial': (l) => `${STAMP} stdout P ${l}`,
  docker: (l) => JSON.stringify({ log: `${l}\n`, stream: 'stdout', time: STAMP }),
};

const VALID_HEAD = '203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "GET /';

/** Builds a string of about `size` characters by repeating `unit`. */
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** 60 KiB of the things parsers trip over, alone and after a valid-looking start. */
const ADVERSARIAL: Array<[string, string]> = [];
for (const [name, unit] of [
  ['quotes', '"'],
  ['backslashes', '\\'],
  ['\\x fragments', '\\x\\x4\\xZ\\x'],
  ['escaped quotes', '\\"'],
  ['brackets', '[[[]]]['],
  ['mixed', '"\\x[\\"]{"\\'],
  ['braces and quotes', '{"a":"'],
  ['spaces', ' '],
  ['digits', '1234567890'],
  ['dashes', '- '],
] as const) {
  ADVERSARIAL.push([name, fill(unit, KIB60)]);
  ADVERSARIAL.push([`valid start + ${name}`, VALID_HEAD + fill(unit, KIB60)]);
  ADVERSARIAL.push([`${name} + valid tail`, fill(unit, KIB60) + '" 200 1 "-" "-" "-"']);
}

const FORMATS = ['auto', ...PRESET_NAMES];

describe('the parser returns on long adversarial lines', () => {
  it.each(FORMATS)('format %s: every envelope, every adversarial line, no throw', (format) => {
    let pushed = 0;
    for (const [envName, wrap] of Object.entries(ENVELOPES)) {
      for (const [, body] of ADVERSARIAL) {
        // A fresh stage per line, so the envelope is detected from this line; then the same line again.
        const stage = new LineStage({ format });
        for (let i = 0; i < 2; i++) {
          const r = stage.push(wrap(body));
          pushed++;
          if (r === null) expect([null, 'format', 'envelope', 'too-long', 'binary'], `${envName}`).toContain(stage.lastReason);
        }
        stage.end();
      }
    }
    expect(pushed).toBe(Object.keys(ENVELOPES).length * ADVERSARIAL.length * 2);
  }, 60_000);

  it.each(PRESET_NAMES)('preset %s parse() returns a boolean for every adversarial line', (name) => {
    const out = newParsedLine();
    for (const [, body] of ADVERSARIAL) expect(typeof PRESETS[name].parse(body, out)).toBe('boolean');
  }, 60_000);

  it('random long runs of the dangerous characters, in any format, return', () => {
    const piece = fc.constantFrom('"', '\\', '\\x', '\\x2', '[', ']', '{', '}', ' ', '-', '\\"', 'x', '0', ':');
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), fc.constantFrom(...Object.keys(ENVELOPES)), fc.array(piece, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4000 }),
        (format, env, parts, times) => {
          const stage = new LineStage({ format });
          const line = ENVELOPES[env](VALID_HEAD + parts.join('').repeat(times));
          const r = stage.push(line);
          if (r === null) expect(['format', 'envelope', 'too-long', 'binary', null]).toContain(stage.lastReason);
        }),
      { numRuns: 150 },
    );
  }, 60_000);
});

// ---- round trips ------------------------------------------------------------------------------------------------

const text = fc.string({ unit: 'binary', maxLength: 60 });
const hostileText = fc.oneof(
  text,
  fc.constantFrom('\x1b]0;owned\x07', '\x1b[2J\x1b[H', 'a\rb', '<script>alert(1)</script>', '"\\x22"', '\\', '[]', '\u202e\u2066'),
);
const addr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`));
const time = fc.integer({ min: 0, max: 253370764800 }).map((s) => s * 1000);
const offset = fc.integer({ min: -12 * 60, max: 14 * 60 });
const orNull = (v: string) => (v === '-' || v === '' ? null : v);

describe('nginx-escaped lines parse back to the same fields', () => {
  it('combined', () => {
    fc.assert(fc.property(addr, time, offset, hostileText, fc.integer({ min: 100, max: 599 }), fc.integer({ min: 0, max: 2 ** 40 }), hostileText, hostileText,
      (ip, t, off, request, status, bytes, referer, ua) => {
        const line = `${ip} - - [${timeLocal(t, off)}] "${nginxEscape(request)}" ${status} ${bytes} "${nginxEscape(referer)}" "${nginxEscape(ua)}"`;
        const out = newParsedLine();
        expect(PRESETS.combined.parse(line, out), line).toBe(true);
        expect(out).toMatchObject({ remoteAddr: ip, time: t, request, status, bytes, referer: referer === '-' ? null : referer, userAgent: ua === '-' ? null : ua });
      }), { numRuns: 300 });
  });

  it('upstreaminfo (ingress-nginx)', () => {
    const upstream = fc.oneof(fc.constant('-'), fc.ipV4().map((a) => `${a}:8080`), fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}:80, ${b}:80`));
    const seconds = fc.integer({ min: 0, max: 600_000 }).map((ms) => (ms / 1000).toFixed(3));
    fc.assert(fc.property(addr, time, hostileText, fc.integer({ min: 100, max: 599 }), hostileText, hostileText, seconds, upstream,
      (ip, t, request, status, referer, ua, rt, up) => {
        const line = `${ip} - - [${timeLocal(t, 0)}] "${nginxEscape(request)}" ${status} 1024 "${nginxEscape(referer)}" "${nginxEscape(ua)}" ` +
          `78 ${rt} [default-shop-80] [] ${up} 1024 ${rt} ${status} 5b2d1c3f9e8a7b6c`;
        const out = newParsedLine();
        expect(PRESETS.upstreaminfo.parse(line, out), line).toBe(true);
        expect(out).toMatchObject({ remoteAddr: ip, time: t, request, status, bytes: 1024, referer: referer === '-' ? null : referer, userAgent: ua === '-' ? null : ua, upstreamAddr: up === '-' ? null : up });
        expect(out.requestTime).toBeCloseTo(Number(rt), 6);
      }), { numRuns: 300 });
  });

  it('json (escape=json, the json preset key names)', () => {
    const jsonEscape = (v: string) => JSON.stringify(v).slice(1, -1);
    fc.assert(fc.property(addr, time, hostileText, fc.integer({ min: 100, max: 599 }), hostileText, hostileText, hostileText,
      (ip, t, request, status, referer, ua, xff) => {
        const line = `{"time_local":"${timeLocal(t, 0)}","remote_addr":"${ip}","request":"${jsonEscape(request)}","status":"${status}",` +
          `"body_bytes_sent":"12","http_referer":"${jsonEscape(referer)}","http_user_agent":"${jsonEscape(ua)}","http_x_forwarded_for":"${jsonEscape(xff)}"}`;
        const out = newParsedLine();
        expect(PRESETS.json.parse(line, out), line).toBe(true);
        expect(out).toMatchObject({ remoteAddr: ip, time: t, request, status, bytes: 12, referer: orNull(referer), userAgent: orNull(ua), xff: orNull(xff) });
      }), { numRuns: 300 });
  });
});
