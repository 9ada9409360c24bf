import { Address4, Address6 } from 'ip-address';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cidr, Classifier, Topology, canonicalIp, describeClass, formatParsed, parseAddrPort } from '../src/classify/index.js';
import { UserError } from '../src/errors.js';
import { CLASSES, type AddressClass } from '../src/types.js';

function kubeNode(name: string, addresses: [string, string][], podCIDRs: string[] | string, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations: { 'node.alpha.kubernetes.io/ttl': '0', ...annotations } },
    spec: Array.isArray(podCIDRs) ? { podCIDR: podCIDRs[0], podCIDRs } : { podCIDR: podCIDRs },
    status: { addresses: addresses.map(([type, address]) => ({ type, address })) },
  };
}

function kubePod(ns: string, name: string, nodeName: string, ips: string[], extra: { hostNetwork?: boolean; phase?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { nodeName, hostNetwork: extra.hostNetwork, containers: [{ name: 'nginx' }] },
    status: { phase: extra.phase ?? 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
  };
}

function buildTopology(): Topology {
  const t = new Topology();
  t.upsertNode(
    kubeNode(
      'n-flannel',
      [
        ['InternalIP', '10.151.30.11'],
        ['InternalIP', 'fd00:10:151:30::11'],
        ['ExternalIP', '198.51.100.11'],
        ['Hostname', 'n-flannel'],
      ],
      ['10.244.0.0/24', 'fd00:10:244::/64'],
      {
        'flannel.alpha.coreos.com/backend-type': 'vxlan',
        'flannel.alpha.coreos.com/public-ip': '172.20.0.1',
        'flannel.alpha.coreos.com/public-ipv6': 'fd00:20::1',
        'flannel.alpha.coreos.com/node-public-ip': '172.20.0.2',
        'flannel.alpha.coreos.com/node-public-ipv6': 'fd00:20::2',
        'flannel.alpha.coreos.com/public-ip-overwrite': '172.20.0.3',
        'flannel.alpha.coreos.com/public-ipv6-overwrite': 'fd00:20::3',
      },
    ),
  );
  t.upsertNode(
    kubeNode(
      'n-calico',
      [
        ['InternalIP', '10.151.30.22'],
        ['Hostname', '10.151.30.122'], // some clouds put the address in Hostname
      ],
      '10.244.1.0/24', // legacy single spec.podCIDR
      {
        'projectcalico.org/IPv4Address': '172.20.1.22/26',
        'projectcalico.org/IPv6Address': 'fd00:20:1::22/64',
        'projectcalico.org/IPv4IPIPTunnelAddr': '192.168.77.1',
        'projectcalico.org/IPv4VXLANTunnelAddr': '10.244.1.192',
        'projectcalico.org/IPv6VXLANTunnelAddr': 'fd00:77::c0',
        'projectcalico.org/IPv4WireguardInterfaceAddr': '192.168.78.1',
        'projectcalico.org/IPv6WireguardInterfaceAddr': 'fd00:78::1',
        'projectcalico.org/ASNumber': '64512',
      },
    ),
  );
  t.upsertNode(
    kubeNode('n-cilium', [['InternalIP', '10.151.30.33']], ['10.244.2.0/24', 'fd00:10:244:2::/64'], {
      'network.cilium.io/ipv4-cilium-host': '10.0.2.15',
      'network.cilium.io/ipv6-cilium-host': 'fd00:c1::15',
      'network.cilium.io/ipv4-health-ip': '10.0.2.77',
      'io.cilium.network.ipv4-cilium-host': '10.0.3.15',
    }),
  );
  t.upsertPod(kubePod('default', 'web-1', 'n-calico', ['10.244.1.14', 'fd00:10:244:1::e']));
  t.upsertPod(kubePod('default', 'job-old', 'n-cilium', ['10.244.2.30'], { phase: 'Succeeded' }));
  t.upsertPod(kubePod('default', 'web-2', 'n-cilium', ['10.244.2.30']));
  t.upsertPod(kubePod('kube-system', 'kube-proxy-a', 'n-flannel', ['10.151.30.11'], { hostNetwork: true }));
  t.upsertPod(kubePod('kube-system', 'agent-b', 'n-cilium', ['10.151.30.99'], { hostNetwork: true }));
  t.addNodeIp('192.0.2.50', 'lb-node');
  t.addNodeIp('192.0.2.51');
  t.addNodeIp('2001:db8::51');
  t.addPodCidr('100.96.0.0/16', 'n-extra');
  t.addPodCidr('fd00:99::/64');
  return t;
}

type Row = [what: string, input: string, cls: AddressClass, owner: string | null, addr?: string];

const rows: Row[] = [
  // rule 1: node
  ['node InternalIP v4', '10.151.30.11', 'node', 'n-flannel'],
  ['node InternalIP v6', 'fd00:10:151:30::11', 'node', 'n-flannel'],
  ['node ExternalIP (public range) is still the node', '198.51.100.11', 'node', 'n-flannel'],
  ['Hostname entry that is an IP', '10.151.30.122', 'node', 'n-calico'],
  ['podCIDR network address (flannel.1) v4', '10.244.0.0', 'node', 'n-flannel'],
  ['podCIDR first host (cni0) v4', '10.244.0.1', 'node', 'n-flannel'],
  ['podCIDR network address v6', 'fd00:10:244::', 'node', 'n-flannel'],
  ['podCIDR first host v6', 'fd00:10:244::1', 'node', 'n-flannel'],
  ['legacy spec.podCIDR network', '10.244.1.0', 'node', 'n-calico'],
  ['legacy spec.podCIDR gateway', '10.244.1.1', 'node', 'n-calico'],
  ['flannel public-ip', '172.20.0.1', 'node', 'n-flannel'],
  ['flannel public-ipv6', 'fd00:20::1', 'node', 'n-flannel'],
  ['flannel node-public-ip', '172.20.0.2', 'node', 'n-flannel'],
  ['flannel node-public-ipv6', 'fd00:20::2', 'node', 'n-flannel'],
  ['flannel public-ip-overwrite', '172.20.0.3', 'node', 'n-flannel'],
  ['flannel public-ipv6-overwrite', 'fd00:20::3', 'node', 'n-flannel'],
  ['calico IPv4Address with /26 stripped', '172.20.1.22', 'node', 'n-calico'],
  ['calico IPv4Address: other hosts of its /26 are not the node', '172.20.1.23', 'private', null],
  ['calico IPv6Address with /64 stripped', 'fd00:20:1::22', 'node', 'n-calico'],
  ['calico IPIP tunnel', '192.168.77.1', 'node', 'n-calico'],
  ['calico VXLAN tunnel inside the podCIDR wins over pod', '10.244.1.192', 'node', 'n-calico'],
  ['calico VXLAN tunnel v6', 'fd00:77::c0', 'node', 'n-calico'],
  ['calico wireguard v4', '192.168.78.1', 'node', 'n-calico'],
  ['calico wireguard v6', 'fd00:78::1', 'node', 'n-calico'],
  ['cilium host v4', '10.0.2.15', 'node', 'n-cilium'],
  ['cilium host v6', 'fd00:c1::15', 'node', 'n-cilium'],
  ['cilium health ip', '10.0.2.77', 'node', 'n-cilium'],
  ['cilium legacy io.cilium.network annotation', '10.0.3.15', 'node', 'n-cilium'],
  ['hostNetwork pod IP equal to a node IP is the node', '10.151.30.11', 'node', 'n-flannel'],
  ['hostNetwork pod IP unknown to the node object is its node', '10.151.30.99', 'node', 'n-cilium'],
  ['--node-ip with a node name', '192.0.2.50', 'node', 'lb-node'],
  ['--node-ip without a name owns itself', '192.0.2.51', 'node', '192.0.2.51'],
  ['--node-ip v6 without a name', '2001:DB8:0:0::51', 'node', '2001:db8::51', '2001:db8::51'],
  ['named --pod-cidr network is the node', '100.96.0.0', 'node', 'n-extra'],
  ['named --pod-cidr gateway is the node', '100.96.0.1', 'node', 'n-extra'],
  // rule 2: pod
  ['known pod IP v4', '10.244.1.14', 'pod', 'default/web-1'],
  ['known pod IP v6', 'fd00:10:244:1::e', 'pod', 'default/web-1'],
  ['a running pod wins over a finished one with the same IP', '10.244.2.30', 'pod', 'default/web-2'],
  ['other address in a podCIDR v4', '10.244.0.77', 'pod', 'n-flannel'],
  ['other address in a podCIDR v6', 'fd00:10:244:2::abcd', 'pod', 'n-cilium'],
  ['last address of a podCIDR', '10.244.2.255', 'pod', 'n-cilium'],
  ['named --pod-cidr', '100.96.3.4', 'pod', 'n-extra'],
  ['unnamed --pod-cidr v6 has no owner', 'fd00:99::5', 'pod', null],
  // rule 3: private
  ['10/8', '10.1.2.3', 'private', null],
  ['10/8 outside every podCIDR', '10.244.9.9', 'private', null],
  ['172.16/12 low', '172.16.0.1', 'private', null],
  ['172.16/12 high', '172.31.255.255', 'private', null],
  ['just outside 172.16/12', '172.32.0.1', 'external', null],
  ['192.168/16', '192.168.1.10', 'private', null],
  ['100.64/10 (CGNAT)', '100.127.255.254', 'private', null],
  ['just outside 100.64/10', '100.128.0.1', 'external', null],
  ['127/8', '127.0.0.1', 'private', null],
  ['169.254/16', '169.254.169.254', 'private', null],
  ['::1', '::1', 'private', null],
  ['fc00::/7 (fd)', 'fd12:3456::1', 'private', null],
  ['fc00::/7 (fc)', 'fc00::1', 'private', null],
  ['fe80::/10', 'fe80::1ff:fe23:4567:890a', 'private', null],
  ['--internal-cidr v4', '198.18.5.5', 'private', null],
  ['--internal-cidr v6', '2001:db8:ffff::9', 'private', null],
  // rule 4: external
  ['TEST-NET-1', '192.0.2.7', 'external', null],
  ['TEST-NET-2', '198.51.100.7', 'external', null],
  ['TEST-NET-3', '203.0.113.7', 'external', null],
  ['2001:db8::/32', '2001:db8::7', 'external', null],
  ['0.0.0.0', '0.0.0.0', 'external', null],
  ['broadcast', '255.255.255.255', 'external', null],
  // canonical forms
  ['IPv4-mapped IPv6 is the IPv4 address', '::ffff:203.0.113.7', 'external', null, '203.0.113.7'],
  ['IPv4-mapped IPv6 of a node', '::ffff:10.151.30.11', 'node', 'n-flannel', '10.151.30.11'],
  ['IPv4-mapped IPv6 in hex', '::ffff:cb00:7107', 'external', null, '203.0.113.7'],
  ['uppercase IPv6', '2001:DB8::A', 'external', null, '2001:db8::a'],
  ['uncompressed IPv6 of a pod', 'FD00:0010:0244:0001:0000:0000:0000:000E', 'pod', 'default/web-1', 'fd00:10:244:1::e'],
  ['zero run compressed', '2001:db8:0:0:1:0:0:1', 'external', null, '2001:db8::1:0:0:1'],
  ['single zero group not compressed', '2001:db8:0:1:1:1:1:1', 'external', null, '2001:db8:0:1:1:1:1:1'],
  ['IPv4 leading zeros read as decimal (like nginx)', '010.001.002.003', 'private', null, '10.1.2.3'],
  // unknown
  ['dash', '-', 'unknown', null, '-'],
  ['unix socket', 'unix:', 'unknown', null, 'unix:'],
  ['empty', '', 'unknown', null, ''],
  ['garbage', 'hello', 'unknown', null, 'hello'],
  ['octet too big', '256.1.1.1', 'unknown', null, '256.1.1.1'],
  ['three octets', '10.1.1', 'unknown', null, '10.1.1'],
  ['trailing dot', '10.1.1.1.', 'unknown', null, '10.1.1.1.'],
  ['address with port', '203.0.113.7:443', 'unknown', null, '203.0.113.7:443'],
  ['two ::', '2001::db8::1', 'unknown', null, '2001::db8::1'],
  ['nine groups', '1:2:3:4:5:6:7:8:9', 'unknown', null, '1:2:3:4:5:6:7:8:9'],
  ['five hex digits', '2001:db8::12345', 'unknown', null, '2001:db8::12345'],
  ['zone id', 'fe80::1%eth0', 'unknown', null, 'fe80::1%eth0'],
  ['spaces around', ' 10.0.0.1', 'unknown', null, ' 10.0.0.1'],
  ['escaped bytes', '\\x16\\x03\\x01', 'unknown', null, '\\x16\\x03\\x01'],
];

describe('classify: first matching rule wins', () => {
  const classifier = new Classifier(buildTopology(), { internalCidrs: ['198.18.0.0/15', '2001:db8:ffff::/48'] });
  it.each(rows)('%s: %s -> %s %s', (_what, input, cls, owner, addr) => {
    const c = classifier.classify(input);
    expect(c).toEqual({ cls, owner, addr: addr ?? input });
    expect(classifier.classify(input)).toBe(c); // cached
  });
});

describe('classify: cache and versions', () => {
  it('returns frozen results and drops the cache when the topology changes addresses', () => {
    const t = new Topology();
    const k = new Classifier(t);
    const before = k.classify('10.151.30.50');
    expect(before.cls).toBe('private');
    expect(Object.isFrozen(before)).toBe(true);
    t.upsertNode(kubeNode('late', [['InternalIP', '10.151.30.50']], ['10.244.7.0/24']));
    expect(k.classify('10.151.30.50')).toEqual({ cls: 'node', owner: 'late', addr: '10.151.30.50' });
    expect(k.classify('10.244.7.9')).toEqual({ cls: 'pod', owner: 'late', addr: '10.244.7.9' });
    t.deleteNode('late');
    expect(k.classify('10.151.30.50').cls).toBe('private');
  });

  it('keeps the cache across status-only updates (version bumps, addrVersion does not)', () => {
    const t = new Topology();
    const node = kubeNode('n', [['InternalIP', '10.151.30.50']], ['10.244.7.0/24']);
    t.upsertNode(node);
    const k = new Classifier(t);
    k.classify('10.151.30.50');
    const v = t.version;
    const av = t.addrVersion;
    t.upsertNode({ ...node, metadata: { ...node.metadata, resourceVersion: '2' } });
    expect(t.version).toBe(v + 1);
    expect(t.addrVersion).toBe(av);
    expect(k.cacheSize).toBe(1);
  });

  it('clears the cache at the limit instead of growing without bound', () => {
    const k = new Classifier(new Topology(), { cacheLimit: 100 });
    for (let i = 0; i < 1000; i++) k.classify(`garbage-${i}`);
    expect(k.cacheSize).toBeLessThanOrEqual(100);
    const long = 'x'.repeat(5000);
    expect(k.classify(long)).toEqual({ cls: 'unknown', owner: null, addr: long });
    expect(k.classify('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255').cls).toBe('external'); // 45 chars, the longest IP text
  });

  it('never throws on hostile input', () => {
    const k = new Classifier(buildTopology());
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.ipV6().map((a) => a.toUpperCase() + '%x')), (s) => {
        const c = k.classify(s);
        expect(CLASSES).toContain(c.cls);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bad flags are user errors', () => {
  it.each([
    ['--internal-cidr', () => new Classifier(new Topology(), { internalCidrs: ['10.0.0.0/33'] })],
    ['--trust', () => new Classifier(new Topology(), { trust: ['proxy.local'] })],
    ['--node-ip', () => new Topology().addNodeIp('node-a')],
    ['--pod-cidr', () => new Topology().addPodCidr('10.244.0.0/xx')],
  ])('%s', (flag, fn) => {
    expect(fn).toThrow(UserError);
    expect(fn).toThrow(flag);
  });
});

describe('ip helpers', () => {
  it('canonical IPv6 matches ip-address correctForm', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const a = new Address6(s);
        const mine = canonicalIp(s);
        if (a.is4() || /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(a.correctForm())) return; // mapped: we unwrap
        expect(mine).toBe(a.correctForm());
      }),
      { numRuns: 3000 },
    );
  });

  it('IPv4 parsing matches ip-address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        expect(canonicalIp(s)).toBe(new Address4(s).correctForm());
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['10.244.1.0/24', '10.244.1.255', true],
    ['10.244.1.0/24', '10.244.2.0', false],
    ['10.244.1.7/24', '10.244.1.200', true], // host bits cleared
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::/0', '2001:db8::1', true],
    ['fd00:10:244:1::/64', 'fd00:10:244:1:ffff:ffff:ffff:ffff', true],
    ['fd00:10:244:1::/64', 'fd00:10:244:2::', false],
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['203.0.113.7', '203.0.113.7', true],
    ['203.0.113.7', '203.0.113.8', false],
  ])('Cidr %s contains %s: %s', (cidr, addr, want) => {
    expect(Cidr.parse(cidr)!.contains(addr)).toBe(want);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0/8', 'fd00::/129', '/8', 'x', '10.0.0.0/8/9'])('rejects CIDR %s', (text) => {
    expect(Cidr.parse(text)).toBeNull();
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7:8080', '203.0.113.7'],
    ['[2001:db8::7]:443', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    ['203.0.113.7:0', null],
    ['203.0.113.7:65536', null],
    ['[2001:db8::7]', null],
    ['unknown', null],
  ])('parseAddrPort %s', (text, want) => {
    const kind = parseAddrPort(text);
    expect(kind === 0 ? null : formatParsed(kind)).toBe(want);
  });

  it('describes every class in one line', () => {
    for (const c of CLASSES) expect(describeClass(c)).toMatch(/^[^\n]{10,100}$/);
  });
});
