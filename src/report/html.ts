// The HTML report: ONE self-contained file (inline CSS and inline SVG charts; no scripts, no external assets, so
// it opens offline and a strict CSP is possible), the file people attach to an incident or a weekly mail: the
// Service lines (policy periods) and the audit's findings at the top, then SNAT ratio per pod, requests per time
// bucket stacked by class with policy-change markers, SNAT sources per node, and the tables. Every chart has a
// legend and an axis with ticks; print styles keep charts and tables whole on paper/PDF. Every text is escaped.
import { CLASSES, clientTraffic } from '../classes.js';
import { formatLocal, formatReadable } from '../time.js';
import { escapeHtml as h } from './escape.js';
import { clock, periodName } from './periods.js';
import { CLASS_COLORS, hbarChart, stackedColumns, type Bar, type LegendItem } from './svg.js';
import { formatRatio, mainTable, ratioCell, windowServiceLines } from './table.js';
import { unparsedLine, type ReportView } from './model.js';

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px;margin-bottom:4px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}.meta{color:#555}svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}
ul.findings li,ul.services li{margin:4px 0}code{background:#f2f2f2;padding:0 3px;border-radius:3px}ul.services{font-variant-numeric:tabular-nums}
@media print{@page{size:A4;margin:12mm}body{margin:0;max-width:none;font-size:11px}
h2{break-after:avoid;page-break-after:avoid}svg.chart,table,ul.findings li{break-inside:avoid;page-break-inside:avoid}
th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
svg.chart rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}}`;

function table(header: string[], rows: string[][], right: boolean[], totalLast = false): string {
  const th = header.map((c) => `<th>${h(c)}</th>`).join('');
  const trs = rows.map((r, i) => {
    const cls = totalLast && i === rows.length - 1 ? ' class="total"' : '';
    return `<tr${cls}>${r.map((c, j) => `<td${right[j] ? ' class="n"' : ''}>${h(c)}</td>`).join('')}</tr>`;
  });
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs.join('\n')}\n</tbody>\n</table>`;
}

/** Escaped text with the findings' `code` spans (flags to add) set as code. */
function rich(s: string): string {
  return h(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function hhmm(ms: number, withDate: boolean): string {
  const s = formatLocal(ms);
  return withDate ? `${s.slice(5, 10)} ${s.slice(11, 16)}` : s.slice(11, 16);
}

const SHADES = ['#d9534f', '#f0ad4e', '#8e44ad', '#16a085', '#2c3e50', '#e67e22', '#c0392b', '#7f8c8d', '#d35400', '#27ae60', '#2980b9', '#8e6c3a'];
const MAX_ADDR_COLOURS = SHADES.length - 1;

function ratioChart(v: ReportView, failAbove: number | undefined): string {
  const r = v.report;
  const rows = v.by === 'pod' ? r.pods.map((p) => ({ key: `${p.namespace}/${p.pod}`, g: p })) : v.groups.map((g) => ({ key: g.key, g }));
  const bars: Bar[] = rows.map(({ key, g }) => ({
    label: key,
    parts: [{ value: g.snatRatio ?? 0, color: CLASS_COLORS.node, title: `${key}: ${ratioCell(g.requests, g.snatRatio)} of ${clientTraffic(g.requests, g.classes)} client requests with a node address` }],
    note: `${ratioCell(g.requests, g.snatRatio)} of ${clientTraffic(g.requests, g.classes)}`,
  }));
  const legend: LegendItem[] = [{ label: 'requests from a node address (SNAT)', color: CLASS_COLORS.node }];
  if (failAbove !== undefined) legend.push({ label: `--fail-above ${formatRatio(failAbove)}`, color: '#000', dashed: true });
  return hbarChart(`SNAT ratio per ${v.by}`, bars, 1, {
    legend,
    ticks: [0, 0.25, 0.5, 0.75, 1],
    tick: (x) => `${Math.round(x * 100)}%`,
    axis: 'share of the requests that carry a node address',
    marker: failAbove !== undefined ? { value: failAbove, label: formatRatio(failAbove) } : undefined,
  });
}

function timelineChart(v: ReportView): string {
  const b0 = v.buckets[0]?.start;
  const days = v.buckets.length > 0 && formatLocal(b0).slice(0, 10) !== formatLocal(v.buckets.at(-1)!.start).slice(0, 10);
  const span = v.bucketMinutes * 60000;
  const r = v.report;
  const [from, until] = r.from !== null && r.to !== null ? [Date.parse(r.from), Date.parse(r.to)] : [0, 0];
  const markers = b0 === undefined ? [] : v.policyPeriods.flatMap((periods) =>
    periods.slice(1).map((p) => ({ at: (p.from - b0) / span, label: `${periods[0].service} → ${periodName(p)} ${clock(p.from, from, until)}` })),
  );
  const legend: LegendItem[] = CLASSES.map((c) => ({ label: c, color: CLASS_COLORS[c] }));
  if (markers.length) legend.push({ label: 'externalTrafficPolicy change', color: '#000', dashed: true });
  const offset = formatLocal(b0 ?? 0).slice(19);
  return stackedColumns(
    `Requests per ${v.bucketMinutes === 1 ? 'minute' : `${v.bucketMinutes} minutes`} by class`,
    v.buckets.map((b) => ({
      label: hhmm(b.start, days),
      parts: CLASSES.map((c) => ({ value: b.classes[c], color: CLASS_COLORS[c], title: `${formatReadable(b.start)} ${c}: ${b.classes[c]}` })),
    })),
    { legend, markers, xAxis: `local time (UTC${offset})`, yAxis: `requests per ${v.bucketMinutes === 1 ? 'minute' : `${v.bucketMinutes} min`}` },
  );
}

function nodeChart(v: ReportView): string {
  if (v.snatSources.length === 0) return '<p class="meta">No request carried a node address in this window.</p>';
  // One colour per address (the busiest ones; the rest share "other"), the same in the bars and the legend.
  const byAddr = [...v.snatSources].sort((a, b) => b.requests - a.requests);
  const colour = new Map<string, string>();
  byAddr.slice(0, MAX_ADDR_COLOURS).forEach((s, i) => colour.set(`${s.node} ${s.addr}`, SHADES[i]));
  const other = SHADES.at(-1)!;
  const byNode = new Map<string, { addr: string; requests: number }[]>();
  for (const s of v.snatSources) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  const bars: Bar[] = [...byNode].map(([node, list]) => ({
    label: node,
    parts: list.map((x) => ({ value: x.requests, color: colour.get(`${node} ${x.addr}`) ?? other, title: `${node} ${x.addr}: ${x.requests}` })),
    note: String(list.reduce((s, x) => s + x.requests, 0)),
  }));
  const legend: LegendItem[] = byAddr.slice(0, MAX_ADDR_COLOURS).map((s) => ({ label: `${s.addr} (${s.node})`, color: colour.get(`${s.node} ${s.addr}`)! }));
  if (byAddr.length > MAX_ADDR_COLOURS) legend.push({ label: `${byAddr.length - MAX_ADDR_COLOURS} other addresses`, color: other });
  const max = Math.max(0, ...bars.map((b) => b.parts.reduce((s, p) => s + p.value, 0)));
  return hbarChart('SNAT sources per node (requests carrying that node\'s addresses)', bars, max, { legend, axis: 'requests' });
}

export function renderReportHtml(v: ReportView, opts: { failAbove?: number; findings?: string[] } = {}): string {
  const r = v.report;
  const windowText = `${r.from === null ? 'beginning' : formatReadable(Date.parse(r.from))} .. ${r.to === null ? 'now' : formatReadable(Date.parse(r.to))}`;
  const t = mainTable(v);
  const snatTable = v.snatSources.length
    ? table(['owner node', 'address', 'requests'], v.snatSources.map((s) => [s.node, s.addr, String(s.requests)]), [false, false, true])
    : '';
  const summary =
    `${r.totals.requests} requests, SNAT ratio ${ratioCell(r.totals.requests, r.totals.snatRatio)} (${r.totals.classes.node} with a node address), ` +
    `${r.totals.classes.external} external, ${r.totals.recovered} recovered through X-Forwarded-For` +
    (r.unparsed ? `, ${unparsedLine(v)}` : '') + '.';
  const services = windowServiceLines(v);
  const servicesHtml = services.length
    ? `<h2>Services</h2>\n<ul class="services">\n${services.map((l) => `<li>${h(l)}</li>`).join('\n')}\n</ul>`
    : '<p class="meta">No stored Service selects these pods (watch records Services; ingest takes them from --topology).</p>';
  const findings = opts.findings ?? [];
  const findingsHtml = findings.length ? `<h2>Findings</h2>\n<ul class="findings">\n${findings.map((f) => `<li>${rich(f)}</li>`).join('\n')}\n</ul>` : '';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>snatscope report ${h(windowText)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>snatscope report</h1>
<p class="meta">Window: ${h(windowText)}</p>
<p>${h(summary)}</p>
${r.notes.map((n) => `<p class="meta">Note: ${h(n)}.</p>`).join('\n')}
${servicesHtml}
${findingsHtml}
<h2>SNAT ratio</h2>
${ratioChart(v, opts.failAbove)}
<h2>Requests by class</h2>
${timelineChart(v)}
<h2>SNAT sources</h2>
${nodeChart(v)}
${snatTable}
<h2>Per ${h(v.by)}</h2>
${table(t.header, t.rows, t.right, true)}
</body>
</html>
`;
}
