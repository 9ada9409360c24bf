// Class `probe`: kubelet health checks (user agent kube-probe/, from the node's own address) are not SNAT'd client
// traffic. The SNAT ratio and the client ratio are over client traffic (requests - probe), null when there is none;
// an older database gets the client-ratio numerator backfilled by its migration.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, Store, report } from '../db/index.js';
import type { AddressClass } from '../src/classes.js';
import { requestClass } from '../src/classify/index.js';
import { requestRow } from './helpers/rows.js';
import { runCli, tempDir } from './helpers/cli.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('snatscope-probe-');
});
afterAll(() => tmp.cleanup());

describe('which requests are probes', () => {
  const cases: [AddressClass, string | null, AddressClass, string][] = [
    ['node', 'kube-probe/1.32', 'probe', 'a liveness probe from the node address'],
    ['node', 'kube-probe/1.29+', 'probe', 'any kubelet version'],
    ['node', 'curl/8.5.0', 'node', 'another agent from a node address is SNAT'],
    ['node', null, 'node', 'no user agent logged'],
    ['node', 'kube-probe', 'node', 'no version: not what the kubelet sends'],
    ['node', 'Mozilla/5.0 kube-probe/1.32', 'node', 'only a user agent that starts with it'],
    ['external', 'kube-probe/1.32', 'external', 'a public client claiming to be a probe stays external'],
    ['pod', 'kube-probe/1.32', 'pod', 'from a pod address it is not the kubelet'],
    ['private', 'kube-probe/1.32', 'private', 'nor from a private address'],
  ];
  it.each(cases)('%s address with user agent %j is %s (%s)', (addrCls, ua, expected) => {
    expect(requestClass(addrCls, ua)).toBe(expected);
  });
});

/** An nginx `main` line (the official image's format). */
function line(addr: string, ua: string, sec: number): string {
  const t = `27/Nov/2026:02:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')} +0000`;
  return `${addr} - - [${t}] "GET /healthz HTTP/1.1" 200 12 "-" "${ua}" "-"`;
}

interface Counts {
  requests: number;
  classes: Record<AddressClass, number>;
  snatRatio: number | null;
  clientKnown: number;
  clientRatio: number | null;
}

function ingestAndReport(name: string, lines: string[]): { stdout: string; json: { totals: Counts; pods: Counts[] }; table: string } {
  const log = join(tmp.dir, `${name}.log`);
  const db = join(tmp.dir, `${name}.db`);
  writeFileSync(log, lines.join('\n') + '\n');
  const ing = runCli(['ingest', log, '--db', db, '--node-ip', '10.0.0.11=node1', '--pod', name]);
  expect(ing.code, ing.stderr).toBe(0);
  const rep = runCli(['report', '--db', db, '-o', 'json']);
  expect(rep.code, rep.stderr).toBe(0);
  const table = runCli(['report', '--db', db]);
  return { stdout: ing.stdout, json: JSON.parse(rep.stdout), table: table.stdout };
}

describe('probes in ingest and report', () => {
  it('a quiet Service under Local (1 req/s, probes every 10 s) is SNAT 0%, not 17%', () => {
    const lines: string[] = [];
    for (let s = 0; s < 60; s++) {
      lines.push(line('203.0.113.7', 'Mozilla/5.0', s));
      if (s % 10 === 0) lines.push(line('10.0.0.11', 'kube-probe/1.32', s), line('10.0.0.11', 'kube-probe/1.32', s));
    }
    const { stdout, json, table } = ingestAndReport('quiet', lines);
    expect(json.totals.requests).toBe(72);
    expect(json.totals.classes.probe).toBe(12);
    expect(json.totals.classes.node).toBe(0);
    expect(json.totals.snatRatio).toBe(0);
    expect(json.totals.clientKnown).toBe(60);
    expect(json.totals.clientRatio).toBe(1);
    expect(stdout).toContain('SNAT ratio 0.0%, 12 kubelet probes (not client traffic)');
    expect(table).toMatch(/REQUESTS\s+SNAT\s+NODE-IP\s+PROBE\s+POD-IP/);
    expect(table).toMatch(/TOTAL\s+72\s+0\.0%\s+0\s+12\s/);
  });

  it('SNAT under Cluster is counted over client traffic only', () => {
    const lines = [
      line('10.0.0.11', 'curl/8.5.0', 1),
      line('10.0.0.11', 'curl/8.5.0', 2),
      line('203.0.113.7', 'curl/8.5.0', 3),
      line('10.0.0.11', 'kube-probe/1.32', 4),
    ];
    const { json } = ingestAndReport('cluster', lines);
    expect(json.totals.classes).toMatchObject({ node: 2, probe: 1, external: 1 });
    expect(json.totals.snatRatio).toBeCloseTo(2 / 3);
    expect(json.totals.clientRatio).toBeCloseTo(1 / 3);
  });

  it('only probes: no client traffic, both ratios null and the table says -', () => {
    const { json, table } = ingestAndReport('probes', [line('10.0.0.11', 'kube-probe/1.32', 1), line('10.0.0.11', 'kube-probe/1.32', 11)]);
    expect(json.totals.snatRatio).toBeNull();
    expect(json.totals.clientRatio).toBeNull();
    expect(json.pods[0].snatRatio).toBeNull();
    expect(table).toMatch(/TOTAL\s+2\s+-\s+0\s+2\s/);
  });
});

describe('an older database', () => {
  it('opened read-only before migrating, reads with external-class requests as the known clients', () => {
    const file = join(tmp.dir, 'old-ro.db');
    const s = Store.open(file);
    const src = s.source('old', 'file', {});
    const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '203.0.113.7', cls: 'external' }));
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '10.0.0.11', cls: 'node' }));
    s.flush();
    s.close();
    const raw = new Database(file);
    raw.exec('ALTER TABLE rollups DROP COLUMN known; ALTER TABLE pruned_seconds DROP COLUMN known');
    raw.pragma('user_version = 3');
    raw.close();
    const ro = Store.open(file, { readonly: true });
    expect(report(ro.db).totals).toMatchObject({ requests: 2, clientKnown: 1, clientRatio: 0.5, snatRatio: 0.5 });
    ro.close();
  });

  it('gets the client-ratio numerator from its stored rows when migrated', () => {
    const file = join(tmp.dir, 'old.db');
    const s = Store.open(file);
    const src = s.source('old', 'file', {});
    const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '203.0.113.7', cls: 'external' }));
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '10.0.0.9', cls: 'private', client: '198.51.100.4', clientCls: 'external' }));
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '10.0.0.9', cls: 'private', client: '10.1.1.1', clientCls: 'private' }));
    s.add(src.id, requestRow({ time: T0, pod: 'web', remoteAddr: '10.0.0.11', cls: 'node' }));
    s.flush();
    s.close();
    // What version 3 had: no rollups.known, no pruned_seconds.known.
    const raw = new Database(file);
    raw.exec('ALTER TABLE rollups DROP COLUMN known; ALTER TABLE pruned_seconds DROP COLUMN known');
    raw.pragma('user_version = 3');
    raw.close();
    const again = Store.open(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const r = report(again.db);
    expect(r.totals.clientKnown).toBe(2);
    expect(r.totals.clientRatio).toBe(0.5);
    expect(report(again.db, { via: 'rows' }).totals.clientKnown).toBe(2);
    again.close();
  });
});
