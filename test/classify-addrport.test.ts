// The one addr:port parser (src/classify/ip.ts parseAddrPort), which the realip walk over X-Forwarded-For ships with:
// nginx's ngx_parse_addr_port accepts "addr", "a.b.c.d:port" and "[v6]:port" with a port of 1..65535.
import { describe, expect, it } from 'vitest';
import { Classifier, Topology, formatParsed, parseAddrPort } from '../src/classify/index.js';

type Row = [text: string, address: string | null];

const rows: Row[] = [
  ['203.0.113.7', '203.0.113.7'],
  ['203.0.113.7:1', '203.0.113.7'],
  ['203.0.113.7:8080', '203.0.113.7'],
  ['203.0.113.7:65535', '203.0.113.7'],
  ['203.0.113.7:0', null],
  ['203.0.113.7:65536', null],
  ['203.0.113.7:70000', null],
  ['203.0.113.7:123456', null],
  ['203.0.113.7:', null],
  ['203.0.113.7:80a', null],
  ['203.0.113.7:-1', null],
  ['2001:db8::7', '2001:db8::7'],
  ['[2001:db8::7]:443', '2001:db8::7'],
  ['[2001:db8::7]:65535', '2001:db8::7'],
  ['[2001:db8::7]:0', null],
  ['[2001:db8::7]:70000', null],
  ['[2001:db8::7]', null],
  ['[2001:db8::7]:', null],
  ['[2001:db8::7:443', null],
  ['[203.0.113.7]:443', '203.0.113.7'],
  ['[::ffff:203.0.113.7]:443', '203.0.113.7'],
  ['2001:db8::7:443', '2001:db8::7:443'],
  ['unknown', null],
  ['', null],
];

describe('parseAddrPort: nginx addr:port', () => {
  it.each(rows)('%j is %j', (text, want) => {
    const kind = parseAddrPort(text);
    expect(kind === 0 ? null : formatParsed(kind)).toBe(want);
  });

  it('parses an entry in the middle of a longer text', () => {
    const text = 'x, 198.51.100.9:443, y';
    expect(formatParsed(parseAddrPort(text, 3, 19))).toBe('198.51.100.9');
  });
});

describe('realip takes an X-Forwarded-For entry with a port only when the port is 1..65535', () => {
  const c = new Classifier(new Topology(), { trust: ['10.0.0.0/8'] });
  it.each([
    ['203.0.113.7:65535', '203.0.113.7'],
    ['203.0.113.7:70000', null],
    ['203.0.113.7:0', null],
    ['[2001:db8::7]:443', '2001:db8::7'],
    ['[2001:db8::7]:70000', null],
    ['203.0.113.7, 10.1.1.1:70000', null],
  ])('X-Forwarded-For %j recovers %j', (xff, want) => {
    expect(c.recover('10.0.0.5', xff)).toBe(want);
  });
});
