// The live views as sinks: the stern-like line (colours only on a TTY without NO_COLOR, hostile log text escaped)
// and NDJSON (exactly the RequestRow fields, valid JSON, nothing a terminal would interpret).
import { describe, expect, it } from 'vitest';
import { LinesSink } from '../src/output/lines.js';
import { JsonSink, rowJson } from '../src/output/json.js';
import type { RequestRow } from '../src/types.js';
import { requestRow } from './helpers/rows.js';

function row(over: Partial<RequestRow> = {}): RequestRow {
  return requestRow({ pod: 'web-0', remoteAddr: '10.0.0.11', cls: 'node', owner: 'node-a', target: '/index.html', bytes: 612, ...over });
}

class Out {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('lines output', () => {
  it.each([
    ['a node address with its owner', row(), 'web-0 node     10.0.0.11 (node-a)  GET /index.html 200\n'],
    ['an external client', row({ remoteAddr: '203.0.113.7', cls: 'external', owner: null }), 'web-0 external 203.0.113.7  GET /index.html 200\n'],
    [
      'a client recovered from X-Forwarded-For',
      row({ remoteAddr: '10.0.0.12', owner: 'node-b', client: '198.51.100.23', clientCls: 'external' }),
      'web-0 node     10.0.0.12 (node-b) xff 198.51.100.23 external  GET /index.html 200\n',
    ],
    ['a bad request without a method', row({ method: null, target: null, status: 400, cls: 'unknown', remoteAddr: '-', owner: null }), 'web-0 unknown  -  - - 400\n'],
    ['an escape sequence in the target', row({ target: '/\x1b]0;pwned\x07\x9b2J' }), 'web-0 node     10.0.0.11 (node-a)  GET /\\e]0;pwned\\x07\\x9B2J 200\n'],
  ])('shows %s', (_what, r, expected) => {
    const out = new Out();
    const sink = new LinesSink(out);
    sink.write(r);
    sink.close();
    expect(out.text).toBe(expected);
  });

  it('colours only on a TTY and never with NO_COLOR', () => {
    const tty = new Out(true);
    new LinesSink(tty, { env: {} }).format(row());
    expect(new LinesSink(tty, { env: {} }).format(row())).toContain('\x1b[');
    expect(new LinesSink(tty, { env: { NO_COLOR: '1' } }).format(row())).not.toContain('\x1b[');
    expect(new LinesSink(new Out(false), { env: {} }).format(row())).not.toContain('\x1b[');
  });

  it('shows the namespace with -A and gives each pod one colour', () => {
    const sink = new LinesSink(new Out(true), { env: {}, showNamespace: true });
    const a = sink.format(row());
    expect(a).toContain('default/web-0');
    expect(sink.format(row()).split(' ')[0]).toBe(a.split(' ')[0]);
  });
});

describe('json output', () => {
  it('writes one object per request with the RequestRow fields and an RFC3339 timestamp beside time, NaN as null', () => {
    const out = new Out();
    const sink = new JsonSink(out);
    sink.write(row());
    sink.write(row({ pod: 'web-1' }));
    sink.close();
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(2);
    const obj = JSON.parse(lines[0]);
    const keys = Object.keys(row());
    expect(Object.keys(obj)).toEqual([keys[0], 'timestamp', ...keys.slice(1)]);
    expect(obj.timestamp).toBe(new Date(row().time).toISOString());
    expect(obj.requestTime).toBeNull();
    expect(JSON.parse(lines[1]).pod).toBe('web-1');
  });

  it('escapes C1 controls and line separators so a terminal sees nothing raw', () => {
    const text = rowJson(row({ userAgent: 'x\u009b2J\u2028\u202ey\x1b' }));
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
    expect(JSON.parse(text).userAgent).toBe('x\u009b2J\u2028\u202ey\x1b');
  });
});
