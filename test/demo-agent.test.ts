// `snatscope demo --agent`: the DaemonSet path on the demo cluster. The emulated kubelet of ydzs-node2 writes its
// pods' logs as CRI files and rotates them by size, the agent of that node reads them: requests of ydzs-node2's pods
// only, classified as watch classifies them, rotations followed, and no log stream through the API.
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDemoFlags, runDemo } from '../src/demo/run.js';
import type { DemoCluster } from '../src/demo/session.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir('snatscope-demo-agent-');
afterAll(() => tmp.cleanup());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = () => {
  const out = { text: '', write: (s: string) => ((out.text += s), true), isTTY: false };
  return out;
};

describe('snatscope demo --agent', () => {
  it('reads the rotated CRI files of ydzs-node2 through the agent and opens no log stream', async () => {
    const db = join(tmp.dir, 'agent.db');
    const ac = new AbortController();
    let cluster: DemoCluster | null = null;
    const stderr = sink();
    let files: string[] = [];
    let streams = -1;
    const run = runDemo({ agent: true, output: 'none', rate: 3000, seed: 3, db }, {
      signal: ac.signal, stdout: sink(), stderr, onCluster: (c) => (cluster = c),
    });
    await sleep(7000);
    const c = cluster! as DemoCluster;
    files = readdirSync(join(c.dir, 'pods'), { recursive: true }).map(String);
    streams = c.emulator.openLogStreams;
    ac.abort();
    expect(await run).toBe(0);
    expect(stderr.text).toMatch(/the kubelet of ydzs-node2 writes its pods' logs under \S+pods \(rotated at 256 KiB\)/);
    expect(stderr.text).toMatch(/snatscope: \d+ lines, \d+ requests, 0 unparsed from the log files of ydzs-node2/);
    expect(streams).toBe(0);
    // Two nginx pods on ydzs-node2, each with its live 0.log and at least one rotated file.
    expect(files.filter((f) => /_nginx-[^/]+\/nginx\/0\.log$/.test(f))).toHaveLength(2);
    expect(files.filter((f) => /\/nginx\/0\.log\.\d{8}-\d{6}(\.gz)?$/.test(f)).length).toBeGreaterThan(0);

    const conn = new Database(db, { readonly: true });
    try {
      const byNode = conn.prepare('SELECT node, count(DISTINCT pod) AS pods, count(*) AS n FROM requests_v GROUP BY node').all() as { node: string; pods: number; n: number }[];
      expect(byNode.map((r) => [r.node, r.pods])).toEqual([['ydzs-node2', 2]]);
      expect(byNode[0].n).toBeGreaterThan(1000);
      const classes = conn.prepare('SELECT class, count(*) AS n FROM requests_v GROUP BY class').all() as { class: string; n: number }[];
      // externalTrafficPolicy Cluster: external requests arrive SNAT-ed.
      expect(classes.find((r) => r.class === 'node')!.n).toBeGreaterThan(byNode[0].n * 0.8);
      const keys = conn.prepare('SELECT key FROM sources').pluck().all() as string[];
      expect(keys.every((k) => /^cri:default\/nginx-[^/]+\/[^/]+\/nginx\/0$/.test(k))).toBe(true);
    } finally {
      conn.close();
    }
  }, 60_000);

  it('refuses --agent with --serve before anything starts', () => {
    expect(() => checkDemoFlags({ agent: true, serve: true })).toThrow(UserError);
    expect(() => checkDemoFlags({ metrics: 'nope' })).toThrow(/--metrics nope is not a \[HOST:\]PORT/);
  });
});
