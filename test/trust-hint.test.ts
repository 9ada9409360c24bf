// Trust hints: requests from node, pod or private addresses carrying X-Forwarded-For that no --trust covers get the
// exact flag to add; `--trust nodes` trusts every node address of the topology.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustHint, type UntrustedProxy } from '../src/classify/index.js';
import { runCli, tempDir } from './helpers/cli.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('snatscope-trust-');
});
afterAll(() => tmp.cleanup());

describe('trustHint', () => {
  const cases: [string, UntrustedProxy[], string | null][] = [
    ['nothing untrusted', [], null],
    ['an external address is not a proxy to trust', [{ addr: '203.0.113.7', cls: 'external', requests: 5 }], null],
    [
      'one load balancer',
      [{ addr: '10.151.40.10', cls: 'private', requests: 8 }],
      '8 requests from 10.151.40.10 carried X-Forwarded-For that no --trust covers: to recover their clients, try --trust 10.151.40.10/32',
    ],
    [
      'an IPv6 ingress pod',
      [{ addr: 'fd00::5', cls: 'pod', requests: 1 }],
      '1 request from fd00::5 carried X-Forwarded-For that no --trust covers: to recover their clients, try --trust fd00::5/128',
    ],
    [
      'node addresses only',
      [{ addr: '10.244.1.1', cls: 'node', requests: 3 }, { addr: '10.244.2.1', cls: 'node', requests: 2 }],
      '5 requests from 2 addresses carried X-Forwarded-For that no --trust covers: to recover their clients, try --trust nodes',
    ],
    [
      'busiest first, at most three',
      [
        { addr: '10.0.0.1', cls: 'private', requests: 1 },
        { addr: '10.0.0.2', cls: 'private', requests: 4 },
        { addr: '10.0.0.3', cls: 'pod', requests: 3 },
        { addr: '10.0.0.4', cls: 'node', requests: 2 },
      ],
      '10 requests from 4 addresses carried X-Forwarded-For that no --trust covers: to recover their clients, try --trust 10.0.0.2/32 --trust 10.0.0.3/32 --trust 10.0.0.4/32 (and 1 more addresses)',
    ],
  ];
  it.each(cases)('%s', (_name, proxies, expected) => {
    expect(trustHint(proxies)).toBe(expected);
  });
});

describe('ingest', () => {
  const lines = Array.from({ length: 6 }, (_, i) => `10.151.40.10 - - [27/Nov/2026:02:00:0${i} +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" "203.0.113.${i + 1}"`);
  it('suggests the exact --trust when a proxy address carries X-Forwarded-For, and says nothing once trusted', () => {
    const log = join(tmp.dir, 'lb.log');
    writeFileSync(log, lines.join('\n') + '\n');
    const r = runCli(['ingest', log, '--db', join(tmp.dir, 'lb.db'), '--node-ip', '10.0.0.1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('hint: 6 requests from 10.151.40.10 carried X-Forwarded-For that no --trust covers: to recover their clients, try --trust 10.151.40.10/32\n');
    const t = runCli(['ingest', log, '--db', join(tmp.dir, 'lb2.db'), '--node-ip', '10.0.0.1', '--trust', '10.151.40.10/32', '-q']);
    expect(t.stdout).not.toContain('hint:');
  });

  it('--trust nodes believes X-Forwarded-For from every node address', () => {
    const log = join(tmp.dir, 'node.log');
    writeFileSync(log, lines.join('\n') + '\n');
    const db = join(tmp.dir, 'node.db');
    const r = runCli(['ingest', log, '--db', db, '--node-ip', '10.151.40.10=node1', '--trust', 'nodes', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('hint:');
    const rep = JSON.parse(runCli(['report', '--db', db, '-o', 'json']).stdout);
    expect(rep.totals.recovered).toBe(6);
    expect(rep.totals.clientRatio).toBe(1);
  });
});
