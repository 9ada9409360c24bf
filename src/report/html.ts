// The HTML report: ONE self-contained file (inline CSS and inline SVG charts; no scripts, no external assets, so
// it opens offline and a strict CSP is possible): SNAT ratio per pod, requests per time bucket stacked by class,
// SNAT sources per node, and the tables. Every piece of text is escaped.
import { CLASSES } from '../classes.js';
import { formatLocal } from '../time.js';
import { escapeHtml as h } from './escape.js';
import { CLASS_COLORS, hbarChart, stackedColumns, type Bar } from './svg.js';
import { formatRatio, mainTable, windowLine } from './table.js';
import type { ReportView } from './model.js';

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}.meta{color:#555}svg.chart{display:block;margin:8px 0}`;

function table(header: string[], rows: string[][], right: boolean[], totalLast = false): string {
  const th = header.map((c) => `<th>${h(c)}</th>`).join('');
  const trs = rows.map((r, i) => {
    const cls = totalLast && i === rows.length - 1 ? ' class="total"' : '';
    return `<tr${cls}>${r.map((c, j) => `<td${right[j] ? ' class="n"' : ''}>${h(c)}</td>`).join('')}</tr>`;
  });
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs.join('\n')}\n</tbody>\n</table>`;
}

function hhmm(ms: number, withDate: boolean): string {
  const s = formatLocal(ms);
  return withDate ? `${s.slice(5, 10)} ${s.slice(11, 16)}` : s.slice(11, 16);
}

export function renderReportHtml(v: ReportView, opts: { failAbove?: number } = {}): string {
  const r = v.report;
  const pct = (x: number) => formatRatio(x);

  const ratioBars: Bar[] = (v.by === 'pod' ? r.pods.map((p) => ({ key: `${p.namespace}/${p.pod}`, g: p })) : v.groups.map((g) => ({ key: g.key, g }))).map(
    ({ key, g }) => ({
      label: key,
      parts: [{ value: g.snatRatio, color: CLASS_COLORS.node, title: `${key}: ${pct(g.snatRatio)} of ${g.requests} requests with a node address` }],
      note: pct(g.snatRatio),
    }),
  );
  const ratioChart = hbarChart(
    `SNAT ratio per ${v.by}`,
    ratioBars,
    1,
    opts.failAbove !== undefined ? { marker: { value: opts.failAbove, label: `alert ${pct(opts.failAbove)}` } } : {},
  );

  const days = v.buckets.length > 0 && formatLocal(v.buckets[0].start).slice(0, 10) !== formatLocal(v.buckets.at(-1)!.start).slice(0, 10);
  const perMinute = stackedColumns(
    `Requests per ${v.bucketMinutes === 1 ? 'minute' : `${v.bucketMinutes} minutes`} by class`,
    v.buckets.map((b) => ({
      label: hhmm(b.start, days),
      parts: CLASSES.map((c) => ({ value: b.classes[c], color: CLASS_COLORS[c], title: `${formatLocal(b.start)} ${c}: ${b.classes[c]}` })),
    })),
    { legend: CLASSES.map((c) => ({ label: c, color: CLASS_COLORS[c] })) },
  );

  const byNode = new Map<string, { addr: string; requests: number }[]>();
  for (const s of v.snatSources) {
    const list = byNode.get(s.node) ?? [];
    list.push(s);
    byNode.set(s.node, list);
  }
  const shades = ['#d9534f', '#e88b5a', '#f0b45a', '#c0392b', '#a93226'];
  const nodeBars: Bar[] = [...byNode].map(([node, list]) => {
    const total = list.reduce((s, x) => s + x.requests, 0);
    return {
      label: node,
      parts: list.map((x, i) => ({ value: x.requests, color: shades[i % shades.length], title: `${node} ${x.addr}: ${x.requests}` })),
      note: String(total),
    };
  });
  const maxNode = Math.max(0, ...nodeBars.map((b) => b.parts.reduce((s, p) => s + p.value, 0)));
  const nodeChart = nodeBars.length
    ? hbarChart('SNAT sources per node (requests carrying that node\'s addresses)', nodeBars, maxNode)
    : '<p class="meta">No request carried a node address in this window.</p>';

  const t = mainTable(v);
  const snatTable = v.snatSources.length
    ? table(['owner node', 'address', 'requests'], v.snatSources.map((s) => [s.node, s.addr, String(s.requests)]), [false, false, true])
    : '';
  const summary =
    `${r.totals.requests} requests, SNAT ratio ${pct(r.totals.snatRatio)} (${r.totals.classes.node} with a node address), ` +
    `${r.totals.classes.external} external, ${r.totals.recovered} recovered through X-Forwarded-For` +
    (r.unparsed ? `, ${r.unparsed} unparsed lines` : '') + '.';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>snatscope report ${h(windowLine(r))}</title>
<style>${CSS}</style>
</head>
<body>
<h1>snatscope report</h1>
<p class="meta">Window: ${h(windowLine(r))}</p>
<p>${h(summary)}</p>
<h2>SNAT ratio</h2>
${ratioChart}
<h2>Requests by class</h2>
${perMinute}
<h2>SNAT sources</h2>
${nodeChart}
${snatTable}
<h2>Per ${h(v.by)}</h2>
${table(t.header, t.rows, t.right, true)}
</body>
</html>
`;
}
