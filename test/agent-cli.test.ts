// The real CLI (`node bin/snatscope.js agent ...`) on one node of the emulated cluster, reading the files of a
// simulated kubelet on a real folder: rotation, gzip, container restarts, pod deletions and new pods, with kill -9
// of the agent at random points (a bounded, seeded loop). Every line written is stored exactly once; the pod on the
// other node is never read; no log stream goes through the API.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/demo/rng.js';
import { BIN, ROOT } from './helpers/cli.js';
import { addWebPod, readRows, readSql, startCluster, waitFor, type Cluster } from './helpers/kube.js';
import { SimKubelet, idOf, type SimContainer } from './helpers/kubelet.js';
import { backends } from './helpers/backends.js';

const pgb = backends()[1];

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 3 }); // web-0, web-2 on node-a; web-1 on node-b
});
afterEach(async () => {
  await c.close();
});

function agent(podsDir: string, extra: string[] = [], db: string = c.db) {
  const child = spawn(
    process.execPath,
    [BIN, 'agent', '-l', 'app=web', '--node', 'node-a', '--pods-dir', podsDir, '--kubeconfig', c.kubeconfig, '--db', db, '--format', 'main', '--output', 'none', ...extra],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', HOME: c.dir, NODE_NAME: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : -1))));
  return { child, out, exited };
}

function uid(pod: string): string {
  return c.model.getPod('default', pod)!.metadata.uid as string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function storedIds(): string[] {
  try {
    return readRows(c.db).map((r) => idOf(r.target));
  } catch {
    return []; // not created yet
  }
}

describe('snatscope agent (CLI)', () => {
  it('stores every line written exactly once through rotation, restarts, deletions and kill -9', async () => {
    const podsDir = join(c.dir, 'pods');
    mkdirSync(podsDir);
    // Small files, few of them kept: rotation is frequent; maxFiles stays above what the loop can rotate between
    // two passes of the agent, so no file is removed before the agent got to it (that would be a gap, said loudly).
    const kubelet = new SimKubelet(podsDir, { maxSize: 2048, maxFiles: 8 });
    const live = new Map<string, SimContainer>();
    for (const pod of ['web-0', 'web-2']) live.set(pod, kubelet.container('default', pod, uid(pod)));
    const other = kubelet.container('default', 'web-1', uid('web-1')); // on node-b: not this agent's
    kubelet.write(other, 5);
    const otherIds = new Set(kubelet.written);
    kubelet.written.length = 0;

    const rand = mulberry32(16);
    let run = agent(podsDir);
    let kills = 0;
    let next = 2;
    for (let step = 0; step < 45; step++) {
      const pods = [...live.keys()];
      const pod = pods[Math.floor(rand() * pods.length)];
      const ct = live.get(pod)!;
      const r = rand();
      if (r < 0.5) kubelet.write(ct, 1 + Math.floor(rand() * 30), { long: rand() < 0.03 });
      else if (r < 0.65) kubelet.logs.rotateBySize();
      else if (r < 0.7) {
        c.model.restartContainer('default', pod, 'nginx');
        ct.files.restartContainer();
      } else if (r < 0.75 && live.size > 1) {
        // Deleted once the agent has seen it (a pod created and deleted while no agent ran is never known).
        if (!kubelet.written.some((id) => id.startsWith(`${pod}-nginx-`))) kubelet.write(ct, 2);
        await waitFor(() => storedIds().some((id) => id.startsWith(`${pod}-nginx-`)), 20_000, `rows of ${pod}`);
        c.model.deletePod('default', pod);
        ct.files.close();
        live.delete(pod);
      } else if (r < 0.8) {
        const name = `web-${(next += 2)}`;
        addWebPod(c.model, next, 'default', name); // even: node-a
        live.set(name, kubelet.container('default', name, uid(name)));
      } else if (r < 0.9) {
        run.child.kill('SIGKILL');
        expect(await run.exited).toBe(137);
        kills++;
        run = agent(podsDir);
      }
      await sleep(20 + Math.floor(rand() * 120));
    }
    const written = [...kubelet.written];
    await waitFor(() => storedIds().length >= written.length, 30_000, `${written.length} rows`);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    const ids = storedIds();
    expect(kills).toBeGreaterThan(1);
    // The loop did rotate (gzipped files exist) and restart containers (a 1.log somewhere).
    const files = readdirSync(podsDir, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.gz')).length).toBeGreaterThan(2);
    expect(files.some((f) => /\/1\.log/.test(f))).toBe(true);
    expect(ids.length).toBe(written.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...written].sort());
    expect(ids.filter((id) => otherIds.has(id))).toEqual([]);
    expect(c.emu.openLogStreams).toBe(0);
    expect(run.out.stderr).not.toMatch(/gap|lost/);
    expect(run.out.stderr).toMatch(/snatscope: \d+ lines, \d+ requests, 0 unparsed from the log files of node-a/);
  }, 120_000);

  it('asks the API for the pods of its node only, and opens no log stream', async () => {
    const podsDir = join(c.dir, 'pods');
    mkdirSync(podsDir);
    const kubelet = new SimKubelet(podsDir);
    const ct = kubelet.container('default', 'web-0', uid('web-0'));
    kubelet.write(ct, 3);
    const run = agent(podsDir);
    await waitFor(() => storedIds().length === 3, 20_000, 'three rows');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const urls = c.emu.requestLog.map((q) => decodeURIComponent(q.url));
    const podWatches = urls.filter((u) => /\/pods\?/.test(u) && /[?&]watch=(1|true)/.test(u));
    expect(podWatches.filter((u) => u.includes('fieldSelector=spec.nodeName=node-a')).length).toBeGreaterThan(0);
    // Every pod watch besides the topology's (all pods, for classification) is the node-scoped one.
    expect(podWatches.filter((u) => !u.includes('spec.nodeName=node-a') && u.includes('labelSelector'))).toEqual([]);
    expect(urls.filter((u) => u.includes('/log'))).toEqual([]);
    const rows = readSql<{ pod: string; node: string; class: string }>(c.db, 'SELECT pod, node, class FROM requests_v');
    expect(rows).toEqual(Array(3).fill({ pod: 'web-0', node: 'node-a', class: 'external' }));
  }, 60_000);

  it.skipIf(pgb.skip)('into PostgreSQL: every line once through rotation, a restart and kill -9', async () => {
    const db = pgb.fresh('agent');
    const podsDir = join(c.dir, 'pods');
    mkdirSync(podsDir);
    const kubelet = new SimKubelet(podsDir, { maxSize: 2048, maxFiles: 8 });
    const ct = kubelet.container('default', 'web-0', uid('web-0'));
    const pgIds = () => {
      try {
        return pgb.rows(db, 'SELECT target FROM requests_v').map(idOf);
      } catch {
        return []; // no tables yet
      }
    };
    let run = agent(podsDir, [], db);
    kubelet.write(ct, 40);
    kubelet.logs.rotateBySize();
    kubelet.write(ct, 40);
    await waitFor(() => pgIds().length > 0, 30_000, 'the first rows in PostgreSQL');
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe(137);
    kubelet.write(ct, 30);
    c.model.restartContainer('default', 'web-0', 'nginx');
    ct.files.restartContainer();
    kubelet.write(ct, 30);
    kubelet.logs.rotateBySize();
    run = agent(podsDir, [], db);
    const written = [...kubelet.written];
    await waitFor(() => pgIds().length >= written.length, 30_000, `${written.length} rows in PostgreSQL`);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    const ids = pgIds();
    expect(ids.length).toBe(written.length);
    expect([...ids].sort()).toEqual([...written].sort());
    expect(pgb.num(db, 'SELECT sum(requests) FROM rollups')).toBe(written.length);
    expect(run.out.stderr).not.toMatch(/gap|lost/);
  }, 90_000);

  it('fails with one line naming the problem when the pods folder is not there', async () => {
    const run = agent(join(c.dir, 'nope'));
    expect(await run.exited).toBe(2);
    expect(run.out.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.out.stderr).toMatch(/^snatscope: --pods-dir .*nope is not a folder \(try the kubelet's pods log folder/);
  }, 30_000);
});
