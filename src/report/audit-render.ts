// The audit as a terminal table, Markdown (for the incident ticket) or JSON (ISO times, for tools). The text
// forms share one section list; only the table syntax and escaping differ.
import { CLASSES } from '../classes.js';
import { formatLocal } from '../time.js';
import { escapeMarkdown } from './escape.js';
import { mdTable } from './markdown.js';
import { CLASS_HEADER, formatRatio, numberCells, ratioCell, renderTable } from './table.js';
import type { Audit } from './audit.js';
import { safeText } from '../text.js';

interface Section {
  title: string;
  header?: string[];
  rows?: string[][];
  right?: boolean[];
  lines?: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const local = (ms: number) => formatLocal(ms);
const dur = (ms: number) => {
  const m = Math.round(ms / 60000);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : m >= 1 ? `${m}m` : `${Math.round(ms / 1000)}s`;
};

function sections(a: Audit): Section[] {
  const out: Section[] = [];
  const f = a.filter;
  const filt = [f.namespace && `namespace ${f.namespace}`, f.pod && `pod ${f.pod}`, f.node && `node ${f.node}`, f.client && `client ${f.client}`].filter(Boolean);
  out.push({
    title: 'Summary',
    lines: [
      `window: ${local(a.from)} .. ${local(a.until)}${filt.length ? ` (${filt.join(', ')})` : ''}`,
      `${a.totals.requests} requests, SNAT ratio ${ratioCell(a.totals.requests, a.totals.snatRatio)}, ` +
        CLASSES.map((c) => `${c} ${a.totals.classes[c]}`).join(', ') + `, recovered ${a.totals.recovered}`,
      ...a.notes.map((n) => `note: ${n}`),
    ],
  });
  out.push({ title: 'Findings', lines: a.findings.map((x) => `- ${x}`) });
  out.push({
    title: 'Coverage',
    header: ['POD', 'SOURCES', 'COVERED', 'GAP FROM', 'GAP UNTIL', 'REASON'],
    right: [false, false, true],
    rows: a.coverage.flatMap((c) => {
      const covered = formatRatio(c.coveredMs / Math.max(1, a.until - a.from));
      const name = `${c.namespace}/${c.pod}`;
      const deleted = c.deletedAt !== null ? [[name, c.sources.join(','), covered, local(c.deletedAt), '', 'pod deleted (not a gap)']] : [];
      if (c.gaps.length === 0) return [[name, c.sources.join(','), covered, '', '', 'no gaps'], ...deleted];
      return [...c.gaps.map((g, i) => [i === 0 ? name : '', i === 0 ? c.sources.join(',') : '', i === 0 ? covered : '', local(g.from), local(g.until), `${g.reason} (${dur(g.until - g.from)})`]), ...deleted];
    }),
  });
  out.push({
    title: 'Pods',
    header: ['POD', 'NODE', 'REQUESTS', 'SNAT', ...CLASS_HEADER, 'RECOVERED'],
    right: [false, false, true, true, true, true, true, true, true, true],
    rows: a.pods.map((p) => [`${p.namespace}/${p.pod}`, p.node ?? '-', ...numberCells(p)]),
  });
  out.push({
    title: 'Timeline (per minute)',
    header: ['MINUTE', ...CLASSES.map((c) => c.toUpperCase())],
    right: [false, true, true, true, true, true],
    rows: a.timeline.map((m) => [local(m.minute), ...CLASSES.map((c) => String(m.classes[c]))]),
  });
  out.push({
    title: 'Top remote addresses per class',
    header: ['CLASS', 'ADDRESS', 'OWNER', 'REQUESTS'],
    right: [false, false, false, true],
    rows: Object.entries(a.topRemotes).flatMap(([cls, list]) => list.map((r, i) => [i === 0 ? cls : '', r.addr, r.owner ?? '-', String(r.requests)])),
  });
  out.push({
    title: 'SNAT sources (node addresses seen, per owner node)',
    header: ['OWNER NODE', 'ADDRESS', 'REQUESTS', 'RECEIVED ON'],
    right: [false, false, true, false],
    rows: a.snatSources.flatMap((s) => s.addrs.map((x, i) => [i === 0 ? s.node : '', x.addr, String(x.requests), i === 0 ? s.receivingNodes.join(', ') : ''])),
  });
  out.push({
    title: 'Recovered clients (X-Forwarded-For through trusted proxies)',
    header: ['CLIENT', 'CLASS', 'VIA', 'REQUESTS'],
    right: [false, false, false, true],
    rows: a.recoveredClients.map((r) => [r.client, r.cls, r.via.join(', '), String(r.requests)]),
  });
  out.push({
    title: 'Status codes by class',
    header: ['CLASS', 'STATUS', 'REQUESTS'],
    right: [false, true, true],
    rows: Object.entries(a.statusByClass).flatMap(([cls, m]) => Object.entries(m).map(([s, n], i) => [i === 0 ? cls : '', s, String(n)])),
  });
  out.push({
    title: 'Clients (first and last seen)',
    header: ['CLIENT', 'CLASS', 'REQUESTS', 'FIRST SEEN', 'LAST SEEN', 'PODS'],
    right: [false, false, true],
    rows: a.clients.map((c) => [c.addr + (c.recovered ? ' (xff)' : ''), c.cls, String(c.requests), local(c.first), local(c.last), c.pods.join(', ')]),
    lines: a.clientsOmitted ? [`(${a.clientsOmitted} more clients not listed; narrow with --client or --pod)`] : [],
  });
  return out;
}

export function renderAuditTable(a: Audit): string {
  const out: string[] = [];
  for (const s of sections(a)) {
    out.push(`== ${s.title} ==`);
    if (s.header) out.push(s.rows!.length ? renderTable(s.header, s.rows!, s.right) : '(none)');
    for (const l of s.lines ?? []) out.push(safeText(l));
    out.push('');
  }
  return out.join('\n');
}

export function renderAuditMarkdown(a: Audit): string {
  const out: string[] = ['## snatscope audit', ''];
  for (const s of sections(a)) {
    out.push(`### ${s.title}`, '');
    if (s.header) out.push(s.rows!.length ? mdTable(s.header, s.rows!, s.right) : '(none)', '');
    for (const l of s.lines ?? []) out.push(l.startsWith('- ') ? `- ${escapeMarkdown(l.slice(2))}` : `${escapeMarkdown(l)}  `);
    if (s.lines?.length) out.push('');
  }
  return out.join('\n');
}

/** JSON with ISO times; the structure of `Audit` otherwise. */
export function renderAuditJson(a: Audit): string {
  const j = {
    ...a,
    from: iso(a.from),
    until: iso(a.until),
    timeline: a.timeline.map((m) => ({ minute: iso(m.minute), classes: m.classes })),
    clients: a.clients.map((c) => ({ ...c, first: iso(c.first), last: iso(c.last) })),
    coverage: a.coverage.map((c) => ({
      ...c,
      deletedAt: c.deletedAt === null ? null : iso(c.deletedAt),
      gaps: c.gaps.map((g) => ({ from: iso(g.from), until: iso(g.until), reason: g.reason })),
    })),
  };
  return JSON.stringify(j, null, 2) + '\n';
}
