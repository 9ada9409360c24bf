import { describe, expect, it } from 'vitest';
import { Classifier, Topology } from '../src/classify/index.js';
import { compileLogFormat, newParsedLine } from '../src/parse/index.js';
import { JsonLineParser } from '../src/parse/json.js';

// Trusted: the cluster's nodes and the ingress/LB network, as with
//   set_real_ip_from 10.0.0.0/8; set_real_ip_from 2001:db8:1::/48; set_real_ip_from 192.0.2.10;
//   real_ip_header X-Forwarded-For; real_ip_recursive on;
const trusted = new Classifier(new Topology(), { trust: ['10.0.0.0/8', '2001:db8:1::/48', '192.0.2.10', 'unix:'] });

type Row = [what: string, remoteAddr: string, xff: string | null, client: string | null];

const rows: Row[] = [
  ['one proxy, one client', '10.0.0.5', '203.0.113.7', '203.0.113.7'],
  ['client behind a chain of trusted proxies', '10.0.0.5', '203.0.113.7, 10.1.1.1, 192.0.2.10', '203.0.113.7'],
  ['the rightmost untrusted entry wins, not the leftmost (spoofed left part)', '10.0.0.5', '198.51.100.66, 203.0.113.7, 10.1.1.1', '203.0.113.7'],
  ['all entries trusted: the leftmost', '10.0.0.5', '10.9.9.9, 10.1.1.1', '10.9.9.9'],
  ['spoofed header from an untrusted peer is not believed', '203.0.113.99', '198.51.100.1', null],
  ['untrusted peer even when the header lists trusted addresses', '198.51.100.200', '10.0.0.1, 203.0.113.7', null],
  ['no header', '10.0.0.5', null, null],
  ['empty header', '10.0.0.5', '', null],
  ['only separators', '10.0.0.5', ' , ,', null],
  ['garbage as the rightmost entry: nothing recovered', '10.0.0.5', '203.0.113.7, garbage', null],
  ['garbage stops the walk at the last valid entry (a trusted one)', '10.0.0.5', '203.0.113.7, garbage, 10.2.2.2', '10.2.2.2'],
  ['garbage left of the client is never reached', '10.0.0.5', 'garbage, 203.0.113.7, 10.2.2.2', '203.0.113.7'],
  ['dash placeholder', '10.0.0.5', '-', null],
  ['no spaces after commas', '10.0.0.5', '203.0.113.7,10.1.1.1', '203.0.113.7'],
  ['extra spaces and trailing comma', '10.0.0.5', '  203.0.113.7 ,  10.1.1.1 , ', '203.0.113.7'],
  ['IPv6 client', '10.0.0.5', '2001:DB8::7', '2001:db8::7'],
  ['IPv6 peer and IPv6 trusted proxy', '2001:db8:1::1', '2001:db8:2::7, 2001:db8:1::2', '2001:db8:2::7'],
  ['IPv4-mapped peer is the IPv4 address', '::ffff:10.0.0.5', '203.0.113.7', '203.0.113.7'],
  ['IPv4-mapped client is returned as IPv4', '10.0.0.5', '::ffff:203.0.113.7', '203.0.113.7'],
  ['entry with a port (nginx parses addr:port)', '10.0.0.5', '203.0.113.7:51234', '203.0.113.7'],
  ['bracketed IPv6 with a port', '10.0.0.5', '[2001:db8::7]:443', '2001:db8::7'],
  ['trusted single address', '192.0.2.10', '203.0.113.7', '203.0.113.7'],
  ['neighbour of a trusted single address is not trusted', '192.0.2.11', '203.0.113.7', null],
  ['unix socket peer trusted with "unix:"', 'unix:', '203.0.113.7', '203.0.113.7'],
  ['peer that is not an address', '-', '203.0.113.7', null],
];

describe('realip: nginx real_ip_recursive on, real_ip_header X-Forwarded-For', () => {
  it.each(rows)('%s', (_what, remoteAddr, xff, client) => {
    expect(trusted.recover(remoteAddr, xff)).toBe(client);
  });

  it('without --trust the header is never believed', () => {
    const k = new Classifier(new Topology());
    expect(k.trusting).toBe(false);
    expect(k.recover('10.0.0.5', '203.0.113.7')).toBeNull();
    expect(k.recover('127.0.0.1', '203.0.113.7')).toBeNull();
  });

  it('a recovered client is classified like any address', () => {
    const client = trusted.recover('10.0.0.5', '203.0.113.7, 10.1.1.1');
    expect(client).not.toBeNull();
    expect(trusted.classify(client!).cls).toBe('external');
  });

  it('isTrusted answers for peers', () => {
    expect(trusted.isTrusted('10.200.0.1')).toBe(true);
    expect(trusted.isTrusted('203.0.113.7')).toBe(false);
    expect(trusted.isTrusted('2001:db8:1:ffff::1')).toBe(true);
    expect(trusted.isTrusted('garbage')).toBe(false);
  });
});

// `log_format ... '$proxy_protocol_addr ...'` behind a PROXY-protocol load balancer (issue 14.7): the address the LB
// saw is the client, recovered like a trusted X-Forwarded-For hop (its last one) when the connection's peer is trusted.
describe('$proxy_protocol_addr is recovered like a trusted X-Forwarded-For hop', () => {
  const FORMAT = '$remote_addr $proxy_protocol_addr [$time_local] "$request" $status $body_bytes_sent "$http_x_forwarded_for"';
  const line = (peer: string, pp: string, xff: string) =>
    `${peer} ${pp} [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 5 "${xff}"`;
  const pp: Array<[what: string, text: string, xff: string | null, client: string | null]> = [
    ['a trusted LB peer: the PROXY protocol address is the client', line('10.0.0.5', '203.0.113.7', '-'), '203.0.113.7', '203.0.113.7'],
    ['an untrusted peer is not believed', line('198.51.100.9', '203.0.113.7', '-'), '203.0.113.7', null],
    ['no PROXY header ("-"): nothing to recover', line('10.0.0.5', '-', '-'), null, null],
    ['it is the last hop: after X-Forwarded-For', line('10.0.0.5', '203.0.113.7', '198.51.100.66'), '198.51.100.66, 203.0.113.7', '203.0.113.7'],
    ['a trusted PROXY address walks on into X-Forwarded-For', line('10.0.0.5', '10.1.1.1', '203.0.113.8'), '203.0.113.8, 10.1.1.1', '203.0.113.8'],
    ['IPv6 through the LB', line('2001:db8:1::1', '2001:db8:2::7', '-'), '2001:db8:2::7', '2001:db8:2::7'],
  ];
  it.each(pp)('%s', (_what, text, xff, client) => {
    const out = newParsedLine();
    expect(compileLogFormat(FORMAT).parse(text, out)).toBe(true);
    expect(out.remoteAddr).toBe(text.split(' ')[0]);
    expect(out.xff).toBe(xff);
    const r = trusted.request(out.remoteAddr, out.xff, out.userAgent);
    expect(r.client).toBe(client);
    expect(r.cls).toBe(trusted.classify(out.remoteAddr).cls);
  });

  it('also under escape=json, where a missing variable prints nothing', () => {
    const f = compileLogFormat(`log_format lb escape=json '{"remote_addr":"$remote_addr","pp":"$proxy_protocol_addr","request":"$request","status":"$status"}';`);
    const out = newParsedLine();
    expect(f.parse('{"remote_addr":"10.0.0.5","pp":"","request":"GET / HTTP/1.1","status":"200"}', out)).toBe(true);
    expect(out.xff).toBeNull();
    expect(f.parse('{"remote_addr":"10.0.0.5","pp":"203.0.113.7","request":"GET / HTTP/1.1","status":"200"}', out)).toBe(true);
    expect(trusted.request(out.remoteAddr, out.xff, null).client).toBe('203.0.113.7');
  });

  it.each([
    ['the json preset reads proxy_protocol_addr', '{"remote_addr":"10.0.0.5","proxy_protocol_addr":"203.0.113.7","request":"GET / HTTP/1.1","status":200}', '203.0.113.7', '203.0.113.7'],
    ['after the X-Forwarded-For hops, whatever the key order', '{"proxy_protocol_addr":"203.0.113.7","remote_addr":"10.0.0.5","http_x_forwarded_for":"198.51.100.66","status":200,"request":"GET / HTTP/1.1"}', '198.51.100.66, 203.0.113.7', '203.0.113.7'],
    ['an empty one is no hop', '{"remote_addr":"10.0.0.5","proxy_protocol_addr":"","request":"GET / HTTP/1.1","status":200}', null, null],
  ])('%s', (_what, text, xff, client) => {
    const out = newParsedLine();
    expect(new JsonLineParser().parse(text, out)).toBe(true);
    expect(out.xff).toBe(xff);
    expect(trusted.request(out.remoteAddr, out.xff, null).client).toBe(client);
  });
});
