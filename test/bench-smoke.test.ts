// The benchmark harness in --smoke mode (10k generated lines, 10 live streams for 5 s), run in-process against the
// compiled CLI: it writes a results.json with every part filled in, stores every generated request, and loses
// no live line. No timing is asserted (shared CI machines); the numbers are the benchmark's business.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, runBench, type BenchResults } from '../bench/run.js';
import { generate, sampleLines } from '../bench/gen.js';
import { LineStage } from '../src/parse/index.js';
import { tempDir } from './helpers/cli.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('snatscope-bench-');
});
afterAll(() => tmp.cleanup());

describe('benchmark input generator', () => {
  it('gives the same lines for the same seed and different lines for another', () => {
    expect(sampleLines(7, 200)).toEqual(sampleLines(7, 200));
    expect(sampleLines(8, 200)).not.toEqual(sampleLines(7, 200));
  });

  it('writes lines that all parse as nginx main, with IPv6, X-Forwarded-For and escaped user agents among them', () => {
    const lines = sampleLines(42, 5000);
    const stage = new LineStage({ format: 'main' });
    expect(lines.filter((l) => stage.push(l) === null)).toEqual([]);
    expect(lines.some((l) => l.startsWith('2001:db8:'))).toBe(true);
    expect(lines.some((l) => l.includes('\\x22'))).toBe(true);
    expect(lines.some((l) => l.includes('\\xC3\\xA9'))).toBe(true);
    expect(lines.some((l) => /"[0-9.]+, [0-9.]+"$/.test(l))).toBe(true);
  });

  it('reuses the cached file for the same lines and seed', () => {
    const first = generate(tmp.dir, 2000, 3);
    const again = generate(tmp.dir, 2000, 3);
    expect(again.cached).toBe(true);
    expect(again.bytes).toBe(first.bytes);
    expect(readFileSync(first.logPath, 'utf8').split('\n').length).toBe(2001);
  });
});

describe('npm run bench -- --smoke', () => {
  it('writes results.json with every part, every request stored and no live or agent line lost', async () => {
    const out = join(tmp.dir, 'smoke');
    const resultsPath = join(out, 'results.json');
    const returned = await runBench({ ...parseArgs(['--smoke', '--out', out, '--results', resultsPath]), quiet: true });
    const r = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
    expect(r).toEqual(JSON.parse(JSON.stringify(returned)));
    expect(r.errors).toEqual([]);

    expect(r.machine).toMatchObject({ cores: expect.any(Number), cpu: expect.any(String), node: process.version, date: expect.any(String), loadAverage: expect.any(Array) });
    expect(r.config).toMatchObject({ lines: 10_000, smoke: true, streams: 10, liveSeconds: 5 });
    expect(r.input).toMatchObject({ lines: 10_000, bytes: expect.any(Number), distinctClients: expect.any(Number) });

    expect(r.parse).toMatchObject({ lines: 10_000, accepted: 10_000, unparsed: 0, linesPerSec: expect.any(Number) });
    expect(r.ingest).toMatchObject({ lines: 10_000, requests: 10_000, stored: 10_000, unparsed: 0 });
    expect(r.ingest!.linesPerSec).toBeGreaterThan(0);
    expect(r.ingest!.bytesPerRequest).toBeGreaterThan(0);
    expect(r.report).toMatchObject({ seconds: expect.any(Number), jsonSeconds: expect.any(Number) });

    expect(r.peers!.map((p) => p.name)).toEqual(['goaccess', 'lnav', 'awk']);
    for (const p of r.peers!) {
      // Each peer either ran (a time and a ratio against snatscope) or says why not.
      if (p.seconds === null) expect(p.note).toEqual(expect.any(String));
      else expect(p.ratio).toEqual(expect.any(Number));
    }

    const live = r.live!;
    expect(live.appended).toBe(10_000);
    expect(live.stored).toBe(10_000);
    expect(live.lost).toBe(0);
    expect(live.duplicates).toBe(0);
    expect(live.lagMs).toMatchObject({ p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });

    const agent = r.agent!;
    expect(agent).toMatchObject({ containers: 10, written: 5000, stored: 5000, lost: 0, duplicates: 0, note: null });
    expect(agent.rotations).toBeGreaterThan(0);
    expect(agent.scrapeMs).toMatchObject({ p50: expect.any(Number), bytes: expect.any(Number) });

    expect(r.targets.map((t) => t.name)).toContain('live lines lost');
    expect(r.targets.map((t) => t.name)).toContain('agent lines lost (10 containers x 100 lines/s)');
    expect(r.targets.find((t) => t.name === 'every request stored')!.met).toBe(true);
  }, 240_000);
});
