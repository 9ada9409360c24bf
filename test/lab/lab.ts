// The network lab: a two-node "cluster" in network namespaces on this machine, real nginx pods behind real
// kernel NAT (kube-proxy-like iptables/ip6tables rules), curl clients, and a model of what each request must
// look like in the pods' access logs. Used by test/lab/lab.test.ts and the CLI test/lab/run.ts.
//
//   const lab = new Lab(); await lab.up('Cluster'); await lab.send({ from: 'ext', to: { node: 'node1' } });
//   await lab.waitLogs(); lab.logFiles(); lab.expected(); await lab.down();
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inNs, prereqs as missingPrereqs } from './exec.js';
import { buildNetwork, labNamespaces, removeNamespace, ROLES, settleAll, type NsRole } from './net.js';
import { nginxFiles, startNginx, stopNginx, type NginxFiles } from './nginx.js';
import { endpointsFor, natTable, NthChain } from './rules.js';
import {
  BACKENDS,
  CLIENT,
  JSON_POD,
  NODES,
  SERVICE,
  classOf,
  fam,
  nodeByName,
  podByName,
  type ClientAddr,
  type Family,
  type LabClass,
  type Policy,
} from './topology.js';

export * from './topology.js';

export interface SendSpec {
  /** An external client address, or 'client' for the in-cluster client pod. */
  from: ClientAddr | 'client';
  /** Through a node's NodePort, or straight to a pod's IP (only from the client pod). */
  to: { node: 'node1' | 'node2' } | { pod: string };
  /** Defaults to 6 for 'ext6', else 4. */
  family?: Family;
  path?: string;
  xff?: string;
  ua?: string;
  /** Send a TLS ClientHello to the plain-HTTP port (nginx logs "\x16\x03..." 400). */
  tls?: boolean;
}

/** One request as sent, with what the pod's nginx must log for it. */
export interface Sent {
  seq: number;
  policy: Policy;
  spec: SendSpec;
  family: Family;
  src: string;
  url: string;
  /** The pod that gets the connection and the $remote_addr it logs. */
  pod: string;
  remoteAddr: string;
  cls: LabClass;
  /** curl's %{http_code} (0 for the TLS handshake) and exit code. */
  httpCode: number;
  curlExit: number;
}

export interface PodExpectation {
  total: number;
  byClass: Record<LabClass, number>;
  byRemote: Record<string, number>;
}

export interface LogFiles {
  /** `main` format (official nginx image). */
  main: string;
  /** `escape=json` log, only for JSON_POD. */
  json?: string;
}

let labSeq = 0;

export class Lab {
  readonly id: string;
  private policy: Policy | null = null;
  private chains = new Map<string, NthChain>();
  private nginx = new Map<string, ChildProcess>();
  private files = new Map<string, NginxFiles>();
  private dir: string | null = null;
  private readonly ownLogDir: boolean;
  private logDir: string | null;
  private readonly sentList: Sent[] = [];

  /** `logDir`: where access logs go (kept by down()); default a temp dir removed by down(). */
  constructor(opts: { logDir?: string } = {}) {
    this.id = `ss-${process.pid}-${++labSeq}`;
    this.logDir = opts.logDir ?? null;
    this.ownLogDir = !opts.logDir;
  }

  /** What this machine lacks to run the lab ([] when it can). */
  static prereqs(): string[] {
    return missingPrereqs();
  }

  /** Same as Lab.prereqs(). */
  prereqs(): string[] {
    return missingPrereqs();
  }

  /** Removes namespaces left by lab processes that no longer run (a killed test). */
  static async sweep(): Promise<string[]> {
    const removed: string[] = [];
    for (const { ns, pid } of await labNamespaces()) {
      if (pid === process.pid || alive(pid)) continue;
      await removeNamespace(ns);
      removed.push(ns);
    }
    return removed;
  }

  ns(role: NsRole): string {
    return `${this.id}-${role}`;
  }

  get currentPolicy(): Policy | null {
    return this.policy;
  }

  /** Builds namespaces, links, routes, NAT rules and starts nginx in every backend pod; on failure removes it all. */
  async up(policy: Policy): Promise<void> {
    if (this.dir) throw new Error('lab: already up');
    const missing = Lab.prereqs();
    if (missing.length) throw new Error(`lab: missing ${missing.join(', ')}`);
    await Lab.sweep();
    this.dir = mkdtempSync(join(tmpdir(), `${this.id}-`));
    if (!this.logDir) this.logDir = join(this.dir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
    try {
      await buildNetwork((r) => this.ns(r));
      await this.switchPolicy(policy);
      await settleAll(
        BACKENDS.map(async (p) => {
          const f = nginxFiles(join(this.dir!, p.name), this.logDir!, p.name, p.name === JSON_POD);
          this.files.set(p.name, f);
          this.nginx.set(p.name, await startNginx(this.ns(p.name as NsRole), f, p.name));
        }),
      );
    } catch (err) {
      await this.down().catch(() => undefined);
      throw err;
    }
  }

  /** Replaces both nodes' nat tables (v4 and v6) with the rules for `policy`; nth counters start afresh. */
  async switchPolicy(policy: Policy): Promise<void> {
    for (const n of NODES) {
      await inNs(this.ns(n.name), 'iptables-restore', [], { input: natTable(n.name, policy, 4) });
      await inNs(this.ns(n.name), 'ip6tables-restore', [], { input: natTable(n.name, policy, 6) });
      for (const f of [4, 6] as const) this.chains.set(`${n.name}/${f}`, new NthChain(endpointsFor(n.name, policy)));
    }
    this.policy = policy;
  }

  /** Sends one request with curl from a lab namespace; returns what nginx must log for it. */
  async send(spec: SendSpec): Promise<Sent> {
    const policy = this.policy;
    if (!policy) throw new Error('lab: not up');
    const family: Family = spec.family ?? (spec.from === 'ext6' ? 6 : 4);
    const f = fam(family);
    let src: string;
    let ns: string;
    if (spec.from === 'client') {
      src = podByName('client').ips[f];
      ns = this.ns('client');
    } else {
      src = CLIENT[spec.from];
      ns = this.ns('ext');
      if (src.includes(':') !== (family === 6)) throw new Error(`lab: ${spec.from} (${src}) cannot send IPv${family}`);
    }
    let host: string;
    let port: number;
    let pod: string;
    let remoteAddr: string;
    if ('node' in spec.to) {
      if (spec.from === 'client') throw new Error('lab: the client pod sends to pod IPs only (no hairpin in this lab)');
      const node = nodeByName(spec.to.node);
      const ep = this.chains.get(`${node.name}/${family}`)!.next();
      if (!ep) throw new Error(`lab: ${node.name} has no endpoint under ${policy}`);
      host = node.internalIPs[f];
      port = SERVICE.nodePort;
      pod = ep.name;
      remoteAddr = policy === 'Local' ? src : ep.node === node.name ? node.cni0[f] : node.internalIPs[f];
    } else {
      if (spec.from !== 'client') throw new Error('lab: external clients reach pods through a NodePort only');
      const target = podByName(spec.to.pod);
      host = target.ips[f];
      port = SERVICE.targetPort;
      pod = target.name;
      remoteAddr = src;
    }
    const url = `${spec.tls ? 'https' : 'http'}://${family === 6 ? `[${host}]` : host}:${port}${spec.path ?? '/'}`;
    const args = ['-s', '-g', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--noproxy', '*', '--interface', src];
    if (spec.tls) args.push('-k');
    if (spec.xff !== undefined) args.push('-H', `X-Forwarded-For: ${spec.xff}`);
    if (spec.ua !== undefined) args.push('-A', spec.ua);
    args.push(url);
    const r = await inNs(ns, 'curl', args, { allowFail: true });
    const httpCode = Number(r.stdout.trim()) || 0;
    const reached = spec.tls ? r.code !== 7 && r.code !== 28 : r.code === 0 && httpCode === 200;
    if (!reached) throw new Error(`lab: ${url} from ${src} failed (curl exit ${r.code}, http ${httpCode})`);
    const sent: Sent = { seq: this.sentList.length, policy, spec, family, src, url, pod, remoteAddr, cls: classOf(remoteAddr), httpCode, curlExit: r.code };
    this.sentList.push(sent);
    return sent;
  }

  /** Everything sent since up(), in order. */
  sent(): readonly Sent[] {
    return this.sentList;
  }

  /** Per backend pod: requests, classes and remote addresses its access log must hold (optionally only some). */
  expected(filter?: (s: Sent) => boolean): Record<string, PodExpectation> {
    const out: Record<string, PodExpectation> = {};
    for (const p of BACKENDS) out[p.name] = { total: 0, byClass: { node: 0, pod: 0, private: 0, external: 0 }, byRemote: {} };
    for (const s of this.sentList) {
      if (filter && !filter(s)) continue;
      const e = out[s.pod];
      e.total++;
      e.byClass[s.cls]++;
      e.byRemote[s.remoteAddr] = (e.byRemote[s.remoteAddr] ?? 0) + 1;
    }
    return out;
  }

  /** Access log paths per backend pod. */
  logFiles(): Record<string, LogFiles> {
    const out: Record<string, LogFiles> = {};
    for (const [pod, f] of this.files) out[pod] = f.jsonLog ? { main: f.accessLog, json: f.jsonLog } : { main: f.accessLog };
    return out;
  }

  /** Lines of each pod's main access log. */
  readLogs(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [pod, f] of this.files) out[pod] = readLines(f.accessLog);
    return out;
  }

  /** Waits until every pod's log holds the lines of all requests sent (nginx logs after answering). */
  async waitLogs(timeoutMs = 5000): Promise<void> {
    const want = this.expected();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const logs = this.readLogs();
      const short = BACKENDS.filter((p) => (logs[p.name]?.length ?? 0) < want[p.name].total);
      if (short.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`lab: logs short for ${short.map((p) => `${p.name} (${logs[p.name]?.length ?? 0}/${want[p.name].total})`).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops nginx, kills anything left in the lab namespaces, deletes them and the temp dir. Safe to call twice. */
  async down(): Promise<void> {
    const errors: string[] = [];
    await Promise.all([...this.nginx.values()].map((c) => stopNginx(c).catch((e: Error) => errors.push(e.message))));
    this.nginx.clear();
    for (const role of ROLES) await removeNamespace(this.ns(role)).catch((e: Error) => errors.push(e.message));
    const left = await labNamespacesOf(this.id);
    if (left.length) errors.push(`namespaces left: ${left.join(', ')}`);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    if (this.ownLogDir) this.logDir = null;
    this.dir = null;
    this.policy = null;
    if (errors.length) throw new Error(`lab: down incomplete: ${errors.join('; ')}`);
  }
}

/** Namespaces of one lab (by its id) that exist right now. */
export async function labNamespacesOf(id: string): Promise<string[]> {
  return (await labNamespaces()).filter((x) => x.ns.startsWith(`${id}-`)).map((x) => x.ns);
}

function readLines(path: string): string[] {
  try {
    const text = readFileSync(path, 'latin1');
    return text.length ? text.replace(/\n$/, '').split('\n') : [];
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
