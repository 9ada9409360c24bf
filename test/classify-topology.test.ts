import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Classifier, Topology, loadTopologyFiles } from '../src/classify/index.js';
import { UserError, formatUserError } from '../src/errors.js';

const FIX = join(import.meta.dirname, 'fixtures/topology');
const fx = (name: string): string => join(FIX, name);

describe('loading kubectl get ... -o json', () => {
  it('reads kubectl get nodes -o json and kubectl get pods -A -o json', () => {
    const t = loadTopologyFiles([fx('nodes.json'), fx('pods.json')]);
    expect([...t.nodes.keys()]).toEqual(['ydzs-master', 'ydzs-node1', 'ydzs-node2', 'ydzs-node3']);
    expect(t.pods.size).toBe(8);
    const master = t.nodes.get('ydzs-master')!;
    expect(master.podCIDRs).toEqual(['10.244.0.0/24', 'fd00:10:244::/64']);
    expect(master.annotations).toEqual({
      'flannel.alpha.coreos.com/public-ip': '172.20.0.11',
      'flannel.alpha.coreos.com/public-ip-overwrite': '172.20.0.11',
      'flannel.alpha.coreos.com/public-ipv6': 'fd00:20::11',
    });
    expect(master.ownedAddrs).toEqual([
      { addr: '10.151.30.11', via: 'InternalIP' },
      { addr: 'fd00:10:151:30::11', via: 'InternalIP' },
      { addr: '10.244.0.0', via: 'podCIDR network' },
      { addr: '10.244.0.1', via: 'podCIDR gateway' },
      { addr: 'fd00:10:244::', via: 'podCIDR network' },
      { addr: 'fd00:10:244::1', via: 'podCIDR gateway' },
      { addr: '172.20.0.11', via: 'flannel.alpha.coreos.com/public-ip' },
      { addr: 'fd00:20::11', via: 'flannel.alpha.coreos.com/public-ipv6' },
    ]);
    const node1 = t.nodes.get('ydzs-node1')!;
    expect(node1.annotations['projectcalico.org/IPv4Address']).toBe('10.151.30.22/24');
    expect(node1.ownedAddrs.map((a) => a.addr)).toContain('10.244.1.192');
    expect(t.nodes.get('ydzs-node3')!.addresses).toContainEqual({ type: 'ExternalIP', address: '198.51.100.33' });

    const web = t.pods.get('default/nginx-5d59d67564-q2m8w')!;
    expect(web).toMatchObject({
      namespace: 'default',
      name: 'nginx-5d59d67564-q2m8w',
      ips: ['10.244.2.9', 'fd00:10:244:2::9'],
      nodeName: 'ydzs-node2',
      labels: { app: 'nginx', 'pod-template-hash': '5d59d67564' },
      phase: 'Running',
      hostNetwork: false,
      ownerKind: 'ReplicaSet',
      ownerName: 'nginx-5d59d67564',
    });
    expect(web.containers).toEqual([
      { name: 'nginx', containerID: expect.stringMatching(/^containerd:\/\/[0-9a-f]{64}$/), ready: true, restartCount: 2, state: 'running', reason: null },
    ]);
    expect(t.pods.get('default/backup-28990080-xk2lp')!.containers[0]).toMatchObject({ state: 'terminated', reason: 'Completed' });
    const pending = t.pods.get('default/web-6f8b9c7d5-pq4rt')!;
    expect(pending).toMatchObject({ ips: [], nodeName: null, phase: 'Pending' });
    expect(pending.containers).toEqual([{ name: 'nginx', containerID: null, ready: false, restartCount: 0, state: 'waiting', reason: null }]);
    expect(t.pods.get('kube-system/kube-proxy-8xk2d')!.hostNetwork).toBe(true);
  });

  it('reads kubectl get nodes,pods,services -A -o json (one List of mixed kinds) into the same topology', () => {
    const all = loadTopologyFiles([fx('nodes-pods-services.json')]);
    const split = loadTopologyFiles([fx('nodes.json'), fx('pods.json')]);
    expect([...all.nodes.values()]).toEqual([...split.nodes.values()]);
    expect([...all.pods.values()]).toEqual([...split.pods.values()]);
    expect([...all.services.keys()]).toEqual(['default/kubernetes', 'default/nginx', 'ingress-nginx/ingress-nginx-controller']);
    expect(all.services.get('default/nginx')).toEqual({
      namespace: 'default',
      name: 'nginx',
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      selector: { app: 'nginx' },
      ports: [{ name: 'http', port: 80, nodePort: 31080, protocol: 'TCP', targetPort: 80 }],
      healthCheckNodePort: null,
      clusterIP: '10.104.187.26',
    });
    expect(all.services.get('ingress-nginx/ingress-nginx-controller')).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32184,
      ports: [
        { name: 'http', port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 'http' },
        { name: 'https', port: 443, nodePort: 30443, protocol: 'TCP', targetPort: 'https' },
      ],
    });
    expect(all.services.get('default/kubernetes')).toMatchObject({ type: 'ClusterIP', externalTrafficPolicy: null, selector: null });
  });

  it.each([
    ['10.151.30.11', 'node', 'ydzs-master'],
    ['fd00:10:151:30::23', 'node', 'ydzs-node2'],
    ['198.51.100.33', 'node', 'ydzs-node3'],
    ['10.244.0.0', 'node', 'ydzs-master'],
    ['10.244.3.1', 'node', 'ydzs-node3'],
    ['fd00:10:244:3::1', 'node', 'ydzs-node3'],
    ['172.20.0.11', 'node', 'ydzs-master'],
    ['fd00:20::11', 'node', 'ydzs-master'],
    ['10.244.1.192', 'node', 'ydzs-node1'],
    ['fd00:10:244:1::c0', 'node', 'ydzs-node1'],
    ['10.244.1.14', 'pod', 'default/nginx-5d59d67564-7xkqp'],
    ['fd00:10:244:3::5', 'pod', 'ingress-nginx/ingress-nginx-controller-6b5c8d8c7-m9w2x'],
    ['10.244.0.3', 'pod', 'kube-system/coredns-7c65d6cfc9-4hx9z'],
    ['10.244.2.30', 'pod', 'default/backup-28990080-xk2lp'],
    ['10.244.2.31', 'pod', 'ydzs-node2'],
    ['10.151.30.25', 'private', null],
    ['203.0.113.7', 'external', null],
  ])('fixture cluster: %s is %s (%s)', (addr, cls, owner) => {
    const k = new Classifier(loadTopologyFiles([fx('nodes-pods-services.json')]));
    expect(k.classify(addr)).toMatchObject({ cls, owner });
  });

  it('a node added later changes classification (version bump)', () => {
    const t = loadTopologyFiles([fx('nodes.json'), fx('pods.json')]);
    const k = new Classifier(t);
    expect(k.classify('10.151.30.25').cls).toBe('private');
    expect(k.classify('10.244.4.17').cls).toBe('private');
    const v = t.version;
    const av = t.addrVersion;
    loadTopologyFiles([fx('node-ydzs-node4.json')], t); // kubectl get node ydzs-node4 -o json
    expect(t.version).toBeGreaterThan(v);
    expect(t.addrVersion).toBeGreaterThan(av);
    expect(k.classify('10.151.30.25')).toEqual({ cls: 'node', owner: 'ydzs-node4', addr: '10.151.30.25' });
    expect(k.classify('10.244.4.17')).toEqual({ cls: 'pod', owner: 'ydzs-node4', addr: '10.244.4.17' });
    expect(k.classify('fd00:10:244:4::1')).toEqual({ cls: 'node', owner: 'ydzs-node4', addr: 'fd00:10:244:4::1' });
  });

  it('pod and node deletes by raw object or key', () => {
    const t = loadTopologyFiles([fx('nodes-pods-services.json')]);
    const k = new Classifier(t);
    expect(k.classify('10.244.1.14').owner).toBe('default/nginx-5d59d67564-7xkqp');
    expect(t.deletePod({ metadata: { name: 'nginx-5d59d67564-7xkqp', namespace: 'default' } })).toBe(true);
    expect(k.classify('10.244.1.14')).toMatchObject({ cls: 'pod', owner: 'ydzs-node1' });
    expect(t.deletePod('default/nope')).toBe(false);
    expect(t.deleteService('default/nginx')).toBe(true);
    expect(t.deleteNode({ metadata: { name: 'ydzs-node1' } })).toBe(true);
    expect(k.classify('10.244.1.14').cls).toBe('private');
  });

  it('snapshot is plain JSON and round-trips', () => {
    const t = loadTopologyFiles([fx('nodes-pods-services.json')]);
    t.addNodeIp('192.0.2.50', 'lb');
    t.addPodCidr('100.96.0.0/16');
    const snap = JSON.parse(JSON.stringify(t.snapshot()));
    expect(snap.nodes).toHaveLength(4);
    expect(snap.nodeIps).toEqual([{ ip: '192.0.2.50', node: 'lb' }]);
    expect(snap.podCidrs).toEqual([{ cidr: '100.96.0.0/16', node: null }]);
    const back = Topology.fromSnapshot(snap);
    const { version: _a, ...want } = t.snapshot();
    const { version: _b, ...got } = back.snapshot();
    expect(got).toEqual(want);
    expect(new Classifier(back).classify('10.244.1.14').owner).toBe('default/nginx-5d59d67564-7xkqp');
  });
});

describe('other shapes kubectl and the API produce', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snatscope-topo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('several JSON documents in one file (kubectl get node a -o json; kubectl get node b -o json)', () => {
    const nodes = JSON.parse(readFileSync(fx('nodes.json'), 'utf8')).items;
    const p = write('multi.json', nodes.map((n: unknown) => JSON.stringify(n, null, 4)).join('\n'));
    expect(loadTopologyFiles([p]).nodes.size).toBe(4);
  });

  it('an API NodeList whose items carry no kind, and watch events', () => {
    const p = write(
      'api.json',
      JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'a' }, status: { addresses: [{ type: 'InternalIP', address: '10.151.30.60' }] } }] }) +
        '\n' +
        JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, status: { podIP: '10.244.9.9' } } }),
    );
    const t = loadTopologyFiles([p]);
    expect(t.nodes.get('a')!.ownedAddrs).toEqual([{ addr: '10.151.30.60', via: 'InternalIP' }]);
    expect(t.pods.get('x/p')!.ips).toEqual(['10.244.9.9']);
  });

  it('an empty list (no pods in the namespace) is fine', () => {
    const p = write('empty-list.json', '{"apiVersion":"v1","items":[],"kind":"List","metadata":{"resourceVersion":""}}\n');
    expect(loadTopologyFiles([p]).pods.size).toBe(0);
  });

  const bad: [what: string, name: string, text: string | null, message: RegExp][] = [
    ['missing file', 'missing.json', null, /^topology file .*missing\.json: cannot read \(no such file\)$/],
    ['not JSON', 'bad.json', '{"items": [', /^topology file .*bad\.json: not JSON \(.+\)$/],
    ['empty', 'empty.json', '  \n', /^topology file .*empty\.json: empty$/],
    ['YAML', 'nodes.yaml', 'apiVersion: v1\nitems:\n- kind: Node\n', /^topology file .*nodes\.yaml: looks like YAML; only JSON is read$/],
    ['no nodes, pods or services', 'deploy.json', '{"kind":"Deployment","metadata":{"name":"web"}}', /^topology file .*deploy\.json: no Node, Pod or Service objects \(found Deployment\)$/],
    ['a JSON number', 'num.json', '42', /no Node, Pod or Service objects \(found number\)$/],
    ['a node without a name', 'noname.json', '{"kind":"List","items":[{"kind":"Node","metadata":{}}]}', /^topology file .*noname\.json items\[0\]: Node object without metadata\.name$/],
    ['second document broken', 'two.json', '{"kind":"Node","metadata":{"name":"a"}}\n{"kind":"Node",}', /^topology file .*two\.json: document 2 is not JSON \(.+\)$/],
  ];
  it.each(bad)('%s is a UserError naming the file', (_what, name, text, message) => {
    const p = text === null ? join(dir, name) : write(name, text);
    let err: unknown;
    try {
      loadTopologyFiles([p]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(message);
    expect((err as UserError).hint).toMatch(/-o json/);
    expect(formatUserError(err as UserError)).not.toContain('\n');
  });
});
