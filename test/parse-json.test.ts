// JSON access logs as people write them: one alias table maps the key names in common use (clientip, remote_ip,
// url, size, status_code, agent, xff, ...) to request fields whatever their order in the line; --json-field
// FIELD=KEY maps any other key; a JSON line without a known address key is named with its keys for the hint.
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { checkFormatFlags, createPreset, jsonKeysHint, LineStage, newParsedLine, parseJsonFields, type JsonFields } from '../src/parse/index.js';
import type { ParsedLine } from '../src/types.js';

function parse(line: string, fields?: JsonFields): ParsedLine | null {
  const out = newParsedLine();
  return createPreset('json', fields).parse(line, out) ? out : null;
}

const T = (h: number, m: number, s: number) => Date.UTC(2026, 10, 27, h, m, s);

const lines: Array<[string, string, Partial<ParsedLine>]> = [
  ['the ELK blog layout (clientip, url, size, referrer, agent, xff)',
    '{"@timestamp":"2026-11-27T08:44:38+00:00","clientip":"203.0.113.7","method":"GET","url":"/shop","status":"200","size":2048,"referrer":"https://shop.example/","agent":"Mozilla/5.0","xff":"198.51.100.4","request_time":"0.012","upstream":"10.244.1.5:8080"}', {
      time: T(8, 44, 38), remoteAddr: '203.0.113.7', method: 'GET', target: '/shop', request: 'GET /shop', status: 200,
      bytes: 2048, referer: 'https://shop.example/', userAgent: 'Mozilla/5.0', xff: '198.51.100.4', requestTime: 0.012,
      upstreamAddr: '10.244.1.5:8080',
    }],
  ['remote_ip, uri, status_code, bytes, useragent, forwarded_for',
    '{"time":"27/Nov/2026:08:44:39 +0000","remote_ip":"2001:db8::5","request_method":"POST","uri":"/api","server_protocol":"HTTP/2.0","status_code":201,"bytes":17,"useragent":"okhttp/4.9","forwarded_for":"-"}', {
      time: T(8, 44, 39), remoteAddr: '2001:db8::5', request: 'POST /api HTTP/2.0', protocol: 'HTTP/2.0', status: 201,
      bytes: 17, userAgent: 'okhttp/4.9', xff: null,
    }],
  ['ip, request_uri over uri, http_status, bytes_sent',
    '{"ip":"10.244.2.1","uri":"/a","request_uri":"/a?x=1","method":"GET","http_status":"404","bytes_sent":"153","user_agent":"kube-probe/1.30"}', {
      remoteAddr: '10.244.2.1', target: '/a?x=1', status: 404, bytes: 153, userAgent: 'kube-probe/1.30',
    }],
  ['client_ip with a request line and x_forwarded_for',
    '{"timestamp":1795769080,"client_ip":"192.168.49.1","request":"GET /healthz HTTP/1.1","status":200,"body_bytes_sent":2,"x_forwarded_for":"203.0.113.9, 10.0.0.1"}', {
      time: 1795769080000, remoteAddr: '192.168.49.1', method: 'GET', target: '/healthz', xff: '203.0.113.9, 10.0.0.1', bytes: 2,
    }],
  ['the realip peer wins over remote_addr whichever comes first',
    '{"remote_addr":"203.0.113.40","realip_remote_addr":"10.0.0.1","request":"GET / HTTP/1.1","status":200}', { remoteAddr: '10.0.0.1' }],
  ['body bytes win over all bytes whichever comes first',
    '{"remote_addr":"203.0.113.41","bytes_sent":400,"body_bytes_sent":250,"request":"GET / HTTP/1.1","status":200}', { bytes: 250 }],
  ['an empty or "-" value does not hide another key that has one',
    '{"remote_addr":"","clientip":"203.0.113.42","http_user_agent":"-","agent":"curl/8.5.0","request":"GET / HTTP/1.1","status":200}', {
      remoteAddr: '203.0.113.42', userAgent: 'curl/8.5.0',
    }],
];

describe('JSON access logs with the key names in common use', () => {
  it.each(lines)('%s', (_name, line, expected) => {
    expect(parse(line)).toMatchObject(expected);
  });

  it('--format auto reads them as json', () => {
    const stage = new LineStage({ format: 'auto' });
    expect(stage.push(lines[0][1])).toMatchObject({ remoteAddr: '203.0.113.7', status: 200 });
    expect(stage.format).toBe('json');
  });

  it('a line without a key known as the address is not parsed', () => {
    expect(parse('{"peer":"203.0.113.7","request":"GET / HTTP/1.1","status":200}')).toBeNull();
  });
});

describe('--json-field FIELD=KEY', () => {
  it('maps a key the table does not know, for any field', () => {
    const f = parseJsonFields(['addr=peer', 'status=rc', 'userAgent=browser']);
    expect(f).toEqual({ remoteAddr: 'peer', status: 'rc', userAgent: 'browser' });
    expect(parse('{"peer":"203.0.113.7","request":"GET / HTTP/1.1","rc":"503","browser":"Lynx"}', f))
      .toMatchObject({ remoteAddr: '203.0.113.7', status: 503, userAgent: 'Lynx' });
  });

  it('wins over the aliases', () => {
    const line = '{"remote_addr":"10.244.0.1","client_ip":"203.0.113.7","request":"GET / HTTP/1.1","status":200}';
    expect(parse(line)?.remoteAddr).toBe('10.244.0.1');
    expect(parse(line, parseJsonFields(['addr=client_ip']))?.remoteAddr).toBe('203.0.113.7');
  });

  it('reaches the parser through --format auto too', () => {
    const stage = new LineStage({ format: 'auto', jsonFields: { remoteAddr: 'peer' } });
    expect(stage.push('{"peer":"203.0.113.7","request":"GET / HTTP/1.1","status":200}')?.remoteAddr).toBe('203.0.113.7');
  });

  it.each([['peer'], ['addr='], ['=peer'], ['color=peer'], ['cls=peer']])('refuses %s with a hint', (v) => {
    const err = (() => { try { parseJsonFields([v]); } catch (e) { return e; } return null; })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).hint).toContain('--json-field addr=peer');
  });

  it('applies to --format json and auto only', () => {
    expect(checkFormatFlags('json', ['addr=peer'])).toEqual({ remoteAddr: 'peer' });
    expect(checkFormatFlags('auto', ['addr=peer'])).toEqual({ remoteAddr: 'peer' });
    expect(checkFormatFlags('main')).toEqual({});
    expect(() => checkFormatFlags('main', ['addr=peer'])).toThrow(UserError);
  });
});

describe('the hint for JSON lines without an address key', () => {
  it.each([
    ['a bare JSON line', '{"peer":"203.0.113.7","status":200}', 'keys: peer, status'],
    ['inside a docker json envelope', '{"log":"{\\"peer\\":\\"203.0.113.7\\",\\"status\\":200}\\n","stream":"stdout","time":"2026-11-27T08:44:38Z"}', 'keys: peer, status'],
    ['after a kubectl --prefix', '[pod/web-1/nginx] {"peer":"203.0.113.7","status":200}', 'keys: peer, status'],
  ])('%s names its keys and --json-field', (_name, sample, keys) => {
    const hint = jsonKeysHint(sample);
    expect(hint).toContain('--json-field addr=KEY');
    expect(hint).toContain(keys);
  });

  it('says nothing for JSON with an address key, mapped keys, or text that is not JSON', () => {
    expect(jsonKeysHint('{"clientip":"203.0.113.7","status":"x"}')).toBeNull();
    expect(jsonKeysHint('{"peer":"203.0.113.7"}', { remoteAddr: 'peer' })).toBeNull();
    expect(jsonKeysHint('203.0.113.7 - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 1 "-" "-"')).toBeNull();
  });
});
