// Real nginx behind real kernel NAT in network namespaces: which remote address each pod's nginx logs under
// externalTrafficPolicy Cluster (kube-proxy SNAT) and Local (client kept), read from the raw access logs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './exec.js';
import { Lab, labNamespacesOf, type Policy, type Sent } from './lab.js';
import { prereqGate } from '../helpers/prereq.js';
import { NthChain, natTable } from './rules.js';
import { BACKENDS, kubeObjects } from './topology.js';
import { UA, XFF, standardMix } from './traffic.js';

// One `main` line: $remote_addr - $remote_user [$time_local] "$request" $status $bytes "$referer" "$ua" "$xff".
// Default escaping turns '"' into \x22, so a quoted field is simply [^"]*.
const MAIN = /^(\S+) - (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)" "([^"]*)"$/;

interface Line {
  remote: string;
  request: string;
  status: number;
  ua: string;
  xff: string;
}

function parseMain(text: string): Line {
  const m = MAIN.exec(text);
  if (!m) throw new Error(`not a main-format line: ${text}`);
  return { remote: m[1], request: m[4], status: Number(m[5]), ua: m[8], xff: m[9] };
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The root namespace's routes, link names and nat rules (counters and comments dropped). */
async function rootState(): Promise<string> {
  const parts = await Promise.all([
    run('ip', ['-4', 'route', 'show', 'table', 'all']),
    run('ip', ['-6', 'route', 'show', 'table', 'all']),
    run('ip', ['-o', 'link', 'show']),
    run('iptables-save', ['-t', 'nat'], { allowFail: true }),
    run('ip6tables-save', ['-t', 'nat'], { allowFail: true }),
  ]);
  return parts
    .map((p, i) => (i === 2 ? p.stdout.replace(/^\d+: (\S+?)[:@].*$/gm, '$1') : p.stdout))
    .join('\n')
    .replace(/^#.*$/gm, '')
    .replace(/\[\d+:\d+\]/g, '');
}

// What nginx logs per pod, worked out by hand from the mix (traffic.ts) and the round robin per node and family.
const CLUSTER: Record<string, Record<string, number>> = {
  'pod-a': { '10.244.1.1': 3, 'fd00:10:244:1::1': 1, '10.151.30.12': 2, 'fd00:10:151:30::12': 1, '10.244.1.20': 1 },
  'pod-b': { '10.151.30.11': 3, 'fd00:10:151:30::11': 1, '10.244.2.1': 2, 'fd00:10:244:2::1': 1, '10.244.1.20': 1 },
  'pod-c': { '10.151.30.11': 3, 'fd00:10:151:30::11': 1, '10.244.2.1': 2, 'fd00:10:244:2::1': 1, 'fd00:10:244:1::20': 1 },
};
const LOCAL: Record<string, Record<string, number>> = {
  'pod-a': { '203.0.113.10': 6, '10.151.40.10': 3, '2001:db8:1::10': 3, '10.244.1.20': 1 },
  'pod-b': { '198.51.100.20': 2, '10.151.40.10': 1, '2001:db8:1::10': 2, '10.244.1.20': 1 },
  'pod-c': { '198.51.100.20': 1, '10.151.40.10': 2, '2001:db8:1::10': 1, 'fd00:10:244:1::20': 1 },
};

describe('lab rules model', () => {
  it('spreads a node port round robin over the endpoints with nth rules', () => {
    const chain = new NthChain(BACKENDS);
    expect(Array.from({ length: 7 }, () => chain.next()!.name)).toEqual(['pod-a', 'pod-b', 'pod-c', 'pod-a', 'pod-b', 'pod-c', 'pod-a']);
    const v6 = natTable('node2', 'Local', 6);
    expect(v6).toContain('-A KUBE-SVC-WEB -m statistic --mode nth --every 2 --packet 0 -j KUBE-SEP-POD-B');
    expect(v6).toContain('--to-destination [fd00:10:244:2::11]:80');
    expect(v6).not.toContain('-A KUBE-EXT-WEB -j KUBE-MARK-MASQ');
    expect(natTable('node1', 'Cluster', 4)).toContain('-A KUBE-EXT-WEB -j KUBE-MARK-MASQ');
  });

  it('describes the lab as Kubernetes nodes with InternalIPs and podCIDRs, and pods with their IPs', () => {
    const { nodes, pods, services } = kubeObjects('Local');
    expect(nodes[0]).toMatchObject({
      metadata: { name: 'node1' },
      spec: { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
      status: { addresses: [{ type: 'InternalIP', address: '10.151.30.11' }, { type: 'InternalIP', address: 'fd00:10:151:30::11' }, { type: 'Hostname' }] },
    });
    expect(pods.find((p) => (p as { metadata: { name: string } }).metadata.name === 'pod-c')).toMatchObject({
      spec: { nodeName: 'node2' },
      status: { podIP: '10.244.2.11', podIPs: [{ ip: '10.244.2.11' }, { ip: 'fd00:10:244:2::11' }] },
    });
    expect(services[0]).toMatchObject({ spec: { externalTrafficPolicy: 'Local', ports: [{ nodePort: 30080 }] } });
  });
});

describe('network lab: real nginx behind real kernel NAT', () => {
  const gate = prereqGate('the network lab', Lab.prereqs());
  if (gate.skip) return;

  const lab = new Lab();
  let rootBefore = '';
  const linesBefore: Record<string, number> = {};

  beforeAll(async () => {
    rootBefore = await rootState();
    await lab.up('Cluster');
  });
  afterAll(async () => {
    await lab.down();
  });

  /** Sends the standard mix under `policy` and returns each pod's new main-log lines, checked line by line. */
  async function sendMix(policy: Policy): Promise<Record<string, Line[]>> {
    if (lab.currentPolicy !== policy) await lab.switchPolicy(policy);
    const sent: Sent[] = [];
    for (const spec of standardMix(policy)) sent.push(await lab.send(spec));
    await lab.waitLogs();
    const logs = lab.readLogs();
    const out: Record<string, Line[]> = {};
    for (const p of BACKENDS) {
      out[p.name] = logs[p.name].slice(linesBefore[p.name] ?? 0).map(parseMain);
      linesBefore[p.name] = logs[p.name].length;
    }
    // Every plain request is in the log of the pod the lab predicted, with the predicted remote address.
    for (const s of sent.filter((x) => !x.spec.tls)) {
      const line = out[s.pod].find((l) => l.request === `GET ${s.spec.path} HTTP/1.1`);
      expect(line, `${s.url} from ${s.src} in ${s.pod}`).toBeDefined();
      expect(line!.remote, s.url).toBe(s.remoteAddr);
      expect(line!.status).toBe(200);
      expect(line!.xff).toBe(s.spec.xff ?? '-');
      if (s.spec.ua) expect(line!.ua).toBe('ua with \\x22quotes\\x22 and \\xC3\\xA9');
    }
    // The TLS handshakes to the plain port: a 400 with the raw ClientHello bytes as $request.
    for (const p of BACKENDS) {
      const tls = out[p.name].filter((l) => l.request.startsWith('\\x16\\x03\\x01'));
      const want = sent.filter((s) => s.spec.tls && s.pod === p.name);
      expect(tls.map((l) => `${l.remote} ${l.status}`).sort()).toEqual(want.map((s) => `${s.remoteAddr} 400`).sort());
    }
    // Counts per pod and remote address: the raw logs agree with the lab's model.
    const model = lab.expected((s) => s.policy === policy);
    for (const p of BACKENDS) {
      expect(tally(out[p.name].map((l) => l.remote)), p.name).toEqual(model[p.name].byRemote);
      expect(out[p.name].length).toBe(model[p.name].total);
    }
    return out;
  }

  it('under Cluster, logs the entry node: cni0 for a local endpoint, the InternalIP for a remote one', async () => {
    const out = await sendMix('Cluster');
    for (const p of BACKENDS) expect(tally(out[p.name].map((l) => l.remote)), p.name).toEqual(CLUSTER[p.name]);
    const model = lab.expected((s) => s.policy === 'Cluster');
    for (const p of BACKENDS) expect(model[p.name].byClass).toEqual({ node: 7, pod: 1, private: 0, external: 0 });
  });

  it('under Local, logs the client address and splits per node (pod-a takes all of node1)', async () => {
    const out = await sendMix('Local');
    for (const p of BACKENDS) expect(tally(out[p.name].map((l) => l.remote)), p.name).toEqual(LOCAL[p.name]);
    const model = lab.expected((s) => s.policy === 'Local');
    expect(model['pod-a'].byClass).toEqual({ node: 0, pod: 1, private: 3, external: 9 });
    expect(model['pod-b'].byClass).toEqual({ node: 0, pod: 1, private: 1, external: 4 });
    expect(model['pod-c'].byClass).toEqual({ node: 0, pod: 1, private: 2, external: 2 });
  });

  it('writes the escape=json log with the same addresses, raw UTF-8 and escaped quotes', () => {
    const files = lab.logFiles();
    const json = readFileSync(files['pod-b'].json!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const main = lab.readLogs()['pod-b'].map(parseMain);
    expect(json.map((j) => j.remote_addr)).toEqual(main.map((l) => l.remote));
    expect(json.find((j) => j.http_user_agent === UA)).toBeDefined();
    expect(json.filter((j) => j.http_x_forwarded_for === XFF).length).toBe(main.filter((l) => l.xff === XFF).length);
    expect(json.filter((j) => j.status === 400).length).toBe(main.filter((l) => l.status === 400).length);
    expect(files['pod-a'].json).toBeUndefined();
  });

  it('down() removes namespaces, nginx and temp files, and never touched the root namespace', async () => {
    const logDir = dirname(lab.logFiles()['pod-a'].main);
    const namespaces = await labNamespacesOf(lab.id);
    expect(namespaces.length).toBe(8);
    const pids = (await Promise.all(namespaces.map((ns) => run('ip', ['netns', 'pids', ns])))).flatMap((r) => r.stdout.split(/\s+/).filter(Boolean));
    expect(pids.length).toBe(6); // nginx master + worker in each of the three backend pods
    await lab.down();
    expect(await labNamespacesOf(lab.id)).toEqual([]);
    expect(existsSync(logDir)).toBe(false);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(await rootState()).toBe(rootBefore);
  });

  it('removes what it built when up() fails half way', async () => {
    const broken = new Lab();
    await run('ip', ['netns', 'add', broken.ns('client')]); // taken: up() cannot create it
    await expect(broken.up('Local')).rejects.toThrow(/netns add/);
    expect(await labNamespacesOf(broken.id)).toEqual([]);
  });
});
