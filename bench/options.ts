// Command line of the benchmark (`npm run bench -- [flags]`), with the full and the --smoke defaults.
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import { repoRoot } from './proc.js';

export interface BenchOptions {
  lines: number;
  seed: number;
  smoke: boolean;
  /** Generated inputs and scratch databases. */
  outDir: string;
  /** Where results.json goes. */
  resultsPath: string;
  liveSeconds: number;
  streams: number;
  /** Combined live lines per second. */
  rate: number;
  /** Parts to run (default all): parse, ingest, report, peers, live. */
  parts: Set<Part>;
  quiet: boolean;
  /** The node agent part: containers, lines/s each, seconds, rotation size. */
  agent: { containers: number; rate: number; seconds: number; rotateBytes: number; monitorMs: number };
}

export type Part = 'parse' | 'ingest' | 'report' | 'peers' | 'live' | 'agent';
export const PARTS: readonly Part[] = ['parse', 'ingest', 'report', 'peers', 'live', 'agent'];

export const USAGE = `usage: npm run bench -- [--smoke] [--lines N] [--seed N] [--live-seconds S] [--streams N] [--rate LINES_PER_S]
                      [--agent-containers N] [--agent-rate LINES_PER_S_EACH] [--agent-seconds S] [--agent-rotate-mb MB]
                      [--only parse,ingest,report,peers,live,agent] [--skip PARTS] [--out DIR] [--results FILE] [--quiet]
  default: 1,000,000 lines, 200 streams at 50,000 lines/s for 60 s, the agent with 100 containers x 500 lines/s for
  120 s rotating at 10 MB; --smoke: 10,000 lines, 10 streams at 2,000 lines/s for 5 s, 10 containers x 100 lines/s`;

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new UserError(`${flag} ${v ?? ''} is not a whole number >= ${min}`, USAGE);
  return n;
}

function parts(flag: string, v: string | undefined): Set<Part> {
  const out = new Set<Part>();
  for (const p of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(PARTS as readonly string[]).includes(p)) throw new UserError(`${flag}: unknown part ${p}`, `one or more of ${PARTS.join(',')}`);
    out.add(p as Part);
  }
  return out;
}

export function parseArgs(argv: string[]): BenchOptions {
  const root = repoRoot();
  const smoke = argv.includes('--smoke');
  const o: BenchOptions = {
    lines: smoke ? 10_000 : 1_000_000,
    seed: 42,
    smoke,
    outDir: join(root, 'bench', 'out'),
    resultsPath: '',
    liveSeconds: smoke ? 5 : 60,
    streams: smoke ? 10 : 200,
    rate: smoke ? 2_000 : 50_000,
    parts: new Set(PARTS),
    quiet: false,
    // The kubelet checks sizes every 10 s (containerLogMonitorInterval); the smoke run every second, to rotate at all.
    agent: smoke
      ? { containers: 10, rate: 100, seconds: 5, rotateBytes: 64 * 1024, monitorMs: 1000 }
      : { containers: 100, rate: 500, seconds: 120, rotateBytes: 10 * 1024 * 1024, monitorMs: 10_000 },
  };
  let results: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--smoke':
        break;
      case '--lines':
        o.lines = int(a, next(), 1);
        break;
      case '--seed':
        o.seed = int(a, next(), 0);
        break;
      case '--live-seconds':
        o.liveSeconds = int(a, next(), 1);
        break;
      case '--streams':
        o.streams = int(a, next(), 1);
        break;
      case '--rate':
        o.rate = int(a, next(), 1);
        break;
      case '--agent-containers':
        o.agent.containers = int(a, next(), 1);
        break;
      case '--agent-rate':
        o.agent.rate = int(a, next(), 1);
        break;
      case '--agent-seconds':
        o.agent.seconds = int(a, next(), 1);
        break;
      case '--agent-rotate-mb':
        o.agent.rotateBytes = Math.round(Number(next()) * 1024 * 1024);
        if (!(o.agent.rotateBytes > 0)) throw new UserError('--agent-rotate-mb needs a size in MB', USAGE);
        break;
      case '--only':
        o.parts = parts(a, next());
        break;
      case '--skip':
        for (const p of parts(a, next())) o.parts.delete(p);
        break;
      case '--out':
        o.outDir = next() ?? '';
        break;
      case '--results':
        results = next();
        break;
      case '--quiet':
        o.quiet = true;
        break;
      case '-h':
      case '--help':
        throw new UserError('help', USAGE, 0);
      default:
        throw new UserError(`unknown flag ${a}`, USAGE);
    }
  }
  if (!o.outDir) throw new UserError('--out needs a directory', USAGE);
  // A smoke run does not overwrite the committed full-run results.
  o.resultsPath = results ?? (smoke ? join(o.outDir, 'results.smoke.json') : join(root, 'bench', 'results.json'));
  if (o.parts.has('report')) o.parts.add('ingest');
  return o;
}
