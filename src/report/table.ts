// Plain-text tables for the terminal: right-aligned numbers, ratios as percentages, times in local time with
// the offset, every cell made harmless for a terminal (safeText).
import { percent, safeText } from '../text.js';
import { formatLocal } from '../time.js';
import type { Report } from '../../db/index.js';
import { CLASSES, type AddressClass } from '../classes.js';
import { serviceLines, unparsedLine, type ReportGroup, type ReportView } from './model.js';

export function formatRatio(r: number | null): string {
  return r === null ? '-' : percent(r, 1);
}

/** A ratio over `requests` for a cell: `-` when there is nothing to divide (0 requests is no ratio, not 0.0%). */
export function ratioCell(requests: number, r: number | null): string {
  return requests === 0 ? '-' : formatRatio(r);
}

/** An ISO time (or null) as local time with its offset; `ifNull` otherwise. */
export function localOrElse(iso: string | null, ifNull: string): string {
  return iso === null ? ifNull : formatLocal(Date.parse(iso));
}

/** Renders rows as aligned columns. `right` marks numeric columns. */
export function renderTable(header: string[], rows: string[][], right: boolean[] = []): string {
  const cells = [header, ...rows].map((r) => r.map((c) => safeText(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/**
 * Column header of a class count. The tables also have NODE and POD columns naming where a request landed, so
 * the counts of requests *from* node and pod addresses say so (NODE-IP, POD-IP) instead of repeating those names.
 */
export function classHeader(cls: AddressClass): string {
  return cls === 'node' || cls === 'pod' ? `${cls.toUpperCase()}-IP` : cls.toUpperCase();
}

export const CLASS_HEADER: readonly string[] = CLASSES.map(classHeader);

export function numberCells(row: Pick<ReportGroup, 'requests' | 'snatRatio' | 'classes' | 'recovered'>): string[] {
  const c = row.classes;
  return [String(row.requests), ratioCell(row.requests, row.snatRatio), ...CLASSES.map((k) => String(c[k])), String(row.recovered)];
}

/** Header, label cells per row and alignment of the main table, for any --by. */
export function mainTable(v: ReportView): { header: string[]; rows: string[][]; right: boolean[] } {
  const nums = ['REQUESTS', 'SNAT', ...CLASS_HEADER, 'RECOVERED'];
  const r = v.report;
  if (v.by === 'pod') {
    const rows = r.pods.map((p) => [p.namespace, p.pod, p.nodeName ?? '-', ...numberCells(p)]);
    rows.push(['TOTAL', '', '', ...numberCells(r.totals)]);
    return { header: ['NAMESPACE', 'POD', 'NODE', ...nums], rows, right: [false, false, false, ...nums.map(() => true)] };
  }
  const rows = v.groups.map((g) => [g.key, String(g.pods.length), ...numberCells(g)]);
  rows.push(['TOTAL', String(r.pods.length), ...numberCells(r.totals)]);
  return { header: [v.by.toUpperCase(), 'PODS', ...nums], rows, right: [false, true, ...nums.map(() => true)] };
}

/** The Service lines of a report view (policy periods with their numbers). */
export function windowServiceLines(v: ReportView): string[] {
  const r = v.report;
  return r.from === null || r.to === null ? [] : serviceLines(v.policyPeriods, Date.parse(r.from), Date.parse(r.to));
}

export function windowLine(r: Report): string {
  return `${localOrElse(r.from, 'beginning')} .. ${localOrElse(r.to, 'now')}`;
}

/** The report as terminal tables: the main table with totals, the SNAT sources, and the window. */
export function renderReportTable(v: ReportView): string {
  const t = mainTable(v);
  const out = [renderTable(t.header, t.rows, t.right)];
  if (v.snatSources.length) {
    out.push('', 'SNAT sources (node addresses seen as client):');
    out.push(renderTable(['OWNER NODE', 'ADDRESS', 'REQUESTS'], v.snatSources.map((s) => [s.node, s.addr, String(s.requests)]), [false, false, true]));
  }
  const services = windowServiceLines(v);
  if (services.length) out.push('', 'Services (externalTrafficPolicy over the window):', ...services);
  out.push('', `window: ${windowLine(v.report)}`);
  for (const n of v.report.notes) out.push(`note: ${n}`);
  if (v.report.unparsed) out.push(unparsedLine(v));
  return out.join('\n') + '\n';
}
