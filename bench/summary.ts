// The benchmark's results: the JSON shape written to results.json, the machine it ran on, the targets from
// issue 8 (met or not, with the number), and the plain-text table printed at the end.
import { cpus, loadavg, totalmem } from 'node:os';
import type { GeneratedInput } from './gen.js';
import type { IngestResult, ReportResult } from './ingest.js';
import type { LiveResult } from './live.js';
import type { AgentBenchResult } from './agent.js';
import type { ParseResult } from './parse.js';
import type { PeerResult } from './peers.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  date: string;
  /** 1/5/15-minute load averages when the run started: other work on a shared machine skews the times. */
  loadAverage: number[];
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

export interface BenchResults {
  machine: Machine;
  config: { lines: number; seed: number; smoke: boolean; liveSeconds: number; streams: number; rate: number };
  input: GeneratedInput | null;
  parse: ParseResult | null;
  ingest: IngestResult | null;
  report: ReportResult | null;
  peers: PeerResult[] | null;
  live: LiveResult | null;
  agent?: AgentBenchResult | null;
  targets: Target[];
  /** Parts that failed, with the error. */
  errors: { part: string; message: string }[];
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const MB = 1024 * 1024;
export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMB = (b: number | null) => (b === null ? '?' : `${(b / MB).toFixed(0)} MB`);
const fmtS = (s: number | null) => (s === null ? '-' : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);

export function targets(r: BenchResults): Target[] {
  const t: Target[] = [];
  const at = `${fmtInt(r.config.lines)} lines`;
  if (r.ingest) {
    const i = r.ingest;
    t.push({ name: `ingest speed (${at})`, target: '>= 500,000 lines/s', value: `${fmtInt(i.linesPerSec)} lines/s`, met: i.linesPerSec >= 500_000 });
    t.push({ name: 'every request stored', target: `${fmtInt(i.lines)} rows`, value: `${fmtInt(i.stored)} rows, ${fmtInt(i.unparsed)} unparsed`, met: i.stored === i.lines });
    t.push({ name: `ingest peak RSS (${at})`, target: '< 200 MB', value: fmtMB(i.peakRssBytes), met: i.peakRssBytes === null ? null : i.peakRssBytes < 200 * MB });
  }
  if (r.parse) {
    t.push({ name: 'parse + classify (in-process)', target: '>= 2,000,000 lines/s', value: `${fmtInt(r.parse.linesPerSec)} lines/s`, met: r.parse.linesPerSec >= 2_000_000 });
  }
  if (r.report) {
    t.push({ name: `report over ${fmtInt(r.ingest?.stored ?? 0)} requests`, target: '< 1 s', value: fmtS(r.report.seconds), met: r.report.seconds < 1 });
  }
  if (r.live) {
    const l = r.live;
    // Kept up: the rate was appended and everything was stored within a second of the last append.
    const keptUp = l.appendRate >= 0.99 * l.targetRate && l.drainSeconds < 1;
    t.push({ name: `live rate (${l.streams} streams)`, target: `${fmtInt(l.targetRate)} lines/s`, value: `${fmtInt(l.sustainedLinesPerSec)} lines/s sustained (appended ${fmtInt(l.appendRate)}/s, drained in ${fmtS(l.drainSeconds)})`, met: keptUp });
    t.push({ name: 'live lag (append -> stored)', target: 'p99 < 1 s', value: `p50 ${l.lagMs.p50} ms, p99 ${l.lagMs.p99} ms, max ${l.lagMs.max} ms`, met: l.lagMs.p99 < 1000 });
    t.push({ name: 'live lines lost', target: '0', value: `${fmtInt(l.lost)} lost, ${fmtInt(l.duplicates)} duplicated of ${fmtInt(l.appended)}`, met: l.lost === 0 && l.duplicates === 0 });
  }
  if (r.agent) {
    const a = r.agent;
    const what = `${a.containers} containers x ${fmtInt(a.ratePerContainer)} lines/s`;
    t.push({ name: `agent lines lost (${what})`, target: '0', value: `${fmtInt(a.lost)} lost, ${fmtInt(a.duplicates)} duplicated of ${fmtInt(a.written)} (${a.rotations} rotations)`, met: a.lost === 0 && a.duplicates === 0 });
    t.push({ name: 'agent lag (write -> stored)', target: 'p99 < 1 s', value: `p50 ${a.lagMs.p50} ms, p99 ${a.lagMs.p99} ms, max ${a.lagMs.max} ms`, met: a.lagMs.p99 < 1000 });
    if (a.scrapeMs) {
      t.push({ name: `scrape /metrics (${a.containers} pods)`, target: '< 10 ms (CPU, p50)', value: `p50 ${a.scrapeMs.p50} ms, p99 ${a.scrapeMs.p99} ms over HTTP (${fmtInt(a.scrapeMs.bytes)} bytes)${a.scrapeMs.agentCpuMs === null ? '' : `, ${a.scrapeMs.agentCpuMs} ms of the agent's CPU each`}; rendering alone p50 ${a.renderMs.p50} ms, ${a.renderMs.cpu} ms CPU`, met: (a.scrapeMs.agentCpuMs ?? a.scrapeMs.p50) < 10 && a.scrapeMs.p50 < 10 });
    }
  }
  return t;
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The Markdown tables printed at the end (and pasted into the README's Speed section). */
export function renderSummary(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 1024 ** 3).toFixed(0)} GB, Node ${m.node}, ${m.platform}, ${m.date.slice(0, 10)}, load average ${m.loadAverage.join(' ')} at start`);
  if (r.input) {
    out.push(`Input: ${fmtInt(r.input.lines)} lines (${(r.input.bytes / 1e6).toFixed(0)} MB, ${fmtInt(r.input.distinctClients)} distinct clients), nginx main format, seed ${r.config.seed}`);
  }
  out.push('');
  const rows: string[][] = [];
  if (r.parse) rows.push(['snatscope parse + classify (in-process)', fmtS(r.parse.seconds), fmtInt(r.parse.linesPerSec), '-', '-']);
  if (r.ingest) {
    rows.push(['snatscope ingest (CLI, into SQLite)', fmtS(r.ingest.seconds), fmtInt(r.ingest.linesPerSec), fmtMB(r.ingest.peakRssBytes), '1.0x']);
  }
  for (const p of r.peers ?? []) {
    if (p.seconds === null) rows.push([p.name, '-', '-', '-', p.note ?? 'skipped']);
    else rows.push([p.name, fmtS(p.seconds), fmtInt(p.linesPerSec ?? 0), fmtMB(p.peakRssBytes), p.ratio === null ? '-' : `snatscope ${p.ratio >= 1 ? `${p.ratio.toFixed(1)}x faster` : `${(1 / p.ratio).toFixed(1)}x slower`}`]);
  }
  if (rows.length) out.push(table(['tool', 'time', 'lines/s', 'peak RSS', 'vs snatscope ingest'], rows), '');
  const extra: string[][] = [];
  if (r.parse) extra.push(['parse + classify per CPU-second', `${fmtInt(r.parse.linesPerCpuSec)} lines/s (${fmtInt(r.parse.accepted)} accepted, ${fmtInt(r.parse.recovered)} clients recovered from X-Forwarded-For)`]);
  if (r.ingest) extra.push(['database size', `${(r.ingest.dbBytes / 1e6).toFixed(0)} MB, ${r.ingest.bytesPerRequest.toFixed(1)} bytes/request`]);
  if (r.ingest?.cpuSeconds != null) extra.push(['ingest CPU time', fmtS(r.ingest.cpuSeconds)]);
  for (const p of r.peers ?? []) if (p.answer) extra.push([`${p.name} answer`, p.answer]);
  if (r.report) extra.push(['snatscope report (table / json)', `${fmtS(r.report.seconds)} / ${fmtS(r.report.jsonSeconds)} (Node start-up alone ${fmtS(r.report.startupSeconds)})`]);
  if (r.live) {
    const l = r.live;
    extra.push(['live watch', `${l.streams} streams, ${fmtInt(l.targetRate)} lines/s for ${l.seconds} s: ${fmtInt(l.stored)} of ${fmtInt(l.appended)} stored`]);
    extra.push(['live lag', `p50 ${l.lagMs.p50} ms, p95 ${l.lagMs.p95} ms, p99 ${l.lagMs.p99} ms, max ${l.lagMs.max} ms`]);
    extra.push(['watcher CPU / peak RSS', `${l.watcherCpuPercent === null ? '?' : l.watcherCpuPercent.toFixed(0)}% / ${fmtMB(l.watcherPeakRssBytes)} (emulator + driver: ${l.driverCpuPercent.toFixed(0)}%)`]);
  }
  if (r.agent) {
    const a = r.agent;
    extra.push(['agent', `${a.containers} containers x ${fmtInt(a.ratePerContainer)} lines/s for ${a.seconds} s: ${fmtInt(a.stored)} of ${fmtInt(a.written)} stored, ${(a.bytesWritten / 1e6).toFixed(0)} MB, ${a.rotations} rotations, drained in ${fmtS(a.drainSeconds)}`]);
    extra.push(['agent CPU / peak RSS', `${a.agentCpuPercent === null ? '?' : a.agentCpuPercent.toFixed(0)}% / ${fmtMB(a.agentPeakRssBytes)}; ${a.linesPerCpuSecond === null ? '?' : fmtInt(a.linesPerCpuSecond)} lines per CPU-second`]);
    if (a.note) extra.push(['agent note', a.note]);
  }
  if (extra.length) out.push(table(['measure', 'value'], extra), '');
  if (r.targets.length) {
    out.push(table(['target', 'wanted', 'measured', 'met'], r.targets.map((t) => [t.name, t.target, t.value, t.met === null ? '?' : t.met ? 'yes' : 'NO'])), '');
  }
  for (const e of r.errors) out.push(`error in ${e.part}: ${e.message}`);
  return out.join('\n');
}
