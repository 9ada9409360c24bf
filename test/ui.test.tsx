// Ink draws only the last frame when it thinks it runs in CI (is-in-ci reads CI at import time); these tests read
// the frames a terminal would see, so the UI is imported as outside CI. The CI gate of other tests is unaffected.
const savedCI = vi.hoisted(() => {
  const saved = process.env.CI;
  process.env.CI = 'false';
  return saved;
});
import { EventEmitter } from 'node:events';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { LiveStats } from '../src/live/stats.js';
import type { AddressClass, RequestRow } from '../src/types.js';
import { App, type AppProps } from '../ui/App.js';
import { runTui } from '../ui/run.js';
import { bar, detectUnicode, fit, glyphs, sparkline, textWidth } from '../ui/text.js';
import { requestRow } from './helpers/rows.js';

if (savedCI === undefined) delete process.env.CI;
else process.env.CI = savedCI;

const T0 = 1_700_000_000_000;
const tick = (ms = 25) => new Promise((r) => setTimeout(r, ms));
/** Polls until `cond` holds (bounded): for what the real render timer draws, however loaded the machine is. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}
const plain = (frame: string | undefined) => (frame ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const lines = (frame: string | undefined) => plain(frame).split('\n');

function row(pod: string, node: string, remoteAddr: string, cls: AddressClass, over: Partial<RequestRow> = {}): RequestRow {
  const owner = cls === 'node' ? 'node2' : null;
  return requestRow({ time: T0, pod, nodeName: node, remoteAddr, cls, owner, target: '/index.html', bytes: 612, ...over });
}

/** Three pods: web-a alone on node1 (10 requests, 70% SNAT), web-b and web-c on node2. */
function cluster(): LiveStats {
  const s = new LiveStats({ now: () => T0 });
  s.setHeader({ context: 'kind-demo', cluster: 'kind', namespace: 'default', selector: 'app=web', dbPath: '/tmp/s.db' });
  s.setServices([{ namespace: 'default', name: 'web', type: 'NodePort', externalTrafficPolicy: 'Cluster', nodePorts: [30080] }]);
  s.setNodes([{ name: 'node1', ready: true }, { name: 'node2', ready: true }, { name: 'node3', ready: true }]);
  for (let i = 0; i < 7; i++) s.write(row('web-a', 'node1', '10.0.0.2', 'node'));
  for (let i = 0; i < 3; i++) s.write(row('web-a', 'node1', '203.0.113.5', 'external'));
  for (let i = 0; i < 4; i++) s.write(row('web-b', 'node2', '198.51.100.9', 'external'));
  for (let i = 0; i < 5; i++) s.write(row('web-c', 'node2', '10.244.1.1', 'node'));
  s.write(row('web-c', 'node2', '198.51.100.9', 'external'));
  return s;
}

type Rendered = ReturnType<typeof render>;

/** Sends keys, then waits until the app has drawn a new frame and no other follows for a moment. */
async function press(r: Rendered, keys: string, settleMs = 30) {
  const before = r.frames.length;
  r.stdin.write(keys);
  const end = Date.now() + 3000;
  while (r.frames.length === before && Date.now() < end) await tick(5);
  let n = -1;
  while (n !== r.frames.length && Date.now() < end) {
    n = r.frames.length;
    await tick(settleMs);
  }
}

/** Renders the app and waits for its input handler to be attached. */
async function show(stats: LiveStats, over: Partial<AppProps> = {}) {
  const r = render(<App stats={stats} onQuit={() => {}} refreshMs={0} width={120} height={30} unicode {...over} />);
  await tick();
  return r;
}

/** Pod names in table order. */
const order = (frame: string | undefined) => lines(frame).map((l) => /^[> ] (web-\w)\s/.exec(l)?.[1]).filter(Boolean);

afterEach(() => cleanup());

describe('pod table', () => {
  it('shows each pod with its SNAT ratio as a number and a bar, and a totals row', async () => {
    const f = lines((await show(cluster())).lastFrame());
    const a = f.find((l) => l.includes('web-a'))!;
    expect(a).toMatch(/web-a\s+node1\s+10\s+10\.0\s+70% █{7,9}░{3,4}\s+70%\s+30%\s+0%\s+0%\s+0%/);
    expect(f.find((l) => l.includes('web-b'))).toMatch(/0% ░{10,12}\s+0%\s+100%/);
    expect(f.find((l) => l.includes('web-c'))).toMatch(/83% █{8,10}░{2}\s+83%\s+17%/);
    expect(f.find((l) => l.includes('total (3 pods)'))).toMatch(/20\s+20\.0\s+60% █{6,7}░{4,5}\s+60%\s+40%/);
    expect(f.join('\n')).toContain('Cluster: kube-proxy SNATs external traffic; nginx sees node addresses');
    expect(f.join('\n')).toContain('externalTrafficPolicy Cluster · nodePorts 30080');
  });

  it('cycles the sort with s: requests, SNAT ratio, name', async () => {
    const r = await show(cluster());
    expect(order(r.lastFrame())).toEqual(['web-a', 'web-c', 'web-b']);
    await press(r, 's');
    expect(order(r.lastFrame())).toEqual(['web-c', 'web-a', 'web-b']);
    expect(plain(r.lastFrame())).toContain('sort: snat');
    await press(r, 's');
    expect(order(r.lastFrame())).toEqual(['web-a', 'web-b', 'web-c']);
    await press(r, 's');
    expect(order(r.lastFrame())).toEqual(['web-a', 'web-c', 'web-b']);
  });

  it('filters pods with / (by name or node), keeps it on Enter and clears it with Esc', async () => {
    const r = await show(cluster());
    await press(r, '/');
    for (const ch of 'node2') await press(r, ch);
    expect(plain(r.lastFrame())).toContain('filter: node2_');
    expect(order(r.lastFrame())).toEqual(['web-c', 'web-b']);
    await press(r, '\r');
    expect(order(r.lastFrame())).toEqual(['web-c', 'web-b']);
    // totals follow the filter
    expect(lines(r.lastFrame()).find((l) => l.includes('total (2 pods)'))).toMatch(/\s10\s/);
    const r2 = await show(cluster());
    await press(r2, '/');
    await press(r2, '-b'); // a paste arrives as one string
    expect(order(r2.lastFrame())).toEqual(['web-b']);
    await press(r2, '\x1b', 60);
    expect(order(r2.lastFrame())).toEqual(['web-a', 'web-c', 'web-b']);
  });

  it('applies keys that arrive in one chunk (paste, tmux send-keys) one by one', async () => {
    const r = await show(cluster());
    await press(r, '/web-b\r');
    expect(order(r.lastFrame())).toEqual(['web-b']);
    expect(plain(r.lastFrame())).toContain('filter: web-b');
    expect(plain(r.lastFrame())).not.toContain('Recent requests');
    await press(r, '\x1b', 60);
    await press(r, 'jj');
    expect(lines(r.lastFrame()).find((l) => l.startsWith('>'))).toContain('web-b');
  });

  it('moves the selection with j/k and arrows and drills into the pod with Enter', async () => {
    const r = await show(cluster());
    await press(r, 'j');
    expect(lines(r.lastFrame()).find((l) => l.startsWith('>'))).toContain('web-c');
    await press(r, '\x1b[B'); // down arrow
    await press(r, 'k');
    await press(r, '\r');
    const f = plain(r.lastFrame());
    expect(f).toContain('default/web-c on node2 · 6 requests · SNAT 83% (last minute 83%)');
    expect(f).toContain('Recent requests (newest first, 6 kept)');
    expect(f).toMatch(/node 10\.244\.1\.1 x5/);
    expect(f).toMatch(/ext\s+198\.51\.100\.9 x1/);
    const recent = lines(r.lastFrame()).filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    expect(recent).toHaveLength(6);
    expect(recent[0]).toMatch(/198\.51\.100\.9\s+ext\s+-\s+200 GET\s+\/index\.html\s+curl\/8\.5\.0/);
    expect(recent[1]).toMatch(/10\.244\.1\.1\s+node node2\s+200/);
    await press(r, '\x1b', 60);
    expect(plain(r.lastFrame())).toContain('total (3 pods)');
  });

  it('shows new requests on the next refresh without a key press', async () => {
    const s = cluster();
    const r = await show(s, { refreshMs: 100 });
    s.write(row('web-d', 'node3', '203.0.113.8', 'external'));
    await until(() => order(r.lastFrame()).includes('web-d'), 'the next refresh');
    expect(order(r.lastFrame())).toContain('web-d');
  });
});

describe('other views', () => {
  it('shows predicted shares under Local with w: 50/25/25 and the node without an endpoint', async () => {
    const r = await show(cluster());
    await press(r, 'w');
    const f = lines(r.lastFrame());
    expect(f.join('\n')).toContain('What if externalTrafficPolicy were Local? · default/web, now Cluster');
    expect(f.find((l) => l.startsWith('web-a'))).toMatch(/node1\s+50%\s+.*\s50%/);
    expect(f.find((l) => l.startsWith('web-b'))).toMatch(/node2\s+20%\s+.*\s25%/);
    expect(f.find((l) => l.startsWith('web-c'))).toMatch(/node2\s+30%\s+.*\s25%/);
    expect(f.join('\n')).toContain('no endpoint (health check takes them out): node3');
    await press(r, 'w');
    expect(plain(r.lastFrame())).toContain('total (3 pods)');
  });

  it('shows per node the requests to its pods and the addresses SNAT\'d requests carry with n', async () => {
    const r = await show(cluster());
    await press(r, 'n');
    const f = lines(r.lastFrame());
    expect(f.find((l) => l.startsWith('> node1'))).toMatch(/node1\s+yes\s+1\s+10\s+0\s+-/);
    expect(f.find((l) => l.startsWith('  node2'))).toMatch(/node2\s+yes\s+2\s+10\s+12\s+10\.0\.0\.2 x7, 10\.244\.1\.1 x5/);
  });

  it('shows help with ?, and the policy key only when switching is possible', async () => {
    const r = await show(cluster());
    await press(r, '?');
    expect(plain(r.lastFrame())).toContain('cycle sort: requests, SNAT ratio, name');
    expect(plain(r.lastFrame())).not.toContain('switch the Service policy');
    const r2 = await show(cluster(), { onSwitchPolicy: async () => {} });
    await press(r2, '?');
    expect(plain(r2.lastFrame())).toContain('switch the Service policy');
  });
});

describe('hostile log text', () => {
  it('shows escape sequences from user agents and targets escaped, never raw', async () => {
    const s = new LiveStats({ now: () => T0 });
    s.write(row('web-a', 'node1', '203.0.113.66', 'external', { userAgent: 'x\x1b]0;pwned\x07y', target: '/\x1b[2Jz', method: 'G\rET' }));
    const r = await show(s, { width: 200 });
    await press(r, '\r');
    const raw = r.lastFrame()!;
    expect(raw).not.toContain('\x1b]');
    expect(raw).not.toContain('\x07');
    expect(raw).not.toContain('\x1b[2J');
    expect(raw).not.toContain('\r');
    const f = plain(raw);
    expect(f).toContain('x\\e]0;pwned\\x07y');
    expect(f).toContain('/\\e[2Jz');
    expect(f).toContain('G\\rET');
  });

  it('escapes a hostile pod name taken from a log prefix', async () => {
    const s = new LiveStats({ now: () => T0 });
    s.write(row('evil\x1b[31m', 'node1', '203.0.113.66', 'external'));
    const raw = (await show(s)).lastFrame()!;
    expect(plain(raw)).toContain('evil\\e[31m');
  });
});

describe('terminal fit', () => {
  it('fits every view in 80 columns and under the terminal height', async () => {
    const s = cluster();
    for (let i = 0; i < 40; i++) s.write(row(`web-many-${i}-abcdefghijklmnopqrstuvwxyz`, 'ip-10-0-1-23.eu-west-1.compute.internal', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'external'));
    const r = await show(s, { width: 80, height: 24 });
    for (const key of ['', 'n', 'w', '?', '\r']) {
      if (key === '\r') {
        await press(r, '\x1b', 60);
      }
      if (key) await press(r, key);
      const f = lines(r.lastFrame());
      for (const l of f) expect(textWidth(l), `${JSON.stringify(key)}: ${l}`).toBeLessThanOrEqual(80);
      expect(f.length, JSON.stringify(key)).toBeLessThan(24);
    }
    const table = lines(r.lastFrame());
    expect(table.length).toBeGreaterThan(15); // the detail view used the space
  });

  it('scrolls the table to keep the selection visible', async () => {
    const s = new LiveStats({ now: () => T0 });
    for (let i = 0; i < 50; i++) s.write(row(`p${String(i).padStart(2, '0')}`, 'node1', '203.0.113.5', 'external'));
    const r = await show(s, { width: 80, height: 20 });
    await press(r, 's');
    await press(r, 's'); // by name
    for (let i = 0; i < 29; i++) r.stdin.write('j'); // faster than the app redraws
    await press(r, 'j', 60);
    const f = lines(r.lastFrame());
    expect(f.find((l) => l.startsWith('>'))).toMatch(/^> p30 /);
    expect(f.join('\n')).toMatch(/↑↓ \d+-\d+ of 50/);
    expect(f.length).toBeLessThan(20);
  });

  it('falls back to ASCII bars and sparklines when asked (or when the locale lacks UTF-8)', async () => {
    const r = await show(cluster(), { unicode: false, width: 140 });
    const f = plain(r.lastFrame());
    expect(f).toMatch(/70% ########\.\.\.\. /);
    for (const ch of f) expect(ch.charCodeAt(0), ch).toBeLessThan(0x7f);
    await press(r, '\r');
    for (const ch of plain(r.lastFrame())) expect(ch.charCodeAt(0), ch).toBeLessThan(0x7f);
  });

  it('detects Unicode support from LC_ALL, LC_CTYPE, LANG and TERM', () => {
    expect(detectUnicode({ LANG: 'en_US.UTF-8', TERM: 'xterm-256color' })).toBe(true);
    expect(detectUnicode({ LC_ALL: 'C.utf8' })).toBe(true);
    expect(detectUnicode({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(detectUnicode({ LANG: 'C' })).toBe(false);
    expect(detectUnicode({})).toBe(false);
    expect(detectUnicode({ LANG: 'en_US.UTF-8', TERM: 'linux' })).toBe(false);
  });

  it('draws bars, sparklines and fitted text in exact widths', () => {
    const u = glyphs(true);
    const a = glyphs(false);
    expect(bar(0.7, 10, u)).toBe('███████░░░');
    expect(bar(NaN, 4, a)).toBe('    ');
    expect(sparkline([0, NaN, 0.5, 1], 6, u)).toBe('  ▁ ▅█');
    expect(sparkline([0, 1], 2, a)).toBe('_#');
    expect(fit('abcdefgh', 5, u)).toBe('abcd…');
    expect(fit('ab', 5, a, true)).toBe('   ab');
    expect(fit('日本語テキスト', 7, u)).toBe('日本語…');
    expect(textWidth(fit('日本語テキスト', 6, u))).toBe(6);
  });
});

describe('keys that leave or change things', () => {
  it('calls onQuit on q and on Ctrl-C, but not on q typed into the filter', async () => {
    const onQuit = vi.fn();
    const r = await show(cluster(), { onQuit });
    await press(r, '/');
    await press(r, 'q');
    expect(onQuit).not.toHaveBeenCalled();
    await press(r, '\r');
    await press(r, 'q');
    expect(onQuit).toHaveBeenCalledTimes(1);
    const onQuit2 = vi.fn();
    const r2 = await show(cluster(), { onQuit: onQuit2 });
    await press(r2, '\x03');
    expect(onQuit2).toHaveBeenCalledTimes(1);
  });

  it('switches the policy with p only after y, and says so', async () => {
    const onSwitchPolicy = vi.fn(async () => {});
    const r = await show(cluster(), { onSwitchPolicy });
    await press(r, 'p');
    expect(plain(r.lastFrame())).toContain('Switch default/web to externalTrafficPolicy Local? (y/n)');
    await press(r, 'n');
    expect(onSwitchPolicy).not.toHaveBeenCalled();
    expect(plain(r.lastFrame())).toContain('policy switch cancelled');
    await press(r, 'p');
    await press(r, 'y');
    expect(onSwitchPolicy).toHaveBeenCalledWith('Local');
    expect(plain(r.lastFrame())).toContain('switched to externalTrafficPolicy Local');
  });

  it('ignores p when no policy switch is offered', async () => {
    const r = await show(cluster());
    await press(r, 'p');
    expect(plain(r.lastFrame())).not.toContain('(y/n)');
  });
});

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 30;
  out = '';
  write = (s: string) => {
    this.out += s;
    return true;
  };
}
class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  send(s: string) {
    this.data = s;
    this.emit('readable');
    this.emit('data', s);
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

describe('runTui', () => {
  it('renders to the terminal and resolves after q, once onQuit has finished', async () => {
    const stdout = new FakeStdout();
    const stdin = new FakeStdin();
    const events: string[] = [];
    const done = runTui({
      stats: cluster(),
      refreshMs: 100,
      unicode: true,
      patchConsole: false,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      onQuit: async () => {
        events.push('flush start');
        await tick(50);
        events.push('flush done');
      },
    }).then(() => events.push('resolved'));
    await until(() => plain(stdout.out).includes('web-a'), 'the first frame');
    expect(plain(stdout.out)).toContain('web-a');
    stdin.send('q');
    await done;
    expect(events).toEqual(['flush start', 'flush done', 'resolved']);
  });
});
