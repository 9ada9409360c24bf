// Fidelity with REAL kubectl: the emulator must be a server kubectl is happy with (discovery, Table output,
// JSON lists, follow logs that end cleanly, selector logs with --prefix --timestamps).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../src/emulator/index.js';
import { KUBECTL, type KubectlEnv, hasKubectl, runKubectl, spawnKubectl } from './helpers/kubectl.js';
import { requirePrereq } from './helpers/prereq.js';

const run = requirePrereq('kubectl', hasKubectl(), `${KUBECTL} not found; install kubectl or set KUBECTL=/path/to/kubectl`);

describe.skipIf(!run)('real kubectl against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let env: KubectlEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snatscope-kubectl-'));
    emu = new Emulator();
    await emu.start();
    const m = emu.model;
    m.addNode({ name: 'node-a', internalIP: '10.0.0.1', podCIDRs: ['10.244.0.0/24'] });
    m.addNode({ name: 'node-b', internalIP: '10.0.0.2', podCIDRs: ['10.244.1.0/24'] });
    m.addPod({ namespace: 'default', name: 'web-1', nodeName: 'node-a', ip: '10.244.0.5', labels: { app: 'nginx' },
      containers: ['nginx'], ownerKind: 'Deployment', ownerName: 'web' });
    m.addPod({ namespace: 'default', name: 'web-2', nodeName: 'node-b', ip: '10.244.1.5', labels: { app: 'nginx' },
      containers: ['nginx'], ownerKind: 'Deployment', ownerName: 'web' });
    m.addPod({ namespace: 'default', name: 'other', nodeName: 'node-b', ip: '10.244.1.9', labels: { app: 'other' },
      containers: ['app'] });
    m.appendLog('default', 'web-1', 'nginx', '192.0.2.1 - - "GET / HTTP/1.1" 200 1 from web-1');
    m.appendLog('default', 'web-2', 'nginx', '192.0.2.2 - - "GET / HTTP/1.1" 200 1 from web-2');
    env = { kubeconfig: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') };
    emu.writeKubeconfig(env.kubeconfig, { namespace: 'default' });
  });

  afterAll(async () => {
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('`kubectl get pods` prints NAME READY STATUS RESTARTS AGE rows for the pods', async () => {
    const r = await runKubectl(env, ['get', 'pods']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['other', '1/1', 'Running', '0'], ['web-1', '1/1', 'Running', '0'], ['web-2', '1/1', 'Running', '0']]);
  });

  it('`kubectl get po -o wide -l app=nginx` adds IP and NODE and filters by label', async () => {
    const r = await runKubectl(env, ['get', 'po', '-o', 'wide', '-l', 'app=nginx']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[5] + ' ' + l.split(/\s+/)[6]))
      .toEqual(['10.244.0.5 node-a', '10.244.1.5 node-b']);
  });

  it('`kubectl get nodes -o json` is a List with the nodes', async () => {
    const r = await runKubectl(env, ['get', 'nodes', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((n: { kind: string; metadata: { name: string } }) => `${n.kind}/${n.metadata.name}`))
      .toEqual(['Node/node-a', 'Node/node-b']);
    expect(list.items[0].spec.podCIDRs).toEqual(['10.244.0.0/24']);
  });

  it('`kubectl get no` and `kubectl get svc` use the short names and print their columns', async () => {
    emu.model.addService({ namespace: 'default', name: 'web', type: 'NodePort', selector: { app: 'nginx' },
      ports: [{ port: 80, nodePort: 30080 }] });
    const nodes = await runKubectl(env, ['get', 'no']);
    expect(nodes.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(nodes.stdout).toMatch(/node-a\s+Ready\s+<none>\s+\S+\s+v1\.32\.4/);
    const svc = await runKubectl(env, ['get', 'svc']);
    expect(svc.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(svc.stdout).toMatch(/web\s+NodePort\s+10\.96\.\S+\s+<none>\s+80:30080\/TCP/);
  });

  it('`kubectl get ep` lists each Service\'s ready pod addresses with the target port, and follows pod changes', async () => {
    emu.model.addService({ namespace: 'default', name: 'eps', type: 'ClusterIP', selector: { app: 'nginx' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const r = await runKubectl(env, ['get', 'ep', 'eps']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'ENDPOINTS', 'AGE']);
    expect(lines[1]).toMatch(/^eps\s+10\.244\.0\.5:8080,10\.244\.1\.5:8080\s+\S+$/);
    emu.model.addPod({ namespace: 'default', name: 'web-3', nodeName: 'node-a', ip: '10.244.0.7', labels: { app: 'nginx' },
      containers: ['nginx'] });
    const json = JSON.parse((await runKubectl(env, ['get', 'endpoints', 'eps', '-o', 'json'])).stdout);
    expect(json.kind).toBe('Endpoints');
    expect(json.subsets[0].addresses.map((a: { ip: string; targetRef: { name: string } }) => `${a.ip} ${a.targetRef.name}`))
      .toEqual(['10.244.0.5 web-1', '10.244.1.5 web-2', '10.244.0.7 web-3']);
    emu.model.deletePod('default', 'web-3');
    const after = await runKubectl(env, ['get', 'ep', 'eps', '--no-headers']);
    expect(after.stdout).toMatch(/^eps\s+10\.244\.0\.5:8080,10\.244\.1\.5:8080\s/);
  });

  it('`kubectl get endpointslices -l kubernetes.io/service-name=eps` shows the slice with its address type, ports and endpoints', async () => {
    const r = await runKubectl(env, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=eps']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^eps-[a-z0-9]{5}\s+IPv4\s+8080\s+10\.244\.0\.5,10\.244\.1\.5\s+\S+$/);
    const list = JSON.parse((await runKubectl(env, ['get', 'endpointslices.discovery.k8s.io', '-o', 'json'])).stdout);
    const slice = list.items.find((i: { metadata: { labels: Record<string, string> } }) => i.metadata.labels['kubernetes.io/service-name'] === 'eps');
    expect(slice.apiVersion).toBe('discovery.k8s.io/v1');
    expect(slice.endpoints[0]).toMatchObject({ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'node-a' });
  });

  it('`kubectl get ds -n kube-system` lists a DaemonSet and `kubectl get pods -l` its pods, which it owns', async () => {
    emu.model.addDaemonSet({ namespace: 'kube-system', name: 'kube-proxy', selector: { 'k8s-app': 'kube-proxy' },
      image: 'registry.k8s.io/kube-proxy:v1.32.4', hostNetwork: true });
    for (const n of ['node-a', 'node-b']) {
      emu.model.addPod({ namespace: 'kube-system', name: `kube-proxy-${n}`, nodeName: n, ip: '', hostNetwork: true,
        labels: { 'k8s-app': 'kube-proxy' }, containers: ['kube-proxy'], ownerKind: 'DaemonSet', ownerName: 'kube-proxy' });
    }
    const r = await runKubectl(env, ['get', 'ds', '-n', 'kube-system']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    expect(lines[1]).toMatch(/^kube-proxy\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\S+$/);
    const pods = JSON.parse((await runKubectl(env, ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'json'])).stdout);
    const ds = JSON.parse((await runKubectl(env, ['get', 'daemonset', 'kube-proxy', '-n', 'kube-system', '-o', 'json'])).stdout);
    expect(pods.items.map((p: { metadata: { ownerReferences: { kind: string; uid: string }[] } }) => p.metadata.ownerReferences[0]))
      .toEqual([expect.objectContaining({ kind: 'DaemonSet', uid: ds.metadata.uid }), expect.objectContaining({ kind: 'DaemonSet', uid: ds.metadata.uid })]);
  });

  it('`kubectl logs -f POD` prints lines appended while it runs and exits 0 when the pod is deleted', async () => {
    emu.model.addPod({ namespace: 'default', name: 'follow-me', nodeName: 'node-a', ip: '10.244.0.8', containers: ['nginx'] });
    emu.model.appendLog('default', 'follow-me', 'nginx', 'before start');
    const k = spawnKubectl(env, ['logs', '-f', 'follow-me']);
    await k.waitFor(/before start\n/);
    emu.model.appendLog('default', 'follow-me', 'nginx', ['appended one', 'appended two']);
    await k.waitFor(/appended two\n/);
    emu.model.deletePod('default', 'follow-me');
    const r = await k.exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('before start\nappended one\nappended two\n');
  });

  it('`kubectl logs -l app=nginx --prefix --timestamps -f` prints [pod/NAME/nginx] STAMP line for every pod', async () => {
    const k = spawnKubectl(env, ['logs', '-l', 'app=nginx', '--prefix', '--timestamps', '-f']);
    try {
      await k.waitFor(/from web-1\n/);
      await k.waitFor(/from web-2\n/);
      emu.model.appendLog('default', 'web-1', 'nginx', 'live line 1');
      emu.model.appendLog('default', 'web-2', 'nginx', 'live line 2');
      await k.waitFor(/live line 1\n[\s\S]*live line 2\n|live line 2\n[\s\S]*live line 1\n/);
      const year = new Date().getUTCFullYear();
      const stamp = `${year}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z`;
      const lines = k.stdout.trim().split('\n');
      for (const l of lines) expect(l).toMatch(new RegExp(`^\\[pod/web-[12]/nginx\\] ${stamp} `));
      expect(lines.some((l) => /^\[pod\/web-1\/nginx\] \S+ live line 1$/.test(l))).toBe(true);
      expect(lines.some((l) => /^\[pod\/web-2\/nginx\] \S+ live line 2$/.test(l))).toBe(true);
      expect(lines.filter((l) => l.includes('other'))).toEqual([]);
    } finally {
      k.kill();
      await k.exited;
    }
  });
});
