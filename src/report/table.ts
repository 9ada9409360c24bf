// Plain-text tables for the terminal: right-aligned numbers, ratios as percentages, every cell escaped.
import { safeText } from '../output/escape.js';
import type { ReportJson, ReportRow } from '../../db/index.js';

export function formatRatio(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

/** Renders rows as aligned columns. `right` marks numeric columns. */
export function renderTable(header: string[], rows: string[][], right: boolean[] = []): string {
  const cells = [header, ...rows].map((r) => r.map((c) => safeText(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

function cellsOf(row: ReportRow, label: string[]): string[] {
  const c = row.classes;
  return [
    ...label,
    String(row.requests),
    formatRatio(row.snatRatio),
    String(c.node),
    String(c.pod),
    String(c.private),
    String(c.external),
    String(c.unknown),
    String(row.recovered),
  ];
}

/** The per-pod report as a terminal table with a totals row and the window it covers. */
export function renderReportTable(report: ReportJson): string {
  const header = ['NAMESPACE', 'POD', 'NODE', 'REQUESTS', 'SNAT', 'NODE', 'POD', 'PRIVATE', 'EXTERNAL', 'UNKNOWN', 'RECOVERED'];
  const right = [false, false, false, true, true, true, true, true, true, true, true];
  const rows = report.pods.map((p) => cellsOf(p, [p.namespace ?? '', p.pod ?? '', p.nodeName ?? '-']));
  rows.push(cellsOf(report.totals, ['TOTAL', '', '']));
  const window = `window: ${report.from ?? 'beginning'} .. ${report.to ?? 'now'}`;
  const notes = [window];
  if (report.unparsed) notes.push(`unparsed lines: ${report.unparsed}`);
  return `${renderTable(header, rows, right)}\n\n${notes.join('\n')}\n`;
}
