// Shared by the kube/watch tests: an emulated cluster on loopback (two nodes with podCIDRs and a flannel annotation,
// nginx pods), nginx access lines with a unique target per request, and a reader for what the store holds.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, type ClusterModel } from '../../src/emulator/index.js';

export interface Cluster {
  emu: Emulator;
  model: ClusterModel;
  dir: string;
  kubeconfig: string;
  db: string;
  close(): Promise<void>;
}

export async function startCluster(opts: { pods?: number; namespace?: string } = {}): Promise<Cluster> {
  const emu = new Emulator();
  await emu.start();
  emu.bookmarkIntervalMs = 500;
  const dir = mkdtempSync(join(tmpdir(), 'snatscope-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, { namespace: opts.namespace ?? 'default' });
  const model = emu.model;
  model.addNode({ name: 'node-a', internalIP: '10.0.0.11', podCIDRs: ['10.244.1.0/24'] });
  model.addNode({
    name: 'node-b',
    internalIP: '10.0.0.12',
    podCIDRs: ['10.244.2.0/24'],
    annotations: { 'flannel.alpha.coreos.com/public-ip': '192.168.50.12' },
  });
  for (let i = 0; i < (opts.pods ?? 0); i++) addWebPod(model, i);
  return {
    emu,
    model,
    dir,
    kubeconfig,
    db: join(dir, 'snatscope.db'),
    close: async () => {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function addWebPod(model: ClusterModel, i: number, namespace = 'default', name = `web-${i}`): void {
  const node = i % 2 === 0 ? 'node-a' : 'node-b';
  model.addPod({
    namespace,
    name,
    nodeName: node,
    ip: `10.244.${i % 2 === 0 ? 1 : 2}.${10 + i}`,
    labels: { app: 'web' },
    containers: ['nginx'],
  });
}

/** An nginx `main` line whose target (/r/<tag>) names it. */
export function accessLine(tag: string | number, remote = '203.0.113.7'): string {
  return `${remote} - - [27/Nov/2026:02:10:00 +0000] "GET /r/${tag} HTTP/1.1" 200 612 "-" "curl/8.5.0" "-"`;
}

export interface StoredRow {
  pod: string;
  container: string;
  node: string | null;
  class: string;
  remote_addr: string;
  owner: string | null;
  target: string;
  source: string;
}

export function readRows(db: string): StoredRow[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT pod, container, node, class, remote_addr, owner, target, source FROM requests_v ORDER BY id').all() as StoredRow[];
  } finally {
    d.close();
  }
}

export function readSql<T>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}

/** Targets stored more than once, and expected targets missing. */
export function exactlyOnce(rows: { target: string }[], expected: string[]): { dup: string[]; missing: string[] } {
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.target, (count.get(r.target) ?? 0) + 1);
  return {
    dup: [...count].filter(([, n]) => n > 1).map(([t]) => t),
    missing: expected.filter((t) => !count.has(t)),
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
