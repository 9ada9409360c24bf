// Markdown (GitHub-flavoured tables) of the report, to paste into a ticket; every cell escaped.
import { escapeMarkdown as md } from './escape.js';
import { mainTable, ratioCell, windowLine, windowServiceLines } from './table.js';
import { unparsedLine, type ReportView } from './model.js';

/** A GFM table; `right` columns are right-aligned. Cells are escaped here. */
export function mdTable(header: string[], rows: string[][], right: boolean[] = []): string {
  const line = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  const sep = `|${header.map((_, i) => (right[i] ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

export function renderReportMarkdown(v: ReportView): string {
  const r = v.report;
  const t = mainTable(v);
  const out = [
    '## snatscope report',
    '',
    `Window: ${md(windowLine(r))}. ${r.totals.requests} requests, SNAT ratio **${md(ratioCell(r.totals.requests, r.totals.snatRatio))}**` +
      ` (${r.totals.classes.node} with a node address), ${r.totals.classes.external} external, ${r.totals.recovered} recovered.`,
    '',
    mdTable(t.header, t.rows, t.right),
  ];
  const services = windowServiceLines(v);
  if (services.length) out.push('', '### Services (externalTrafficPolicy over the window)', '', ...services.map((l) => `- ${md(l)}`));
  if (v.snatSources.length) {
    out.push('', '### SNAT sources', '');
    out.push(mdTable(['owner node', 'address', 'requests'], v.snatSources.map((s) => [s.node, s.addr, String(s.requests)]), [false, false, true]));
  }
  if (r.unparsed) out.push('', `${md(unparsedLine(v))}.`);
  for (const n of r.notes) out.push('', `Note: ${md(n)}.`);
  return out.join('\n') + '\n';
}
