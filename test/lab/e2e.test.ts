// snatscope end to end against reality: real nginx pods behind real kernel NAT (the network lab), served as a
// Kubernetes cluster by the API emulator. `snatscope watch` (live, through a kubeconfig) and `snatscope ingest`
// (the same access-log files, offline, with --topology) must both count, per pod, exactly the classes the lab's
// traffic implies, name the SNAT node, recover trusted X-Forwarded-For, and show the Cluster -> Local switch.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report as dbReport } from '../../db/index.js';
import { CliProcess, ensureBuilt, snatscope, type CliResult } from './cli.js';
import { LabCluster, writeTopologyFile } from './cluster.js';
import { run, which } from './exec.js';
import { Lab, type Policy, type Sent } from './lab.js';
import { prereqGate } from '../helpers/prereq.js';
import { BACKENDS, CLIENT, JSON_POD, NAMESPACE, NODES, PODS, classOf, kubeObjects } from './topology.js';
import { XFF, standardMix } from './traffic.js';

const TRUST = `${CLIENT.lb}/32`;

interface Classes {
  node: number;
  pod: number;
  private: number;
  external: number;
  unknown: number;
}
interface PodReport {
  namespace: string;
  pod: string;
  nodeName: string | null;
  requests: number;
  classes: Classes;
  snatRatio: number;
  recovered: number;
}
interface Report {
  totals: { requests: number; classes: Classes; snatRatio: number; recovered: number };
  pods: PodReport[];
  unparsed: number;
}
/** One `--output json` row (the RequestRow fields). */
interface Row {
  time: number;
  namespace: string;
  pod: string;
  container: string;
  nodeName: string | null;
  remoteAddr: string;
  cls: string;
  owner: string | null;
  client: string | null;
  clientCls: string | null;
  method: string | null;
  target: string | null;
  status: number;
  xff: string | null;
}

/** The owner snatscope must name: the node owning a node address, "ns/pod" for a pod IP, else null. */
function ownerOf(addr: string): string | null {
  const node = NODES.find((n) => n.internalIPs.includes(addr) || n.cni0.includes(addr));
  if (node) return node.name;
  const pod = PODS.find((p) => p.ips.includes(addr));
  return pod ? `${pod.namespace}/${pod.name}` : null;
}

/** nginx realip with set_real_ip_from = the LB: only requests the LB itself handed to the pod get a client. */
const recovers = (s: Sent): boolean => s.spec.xff !== undefined && s.remoteAddr === CLIENT.lb;

/** What `snatscope report -o json` must say per pod for the requests `filter` picks (from lab.expected()). */
function expectedPods(lab: Lab, filter: (s: Sent) => boolean): Record<string, Omit<PodReport, 'namespace' | 'pod' | 'nodeName'>> {
  const model = lab.expected(filter);
  const out: Record<string, Omit<PodReport, 'namespace' | 'pod' | 'nodeName'>> = {};
  for (const p of BACKENDS) {
    const e = model[p.name];
    const recovered = lab.sent().filter((s) => filter(s) && s.pod === p.name && recovers(s)).length;
    out[p.name] = { requests: e.total, classes: { ...e.byClass, unknown: 0 }, snatRatio: e.total ? e.byClass.node / e.total : 0, recovered };
  }
  return out;
}

/** The report's pods keyed by name, without namespace/nodeName (compared separately). */
function podsOf(r: Report): Record<string, Omit<PodReport, 'namespace' | 'pod' | 'nodeName'>> {
  const out: Record<string, Omit<PodReport, 'namespace' | 'pod' | 'nodeName'>> = {};
  for (const p of r.pods) {
    expect(p.namespace).toBe(NAMESPACE);
    out[p.pod] = { requests: p.requests, classes: p.classes, snatRatio: p.snatRatio, recovered: p.recovered };
  }
  return out;
}

/** `snatscope report -o json` (the real CLI) for a window. */
async function reportCli(db: string, window: { from?: number; until?: number }): Promise<Report> {
  const args = ['report', '--db', db, '-o', 'json'];
  if (window.from !== undefined) args.push('--from', new Date(window.from).toISOString());
  if (window.until !== undefined) args.push('--until', new Date(window.until).toISOString());
  const r = await snatscope(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

/** The same report read in process through db/ (saves a CLI start where the CLI report is already covered). */
function reportDb(db: string, window: { from?: number; until?: number }): Report {
  const conn = new Database(db, { readonly: true });
  try {
    return dbReport(conn, window) as Report;
  } finally {
    conn.close();
  }
}

/** Per pod: "remote class owner client" -> count, from the store (requests_v resolves the strings table). */
function storedTally(db: string): Record<string, Record<string, number>> {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn
      .prepare('SELECT pod, remote_addr AS r, class AS c, owner AS o, client AS k, count(*) AS n FROM requests_v GROUP BY pod, r, c, o, k')
      .all() as { pod: string; r: string; c: string; o: string | null; k: string | null; n: number }[];
    const out: Record<string, Record<string, number>> = {};
    for (const x of rows) (out[x.pod] ??= {})[`${x.r} ${x.c} ${x.o ?? '-'} ${x.k ?? '-'}`] = x.n;
    return out;
  } finally {
    conn.close();
  }
}

/** The same tally from what the lab sent. */
function sentTally(sent: readonly Sent[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of sent) {
    const k = `${s.remoteAddr} ${s.cls} ${ownerOf(s.remoteAddr) ?? '-'} ${recovers(s) ? XFF : '-'}`;
    const t = (out[s.pod] ??= {});
    t[k] = (t[k] ?? 0) + 1;
  }
  return out;
}

function kubectlMissing(): string[] {
  return which('kubectl') ? [] : ['kubectl (https://kubernetes.io/docs/tasks/tools/)'];
}

describe('end to end: snatscope watch and ingest count the lab exactly', () => {
  const gate = prereqGate('the lab end to end', [...Lab.prereqs(), ...kubectlMissing()]);
  if (gate.skip) return;

  const lab = new Lab();
  let dir = '';
  let cluster: LabCluster | null = null;
  let watch: CliProcess | null = null;
  const watchDb = (): string => join(dir, 'watch.db');
  /** Boundary between the Cluster and the Local phase (a whole second: nginx logs $time_local in seconds). */
  let switchAt = 0;
  const phases: Record<Policy, Sent[]> = { Cluster: [], Local: [] };
  const inPhase = (p: Policy) => (s: Sent) => s.policy === p;
  let offline: { noFollow: Promise<CliResult>; ingest: Promise<CliResult>; ingestJson: Promise<CliResult> } | null = null;
  const runs = () => {
    if (!offline) throw new Error('the offline runs never started: the traffic phases above failed');
    return offline;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snatscope-e2e-'));
    if ((await ensureBuilt()) === 'built') console.info('e2e: dist/ was older than the sources; rebuilt it');
    await lab.up('Cluster');
    cluster = await LabCluster.start(lab, 'Cluster', dir);
  }, 100_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    if (watch?.running) await watch.stop('SIGKILL').catch((e) => errors.push(e));
    if (offline) await Promise.all(Object.values(offline));
    await cluster?.close().catch((e) => errors.push(e));
    await lab.down().catch((e) => errors.push(e));
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  });

  /** Sends the standard mix under `policy` and waits until nginx logged it and the API serves it. */
  async function sendMix(policy: Policy): Promise<void> {
    for (const spec of standardMix(policy)) phases[policy].push(await lab.send(spec));
    await lab.waitLogs();
    await cluster!.waitServed();
  }

  it('serves the lab as a cluster: kubectl sees the lab nodes and pods with their addresses', async () => {
    const r = await run('kubectl', ['--kubeconfig', cluster!.kubeconfig, 'get', 'nodes,pods', '-A', '-o', 'json'], { timeoutMs: 20_000 });
    const items = (JSON.parse(r.stdout) as { items: { kind: string; metadata: { name: string }; spec: { podCIDRs?: string[]; nodeName?: string }; status: { addresses?: { type: string; address: string }[]; podIPs?: { ip: string }[] } }[] }).items;
    const want = kubeObjects('Cluster');
    const view = (list: typeof items) =>
      list.map((o) =>
        o.kind === 'Node'
          ? `${o.metadata.name} ${o.spec.podCIDRs!.join(',')} ${o.status.addresses!.filter((a) => a.type === 'InternalIP').map((a) => a.address).join(',')}`
          : `${o.metadata.name} ${o.spec.nodeName} ${o.status.podIPs!.map((p) => p.ip).join(',')}`,
      );
    expect(view(items).sort()).toEqual(view([...want.nodes, ...want.pods] as typeof items).sort());
  });

  it('watch follows the pods live: under Cluster every request is a node request naming the entry node', async () => {
    watch = new CliProcess([
      'watch', '-n', NAMESPACE, '-l', 'app=web', '--kubeconfig', cluster!.kubeconfig, '--db', watchDb(),
      '--output', 'json', '--trust', TRUST,
    ]);
    await sendMix('Cluster');
    const want = phases.Cluster.length;
    await watch.waitLines(want, 15_000);
    const rows = watch.lines.slice(0, want).map((l) => JSON.parse(l) as Row);
    checkRows(rows, phases.Cluster);
    // Only the client pod's direct requests are not SNAT'd; they name the client pod.
    expect(rows.filter((r) => r.cls !== 'node').map((r) => `${r.target} ${r.cls} ${r.owner}`).sort()).toEqual(
      ['a', 'b', 'c6'].map((x) => `/cluster/pod-direct/${x} pod ${NAMESPACE}/client`),
    );
  });

  it('watch keeps following across the switch to Local: clients, the LB and the recovered client arrive', async () => {
    // Let the second end so no Cluster line and no Local line share a $time_local second.
    switchAt = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await new Promise((r) => setTimeout(r, switchAt - Date.now() + 20));
    await lab.switchPolicy('Local');
    cluster!.setPolicy('Local');
    await sendMix('Local');
    startOfflineRuns();
    const total = lab.sent().length;
    await watch!.waitLines(total, 15_000);
    const rows = watch!.lines.slice(phases.Cluster.length, total).map((l) => JSON.parse(l) as Row);
    checkRows(rows, phases.Local);
    expect(rows.filter((r) => r.cls === 'node')).toEqual([]);
    expect(rows.filter((r) => r.client === XFF).map((r) => `${r.pod} ${r.remoteAddr} ${r.clientCls}`)).toEqual(Array(3).fill(`pod-a ${CLIENT.lb} external`));
  });

  it('watch stops on SIGINT with exit 0, and its database reports exactly the lab counts per phase', async () => {
    const res = await watch!.stop('SIGINT');
    expect(res.code, res.stderr).toBe(0);
    expect(watch!.lines.length).toBe(lab.sent().length); // nothing twice
    expect(res.stderr).toMatch(new RegExp(`${lab.sent().length} requests, 0 unparsed`));
    await expectDbMatchesLab(watchDb(), { live: true, cli: true });
  });

  it('watch --no-follow reads the logs the pods hold and exits with the same counts', async () => {
    const r = await runs().noFollow;
    expect(r.code, r.stderr).toBe(0);
    await expectDbMatchesLab(join(dir, 'nofollow.db'), { live: true, cli: false });
  });

  it("ingest of the same files (each pod's main log, and pod-b's escape=json log) with --topology counts the same", async () => {
    const [main, json] = await Promise.all([runs().ingest, runs().ingestJson]);
    expect(main.code, main.stderr).toBe(0);
    for (const p of BACKENDS) expect(main.stderr).toContain(`${p.name}.log: format main`);
    const total = lab.sent().length;
    expect(main.stdout).toContain(`ingested: ${total} lines, ${total} requests, 0 unparsed`);
    await expectDbMatchesLab(join(dir, 'ingest.db'), { live: false, cli: false });

    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toContain('format json');
    const jsonDb = join(dir, 'json.db');
    expect(podsOf(reportDb(jsonDb, { until: switchAt }))).toEqual({ [JSON_POD]: expectedPods(lab, inPhase('Cluster'))[JSON_POD] });
    expect(podsOf(reportDb(jsonDb, { from: switchAt }))).toEqual({ [JSON_POD]: expectedPods(lab, inPhase('Local'))[JSON_POD] });
    expect(storedTally(jsonDb)).toEqual({ [JSON_POD]: sentTally(lab.sent())[JSON_POD] });
  });

  /**
   * Starts, once every request is logged, the runs that read the finished logs (in parallel with the live watch, to
   * keep the lab short): watch --no-follow, ingest of the main logs, ingest of the JSON log.
   */
  function startOfflineRuns(): void {
    const topo = writeTopologyFile(join(dir, 'topology.json'), 'Local');
    const files = lab.logFiles();
    // The main logs saved as POD.log (like `kubectl logs POD > POD.log`): ingest takes the pod from the file name.
    mkdirSync(join(dir, 'saved'));
    const saved = BACKENDS.map((p) => join(dir, 'saved', `${p.name}.log`));
    BACKENDS.forEach((p, i) => symlinkSync(files[p.name].main, saved[i]));
    const common = ['--namespace', NAMESPACE, '--topology', topo, '--trust', TRUST];
    offline = {
      noFollow: snatscope(['watch', '-n', NAMESPACE, '-l', 'app=web', '--kubeconfig', cluster!.kubeconfig, '--db', join(dir, 'nofollow.db'),
        '--output', 'none', '--no-follow', '--trust', TRUST]),
      ingest: snatscope(['ingest', ...saved, ...common, '--db', join(dir, 'ingest.db')]),
      ingestJson: snatscope(['ingest', files[JSON_POD].json!, '--pod', JSON_POD, '--format', 'json', ...common, '--db', join(dir, 'json.db')]),
    };
  }

  /** Each row is the request the lab sent: same pod, remote address, class, owner and recovered client. */
  function checkRows(rows: Row[], sent: Sent[]): void {
    const byPath = new Map(sent.filter((s) => !s.spec.tls).map((s) => [s.spec.path!, s]));
    for (const row of rows) {
      expect(row.namespace).toBe(NAMESPACE);
      expect(row.container).toBe('nginx');
      expect(row.nodeName).toBe(PODS.find((p) => p.name === row.pod)!.node);
      expect(row.cls, row.remoteAddr).toBe(classOf(row.remoteAddr));
      expect(row.owner, row.remoteAddr).toBe(ownerOf(row.remoteAddr));
      if (row.method === null) continue; // a TLS handshake: checked below
      const s = byPath.get(row.target!);
      expect(s, row.target!).toBeDefined();
      byPath.delete(row.target!);
      expect(`${row.pod} ${row.remoteAddr} ${row.status}`).toBe(`${s!.pod} ${s!.remoteAddr} 200`);
      expect(row.client).toBe(recovers(s!) ? XFF : null);
    }
    expect([...byPath.keys()]).toEqual([]);
    const tls = (list: string[]) => list.sort();
    expect(tls(rows.filter((r) => r.method === null).map((r) => `${r.pod} ${r.remoteAddr} ${r.status}`))).toEqual(
      tls(sent.filter((s) => s.spec.tls).map((s) => `${s.pod} ${s.remoteAddr} 400`)),
    );
  }

  /**
   * Reports per phase (until / from the switch) equal the lab's, per pod; so do the stored owners and clients.
   * `cli`: through `snatscope report -o json`, else through db/ (plus the whole-run report from rollups).
   */
  async function expectDbMatchesLab(db: string, opts: { live: boolean; cli: boolean }): Promise<void> {
    const [cluster, local] = opts.cli
      ? await Promise.all([reportCli(db, { until: switchAt }), reportCli(db, { from: switchAt })])
      : [reportDb(db, { until: switchAt }), reportDb(db, { from: switchAt })];
    expect(podsOf(cluster)).toEqual(expectedPods(lab, inPhase('Cluster')));
    expect(podsOf(local)).toEqual(expectedPods(lab, inPhase('Local')));
    expect(cluster.unparsed).toBe(0);
    // The switch shows in the ratios: kube-proxy SNAT under Cluster, none under Local.
    for (const p of BACKENDS) {
      expect(podsOf(cluster)[p.name].snatRatio, p.name).toBeGreaterThan(0.8);
      expect(podsOf(local)[p.name].snatRatio, p.name).toBe(0);
    }
    if (!opts.cli) expect(podsOf(reportDb(db, {}))).toEqual(expectedPods(lab, () => true));
    if (opts.live) for (const p of [...cluster.pods, ...local.pods]) expect(p.nodeName, p.pod).toBe(PODS.find((x) => x.name === p.pod)!.node);
    expect(storedTally(db)).toEqual(sentTally(lab.sent()));
  }
});
