// The Kubernetes API emulator over plain HTTP on loopback: discovery, list/watch with resourceVersion replay
// and 410, selectors, Table answers, pod logs (follow, timestamps, tailLines, sinceTime second semantics,
// limitBytes, previous), stream ends on delete/restart, Status errors, and the fault injection hooks.

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterModel, Emulator } from '../src/emulator/index.js';

interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** 'end' for a clean end (terminating chunk), 'reset' when the connection died mid-stream. */
  done: Promise<'end' | 'reset'>;
  waitFor(pred: (text: string) => boolean, ms?: number): Promise<void>;
  events(): { type: string; object: any }[];
  close(): void;
}

/** Opens a streaming GET; resolves when the response headers arrive (the server must flush them at once). */
function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      const waiters: (() => void)[] = [];
      const s: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: '',
        done: new Promise((r) => res.on('close', () => r(res.complete ? 'end' : 'reset'))),
        waitFor(pred, ms = 5000) {
          if (pred(s.text)) return Promise.resolve();
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`stream never matched; got:\n${s.text}`)), ms);
            waiters.push(() => {
              if (!pred(s.text)) return;
              clearTimeout(timer);
              ok();
            });
          });
        },
        events: () => s.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        s.text += chunk;
        for (const w of [...waiters]) w();
      });
      res.on('error', () => {});
      resolve(s);
    });
    req.on('error', (e) => reject(e));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('emulator', () => {
  let emu: Emulator;
  let url: string;
  let model: ClusterModel;
  const streams: Stream[] = [];
  const open = async (path: string, headers?: Record<string, string>) => {
    const s = await openStream(url + path, headers);
    streams.push(s);
    return s;
  };
  const json = async (path: string, init?: RequestInit) => {
    const r = await fetch(url + path, init);
    return { status: r.status, type: r.headers.get('content-type'), headers: r.headers, body: await r.json() };
  };

  beforeEach(async () => {
    model = new ClusterModel({ historySize: 50 });
    emu = new Emulator(model);
    url = await emu.start();
    model.addNode({ name: 'node-a', internalIP: '10.0.0.1', podCIDRs: ['10.244.0.0/24'] });
    model.addNode({ name: 'node-b', internalIP: '10.0.0.2', internalIPv6: '2001:db8::2', podCIDRs: ['10.244.1.0/24'] });
    model.addPod({ namespace: 'default', name: 'web-1', nodeName: 'node-a', ip: '10.244.0.5', labels: { app: 'nginx' },
      containers: ['nginx'] });
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await emu.close();
    model.close();
  });

  describe('discovery', () => {
    it('answers /version, /api, /api/v1, /apis and /apis/apps/v1 with JSON and a Content-Type', async () => {
      const version = await json('/version');
      expect(version.body.gitVersion).toBe('v1.32.4');
      const api = await json('/api');
      expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
      const v1 = await json('/api/v1');
      const byName = new Map(v1.body.resources.map((r: { name: string }) => [r.name, r]));
      expect(byName.get('pods')).toMatchObject({ kind: 'Pod', namespaced: true, shortNames: ['po'] });
      expect(byName.get('pods')).toHaveProperty('verbs', expect.arrayContaining(['get', 'list', 'watch', 'patch']));
      expect(byName.get('nodes')).toMatchObject({ namespaced: false, shortNames: ['no'] });
      expect(byName.get('services')).toMatchObject({ shortNames: ['svc'] });
      expect(byName.get('namespaces')).toMatchObject({ shortNames: ['ns'] });
      expect(byName.get('pods/log')).toMatchObject({ verbs: ['get'] });
      const apis = await json('/apis');
      expect(apis.body.groups.map((g: { name: string }) => g.name)).toEqual(['apps', 'batch', 'discovery.k8s.io']);
      const apps = await json('/apis/apps/v1');
      expect(apps.body.resources.map((r: { name: string }) => r.name))
        .toEqual(['deployments', 'replicasets', 'statefulsets', 'daemonsets']);
      for (const r of [version, api, v1, apis, apps]) expect(r.type).toBe('application/json');
      expect(emu.requests.get('/version')).toBe(1);
    });

    it('answers an unknown path with a 404 Status', async () => {
      const r = await json('/api/v1/widgets');
      expect(r.status).toBe(404);
      expect(r.type).toBe('application/json');
      expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    });
  });

  describe('list and get', () => {
    beforeEach(() => {
      model.addPod({ namespace: 'default', name: 'p-a', nodeName: 'node-a', ip: '10.244.0.10', labels: { app: 'shop', tier: 'web' }, containers: ['nginx'] });
      model.addPod({ namespace: 'default', name: 'p-b', nodeName: 'node-b', ip: '10.244.1.10', labels: { app: 'shop' }, containers: ['nginx'] });
      model.addPod({ namespace: 'other', name: 'p-c', nodeName: 'node-b', ip: '10.244.1.11', labels: { app: 'api', tier: 'db' }, containers: ['nginx'] });
    });

    it.each([
      ['app=shop', ['p-a', 'p-b']],
      ['app==api', ['p-c']],
      ['app!=shop', ['p-c', 'web-1']],
      ['tier', ['p-a', 'p-c']],
      ['!tier', ['p-b', 'web-1']],
      ['app in (api,shop),tier notin (db)', ['p-a', 'p-b']],
      ['app in (api, shop), tier', ['p-a', 'p-c']],
    ])('filters all-namespace pods by labelSelector %s', async (sel, names) => {
      const r = await json(`/api/v1/pods?labelSelector=${encodeURIComponent(sel)}`);
      expect(r.body.kind).toBe('PodList');
      expect(r.body.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(names);
    });

    it.each([
      ['spec.nodeName=node-b', ['p-b', 'p-c']],
      ['metadata.name=p-a', ['p-a']],
      ['spec.nodeName!=node-b,metadata.namespace=default', ['p-a', 'web-1']],
    ])('filters pods by fieldSelector %s', async (sel, names) => {
      const r = await json(`/api/v1/pods?fieldSelector=${encodeURIComponent(sel)}`);
      expect(r.body.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(names);
    });

    it('rejects an unsupported field selector with a 400 Status', async () => {
      const r = await json('/api/v1/pods?fieldSelector=spec.bogus%3Dx');
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ kind: 'Status', message: 'field label not supported: spec.bogus', code: 400 });
    });

    it('lists a namespace, carries the resourceVersion, and pages with limit/continue', async () => {
      const r = await json('/api/v1/namespaces/default/pods?limit=2');
      expect(r.body.metadata.resourceVersion).toBe(model.resourceVersion);
      expect(r.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['p-a', 'p-b']);
      expect(r.body.items[0].kind).toBeUndefined();
      const next = await json(`/api/v1/namespaces/default/pods?limit=2&continue=${r.body.metadata.continue}`);
      expect(next.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['web-1']);
      expect(next.body.metadata.continue).toBeUndefined();
    });

    it('gets one pod as a real Pod object with status, owner and container IDs', async () => {
      model.addPod({ namespace: 'default', name: 'web-7f-x', nodeName: 'node-b', ip: '10.244.1.20', labels: { app: 'web' },
        containers: ['nginx'], ownerKind: 'Deployment', ownerName: 'web' });
      const r = await json('/api/v1/namespaces/default/pods/web-7f-x');
      expect(r.body).toMatchObject({ apiVersion: 'v1', kind: 'Pod', spec: { nodeName: 'node-b' },
        status: { phase: 'Running', podIP: '10.244.1.20', hostIP: '10.0.0.2', hostIPs: [{ ip: '10.0.0.2' }, { ip: '2001:db8::2' }] } });
      expect(r.body.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
      expect(r.body.metadata.ownerReferences[0].name).toMatch(/^web-[a-z0-9]{10}$/);
      expect(r.body.status.containerStatuses[0]).toMatchObject({ name: 'nginx', ready: true, restartCount: 0 });
      expect(r.body.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      const rs = await json(`/apis/apps/v1/namespaces/default/replicasets/${r.body.metadata.ownerReferences[0].name}`);
      expect(rs.body.kind).toBe('ReplicaSet');
      expect((await json('/api/v1/namespaces/default/pods/nope')).body)
        .toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "nope" not found' });
    });

    it('serves the Deployments you add so a deploy/NAME target can read its selector', async () => {
      model.addDeployment({ namespace: 'default', name: 'web', selector: { app: 'shop' }, replicas: 2 });
      const r = await json('/apis/apps/v1/namespaces/default/deployments/web');
      expect(r.body).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1', spec: { replicas: 2, selector: { matchLabels: { app: 'shop' } } } });
    });

    it('answers Accept: as=Table with the pod columns kubectl prints', async () => {
      const r = await json('/api/v1/namespaces/default/pods', { headers: {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json' } });
      expect(r.body.kind).toBe('Table');
      expect(r.body.columnDefinitions.filter((c: { priority: number }) => c.priority === 0).map((c: { name: string }) => c.name))
        .toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
      expect(r.body.rows[0].cells.slice(0, 4)).toEqual(['p-a', '1/1', 'Running', '0']);
      expect(r.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'p-a' } });
    });
  });

  describe('watch', () => {
    it('replays events after a resourceVersion, then streams live ones', async () => {
      const rv0 = (await json('/api/v1/pods')).body.metadata.resourceVersion;
      model.addPod({ namespace: 'default', name: 'web-2', nodeName: 'node-b', ip: '10.244.1.5', labels: { app: 'nginx' }, containers: ['nginx'] });
      model.restartContainer('default', 'web-2', 'nginx');
      const w = await open(`/api/v1/pods?watch=true&resourceVersion=${rv0}`);
      expect(w.headers['content-type']).toBe('application/json');
      await w.waitFor((t) => t.split('\n').length > 2);
      model.deletePod('default', 'web-1');
      await w.waitFor((t) => t.split('\n').length > 3);
      const evs = w.events();
      expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED web-2', 'MODIFIED web-2', 'DELETED web-1']);
      expect(evs[1].object.status.containerStatuses[0].restartCount).toBe(1);
      const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
      expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    });

    it('starts a watch without resourceVersion with ADDED for every existing object', async () => {
      const w = await open('/api/v1/nodes?watch=1');
      await w.waitFor((t) => t.split('\n').length > 2);
      expect(w.events().map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED node-a', 'ADDED node-b']);
    });

    it('expireWatches() sends the 410 Expired ERROR event and closes; the old resourceVersion then gets 410', async () => {
      const rv0 = (await json('/api/v1/pods')).body.metadata.resourceVersion;
      const w = await open(`/api/v1/pods?watch=true&resourceVersion=${rv0}`);
      emu.expireWatches();
      expect(await w.done).toBe('end');
      expect(w.events()).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
      const again = await open(`/api/v1/pods?watch=true&resourceVersion=${rv0}`);
      expect(again.status).toBe(200);
      expect(await again.done).toBe('end');
      expect(again.events()[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
      expect(again.events()[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      const fresh = await open(`/api/v1/pods?watch=true&resourceVersion=${model.resourceVersion}`);
      model.deletePod('default', 'web-1');
      await fresh.waitFor((t) => t.includes('DELETED'));
    });

    it('a resourceVersion older than the kept history gets 410', async () => {
      const small = new ClusterModel({ historySize: 3 });
      const e2 = new Emulator(small);
      const u2 = await e2.start();
      try {
        const rv0 = small.resourceVersion;
        for (let i = 0; i < 5; i++) small.addNode({ name: `n${i}`, internalIP: `10.0.1.${i}`, podCIDRs: [] });
        const w = await openStream(`${u2}/api/v1/nodes?watch=true&resourceVersion=${rv0}`);
        expect(await w.done).toBe('end');
        expect(w.events()[0].object.code).toBe(410);
      } finally {
        await e2.close();
      }
    });

    it('turns label changes into DELETED/ADDED for a selector watch', async () => {
      const rv = model.resourceVersion;
      const w = await open(`/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dnginx&resourceVersion=${rv}`);
      model.patch('pods', 'default', 'web-1', { metadata: { labels: { app: 'other' } } });
      model.patch('pods', 'default', 'web-1', { metadata: { labels: { app: 'nginx' } } });
      await w.waitFor((t) => t.split('\n').length > 2);
      expect(w.events().map((e) => e.type)).toEqual(['DELETED', 'ADDED']);
    });

    it('sends bookmarks when allowed and ends cleanly at timeoutSeconds', async () => {
      emu.bookmarkIntervalMs = 50;
      const w = await open(`/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${model.resourceVersion}`);
      await w.waitFor((t) => t.includes('BOOKMARK'));
      expect(w.events()[0]).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: model.resourceVersion } } });
      expect(await w.done).toBe('end');
    });

    it('PATCH of a service (merge-patch and strategic-merge-patch) and patchService() emit MODIFIED', async () => {
      model.addService({ namespace: 'default', name: 'web', type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] });
      const w = await open(`/api/v1/namespaces/default/services?watch=true&resourceVersion=${model.resourceVersion}`);
      for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
        const policy = type.startsWith('application/merge') ? 'Local' : 'Cluster';
        const r = await json('/api/v1/namespaces/default/services/web', { method: 'PATCH', headers: { 'content-type': type },
          body: JSON.stringify({ spec: { externalTrafficPolicy: policy } }) });
        expect(r.status).toBe(200);
        expect(r.body.spec).toMatchObject({ externalTrafficPolicy: policy, type: 'LoadBalancer', selector: { app: 'nginx' } });
      }
      model.patchService('default', 'web', { metadata: { annotations: { note: 'x' } } });
      await w.waitFor((t) => t.split('\n').length > 3);
      const evs = w.events();
      expect(evs.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED']);
      expect(evs.map((e) => e.object.spec.externalTrafficPolicy)).toEqual(['Local', 'Cluster', 'Cluster']);
      expect(evs[2].object.metadata.annotations).toEqual({ note: 'x' });
      expect(model.getService('default', 'web')?.spec.externalTrafficPolicy).toBe('Cluster');
      const bad = await json('/api/v1/namespaces/default/services/web', { method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' }, body: '[]' });
      expect(bad.status).toBe(415);
    });
  });

  describe('pod logs', () => {
    const logPath = '/api/v1/namespaces/default/pods/web-1/log';
    const base = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const seed = () => {
      model.appendLog('default', 'web-1', 'nginx', 'a', base + 100);
      model.appendLog('default', 'web-1', 'nginx', 'b', base + 1100);
      model.appendLog('default', 'web-1', 'nginx', 'c', base + 1900);
      model.appendLog('default', 'web-1', 'nginx', 'd', base + 2500);
    };
    const text = async (path: string) => {
      const r = await fetch(url + path);
      return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
    };

    it.each([
      ['', 'a\nb\nc\nd\n'],
      ['?tailLines=2', 'c\nd\n'],
      ['?tailLines=0', ''],
      ['?limitBytes=3', 'a\nb'],
      [`?sinceTime=${new Date(base + 1700).toISOString()}`, 'b\nc\nd\n'],
      [`?sinceTime=${new Date(base + 1000).toISOString().replace('.000', '')}`, 'b\nc\nd\n'],
      [`?sinceTime=${new Date(base + 2000).toISOString().replace('.000', '')}`, 'd\n'],
      ['?tailLines=3&sinceTime=' + new Date(base + 2999).toISOString(), 'd\n'],
    ])('serves the log with %s', async (query, want) => {
      seed();
      const r = await text(logPath + query);
      expect(r.status).toBe(200);
      expect(r.type).toBe('text/plain');
      expect(r.body).toBe(want);
    });

    it('stamps lines with RFC3339Nano (9 fractional digits, Z) and keeps lines of one millisecond ordered', async () => {
      seed();
      model.appendLog('default', 'web-1', 'nginx', ['e', 'f'], base + 3000);
      const r = await text(`${logPath}?timestamps=true&sinceTime=${new Date(base + 2000).toISOString()}`);
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      expect(r.body).toBe(`${iso(base + 2500)}.500000000Z d\n${iso(base + 3000)}.000000000Z e\n${iso(base + 3000)}.000000001Z f\n`);
    });

    it('follows: headers at once, appended lines as they come, clean end when the pod is deleted', async () => {
      const s = await open(`${logPath}?follow=true`);
      expect(s.status).toBe(200);
      expect(s.headers['transfer-encoding']).toBe('chunked');
      model.appendLog('default', 'web-1', 'nginx', 'one\ntwo\n');
      await s.waitFor((t) => t === 'one\ntwo\n');
      model.appendLog('default', 'web-1', 'nginx', ['three']);
      await s.waitFor((t) => t.endsWith('three\n'));
      expect(emu.openLogStreams).toBe(1);
      model.deletePod('default', 'web-1');
      expect(await s.done).toBe('end');
      expect(emu.openLogStreams).toBe(0);
    });

    it('restartContainer ends the follow stream cleanly; the old log becomes previous, the new one starts empty', async () => {
      model.appendLog('default', 'web-1', 'nginx', 'old life');
      const before = model.getPod('default', 'web-1')!.status.containerStatuses[0].containerID;
      const s = await open(`${logPath}?follow=true`);
      await s.waitFor((t) => t === 'old life\n');
      model.restartContainer('default', 'web-1', 'nginx');
      expect(await s.done).toBe('end');
      const st = model.getPod('default', 'web-1')!.status.containerStatuses[0];
      expect(st.restartCount).toBe(1);
      expect(st.containerID).not.toBe(before);
      expect(st.lastState.terminated.containerID).toBe(before);
      expect((await text(`${logPath}?previous=true`)).body).toBe('old life\n');
      expect((await text(logPath)).body).toBe('');
    });

    it('answers log errors with the apiserver Status messages', async () => {
      model.addPod({ namespace: 'default', name: 'slow', nodeName: 'node-a', ip: '10.244.0.9',
        containers: [{ name: 'nginx', waiting: 'ContainerCreating' }] });
      model.addPod({ namespace: 'default', name: 'two', nodeName: 'node-a', ip: '10.244.0.11', containers: ['a', 'b'] });
      const cases: [string, number, string][] = [
        ['/api/v1/namespaces/default/pods/slow/log', 400, 'container "nginx" in pod "slow" is waiting to start: ContainerCreating'],
        ['/api/v1/namespaces/default/pods/two/log', 400, 'a container name must be specified for pod two, choose one of: [a b]'],
        ['/api/v1/namespaces/default/pods/two/log?container=c', 400, 'container c is not valid for pod two'],
        ['/api/v1/namespaces/default/pods/nope/log', 404, 'pods "nope" not found'],
        [`${logPath}?previous=true`, 400, 'previous terminated container "nginx" in pod "web-1" not found'],
      ];
      for (const [path, code, message] of cases) {
        const r = await json(path);
        expect(r.type).toBe('application/json');
        expect({ status: r.status, body: r.body }).toEqual({ status: code, body: expect.objectContaining({
          kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message }) });
      }
      model.setContainerWaiting('default', 'slow', 'nginx', null);
      model.appendLog('default', 'slow', 'nginx', 'started now');
      expect((await text('/api/v1/namespaces/default/pods/slow/log')).body).toBe('started now\n');
    });

    it('cutLogStreams() resets the connection mid-stream', async () => {
      const s = await open(`${logPath}?follow=true`);
      model.appendLog('default', 'web-1', 'nginx', 'x');
      await s.waitFor((t) => t === 'x\n');
      expect(emu.cutLogStreams({ pod: 'web-1' })).toBe(1);
      expect(await s.done).toBe('reset');
    });

    it('endLogStreams() ends cleanly while the container keeps running', async () => {
      const s = await open(`${logPath}?follow=true`);
      expect(emu.endLogStreams({ namespace: 'other' })).toBe(0);
      expect(emu.endLogStreams()).toBe(1);
      expect(await s.done).toBe('end');
      model.appendLog('default', 'web-1', 'nginx', 'still here');
      expect((await text(logPath)).body).toBe('still here\n');
    });

    it('stallLogStreams() holds the lines back with the connection open, then catches up', async () => {
      const s = await open(`${logPath}?follow=true`);
      expect(emu.stallLogStreams(1500)).toBe(1);
      const t0 = Date.now();
      model.appendLog('default', 'web-1', 'nginx', 'held');
      await sleep(300);
      expect(s.text).toBe('');
      await s.waitFor((t) => t === 'held\n', 5000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
      expect(emu.openLogStreams).toBe(1);
    });

    it('attachLogFile() serves a real file: existing lines, then lines appended later', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'snatscope-emu-'));
      try {
        const file = join(dir, 'access.log');
        writeFileSync(file, 'first\nsecond\n');
        const tail = model.attachLogFile('default', 'web-1', 'nginx', file, { pollMs: 20 });
        const s = await open(`${logPath}?follow=true`);
        await s.waitFor((t) => t === 'first\nsecond\n');
        appendFileSync(file, 'third\npart');
        await s.waitFor((t) => t.endsWith('third\n'));
        appendFileSync(file, 'ial\n');
        await s.waitFor((t) => t.endsWith('third\npartial\n'));
        tail.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('faults and auth', () => {
    it('failNext() answers the next matching requests with a Status and Retry-After, then recovers', async () => {
      emu.failNext(2, 429, { path: /^\/api\/v1\/pods/, retryAfter: 1, message: 'slow down' });
      expect((await json('/version')).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const r = await json('/api/v1/pods');
        expect(r.status).toBe(429);
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, message: 'slow down' });
      }
      expect((await json('/api/v1/pods')).status).toBe(200);
      expect(emu.requestCount('/api/v1/pods')).toBe(3);
    });

    it('requireToken() answers 401 without the bearer token', async () => {
      emu.requireToken('s3cret');
      expect((await json('/api/v1/pods')).body).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
      expect((await json('/api/v1/pods', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    });
  });
});
