// Envelopes around nginx lines: kubectl --timestamps / --prefix / both, CRI log files (partial lines joined),
// docker json-file (JSON escapes, split long lines), detected from the first line and applied to every line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEnvelope, Envelope, LineStage, parseRfc3339, type EnvelopeName } from '../src/parse/index.js';
import type { ParsedLine } from '../src/types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'formats');
const NGINX = '10.244.0.1 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"';
const STAMP = Date.UTC(2026, 10, 27, 8, 44, 38, 123);

function run(lines: string[], format = 'auto'): { stage: LineStage; rows: ParsedLine[]; reasons: (string | null)[] } {
  const stage = new LineStage({ format });
  const rows: ParsedLine[] = [];
  const reasons: (string | null)[] = [];
  for (const l of lines) {
    const r = stage.push(l);
    if (r) rows.push({ ...r });
    else reasons.push(stage.lastReason);
  }
  return { stage, rows, reasons };
}

function fixture(name: string): string[] {
  return readFileSync(join(FIXTURES, name), 'utf8').split('\n').filter((l) => l !== '');
}

describe('envelope detection from the first line', () => {
  it.each<[string, EnvelopeName]>([
    [NGINX, 'none'],
    [`2026-11-27T08:44:38.123456789Z ${NGINX}`, 'kubectl-timestamps'],
    [`2026-11-27T08:44:38Z ${NGINX}`, 'kubectl-timestamps'],
    [`[pod/web-1/nginx] ${NGINX}`, 'kubectl-prefix'],
    [`[pod/web-1/nginx] 2026-11-27T08:44:38.123Z ${NGINX}`, 'kubectl-prefix-timestamps'],
    [`2026-11-27T08:44:38.123456789Z stdout F ${NGINX}`, 'cri'],
    [`2026-11-27T16:44:38.123+08:00 stderr P ${NGINX}`, 'cri'],
    [`{"log":"${NGINX.replaceAll('"', '\\"')}\\n","stream":"stdout","time":"2026-11-27T08:44:38.123Z"}`, 'docker'],
    ['[27/Nov/2026:08:44:38 +0000] 10.0.0.1 "GET / HTTP/1.1" 200', 'none'],
    ['{"remote_addr":"203.0.113.7","status":200}', 'none'],
    ['2026/11/27 08:44:37 [notice] 1#1: start worker processes', 'none'],
  ])('%s -> %s', (line, name) => {
    expect(detectEnvelope(line)).toBe(name);
  });
});

describe('RFC3339 timestamps', () => {
  it.each([
    ['2026-11-27T08:44:38.123456789Z', STAMP],
    ['2026-11-27T08:44:38.1Z', Date.UTC(2026, 10, 27, 8, 44, 38, 100)],
    ['2026-11-27T08:44:38Z', Date.UTC(2026, 10, 27, 8, 44, 38)],
    ['2026-11-27T16:44:38.123+08:00', STAMP],
    ['2026-11-27T03:14:38.123-05:30', STAMP],
    ['2026-11-27T08:44:38.123+0000', STAMP],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['1969-12-31T23:59:59Z', -1000],
  ])('%s', (text, ms) => {
    expect(parseRfc3339(text, 0)).toBe(ms);
    expect(parseRfc3339(text, 0)).toBe(Date.parse(text.replace(/(\.\d{3})\d+/, '$1').replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
  });

  it.each(['2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-11-27T24:00:00Z', '2026-11-27T08:44:38', '2026-11-27T08:44:38.Z', 'x'])('%s is not a time', (text) => {
    expect(parseRfc3339(text, 0)).toBeNaN();
  });
});

describe('every envelope yields the nginx line, its time and its pod', () => {
  it('kubectl --timestamps: the envelope time is the request time', () => {
    const { stage, rows, reasons } = run(fixture('kubectl-timestamps.log'));
    expect(stage.describe()).toBe('format main, envelope kubectl-timestamps');
    expect(reasons).toEqual(['format']); // the docker-entrypoint line
    expect(rows.map((r) => [r.remoteAddr, r.time])).toEqual([
      ['10.244.0.1', STAMP],
      ['203.0.113.7', Date.UTC(2026, 10, 27, 8, 44, 39, 500)],
    ]);
  });

  it('kubectl --prefix: pod and container come from the prefix', () => {
    const { stage, rows } = run(fixture('kubectl-prefix.log'));
    expect(stage.envelope).toBe('kubectl-prefix');
    expect(rows.map((r) => [r.envPod, r.envContainer, r.remoteAddr, r.time])).toEqual([
      ['web-7d9f8b6c5-x2k4q', 'nginx', '10.244.0.1', Date.UTC(2026, 10, 27, 8, 44, 38)],
      ['web-7d9f8b6c5-pq8zt', 'nginx', '192.168.49.2', Date.UTC(2026, 10, 27, 8, 44, 39)],
    ]);
  });

  it('kubectl --prefix --timestamps: prefix, then time', () => {
    const { stage, rows } = run(fixture('kubectl-prefix-timestamps.log'));
    expect(stage.envelope).toBe('kubectl-prefix-timestamps');
    expect(rows.map((r) => [r.envPod, r.time])).toEqual([
      ['web-7d9f8b6c5-x2k4q', STAMP],
      ['web-7d9f8b6c5-pq8zt', Date.UTC(2026, 10, 27, 8, 44, 39, 200)],
    ]);
  });

  it('CRI: partial (P) parts are joined with the following parts until F, timed by the first part', () => {
    const { stage, rows, reasons } = run(fixture('cri.log'));
    expect(stage.describe()).toBe('format main, envelope cri');
    expect(reasons).toEqual(['format', null, null]); // the stderr notice, then two consumed partials
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      remoteAddr: '192.168.49.2', target: '/long?a=1&b=2', userAgent: 'curl/8.5.0',
      time: Date.UTC(2026, 10, 27, 8, 44, 39),
    });
  });

  it('CRI: partials of stdout and stderr are kept apart', () => {
    const half = NGINX.length >> 1;
    const { rows } = run([
      `2026-11-27T08:44:38.123Z stdout P ${NGINX.slice(0, half)}`,
      '2026-11-27T08:44:38.124Z stderr P 2026/11/27 08:44:38 [warn] ',
      `2026-11-27T08:44:38.125Z stdout F ${NGINX.slice(half)}`,
      '2026-11-27T08:44:38.126Z stderr F something',
    ], 'main');
    expect(rows.map((r) => r.remoteAddr)).toEqual(['10.244.0.1']);
  });

  it('CRI: a partial never completed is reported at the end; joined partials past the maximum are too long', () => {
    const stage = new LineStage({ format: 'main', maxLineLength: 200 });
    expect(stage.push(`2026-11-27T08:44:38.123Z stdout F ${NGINX}`)).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      expect(stage.push(`2026-11-27T08:44:38.123Z stdout P ${'x'.repeat(150)}`)).toBeNull();
      expect(stage.lastReason).toBeNull();
    }
    expect(stage.push('2026-11-27T08:44:38.123Z stdout F end')).toBeNull();
    expect(stage.lastReason).toBe('too-long');
    expect(stage.push(`2026-11-27T08:44:38.123Z stdout P ${NGINX}`)).toBeNull();
    expect(stage.end()).toBe('partial');
    expect(new LineStage({ format: 'main' }).end()).toBeNull();
  });

  it('CRI: a broken prefix is an envelope error', () => {
    const { reasons } = run([`2026-11-27T08:44:38.123Z stdout F ${NGINX}`, NGINX, '2026-11-27T08:44:38.123Z stdin F x', 'garbage'], 'main');
    expect(reasons).toEqual(['envelope', 'envelope', 'envelope']);
  });

  it('docker json-file: JSON escapes undone, then nginx escapes; the stream line is timed by docker', () => {
    const { stage, rows, reasons } = run(fixture('docker.log'));
    expect(stage.describe()).toBe('format main, envelope docker');
    expect(reasons).toEqual(['format']); // the error log line on stderr
    expect(rows[0]).toMatchObject({ remoteAddr: '10.244.0.1', time: STAMP, userAgent: 'curl/8.5.0' });
    expect(rows[1]).toMatchObject({ target: '/café', userAgent: 'Mozilla/5.0 "q"', time: Date.UTC(2026, 10, 27, 8, 44, 39) });
  });

  it('docker json-file: long lines split without \\n are joined; other key orders and CRLF work; bad JSON is an envelope error', () => {
    const j = (s: string) => JSON.stringify(s);
    const { rows, reasons } = run([
      `{"log":${j(NGINX.slice(0, 30))},"stream":"stdout","time":"2026-11-27T08:44:38.123Z"}`,
      `{"log":${j(`${NGINX.slice(30)}\n`)},"stream":"stdout","time":"2026-11-27T08:44:38.200Z"}`,
      `{"log":${j(`${NGINX}\r\n`)},"stream":"stdout","time":"2026-11-27T08:44:39Z"}`,
      `{"log":${j(`${NGINX}\n`)},"attrs":{"tag":"x"},"time":"2026-11-27T08:44:40Z","stream":"stdout"}`,
      '{"log":"unterminated',
      '{"log":42}',
    ], 'main');
    expect(rows.map((r) => r.time)).toEqual([STAMP, Date.UTC(2026, 10, 27, 8, 44, 39), Date.UTC(2026, 10, 27, 8, 44, 40)]);
    expect(rows.every((r) => r.remoteAddr === '10.244.0.1' && r.xff === null)).toBe(true);
    expect(reasons).toEqual([null, 'envelope', 'envelope']);
  });

  it('kubectl --timestamps: a line without the timestamp is an envelope error', () => {
    const { reasons, rows } = run([`2026-11-27T08:44:38.123Z ${NGINX}`, NGINX], 'main');
    expect(rows).toHaveLength(1);
    expect(reasons).toEqual(['envelope']);
  });

  it('the Envelope object unwraps without copying the line', () => {
    const env = new Envelope('kubectl-prefix-timestamps');
    const raw = `[pod/web-1/nginx] 2026-11-27T08:44:38.123Z ${NGINX}`;
    expect(env.unwrap(raw)).toBe(0);
    expect(env.text).toBe(raw);
    expect(env.text.slice(env.start)).toBe(NGINX);
    expect([env.pod, env.container, env.time]).toEqual(['web-1', 'nginx', STAMP]);
  });
});
