// Every report and audit format against golden files, through the real CLI on a database the real `ingest` built
// from the sample logs (plus a Service, so --by service and the findings have one, and a hostile pod name and user
// agent, so escaping is covered). Times and TZ are fixed. UPDATE_GOLDEN=1 rewrites the files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
const SAMPLE = 'test/fixtures/sample';
const ENV = { TZ: 'Asia/Kolkata' };
const WINDOW = ['--from', '2026-11-27T02:00:00Z', '--until', '2026-11-27T02:40:00Z'];

let tmp: ReturnType<typeof tempDir>;
let db: string;

const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', namespace: 'default' },
  spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster', selector: { app: 'nginx' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
};

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'golden.db');
  const topo = JSON.parse(readFileSync(join(ROOT, SAMPLE, 'topology.json'), 'utf8')) as { items: unknown[] };
  topo.items.push(SERVICE);
  const topoPath = join(tmp.dir, 'topology.json');
  writeFileSync(topoPath, JSON.stringify(topo));
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `${SAMPLE}/nginx-7c5d8f9b4-${s}.log`);
  const r = runCli(['ingest', ...files, '--topology', topoPath, '--db', db, '-q'], { env: ENV });
  expect(r.code, r.stderr).toBe(0);
  const hostile = '198.51.100.9 - - [27/Nov/2026:02:20:00 +0000] "GET /<script>alert(1)</script> HTTP/1.1" 200 5 "-" "<script>alert(\'ua\')</script>|x" "-"\n';
  const h = runCli(['ingest', '-', '--pod', '<img src=x onerror=alert(1)>', '--db', db, '-q'], { input: hostile, env: ENV });
  expect(h.code, h.stderr).toBe(0);
});
afterAll(() => tmp.cleanup());

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('report formats match their golden files', () => {
  it.each([
    ['table', 'pod', 'report-pod.txt'],
    ['json', 'pod', 'report-pod.json'],
    ['csv', 'pod', 'report-pod.csv'],
    ['markdown', 'pod', 'report-pod.md'],
    ['html', 'pod', 'report-pod.html'],
    ['table', 'node', 'report-node.txt'],
    ['json', 'service', 'report-service.json'],
    ['csv', 'class', 'report-class.csv'],
    ['markdown', 'service', 'report-service.md'],
  ])('%s --by %s', (format, by, file) => {
    const r = runCli(['report', '--db', db, ...WINDOW, '-o', format, '--by', by], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden(file, r.stdout);
  });

  it.each([
    ['table', 'audit.txt'],
    ['json', 'audit.json'],
    ['markdown', 'audit.md'],
  ])('audit as %s', (format, file) => {
    const r = runCli(['audit', '--db', db, '--from', '2026-11-27 07:40', '--until', '2026-11-27 08:10', '-o', format], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden(file, r.stdout);
  });
});

describe('report contents', () => {
  it('keeps the JSON contract fields and only adds new ones', () => {
    const j = JSON.parse(runCli(['report', '--db', db, ...WINDOW, '-o', 'json'], { env: ENV }).stdout) as Record<string, unknown>;
    expect(Object.keys(j).slice(0, 5)).toEqual(['from', 'to', 'totals', 'pods', 'unparsed']);
    expect(j.from).toBe('2026-11-27T02:00:00.000Z');
    expect(j.by).toBe('pod');
  });

  it('prints local time with the offset in text formats', () => {
    const r = runCli(['report', '--db', db, ...WINDOW], { env: ENV });
    expect(r.stdout).toContain('window: 2026-11-27T07:30:00+05:30 .. 2026-11-27T08:10:00+05:30');
  });

  it('groups pods no stored service selects under (none) with --by service', () => {
    const j = JSON.parse(runCli(['report', '--db', db, ...WINDOW, '-o', 'json', '--by', 'service'], { env: ENV }).stdout) as {
      groups: { key: string; pods: string[] }[];
    };
    expect(j.groups.map((g) => g.key)).toEqual(['(none)', 'default/nginx']);
    expect(j.groups[1].pods).toHaveLength(3);
  });

  it('keeps a hostile pod name and user agent as text in html and markdown', () => {
    const html = runCli(['report', '--db', db, ...WINDOW, '-o', 'html'], { env: ENV }).stdout;
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    const md = runCli(['report', '--db', db, ...WINDOW, '-o', 'markdown'], { env: ENV }).stdout;
    expect(md).toContain('\\<img src=x onerror=alert(1)\\>');
  });

  it('quotes CSV fields per RFC 4180', () => {
    const csv = runCli(['report', '--db', db, ...WINDOW, '-o', 'csv'], { env: ENV }).stdout;
    expect(csv.split('\r\n')[0]).toBe('namespace,pod,node_name,requests,snat_ratio,class_node,class_probe,class_pod,class_private,class_external,class_unknown,recovered,client_ratio');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('states the Local what-if for the NodePort Service in the audit findings', () => {
    const r = runCli(['audit', '--db', db, ...WINDOW, '-o', 'json'], { env: ENV });
    const a = JSON.parse(r.stdout) as { findings: string[] };
    expect(a.findings[0]).toMatch(
      /^Service default\/nginx is NodePort with externalTrafficPolicy Cluster: \d+% of \d+ requests carry node addresses.*with Local, pods nginx-7c5d8f9b4-a1b2c \(alone on ydzs-node1\) would take 50% and nginx-7c5d8f9b4-d3e4f, nginx-7c5d8f9b4-g5h6i \(sharing ydzs-node2\) 25% each; or put an L7 proxy/,
    );
  });

  it('narrows an audit to one client network', () => {
    const a = JSON.parse(runCli(['audit', '--db', db, ...WINDOW, '--client', '203.0.113.0/24', '-o', 'json'], { env: ENV }).stdout) as {
      totals: { requests: number; classes: Record<string, number> };
      clients: { addr: string; first: string; last: string }[];
    };
    expect(a.totals.requests).toBe(23);
    expect(a.totals.classes.external).toBe(23);
    expect(a.clients.map((c) => c.addr).sort()).toEqual(['203.0.113.42', '203.0.113.7']);
  });

  it('rejects a bad --client and a missing --from with one line and a hint', () => {
    const r = runCli(['audit', '--db', db, '--from', '2h', '--client', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^snatscope: --client "nope" is not an IP address or CIDR \(try .*\)\n$/);
    expect(runCli(['audit', '--db', db]).stderr).toMatch(/audit needs --from/);
  });
});
