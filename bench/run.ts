// The benchmark (`npm run bench`, issue 8): generates the input, then for the same file measures parse + classify
// in-process, `snatscope ingest` and `snatscope report` (spawned CLI), the peer tools (GoAccess, lnav, awk) when
// installed, and the live path (emulated API, `snatscope watch`); prints tables and writes results.json.
// A failing part is recorded in `errors` and the others still run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, formatUserError } from '../src/errors.js';
import { generate } from './gen.js';
import { benchIngest, benchReport, removeDb } from './ingest.js';
import { benchLive } from './live.js';
import { benchAgent } from './agent.js';
import { parseArgs, type BenchOptions, type Part } from './options.js';
import { benchParse } from './parse.js';
import { benchPeers } from './peers.js';
import { fmtInt, machine, renderSummary, targets, type BenchResults } from './summary.js';

export { parseArgs, type BenchOptions } from './options.js';
export type { BenchResults } from './summary.js';

/** Runs the benchmark; writes results.json and returns what it wrote. */
export async function runBench(o: BenchOptions): Promise<BenchResults> {
  const say = (msg: string) => {
    if (!o.quiet) process.stderr.write(`bench: ${msg}\n`);
  };
  mkdirSync(o.outDir, { recursive: true });
  const home = join(o.outDir, 'home');
  mkdirSync(home, { recursive: true });
  const r: BenchResults = {
    machine: machine(),
    config: { lines: o.lines, seed: o.seed, smoke: o.smoke, liveSeconds: o.liveSeconds, streams: o.streams, rate: o.rate },
    input: null,
    parse: null,
    ingest: null,
    report: null,
    peers: null,
    live: null,
    agent: null,
    targets: [],
    errors: [],
  };
  const part = async (name: Part, fn: () => Promise<void> | void) => {
    if (!o.parts.has(name)) return;
    try {
      await fn();
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      r.errors.push({ part: name, message });
      say(`${name} failed: ${message}`);
    }
  };

  const needsInput = ['parse', 'ingest', 'peers'].some((p) => o.parts.has(p as Part));
  if (needsInput) {
    r.input = generate(o.outDir, o.lines, o.seed, say);
    say(`input: ${r.input.logPath} (${fmtInt(r.input.lines)} lines, ${(r.input.bytes / 1e6).toFixed(0)} MB${r.input.cached ? ', cached' : `, generated in ${r.input.seconds.toFixed(1)} s`})`);
  }
  const input = r.input!;
  const db = join(o.outDir, `ingest-${o.lines}.db`);
  await part('parse', () => {
    say('parse + classify in-process ...');
    r.parse = benchParse(input.logPath, input.topologyPath);
  });
  await part('ingest', async () => {
    say('snatscope ingest ...');
    r.ingest = await benchIngest(input, db, home);
  });
  await part('report', async () => {
    if (!r.ingest) throw new Error('needs a successful ingest');
    say('snatscope report ...');
    r.report = await benchReport(db, home);
  });
  removeDb(db);
  await part('peers', async () => {
    say('peers (goaccess, lnav, awk) ...');
    r.peers = await benchPeers(input.logPath, input.lines, o.outDir);
    for (const p of r.peers) if (p.seconds !== null && r.ingest) p.ratio = p.seconds / r.ingest.seconds;
  });
  await part('live', async () => {
    r.live = await benchLive({ streams: o.streams, rate: o.rate, seconds: o.liveSeconds, seed: o.seed, dir: o.outDir, log: say });
  });
  await part('agent', async () => {
    r.agent = await benchAgent({ ...o.agent, seed: o.seed, dir: o.outDir, log: say });
  });
  r.targets = targets(r);
  mkdirSync(dirname(o.resultsPath), { recursive: true });
  writeFileSync(o.resultsPath, JSON.stringify(r, null, 2) + '\n');
  if (!o.quiet) {
    process.stdout.write(renderSummary(r) + '\n');
    process.stdout.write(`results: ${o.resultsPath}\n`);
  }
  return r;
}

async function main(argv: string[]): Promise<number> {
  try {
    const r = await runBench(parseArgs(argv));
    return r.errors.length ? 1 : 0;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(err.exitCode === 0 ? `${err.hint}\n` : formatUserError(err) + '\n');
      return err.exitCode;
    }
    throw err;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
