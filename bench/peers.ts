// The tools snatscope is compared with, on the same generated file: GoAccess (JSON report), lnav (a headless count
// query) and awk (count per client address). Each is optional: a missing tool is skipped with a note.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure, which } from './proc.js';

export interface PeerResult {
  name: string;
  command: string;
  available: boolean;
  seconds: number | null;
  linesPerSec: number | null;
  peakRssBytes: number | null;
  /** Peer seconds / snatscope ingest seconds (> 1: snatscope is faster); filled in by the runner. */
  ratio: number | null;
  /** What the tool printed as its answer (count), to show it read the whole file. */
  answer: string | null;
  note: string | null;
}

interface PeerSpec {
  name: string;
  bin: string;
  args(file: string, dir: string): string[];
  answer(stdout: string, dir: string): string | null;
  install: string;
}

const PEERS: PeerSpec[] = [
  {
    name: 'goaccess',
    bin: 'goaccess',
    args: (file, dir) => [file, '--log-format=COMBINED', '--no-global-config', '-o', join(dir, 'goaccess-report.json')],
    answer: (_out, dir) => {
      try {
        const g = JSON.parse(readFileSync(join(dir, 'goaccess-report.json'), 'utf8')) as { general?: { total_requests?: number; valid_requests?: number } };
        return g.general ? `${g.general.total_requests} requests (${g.general.valid_requests} valid)` : null;
      } catch {
        return null;
      }
    },
    install: 'apt-get install goaccess',
  },
  {
    name: 'lnav',
    bin: 'lnav',
    args: (file) => ['-n', '-c', ';SELECT count(*) AS n FROM access_log', file],
    answer: (out) => {
      const n = /(\d+)\s*$/.exec(out.trim())?.[1];
      return n === undefined ? null : `${n} rows in access_log`;
    },
    install: 'apt-get install lnav',
  },
  {
    name: 'awk',
    bin: 'awk',
    args: (file) => ['{ c[$1]++ } END { n = 0; for (k in c) n++; print n }', file],
    answer: (out) => (out.trim() ? `${out.trim()} distinct clients` : null),
    install: 'apt-get install mawk',
  },
];

/** Runs each installed peer once over `file` (`lines` lines). */
export async function benchPeers(file: string, lines: number, dir: string, only?: string[]): Promise<PeerResult[]> {
  const out: PeerResult[] = [];
  const home = join(dir, 'peer-home');
  mkdirSync(home, { recursive: true });
  for (const p of PEERS) {
    if (only && !only.includes(p.name)) continue;
    const bin = which(p.bin);
    const args = p.args(file, dir);
    const command = `${p.bin} ${args.map((a) => (/[\s;${}]/.test(a) ? `'${a}'` : a)).join(' ')}`;
    const base: PeerResult = { name: p.name, command, available: bin !== null, seconds: null, linesPerSec: null, peakRssBytes: null, ratio: null, answer: null, note: null };
    if (bin === null) {
      out.push({ ...base, note: `not installed (${p.install} to compare)` });
      continue;
    }
    // A private HOME: lnav and goaccess keep state and config there.
    const m = await measure(bin, args, { env: { ...process.env, HOME: home, TERM: 'dumb' }, timeoutMs: 30 * 60_000 });
    if (m.code !== 0) {
      out.push({ ...base, note: `exited ${m.code}: ${(m.stderr.trim() || m.stdout.trim()).split('\n').slice(-2).join(' ').slice(0, 200)}` });
      continue;
    }
    out.push({ ...base, seconds: m.seconds, linesPerSec: lines / m.seconds, peakRssBytes: m.peakRss, answer: p.answer(m.stdout, dir) });
  }
  return out;
}
