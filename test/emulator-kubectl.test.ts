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
