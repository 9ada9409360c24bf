// The HTML report opens in a real headless Chromium from a file:// URL with no network: the screenshot is not
// blank (decoded PNG rows vary), the dumped DOM holds the inline SVG charts with legends, axis ticks and the
// policy-change marker, the findings and Service lines are at the top, times read like the tables (no `T`), and
// it prints to a PDF. The database: the sample logs, their Service under Cluster, switched to Local at 02:25 (as
// watch stores it: a topology snapshot at the change). Skips on a laptop without chromium; fails under CI=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { requirePrereq } from './helpers/prereq.js';
import { Store } from '../db/index.js';
import { runCli, tempDir } from './helpers/cli.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = (() => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();
const run = requirePrereq('chromium', hasChromium, `${CHROMIUM} not found (apt-get install -y chromium)`);

let tmp: ReturnType<typeof tempDir>;
let html: string;
const ENV = { TZ: 'UTC' };
const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', namespace: 'default' },
  spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster', selector: { app: 'nginx' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
};
beforeAll(() => {
  tmp = tempDir();
  const db = join(tmp.dir, 'c.db');
  const topo = JSON.parse(readFileSync('test/fixtures/sample/topology.json', 'utf8')) as { items: unknown[] };
  topo.items.push(SERVICE);
  writeFileSync(join(tmp.dir, 'topology.json'), JSON.stringify(topo));
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `test/fixtures/sample/nginx-7c5d8f9b4-${s}.log`);
  expect(runCli(['ingest', ...files, '--topology', join(tmp.dir, 'topology.json'), '--db', db, '-q'], { env: ENV }).code).toBe(0);
  // The Service as watch would have stored it: Cluster before the window, Local from 02:25:00.
  const s = Store.open(db);
  const snap = JSON.parse(s.db.prepare('SELECT json FROM topology ORDER BY id DESC LIMIT 1').pluck().get() as string) as {
    services: { externalTrafficPolicy: string }[];
  };
  s.topology(snap, Date.parse('2026-11-27T01:00:00Z'));
  snap.services[0].externalTrafficPolicy = 'Local';
  s.topology(snap, Date.parse('2026-11-27T02:25:00Z'));
  s.close();
  html = join(tmp.dir, 'report.html');
  const r = runCli(['report', '--db', db, '-o', 'html', '--out', html, '--fail-above', '0.75'], { env: ENV });
  expect(r.code, r.stderr).toBe(3);
});
afterAll(() => tmp?.cleanup());

function chromium(args: string[]): { stdout: string; code: number | null } {
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${join(tmp.dir, 'profile')}`, '--window-size=1200,900'];
  const r = spawnSync(CHROMIUM, [...flags, ...args, `file://${html}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 32 << 20, env: { ...process.env, TZ: 'UTC' } });
  return { stdout: r.stdout, code: r.status };
}

/** Decodes an 8-bit RGB/RGBA non-interlaced PNG into rows of raw pixel bytes (filters undone). */
function pngRows(buf: Buffer): { width: number; height: number; bpp: number; rows: Buffer[] } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let off = 8;
  let width = 0, height = 0, bpp = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      bpp = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? (pa <= pb && pa <= pc ? a : pb <= pc ? b : c) : 0;
      line[i] = (line[i] + pred) & 0xff;
    }
    rows.push(line);
    prev = line;
  }
  return { width, height, bpp, rows };
}

let dom: ReturnType<typeof chromium> | undefined;
/** The DOM as Chromium parsed it, dumped once for the tests that read it. */
const dumpDom = () => (dom ??= chromium(['--dump-dom']));

describe.runIf(run)('html report in headless Chromium', { timeout: 120_000 }, () => {
  it('renders the charts: a screenshot with colour, and the SVG elements in the DOM', () => {
    const png = join(tmp.dir, 'shot.png');
    const shot = chromium([`--screenshot=${png}`]);
    expect(shot.code).toBe(0);
    const img = pngRows(readFileSync(png));
    expect(img.width).toBe(1200);
    // Count pixels of the node-class red (#d9534f) and of any strongly coloured pixel: a blank page has none.
    let red = 0, coloured = 0;
    for (const row of img.rows) {
      for (let x = 0; x < img.width * img.bpp; x += img.bpp) {
        const [r, g, b] = [row[x], row[x + 1], row[x + 2]];
        if (Math.abs(r - 0xd9) < 8 && Math.abs(g - 0x53) < 8 && Math.abs(b - 0x4f) < 8) red++;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
    }
    expect(red).toBeGreaterThan(5000);
    expect(coloured).toBeGreaterThan(10000);

    const dom = dumpDom();
    expect(dom.code).toBe(0);
    const svgs = dom.stdout.match(/<svg [\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(3);
    expect((dom.stdout.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThan(40);
    expect(dom.stdout).toContain('SNAT ratio per pod');
    expect(dom.stdout).toContain('Requests per minute by class');
    expect(dom.stdout).toContain('SNAT sources per node');
    // Every chart has a legend (swatches with labels) and an axis with at least three round ticks.
    for (const svg of svgs) {
      expect((svg.match(/<rect x="\d+" y="\d+" width="10" height="10"/g) ?? []).length + (svg.match(/stroke-dasharray="3 2"/g) ?? []).length).toBeGreaterThan(0);
      expect((svg.match(/class="tick"/g) ?? []).length).toBeGreaterThanOrEqual(3);
    }
    expect(svgs[0]).toMatch(/>0%<\/text>[\s\S]*>50%<\/text>[\s\S]*>100%<\/text>/);
    expect(svgs[1]).toMatch(/>0<\/text>[\s\S]*>5<\/text>[\s\S]*>10<\/text>/);
    expect(svgs[2]).toContain('10.244.2.1 (ydzs-node2)');
  });

  it('puts the Service periods and the audit findings at the top, and marks the policy change on the timeline', () => {
    const dom = dumpDom().stdout;
    const top = dom.slice(0, dom.indexOf('<h2>SNAT ratio</h2>'));
    // Under Local the only node-addressed requests are the kubelet's probes: class probe, so SNAT 0% (was 13%).
    expect(top).toContain('<li>default/nginx NodePort: Cluster until 02:25:00: SNAT 93% of 221 requests (and 35 kubelet probes), load 38/33/29; Local since 02:25:00: SNAT 0% of 63 requests (and 9 kubelet probes), load 40/35/25</li>');
    expect(top).toContain('Service default/nginx (NodePort) changed in this window: Cluster until 02:25:00');
    // ... and no finding sends the user looking for a hidden proxy because of them.
    expect(top).not.toContain('yet 13% of 72 requests carry node addresses');
    expect(top).toContain('<li>Service default/nginx (Local since 02:25:00) (NodePort, externalTrafficPolicy Local): no request carried a node address; client addresses are preserved.</li>');
    expect(top).toContain('<code>--trust 10.151.40.10/32');
    const timeline = (dom.match(/<svg [\s\S]*?<\/svg>/g) ?? [])[1];
    expect(timeline).toMatch(/<line class="marker" x1="[\d.]+"/);
    expect(timeline).toContain('default/nginx → Local 02:25:00');
    expect(timeline).toContain('externalTrafficPolicy change');
  });

  it('writes times like the tables, without the T form', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('Window: 2026-11-27 02:00:00 +00:00 .. 2026-11-27 02:37:00 +00:00');
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('prints to a PDF with print styles that keep charts and tables whole', () => {
    expect(readFileSync(html, 'utf8')).toMatch(/@media print\{@page\{size:A4[^}]*\}[\s\S]*break-inside:avoid/);
    const pdf = join(tmp.dir, 'report.pdf');
    expect(chromium(['--no-pdf-header-footer', `--print-to-pdf=${pdf}`]).code).toBe(0);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(4);
  });
});
