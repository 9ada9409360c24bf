// `snatscope demo` end to end: the emulator serves the simulated cluster over HTTP, `snatscope watch` follows it through
// a kubeconfig, and the real SQLite store ends up with what kube-proxy's rules predict: under Cluster nearly every
// external request SNAT'd to the entry node's address; after a PATCH to Local, the client addresses, and the pod alone
// on its node with about twice the share of each pod sharing ydzs-node2.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classOfId } from '../src/classes.js';
import { switchPolicy } from '../src/demo/policy.js';
import { checkDemoFlags, runDemo } from '../src/demo/run.js';
import type { DemoCluster } from '../src/demo/session.js';
import { KubeClient } from '../src/kube/http.js';
import { loadKube } from '../src/kube/config.js';
import { UserError } from '../src/errors.js';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const tmp = mkdtempSync(join(tmpdir(), 'snatscope-demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = () => {
  const out = { text: '', write: (s: string) => ((out.text += s), true), isTTY: false };
  return out;
};

interface Row { time: number; pod: string; cls: string; remote: string; owner: string | null; client: string | null; ua: string | null }

function rows(db: string): Row[] {
  const conn = new Database(db, { readonly: true });
  try {
    const stmt = conn.prepare(`
      SELECT r.time AS time, p.pod AS pod, r.class AS cls, r.remote_addr AS remote, o.s AS owner, r.client AS client, u.s AS ua
      FROM requests r JOIN pods p ON p.id = r.pod
      LEFT JOIN strings o ON o.id = r.owner LEFT JOIN strings u ON u.id = r.user_agent ORDER BY r.time`);
    return (stmt.all() as Array<Omit<Row, 'cls'> & { cls: number }>).map((r) => ({ ...r, cls: classOfId(r.cls) }));
  } finally {
    conn.close();
  }
}
const isExternal = (r: Row) => r.ua !== null && !r.ua.startsWith('kube-probe/') && !r.ua.startsWith('curl/8.7.1');

describe('snatscope demo in-process (emulator + watch + store)', () => {
  it('Cluster SNATs to the entry node; a PATCH to Local keeps clients and splits load per node', async () => {
    const db = join(tmp, 'switch.db');
    const ac = new AbortController();
    let cluster: DemoCluster | null = null;
    let switchedAt = 0;
    const stderr = sink();
    const run = runDemo({ output: 'none', rate: 1500, seed: 7, db }, {
      signal: ac.signal, stdout: sink(), stderr, onCluster: (c) => (cluster = c),
    });
    await sleep(2500);
    expect(cluster).not.toBeNull();
    const c = cluster! as DemoCluster;
    switchedAt = Date.now();
    expect(await switchPolicy(c.kubeconfig, 'default', 'nginx', 'Local')).toBe('Local');
    const patched = Date.now();
    expect(c.traffic.policy).toBe('Local');
    expect(c.emulator.requestLog.some((r) => r.method === 'PATCH' && r.url.includes('/services/nginx'))).toBe(true);
    await sleep(3000);
    ac.abort();
    expect(await run).toBe(0);

    // Address -> node, the way kube-proxy's rules under flannel vxlan leave them: cni0 (.1) and flannel.1 (.0).
    const nodeOf = new Map<string, string>();
    for (const n of c.topology.nodes) {
      nodeOf.set(n.bridgeIp!, n.name);
      nodeOf.set(n.tunnelIp!, n.name);
    }
    const all = rows(db);
    const before = all.filter((r) => r.time < switchedAt && isExternal(r));
    const after = all.filter((r) => r.time > patched && isExternal(r));
    expect(before.length).toBeGreaterThan(1500);
    expect(after.length).toBeGreaterThan(2500);

    // Cluster: every external request is `node`, owned by the node whose address it carries; every worker is an entry.
    const asNode = before.filter((r) => r.cls === 'node');
    expect(asNode.length / before.length).toBeGreaterThan(0.99);
    for (const r of asNode) expect(r.owner).toBe(nodeOf.get(r.remote));
    const entries = new Set(asNode.map((r) => r.owner));
    expect([...entries].sort()).toEqual(['ydzs-node1', 'ydzs-node2', 'ydzs-node3']);
    const clusterShare = c.topology.nginx.map((p) => before.filter((r) => r.pod === p.name).length / before.length);
    for (const s of clusterShare) expect(Math.abs(s - 1 / 3)).toBeLessThan(0.05);

    // Local: client addresses (and the L7 proxy, whose client is recovered from X-Forwarded-For), nothing SNAT'd.
    expect(after.filter((r) => r.cls === 'node').length).toBe(0);
    expect(after.filter((r) => r.cls === 'external').length / after.length).toBeGreaterThan(0.7);
    const proxied = after.filter((r) => r.remote === '10.151.40.10');
    expect(proxied.length).toBeGreaterThan(0);
    for (const r of proxied) {
      expect(r.cls).toBe('private');
      expect(r.client).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
    }
    const [a, b, cc] = c.topology.nginx.map((p) => after.filter((r) => r.pod === p.name).length / after.length);
    console.log(`demo shares: Cluster ${clusterShare.map((x) => x.toFixed(3)).join('/')} (${before.length} requests), Local ${[a, b, cc].map((x) => x.toFixed(3)).join('/')} (${after.length})`);
    expect(a / b).toBeGreaterThan(1.6);
    expect(a / b).toBeLessThan(2.5);
    expect(a / cc).toBeGreaterThan(1.6);
    expect(a / cc).toBeLessThan(2.5);

    // Probes and the in-cluster client are classified too: probe (from the node's cni0, owned by that node) and pod
    // (curl on ydzs-node3).
    const probes = all.filter((r) => r.ua?.startsWith('kube-probe/'));
    for (const r of probes) expect([r.cls, r.owner]).toEqual(['probe', r.pod.endsWith('7xkqp') ? 'ydzs-node1' : 'ydzs-node2']);
    const curl = all.filter((r) => r.ua === 'curl/8.7.1');
    expect(curl.length).toBeGreaterThan(3);
    for (const r of curl) expect(r.cls).toBe('pod');
    expect(existsSync(c.kubeconfig)).toBe(false); // removed at exit
  }, 30_000);

  it('--serve runs only the cluster: the printed kubeconfig works for a Kubernetes client, and --policy Local is applied through the API', async () => {
    const ac = new AbortController();
    const stdout = sink();
    let cluster: DemoCluster | null = null;
    const run = runDemo({ serve: true, policy: 'Local', cni: 'calico-ipip', ipv6: true }, {
      signal: ac.signal, stdout, stderr: sink(), onCluster: (c) => (cluster = c),
    });
    await sleep(500);
    const c = cluster! as DemoCluster;
    expect(stdout.text).toContain(`kubectl --kubeconfig ${c.kubeconfig} get pods`);
    expect(stdout.text).toContain(`snatscope watch deploy/nginx --kubeconfig ${c.kubeconfig}`);
    const client = new KubeClient(loadKube({ kubeconfig: c.kubeconfig }).kc);
    const svc = await client.getJson<{ spec: { externalTrafficPolicy: string; ports: { nodePort: number }[] } }>('/api/v1/namespaces/default/services/nginx');
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(svc.spec.ports[0].nodePort).toBe(32761);
    const node = await client.getJson<{ metadata: { annotations: Record<string, string> } }>('/api/v1/nodes/ydzs-node3');
    expect(node.metadata.annotations['projectcalico.org/IPv4IPIPTunnelAddr']).toBe('10.244.3.64');
    const pods = await client.getJson<{ items: { spec: { nodeName: string }; metadata: { labels: Record<string, string> } }[] }>(
      '/api/v1/namespaces/default/pods', { labelSelector: 'app=nginx' });
    expect(pods.items.map((p) => p.spec.nodeName).sort()).toEqual(['ydzs-node1', 'ydzs-node2', 'ydzs-node2']);
    client.close();
    ac.abort();
    expect(await run).toBe(0);
    expect(existsSync(c.dir)).toBe(false); // --serve keeps no database, so nothing is left behind
  }, 15_000);

  it.each([
    [{ policy: 'Loca' }, /--policy Loca is not an externalTrafficPolicy/],
    [{ rate: '0' }, /--rate 0 is not a request rate/],
    [{ rate: 'fast' }, /--rate fast/],
    [{ seed: '1.5' }, /--seed 1.5 is not a whole number/],
    [{ cni: 'cilium' }, /--cni cilium is not a CNI mode/],
    [{ duration: '-3' }, /--duration -3 is not a number of seconds/],
    [{ output: 'html' }, /--output html is not an output/],
  ])('rejects %o with one clear line', (flags, message) => {
    expect(() => checkDemoFlags(flags)).toThrow(UserError);
    expect(() => checkDemoFlags(flags)).toThrow(message);
  });

  it('accepts the documented defaults', () => {
    expect(checkDemoFlags({})).toEqual({ policy: 'Cluster', rate: 300, seed: 1, cni: 'flannel-vxlan', ipv6: false, durationMs: null, output: undefined, metrics: undefined, agent: false });
    expect(checkDemoFlags({ policy: 'local', duration: '5' })).toMatchObject({ policy: 'Local', durationMs: 5000 });
  });
});

describe('node bin/snatscope.js demo --duration 5 (spawned, no TTY)', () => {
  it.skipIf(!existsSync(join(ROOT, 'dist/src/cli.js')))('prints classified request lines and exits 0', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/snatscope.js'), 'demo', '--duration', '5'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const dbDir = /stored in (\S+)\/demo\.db/.exec(err)?.[1];
    if (dbDir?.includes('snatscope-demo-')) rmSync(dbDir, { recursive: true, force: true });
    expect(code, err).toBe(0);
    const lines = out.split('\n').filter((l) => /nginx-\S+ +node +10\.244\.\d\.[01] \(ydzs-node\d\)/.test(l));
    expect(lines.length).toBeGreaterThan(200);
    expect(err).toMatch(/demo\.db/);
  }, 30_000);
});
