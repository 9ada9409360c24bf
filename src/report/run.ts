// A report run: builds one report for a window and renders it (table, JSON, CSV, Markdown, HTML), written atomically
// to --out or to stdout; --fail-above lists the pods above the ratio (exit 3); --every writes a timestamped report
// into a directory on a schedule until SIGINT/SIGTERM.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openStore } from '../../db/cli-open.js';
import { UserError, formatUserError } from '../errors.js';
import { SIGNAL_EXIT, untilSignal } from '../shutdown.js';
import { safeText } from '../text.js';
import { parseDuration, parseTime } from '../time.js';
import { buildReport, podsAbove, reportJson, type GroupBy, type ReportView } from './model.js';
import { formatRatio, renderReportTable } from './table.js';
import { renderReportCsv } from './csv.js';
import { renderReportMarkdown } from './markdown.js';
import { renderReportHtml } from './html.js';
import { reportFindings } from './audit.js';
import { parseSchedule } from './schedule.js';

export type ReportFormat = 'table' | 'json' | 'csv' | 'markdown' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'csv', 'markdown', 'html'];
const EXTENSIONS: Record<ReportFormat, string> = { table: 'txt', json: 'json', csv: 'csv', markdown: 'md', html: 'html' };

export interface ReportFlags {
  db?: string;
  since?: string;
  from?: string;
  until?: string;
  by?: GroupBy;
  namespace?: string;
  pod?: string;
  format: string;
  out?: string;
  failAbove?: string;
  every?: string;
}

export function windowOf(flags: { since?: string; from?: string; until?: string }, now = Date.now()): { from?: number; until?: number } {
  if (flags.since && flags.from) throw new UserError('--since and --from both give the window start', 'only one of them');
  const from = flags.since ? now - parseDuration(flags.since, '--since') : flags.from ? parseTime(flags.from, '--from', now) : undefined;
  const until = flags.until ? parseTime(flags.until, '--until', now) : undefined;
  if (from !== undefined && until !== undefined && until <= from) {
    throw new UserError('--until is not after the window start', 'an --until later than --from/--since');
  }
  return { from, until };
}

/** --fail-above: a ratio 0..1, or a percentage like 20%. */
export function parseRatio(text: string): number {
  const t = text.trim();
  const pct = t.endsWith('%');
  const n = Number(pct ? t.slice(0, -1) : t);
  const r = pct ? n / 100 : n;
  if (t === '' || t === '%' || !Number.isFinite(r) || r < 0 || r > 1) {
    throw new UserError(`--fail-above "${text}" is not a ratio`, 'a number from 0 to 1 (0.2) or a percentage (20%)');
  }
  return r;
}

/** `terminal`: the text goes to a terminal (CSV then escapes control characters; the other formats always do). */
export function renderReport(v: ReportView, format: ReportFormat, failAbove?: number, findings?: string[], terminal = false): string {
  switch (format) {
    case 'json':
      return JSON.stringify(reportJson(v), null, 2) + '\n';
    case 'csv':
      return renderReportCsv(v, { terminal });
    case 'markdown':
      return renderReportMarkdown(v);
    case 'html':
      return renderReportHtml(v, { failAbove, findings });
    default:
      return renderReportTable(v);
  }
}

/** Builds and renders one report; `failing` lists "namespace/pod ratio" above --fail-above. */
export function runReport(flags: ReportFlags, now = Date.now(), terminal = flags.out === undefined && process.stdout.isTTY === true): { text: string; failing: string[] } {
  const window = windowOf(flags, now);
  const failAbove = flags.failAbove === undefined ? undefined : parseRatio(flags.failAbove);
  const store = openStore(flags.db, { readonly: true, mustExist: true });
  try {
    const v = buildReport(store, { ...window, namespace: flags.namespace, pod: flags.pod, by: flags.by ?? 'pod' });
    const failing = failAbove === undefined ? [] : podsAbove(v.report, failAbove).map((p) => `${p.namespace}/${p.pod} ${formatRatio(p.snatRatio)}`);
    const format = (flags.format ?? 'table') as ReportFormat;
    // The HTML report carries the audit's findings for the same window and filter.
    const findings = format === 'html' ? reportFindings(store, v, { namespace: flags.namespace, pod: flags.pod }) : undefined;
    return { text: renderReport(v, format, failAbove, findings, terminal), failing };
  } finally {
    store.close();
  }
}

/** Writes through a temporary file and a rename, so a reader (or a crash) never sees half a report. */
function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function checkOutFile(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    /* a new file */
  }
  if (isDir) throw new UserError(`--out ${path} is a directory`, `a file path such as ${join(path, 'report.html')}, or add --every to write reports into it`);
  try {
    if (!statSync(dirname(path)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UserError(`--out ${path}: directory ${dirname(path)} does not exist`, `mkdir -p ${dirname(path)}`);
  }
}

function failLine(ratio: string, failing: string[]): string {
  return `snatscope: SNAT ratio above ${safeText(ratio)}: ${failing.map(safeText).join(', ')}\n`;
}

/** File name of a scheduled report: local time, sortable, no characters awkward on any file system. */
export function stampedName(now: number, format: ReportFormat): string {
  const d = new Date(now);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}-${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
  return `snatscope-report-${stamp}.${EXTENSIONS[format]}`;
}

export async function runReportCommand(flags: ReportFlags): Promise<number> {
  const format = (flags.format ?? 'table') as ReportFormat;
  if (flags.every === undefined) {
    if (flags.out !== undefined) checkOutFile(flags.out);
    const { text, failing } = runReport(flags);
    if (flags.out !== undefined) writeAtomic(flags.out, text);
    else process.stdout.write(text);
    if (failing.length > 0) {
      process.stderr.write(failLine(flags.failAbove!, failing));
      return 3;
    }
    return 0;
  }

  if (flags.out === undefined) throw new UserError('--every needs --out DIR to write the reports into', '--every 1h --out reports/');
  if (flags.from !== undefined) throw new UserError('--every with a fixed --from would report the same window each time', '--since 1h (a window relative to each run)');
  const schedule = parseSchedule(flags.every);
  windowOf(flags); // validate the window flags now, not at the first run
  if (flags.failAbove !== undefined) parseRatio(flags.failAbove);
  const dir = flags.out;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot create --out directory ${dir}: ${(err as Error).message}`, 'a writable directory path');
  }
  if (!statSync(dir).isDirectory()) throw new UserError(`--out ${dir} is not a directory`, 'with --every, --out names a directory');
  openStore(flags.db, { readonly: true, mustExist: true }).close();
  process.stderr.write(`snatscope: writing ${format} reports into ${safeText(dir)} ${schedule.describe}; Ctrl-C to stop\n`);
  const { received } = await untilSignal((signal) => schedule.run(() => {
    const now = Date.now();
    try {
      const { text, failing } = runReport(flags, now);
      const path = join(dir, stampedName(now, format));
      writeAtomic(path, text);
      process.stderr.write(`snatscope: wrote ${safeText(path)}\n`);
      if (failing.length > 0) process.stderr.write(failLine(flags.failAbove!, failing));
    } catch (err) {
      // One failed run (database locked, disk full) is reported; the schedule goes on.
      const msg = err instanceof UserError ? formatUserError(err) : `snatscope: report failed: ${(err as Error).message}`;
      process.stderr.write(msg + '\n');
    }
  }, signal));
  return received ? SIGNAL_EXIT[received] : 0;
}
