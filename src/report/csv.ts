// CSV (RFC 4180: CRLF line ends, fields quoted only when needed, quotes doubled) of the main report table, one
// row per pod or group, no totals row (a spreadsheet sums columns itself). Ratios as plain decimals. To a terminal
// (`terminal`), control characters in the text cells are shown escaped; to a file or a pipe the values are exact.
import { CLASSES } from '../classes.js';
import { safeText } from '../text.js';
import { csvField } from './escape.js';
import type { RequestCounts } from '../../db/index.js';
import type { ReportView } from './model.js';

const NUM_COLS = ['requests', 'snat_ratio', ...CLASSES.map((c) => `class_${c}`), 'recovered', 'client_ratio'];

/** A ratio as a plain decimal; empty when there is no client traffic (null). */
function ratio(x: number | null): number | string {
  return x === null ? '' : Number(x.toFixed(6));
}

function nums(r: RequestCounts): (number | string)[] {
  const c = r.classes;
  return [r.requests, ratio(r.snatRatio), ...CLASSES.map((k) => c[k]), r.recovered, ratio(r.clientRatio)];
}

export function renderReportCsv(v: ReportView, opts: { terminal?: boolean } = {}): string {
  const lines: (string | number)[][] = [];
  if (v.by === 'pod') {
    lines.push(['namespace', 'pod', 'node_name', ...NUM_COLS]);
    for (const p of v.report.pods) lines.push([p.namespace, p.pod, p.nodeName ?? '', ...nums(p)]);
  } else {
    lines.push([v.by, 'pods', ...NUM_COLS]);
    for (const g of v.groups) lines.push([g.key, g.pods.length, ...nums(g)]);
  }
  const field = opts.terminal ? (x: string | number) => csvField(typeof x === 'string' ? safeText(x) : x) : csvField;
  return lines.map((l) => l.map(field).join(',')).join('\r\n') + '\r\n';
}
