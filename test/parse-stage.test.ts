// The line stage as a source uses it: auto detection (and saying which), bad lines counted with a reason and never
// thrown (NUL, over-long, invalid UTF-8, garbage), CRLF, the reused ParsedLine, and a custom log_format.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { LineStage, PRESET_NAMES } from '../src/parse/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'formats');
const MAIN = '10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "203.0.113.9"';
const COMBINED = '203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "GET /index.html HTTP/1.1" 200 615 "-" "curl/8.5.0"';

describe('--format auto', () => {
  it.each(PRESET_NAMES)('detects %s from its fixture and says which', (preset) => {
    const stage = new LineStage({ format: 'auto' });
    expect(stage.format).toBeNull();
    expect(stage.describe()).toBe('format not detected yet, envelope not detected yet');
    const lines = readFileSync(join(FIXTURES, `${preset}.log`), 'utf8').split('\n').filter((l) => l !== '');
    for (const line of lines) expect(stage.push(line), line).not.toBeNull();
    expect(stage.format).toBe(preset);
    expect(stage.describe()).toBe(`format ${preset}, envelope none`);
  });

  it('counts lines before detection that match nothing as format, then keeps the format it found', () => {
    const stage = new LineStage({ format: 'auto' });
    const reasons: (string | null)[] = [];
    for (const line of [
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      '2026/11/27 08:44:37 [notice] 1#1: using the "epoll" event method',
      MAIN,
      COMBINED, // a combined line no longer matches: the source's format is main
      MAIN,
    ]) {
      const r = stage.push(line);
      reasons.push(r === null ? stage.lastReason : 'ok');
    }
    expect(reasons).toEqual(['format', 'format', 'ok', 'format', 'ok']);
    expect(stage.format).toBe('main');
  });

  it('falls back to combined when nothing more specific matches', () => {
    const stage = new LineStage({ format: 'auto' });
    expect(stage.push(COMBINED)).not.toBeNull();
    expect(stage.format).toBe('combined');
  });
});

describe('bad lines are counted with a reason, never thrown', () => {
  it('NUL bytes are binary', () => {
    const stage = new LineStage({ format: 'main' });
    expect(stage.push(`${MAIN}\0`)).toBeNull();
    expect(stage.lastReason).toBe('binary');
    expect(stage.push('\x1f\x8b\x08\0\0\0\0\0')).toBeNull(); // a gzip header read as text
    expect(stage.lastReason).toBe('binary');
  });

  it('over-long lines are too-long (default 65536, configurable)', () => {
    const stage = new LineStage({ format: 'main' });
    expect(stage.push(MAIN.replace('curl/8.5.0', 'x'.repeat(70_000)))).toBeNull();
    expect(stage.lastReason).toBe('too-long');
    const small = new LineStage({ format: 'main', maxLineLength: 50 });
    expect(small.push(MAIN)).toBeNull();
    expect(small.lastReason).toBe('too-long');
    expect(new LineStage({ format: 'main' }).push(MAIN.replace('curl/8.5.0', 'x'.repeat(60_000)))?.userAgent).toHaveLength(60_000);
  });

  it('CRLF line endings are stripped', () => {
    const stage = new LineStage({ format: 'auto' });
    const r = stage.push(`${MAIN}\r`);
    expect(r?.xff).toBe('203.0.113.9');
    expect(stage.format).toBe('main');
  });

  it('invalid UTF-8 (decoded by the source with U+FFFD) still parses', () => {
    // nginx with escape=none writes raw bytes; the source decodes the line as UTF-8.
    const ua = MAIN.indexOf('curl/');
    const bytes = Buffer.concat([Buffer.from(MAIN.slice(0, ua)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(MAIN.slice(ua))]);
    const stage = new LineStage({ format: 'main' });
    expect(stage.push(bytes.toString('utf8'))?.userAgent).toBe('\ufffd\ufffd\ufffdcurl/8.5.0');
    expect(stage.push(`${MAIN}\ufffd`)).toBeNull(); // bytes after the last quote: not the main format
    expect(stage.lastReason).toBe('format');
  });

  it('garbage and empty lines are format', () => {
    const stage = new LineStage({ format: 'auto' });
    for (const line of ['', ' ', '"', '[', '{', '{"log":', '- - - -', '\ufffd\ufffd', 'GET / HTTP/1.1']) {
      expect(stage.push(line)).toBeNull();
      expect(stage.lastReason).toBe('format');
    }
  });

  it('an unknown format name is a UserError at construction, not per line', () => {
    expect(() => new LineStage({ format: 'apache' })).toThrow(UserError);
  });
});

describe('the reused ParsedLine', () => {
  it('is the same object each time and carries nothing over from the previous line', () => {
    const stage = new LineStage({ format: 'main' });
    const a = stage.push(MAIN);
    expect(a?.xff).toBe('203.0.113.9');
    const b = stage.push(MAIN.replace('"203.0.113.9"', '"-"'));
    expect(b).toBe(a);
    expect(b?.xff).toBeNull();
  });
});

describe('a custom log_format from nginx.conf', () => {
  const conf = `log_format timed '$remote_addr - $remote_user [$time_local] "$request" '
                  '$status $body_bytes_sent "$http_referer" '
                  '"$http_user_agent" "$http_x_forwarded_for" rt=$request_time uct="$upstream_connect_time" ua=$upstream_addr';`;

  it('parses lines in that format and names it', () => {
    const stage = new LineStage({ format: conf });
    const r = stage.push('10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET /api HTTP/1.1" 200 12 "-" "curl/8.5.0" "203.0.113.9, 10.0.0.2" rt=0.120 uct="0.001, 0.002" ua=10.244.1.5:8080, 10.244.2.6:8080');
    expect(r).toMatchObject({
      remoteAddr: '10.244.0.1', target: '/api', status: 200, xff: '203.0.113.9, 10.0.0.2', requestTime: 0.12,
      upstreamAddr: '10.244.1.5:8080, 10.244.2.6:8080',
    });
    expect(stage.describe()).toBe('format timed, envelope none');
  });

  it('inside a kubectl --timestamps envelope', () => {
    const stage = new LineStage({ format: conf });
    const r = stage.push('2026-11-27T08:44:38.5Z 10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET /api HTTP/1.1" 200 12 "-" "-" "-" rt=- uct="-" ua=-');
    expect(r).toMatchObject({ time: Date.UTC(2026, 10, 27, 8, 44, 38, 500), requestTime: NaN, upstreamAddr: null, userAgent: null });
  });
});
