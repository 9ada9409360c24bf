// The audit as a terminal table, Markdown (for the incident ticket) or JSON (ISO times, for tools). The text
// forms share one section list; only the table syntax and escaping differ.
import { CLASSES } from '../classes.js';
import { formatLocal } from '../time.js';
import { escapeMarkdown } from './escape.js';
import { mdTable } from './markdown.js';
import { CLASS_HEADER, formatRatio, numberCells, ratioCell, renderTable } from './table.js';
import type { Audit } from './audit.js';
import { safeText } from '../text.js';
import { zeroClasses } from './counts.js';
import { clock, periodName, periodsText } from './periods.js';

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

export const DEFAULT_LIMIT = 10;
/** Pods listed per client in the text forms. */
const PODS_PER_CLIENT = 3;
/** Timeline rows in the text forms before minutes are grouped (the JSON keeps every minute). */
const MAX_TIMELINE_ROWS = 60;
const BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/** The first `limit` items, and a line saying how many were left out. */
function top<T>(items: readonly T[], limit: number, what: string): { shown: T[]; lines: string[] } {
  const left = items.length - limit;
  return { shown: items.slice(0, limit), lines: left > 0 ? [`(${left} more ${what} not shown; --limit N shows more, the JSON output has all)`] : [] };
}

/** Timeline rows, grouped into buckets of several minutes when there are many, with policy changes marked. */
function timelineRows(a: Audit): { rows: string[][]; minutes: number; marked: boolean } {
  const span = a.timeline.length ? (a.timeline.at(-1)!.minute - a.timeline[0].minute) / 60000 + 1 : 0;
  const size = BUCKETS.find((b) => span / b <= MAX_TIMELINE_ROWS) ?? 1440;
  const groups = new Map<number, { minute: number; classes: Audit['timeline'][number]['classes'] }>();
  for (const m of a.timeline) {
    const k = Math.floor(m.minute / (size * 60000)) * size * 60000;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { minute: k, classes: zeroClasses() }));
    for (const c of CLASSES) g.classes[c] += m.classes[c];
  }
  const changes = a.policyPeriods.flatMap((periods) => periods.slice(1).map((p) => ({ at: p.from, text: `${periods[0].service} -> ${periodName(p)} at ${clock(p.from, a.from, a.until)}` })));
  const rows = [...groups.values()].map((g) => {
    const marks = changes.filter((c) => c.at >= g.minute && c.at < g.minute + size * 60000).map((c) => c.text);
    return [local(g.minute), ...CLASSES.map((c) => String(g.classes[c])), ...(changes.length ? [marks.join('; ')] : [])];
  });
  return { rows, minutes: size, marked: changes.length > 0 };
}

function sections(a: Audit, limit: number): Section[] {
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
  if (a.policyPeriods.length > 0) {
    out.push({
      title: 'Services (externalTrafficPolicy over the window)',
      lines: a.policyPeriods.map((periods) => `${periods[0].service} ${periods.at(-1)!.type}: ${periodsText(periods, a.from, a.until)}`),
    });
  }
  // Pods with gaps first (they are what the coverage section is for), then the rest by name.
  const cov = [...a.coverage].sort((x, y) => Number(y.gaps.length > 0) - Number(x.gaps.length > 0));
  const covTop = top(cov, limit, 'pods');
  out.push({
    title: 'Coverage',
    header: ['POD', 'SOURCES', 'COVERED', 'GAP FROM', 'GAP UNTIL', 'REASON'],
    right: [false, false, true],
    lines: covTop.lines,
    rows: covTop.shown.flatMap((c) => {
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
    right: [false, false, true, true, ...CLASSES.map(() => true), true],
    ...(() => {
      const t = top([...a.pods].sort((x, y) => y.requests - x.requests), limit, 'pods');
      return { rows: t.shown.map((p) => [`${p.namespace}/${p.pod}`, p.node ?? '-', ...numberCells(p)]), lines: t.lines };
    })(),
  });
  const tl = timelineRows(a);
  out.push({
    title: `Timeline (${tl.minutes === 1 ? 'per minute' : `per ${tl.minutes} minutes`})`,
    header: [tl.minutes === 1 ? 'MINUTE' : 'FROM', ...CLASSES.map((c) => c.toUpperCase()), ...(tl.marked ? ['POLICY CHANGE'] : [])],
    right: [false, ...CLASSES.map(() => true)],
    rows: tl.rows,
  });
  const remoteLines: string[] = [];
  out.push({
    title: 'Top remote addresses per class',
    header: ['CLASS', 'ADDRESS', 'OWNER', 'REQUESTS'],
    right: [false, false, false, true],
    rows: Object.entries(a.topRemotes).flatMap(([cls, list]) => {
      const t = top(list, limit, `${cls} addresses`);
      remoteLines.push(...t.lines);
      return t.shown.map((r, i) => [i === 0 ? cls : '', r.addr, r.owner ?? '-', String(r.requests)]);
    }),
    lines: remoteLines,
  });
  const snatLines: string[] = [];
  out.push({
    title: 'SNAT sources (node addresses seen, per owner node)',
    header: ['OWNER NODE', 'ADDRESS', 'REQUESTS', 'RECEIVED ON'],
    right: [false, false, true, false],
    rows: a.snatSources.flatMap((s) => {
      const t = top(s.addrs, limit, `addresses of ${s.node}`);
      snatLines.push(...t.lines);
      return t.shown.map((x, i) => [i === 0 ? s.node : '', x.addr, String(x.requests), i === 0 ? s.receivingNodes.join(', ') : '']);
    }),
    lines: snatLines,
  });
  const rec = top(a.recoveredClients, limit, 'recovered clients');
  out.push({
    title: 'Recovered clients (X-Forwarded-For through trusted proxies)',
    header: ['CLIENT', 'CLASS', 'VIA', 'REQUESTS'],
    right: [false, false, false, true],
    rows: rec.shown.map((r) => [r.client, r.cls, r.via.join(', '), String(r.requests)]),
    lines: rec.lines,
  });
  out.push({
    title: 'Status codes by class',
    header: ['CLASS', 'STATUS', 'REQUESTS'],
    right: [false, true, true],
    rows: Object.entries(a.statusByClass).flatMap(([cls, m]) => Object.entries(m).map(([s, n], i) => [i === 0 ? cls : '', s, String(n)])),
  });
  // The busiest clients, listed by first seen.
  const busiest = top([...a.clients].sort((x, y) => y.requests - x.requests || x.first - y.first), limit, 'clients');
  const podsOf = (c: Audit['clients'][number]) =>
    c.pods.length > PODS_PER_CLIENT ? `${c.pods.slice(0, PODS_PER_CLIENT).join(', ')} and ${c.pods.length - PODS_PER_CLIENT} more` : c.pods.join(', ');
  out.push({
    title: 'Clients (the busiest, first and last seen)',
    header: ['CLIENT', 'CLASS', 'REQUESTS', 'FIRST SEEN', 'LAST SEEN', 'PODS'],
    right: [false, false, true],
    rows: busiest.shown.sort((x, y) => x.first - y.first || (x.addr < y.addr ? -1 : 1)).map((c) => [c.addr + (c.recovered ? ' (xff)' : ''), c.cls, String(c.requests), local(c.first), local(c.last), podsOf(c)]),
    lines: busiest.lines,
  });
  return out;
}

export function renderAuditTable(a: Audit, limit = DEFAULT_LIMIT): string {
  const out: string[] = [];
  for (const s of sections(a, limit)) {
    out.push(`== ${s.title} ==`);
    if (s.header) out.push(s.rows!.length ? renderTable(s.header, s.rows!, s.right) : '(none)');
    for (const l of s.lines ?? []) out.push(safeText(l));
    out.push('');
  }
  return out.join('\n');
}

export function renderAuditMarkdown(a: Audit, limit = DEFAULT_LIMIT): string {
  const out: string[] = ['## snatscope audit', ''];
  for (const s of sections(a, limit)) {
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
    policyPeriods: a.policyPeriods.map((periods) => periods.map((p) => ({ ...p, from: iso(p.from), until: iso(p.until) }))),
    unfiltered: a.unfiltered.map((periods) => periods.map((p) => ({ ...p, from: iso(p.from), until: iso(p.until) }))),
    coverage: a.coverage.map((c) => ({
      ...c,
      deletedAt: c.deletedAt === null ? null : iso(c.deletedAt),
      gaps: c.gaps.map((g) => ({ from: iso(g.from), until: iso(g.until), reason: g.reason })),
    })),
  };
  return JSON.stringify(j, null, 2) + '\n';
}
