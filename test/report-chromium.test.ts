// The HTML report opens in a real headless Chromium from a file:// URL with no network: the screenshot is not
// blank (decoded PNG rows vary) and the dumped DOM holds the inline SVG charts. Skips on a laptop without
// chromium; fails under CI=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessSync, constants, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { requirePrereq } from './helpers/prereq.js';
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
beforeAll(() => {
  tmp = tempDir();
  const db = join(tmp.dir, 'c.db');
  const files = ['a1b2c', 'd3e4f', 'g5h6i'].map((s) => `test/fixtures/sample/nginx-7c5d8f9b4-${s}.log`);
  expect(runCli(['ingest', ...files, '--topology', 'test/fixtures/sample/topology.json', '--db', db, '-q']).code).toBe(0);
  html = join(tmp.dir, 'report.html');
  const r = runCli(['report', '--db', db, '--format', 'html', '--out', html, '--fail-above', '0.75']);
  expect(r.code).toBe(3);
});
afterAll(() => tmp?.cleanup());

function chromium(args: string[]): { stdout: string; code: number | null } {
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${join(tmp.dir, 'profile')}`, '--window-size=1200,900'];
  const r = spawnSync(CHROMIUM, [...flags, ...args, `file://${html}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 32 << 20 });
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

describe.runIf(run)('html report in headless Chromium', () => {
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

    const dom = chromium(['--dump-dom']);
    expect(dom.code).toBe(0);
    expect((dom.stdout.match(/<svg /g) ?? []).length).toBe(3);
    expect((dom.stdout.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThan(40);
    expect(dom.stdout).toContain('SNAT ratio per pod');
    expect(dom.stdout).toContain('Requests per minute by class');
    expect(dom.stdout).toContain('SNAT sources per node');
  });
});
