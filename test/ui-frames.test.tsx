// The TUI's frames at the widths people run it at (60, 80, 120, 200 columns): every line fits, pod names keep the
// suffix that tells them apart, one label per figure, the nodes view selects, and p says what the switch will do
// and shows the load split after it. Frames are read as a terminal would see them (Ink outside CI mode).
const savedCI = vi.hoisted(() => {
  const saved = process.env.CI;
  process.env.CI = 'false';
  return saved;
});
import { render, cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveStats } from '../src/live/stats.js';
import type { AddressClass, RequestRow } from '../src/types.js';
import { App, type AppProps } from '../ui/App.js';
import { whatToDo } from '../ui/advice.js';
import { fitName, glyphs, textWidth } from '../ui/text.js';
import { lines, plain, press, tick } from './helpers/ink.js';
import { requestRow } from './helpers/rows.js';

if (savedCI === undefined) delete process.env.CI;
else process.env.CI = savedCI;

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const WIDTHS = [60, 80, 120, 200];

function row(namespace: string, pod: string, node: string, remoteAddr: string, cls: AddressClass, over: Partial<RequestRow> = {}): RequestRow {
  return requestRow({ time: T0, namespace, pod, nodeName: node, remoteAddr, cls, owner: cls === 'node' ? node : null, ...over });
}

const FLANNEL = ['kube-flannel-ds-7x8kq', 'kube-flannel-ds-b2m4p', 'kube-flannel-ds-q9wzl', 'kube-flannel-ds-tt5rn'];
const NGINX = ['nginx-vx5s2mprjh-7xkqp', 'nginx-vx5s2mprjh-h2m9t', 'nginx-vx5s2mprjh-zx4lw'];
const NODES = ['ydzs-master', 'ydzs-node1', 'ydzs-node2', 'ydzs-node3'];

/** `watch -A` on the demo cluster: four flannel pods (one per node) and the three nginx pods of default/nginx. */
function allNamespaces(now: () => number = () => T0): LiveStats {
  const s = new LiveStats({ now });
  s.setHeader({ context: 'snatscope-demo', cluster: 'http://127.0.0.1:6443', namespace: null, selector: '', dbPath: '/tmp/demo.db' });
  s.setServices([{ namespace: 'default', name: 'nginx', type: 'NodePort', externalTrafficPolicy: 'Cluster', nodePorts: [32761], pods: NGINX.map((p) => `default/${p}`) }]);
  s.setNodes(NODES.map((name, i) => ({ name, ready: true, addresses: [`10.151.30.${10 + i}`, `10.244.${i}.0`] })));
  FLANNEL.forEach((p, i) => {
    for (let k = 0; k <= i; k++) s.write(row('kube-flannel', p, NODES[i], `10.151.30.${10 + i}`, 'node'));
  });
  const nginxNode = ['ydzs-node1', 'ydzs-node2', 'ydzs-node2'];
  NGINX.forEach((p, i) => {
    for (let k = 0; k < 8; k++) s.write(row('default', p, nginxNode[i], '10.244.3.0', 'node', { owner: 'ydzs-node3' }));
    for (let k = 0; k < 2; k++) s.write(row('default', p, nginxNode[i], '203.0.113.9', 'external'));
  });
  return s;
}

/** One namespace: the demo's three nginx pods. */
function demo(now: () => number = () => T0): LiveStats {
  const s = allNamespaces(now);
  const d = new LiveStats({ now });
  d.setHeader({ context: 'snatscope-demo', cluster: 'http://127.0.0.1:6443', namespace: 'default', selector: 'deploy/nginx', dbPath: '/tmp/demo.db' });
  d.setServices(s.snapshot().services);
  d.setNodes(NODES.map((name, i) => ({ name, ready: true, addresses: [`10.151.30.${10 + i}`, `10.244.${i}.0`, `10.244.${i}.1`] })));
  const nginxNode = ['ydzs-node1', 'ydzs-node2', 'ydzs-node2'];
  NGINX.forEach((p, i) => {
    for (let k = 0; k < 6; k++) d.write(row('default', p, nginxNode[i], k % 2 ? '10.244.3.0' : '10.244.1.1', 'node', { owner: k % 2 ? 'ydzs-node3' : 'ydzs-node1' }));
    for (let k = 0; k < 4; k++) d.write(row('default', p, nginxNode[i], '203.0.113.9', 'external'));
  });
  return d;
}

async function show(stats: LiveStats, width: number, over: Partial<AppProps> = {}) {
  const height = width >= 120 ? 30 : 24;
  const r = render(<App stats={stats} onQuit={() => {}} refreshMs={0} width={width} height={height} unicode {...over} />);
  await tick();
  return { r, height };
}

/** Every line of the frame fits the width, and the frame leaves the terminal's last row free. */
function expectFits(frame: string | undefined, width: number, height: number, what: string): string[] {
  const f = lines(frame);
  for (const l of f) expect(textWidth(l), `${what} at ${width}: ${l}`).toBeLessThanOrEqual(width);
  expect(f.length, `${what} at ${width}`).toBeLessThan(height);
  return f;
}

afterEach(() => cleanup());

describe('pod names keep what tells them apart', () => {
  it.each([
    ['nginx-vx5s2mprjh-7xkqp', 20, 'nginx-vx5s2mp…-7xkqp'],
    ['kube-flannel/kube-flannel-ds-7x8kq', 24, 'kube-flannel/kube…-7x8kq'],
    ['web-0', 20, 'web-0'],
    ['a-very-long-statefulset-name-12', 12, 'a-very-l…-12'],
    ['nodashesatallinthisname', 10, 'nodas…name'],
  ])('%s in %i cells reads %s', (name, width, want) => {
    const got = fitName(name, width, glyphs(true));
    expect(got.trimEnd()).toBe(want);
    expect(textWidth(got)).toBe(width);
  });

  it.each(WIDTHS)('with -A at %i columns the four flannel pods and the nginx pods stay distinguishable', async (width) => {
    const { r, height } = await show(allNamespaces(), width);
    const f = expectFits(r.lastFrame(), width, height, 'the pod table');
    const podLines = f.filter((l) => /^[> ] (default|kube-flannel)\//.test(l));
    expect(podLines).toHaveLength(FLANNEL.length + NGINX.length);
    for (const pod of [...FLANNEL, ...NGINX]) {
      const suffix = pod.slice(pod.lastIndexOf('-'));
      expect(podLines.filter((l) => l.includes(suffix)), `${pod} at ${width}`).toHaveLength(1);
    }
    // Where the whole name fits, it is shown whole.
    if (width >= 120) for (const pod of FLANNEL) expect(f.join('\n')).toContain(`kube-flannel/${pod}`);
  });

  it.each(WIDTHS)('at %i columns the demo pods keep their suffix and the SNAT column', async (width) => {
    const { r, height } = await show(demo(), width);
    const f = expectFits(r.lastFrame(), width, height, 'the pod table');
    for (const pod of NGINX) expect(f.some((l) => l.includes(pod.slice(-6)))).toBe(true);
    expect(f.find((l) => /^\s+POD\s/.test(l))).toMatch(/\sSNAT\s/);
    expect(f.find((l) => l.includes('total (3 pods)'))).toMatch(/\s60%/);
  });
});

describe('every view fits at 60, 80, 120 and 200 columns', () => {
  it.each(WIDTHS)('at %i columns: table, detail, nodes, one node, what-if, help and the policy prompt', async (width) => {
    const { r, height } = await show(allNamespaces(), width, { onSwitchPolicy: async () => {} });
    const seen: Record<string, string> = {};
    for (const [name, keys] of [['table', ''], ['detail', '\r'], ['nodes', 'n'], ['node', '\r'], ['what-if', 'w'], ['help', '?'], ['prompt', 'p']] as const) {
      if (name === 'nodes' || name === 'prompt') await press(r, '\x1b', 60);
      if (keys) await press(r, keys);
      seen[name] = expectFits(r.lastFrame(), width, height, name).join('\n');
    }
    expect(seen.table).toContain('total (7 pods)');
    expect(seen.detail).toContain('Recent requests');
    expect(seen.nodes).toMatch(/NODE\s+READY|NODE\s+PODS/);
    expect(seen.node).toContain('Pods on ydzs-master');
    expect(seen['what-if']).toContain('What if externalTrafficPolicy were Local?');
    expect(seen.help).toContain('Keys');
    expect(seen.prompt).toContain('to externalTrafficPolicy Local? (y/n)');
  });
});

describe('one label per figure', () => {
  it.each([120, 160, 200])('at %i columns the trend column and help name the same span', async (width) => {
    const { r } = await show(demo(), width);
    const header = lines(r.lastFrame()).find((l) => /^\s+POD\s/.test(l))!;
    const label = /SNAT (\d)m\s*$/.exec(header);
    // 200 columns always have room for it (five minutes); narrower ones when the class columns leave some.
    if (width === 200) expect(label?.[0].trim()).toBe('SNAT 5m');
    await press(r, '?');
    const help = plain(r.lastFrame());
    if (label) {
      const n = Number(label[1]);
      expect(help).toContain(`SNAT ${n}m: SNAT ratio per 10 s, last ${n} minute${n === 1 ? '' : 's'}`);
      expect(help.match(/SNAT \dm/g)).toEqual([`SNAT ${n}m`]);
    } else expect(help).toContain('a wider terminal shows the SNAT ratio per 10 s');
  });

  it('at 80 columns, where the trend column does not fit, help says so instead of naming one', async () => {
    const { r } = await show(demo(), 80);
    expect(plain(r.lastFrame())).not.toMatch(/SNAT \dm/);
    await press(r, '?');
    expect(plain(r.lastFrame())).toContain('a wider terminal shows the SNAT ratio per 10 s');
  });
});

describe('the nodes view', () => {
  it('selects a node with j/k and shows its pods and addresses on Enter; Esc goes back to the nodes', async () => {
    const { r } = await show(demo(), 120);
    await press(r, 'n');
    expect(plain(r.lastFrame())).toContain('↑↓/jk select  Enter pods & addresses');
    expect(lines(r.lastFrame()).find((l) => l.startsWith('>'))).toMatch(/^> ydzs-master\s/);
    await press(r, 'j');
    await press(r, 'j');
    expect(lines(r.lastFrame()).find((l) => l.startsWith('>'))).toMatch(/^> ydzs-node2\s/);
    await press(r, '\r');
    const f = plain(r.lastFrame());
    expect(f).toContain('ydzs-node2 · ready · 2 pods, 20 requests to them');
    expect(f).toMatch(/addresses\s+10\.151\.30\.12, 10\.244\.2\.0, 10\.244\.2\.1/);
    expect(f).toContain('Pods on ydzs-node2');
    expect(f).toContain('nginx-vx5s2mprjh-h2m9t');
    expect(f).toContain('nginx-vx5s2mprjh-zx4lw');
    expect(f).not.toContain('nginx-vx5s2mprjh-7xkqp');
    expect(f).toContain('total (2 pods)');
    // The entry node of SNAT'd requests lists which of its addresses they carried.
    await press(r, 'k');
    expect(plain(r.lastFrame())).toMatch(/addresses\s+10\.244\.1\.1 \(SNAT x9\), 10\.151\.30\.11, 10\.244\.1\.0/);
    await press(r, '\x1b', 60);
    expect(plain(r.lastFrame())).toContain("ADDRESSES ON SNAT'D REQUESTS");
    expect(lines(r.lastFrame()).find((l) => l.startsWith('>'))).toMatch(/^> ydzs-node1\s/);
  });

  it('offers select only where something is selectable', async () => {
    const { r } = await show(demo(), 120);
    for (const [keys, offers] of [['', true], ['w', false], ['?', false], ['n', true]] as const) {
      if (keys) await press(r, keys);
      expect(lines(r.lastFrame()).at(-1)!.includes('select'), JSON.stringify(keys)).toBe(offers);
    }
  });
});

describe('switching the policy with p', () => {
  it('says what will happen before asking: the PATCH, the load split, the nodes that lose traffic', async () => {
    const { r } = await show(demo(), 120, { onSwitchPolicy: async () => {} });
    await press(r, 'p');
    const f = lines(r.lastFrame());
    const text = f.join('\n');
    expect(text).toContain('This PATCHes the live Service default/nginx through the API server (spec.externalTrafficPolicy: Local)');
    expect(text).toMatch(/Nodes that lose traffic \(no ready pod, the health check takes them out\):\s+ydzs-master, ydzs-node3\./);
    expect(f.find((l) => l.includes('-7xkqp'))).toMatch(/ydzs-node1\s+33%\s+50%/);
    expect(f.find((l) => l.includes('-h2m9t'))).toMatch(/ydzs-node2\s+33%\s+25%/);
    expect(f.find((l) => l.includes('-zx4lw'))).toMatch(/ydzs-node2\s+33%\s+25%/);
    expect(f.at(-2)).toBe('Switch default/nginx to externalTrafficPolicy Local? (y/n)');
    expect(f.at(-1)).toBe('y switch  n or Esc cancel');
  });

  it('after y highlights the load split since the switch per pod (LOAD) and per node, beside the what-if', async () => {
    let t = T0;
    const s = demo(() => t);
    const onSwitchPolicy = vi.fn(async (to: string) => {
      s.setServices([{ ...s.snapshot().services[0], externalTrafficPolicy: to }]);
    });
    const { r } = await show(s, 120, { onSwitchPolicy });
    await press(r, 'p');
    await press(r, 'y');
    await tick(30);
    expect(onSwitchPolicy).toHaveBeenCalledWith('Local');
    // Under Local: half to the pod alone on ydzs-node1, a quarter to each on ydzs-node2.
    t += 5000;
    const nginxNode = ['ydzs-node1', 'ydzs-node2', 'ydzs-node2'];
    [6, 3, 3].forEach((n, i) => {
      for (let k = 0; k < n; k++) s.write(row('default', NGINX[i], nginxNode[i], '198.51.100.7', 'external'));
    });
    await press(r, 's');
    const f = lines(r.lastFrame());
    expect(f.find((l) => /^\s+POD\s/.test(l))).toMatch(/SNAT\s+1MIN\s+LOAD\s+EXT%/);
    expect(f.find((l) => l.includes('-7xkqp'))).toMatch(/\s50%\s/);
    expect(f.find((l) => l.includes('-h2m9t'))).toMatch(/\s25%\s/);
    expect(f.find((l) => l.includes('-zx4lw'))).toMatch(/\s25%\s/);
    expect(f.join('\n')).toContain('LOAD since Local at 12:00:00: ydzs-node1 50% · ydzs-node2 50% (what-if 50% · 50%)'.replace('12:00:00', clockOf(T0)));
    expect(f.join('\n')).toContain('externalTrafficPolicy Local');
    // The last minute still holds the requests from before the switch: no verdict on Local from them yet.
    expect(f.join(' ')).toContain(
      `What to do: externalTrafficPolicy changed to Local at ${clockOf(T0)}; the last minute still holds requests from before, so 1MIN settles by ${clockOf(T0 + 60_000)}.`,
    );
    expect(f.join('\n')).not.toContain('they reach the pods another way');
  });
});

describe('the what-to-do line under the banner', () => {
  const svc = (type: string, externalTrafficPolicy: string | null) => ({ namespace: 'default', name: 'nginx', type, externalTrafficPolicy, nodePorts: [], pods: null });
  it.each([
    ['NodePort', 'Cluster', 0.62, /^62% of requests since the start are SNAT'd under externalTrafficPolicy Cluster: set Local to keep client addresses \(see w\), or --trust an L7 proxy in front that adds X-Forwarded-For\.$/],
    ['LoadBalancer', null, 0.3, /^30% of requests since the start are SNAT'd under externalTrafficPolicy Cluster: set Local/],
    ['NodePort', 'Local', 0.4, /^40% of requests .* although default\/nginx has externalTrafficPolicy Local: they reach the pods another way \(a hostNetwork proxy/],
    ['ClusterIP', null, 0.5, /though default\/nginx is ClusterIP: something in front SNATs/],
    ['NodePort', 'Cluster', 0.05, null],
    ['NodePort', 'Cluster', NaN, null],
  ])('%s with %s at SNAT %d: %s', (type, policy, ratio, want) => {
    const got = whatToDo({ svc: svc(type, policy), ratio, span: 'since the start', policySince: -Infinity, now: T0 });
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it.each(WIDTHS)('shows under the banner of the pod table at %i columns, in at most three lines, and not while SNAT is low', async (width) => {
    const { r, height } = await show(demo(), width);
    const f = expectFits(r.lastFrame(), width, height, 'the pod table');
    const at = f.findIndex((l) => l.startsWith('What to do: 60% of requests in the last minute'));
    expect(at).toBe(f.findIndex((l) => l.includes('Cluster: kube-proxy SNATs')) + 1);
    expect(f.findIndex((l) => /^\s+POD\s/.test(l)) - at).toBeLessThanOrEqual(3);
    const low = new LiveStats({ now: () => T0 });
    low.setServices(demo().snapshot().services);
    low.write(row('default', NGINX[0], 'ydzs-node1', '10.244.1.1', 'node'));
    for (let k = 0; k < 19; k++) low.write(row('default', NGINX[0], 'ydzs-node1', '203.0.113.9', 'external'));
    const quiet = await show(low, width);
    expect(plain(quiet.r.lastFrame())).not.toContain('What to do');
  });
});

describe('a --no-follow run that has read everything', () => {
  function ended(follow: boolean): LiveStats {
    const s = demo();
    s.setHeader({ follow });
    NGINX.forEach((pod, i) => s.setStream(`default/${pod}/nginx/c${i}`, { namespace: 'default', pod, container: 'nginx', nodeName: null, state: 'ended' }));
    return s;
  }

  it.each(WIDTHS)('says "done: N requests; q to quit" at %i columns instead of rates that decay', async (width) => {
    const { r, height } = await show(ended(false), width);
    const f = expectFits(r.lastFrame(), width, height, 'the done table');
    expect(f[1]).toMatch(/^streams 3 ended · done: 30 requests; q to quit/);
    expect(f.join('\n')).not.toMatch(/req\/s|lines\/s|REQ\/S|1MIN/);
    expect(f.find((l) => l.includes('total (3 pods)'))).toMatch(/\s30\s+60%/);
    // The advice judges the whole read: the last minute of arrivals says nothing about old log lines.
    expect(f.join(' ')).toContain("What to do: 60% of requests in these logs are SNAT'd under externalTrafficPolicy Cluster");
  });

  it('keeps the rates while following (streams that ended may be followed by new pods) and while a stream still runs', async () => {
    const { r } = await show(ended(true), 120);
    expect(plain(r.lastFrame())).not.toContain('done:');
    expect(plain(r.lastFrame())).toMatch(/streams 0 live, 0 queued, 0 retrying · lines\/s/);
    cleanup();
    const s = ended(false);
    s.setStream('default/nginx-vx5s2mprjh-7xkqp/nginx/c0', { namespace: 'default', pod: NGINX[0], container: 'nginx', nodeName: null, state: 'live' });
    const r2 = await show(s, 120);
    expect(plain(r2.r.lastFrame())).not.toContain('done:');
  });
});

describe('the SNAT of the last minute beside the since-start one', () => {
  it('shows a policy switch at once: 1MIN drops to 0% while SNAT since the start stays high, and the advice goes', async () => {
    let t = T0;
    const s = demo(() => t);
    const { r } = await show(s, 120, { refreshMs: 100 });
    expect(lines(r.lastFrame()).find((l) => /^\s+POD\s/.test(l))).toMatch(/\sSNAT\s+1MIN\s/);
    expect(lines(r.lastFrame()).find((l) => l.includes('total (3 pods)'))).toMatch(/\s60% \S+\s+60%\s/);
    expect(plain(r.lastFrame())).toContain("What to do: 60% of requests in the last minute are SNAT'd under externalTrafficPolicy Cluster");
    // Seventy seconds later, under Local, only client addresses arrive.
    t += 70_000;
    NGINX.forEach((pod, i) => {
      for (let k = 0; k < 10; k++) s.write(row('default', pod, i === 0 ? 'ydzs-node1' : 'ydzs-node2', '198.51.100.7', 'external'));
    });
    await press(r, 's');
    const f = lines(r.lastFrame());
    expect(f.find((l) => l.includes('total (3 pods)'))).toMatch(/\s30% \S+\s+0%\s/);
    expect(f.find((l) => l.includes('-7xkqp'))).toMatch(/\s30% \S+\s+0%\s/);
    expect(f.join('\n')).not.toContain('What to do');
    await press(r, '?');
    expect(plain(r.lastFrame())).toContain('1MIN: the SNAT share over the last minute');
  });
});

describe('the trust hint on the status line', () => {
  it('names the exact --trust for node, pod and private addresses whose X-Forwarded-For no --trust covers', async () => {
    const s = demo();
    for (let k = 0; k < 3; k++) s.write(row('default', NGINX[0], 'ydzs-node1', '10.151.40.10', 'private', { xff: '203.0.113.50' }));
    s.write(row('default', NGINX[1], 'ydzs-node2', '10.244.2.7', 'pod', { xff: '203.0.113.51, 10.244.2.7' }));
    // Not hinted: a recovered client (its proxy is trusted), an external address, a private one without the header.
    s.write(row('default', NGINX[0], 'ydzs-node1', '10.151.40.11', 'private', { xff: '203.0.113.52', client: '203.0.113.52', clientCls: 'external' }));
    s.write(row('default', NGINX[0], 'ydzs-node1', '203.0.113.60', 'external', { xff: '198.51.100.1' }));
    s.write(row('default', NGINX[0], 'ydzs-node1', '10.151.40.12', 'private'));
    const { r } = await show(s, 200);
    const status = lines(r.lastFrame()).at(-2)!;
    expect(status).toContain(
      'try --trust 10.151.40.10/32 --trust 10.244.2.7/32: 4 requests from 10.151.40.10 (private), 10.244.2.7 (pod) carry X-Forwarded-For no --trust covers',
    );
    cleanup();
    const { r: r80 } = await show(s, 80);
    expect(lines(r80.lastFrame()).at(-2)).toMatch(/^sort: requests  · try --trust 10\.151\.40\.10\/32 --trust 10\.244\.2\.7\/32: 4 requests/);
  });

  it('goes once no such request came for a minute (say, after a switch to Local)', async () => {
    let t = T0;
    const s = demo(() => t);
    s.write(row('default', NGINX[0], 'ydzs-node1', '10.244.3.0', 'node', { xff: '203.0.113.50', owner: 'ydzs-node3' }));
    const { r } = await show(s, 200, { refreshMs: 100 });
    expect(lines(r.lastFrame()).at(-2)).toContain('try --trust 10.244.3.0/32: 1 request from 10.244.3.0 (node)');
    t += 61_000;
    s.write(row('default', NGINX[0], 'ydzs-node1', '203.0.113.50', 'external'));
    await press(r, 's');
    expect(lines(r.lastFrame()).at(-2)).toBe('sort: snat');
  });

  it('says nothing when every forwarded request came through a trusted proxy', async () => {
    const s = demo();
    s.write(row('default', NGINX[0], 'ydzs-node1', '10.151.40.11', 'private', { xff: '203.0.113.52', client: '203.0.113.52', clientCls: 'external' }));
    const { r } = await show(s, 120);
    expect(lines(r.lastFrame()).at(-2)).toBe('sort: requests');
  });
});

/** Local wall-clock HH:MM:SS, as the UI prints it. */
function clockOf(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
