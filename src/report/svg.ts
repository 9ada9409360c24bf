// Inline SVG charts for the HTML report (no scripts, no external assets): horizontal bars and stacked columns.
// Every label goes through escapeHtml; numbers are formatted here, so nothing from a log reaches markup raw.
import { CLASS_INFO, perClass } from '../classes.js';
import { escapeHtml as h } from './escape.js';

/** Chart colour per class (from the class registry). */
export const CLASS_COLORS: Readonly<Record<string, string>> = perClass((c) => CLASS_INFO[c].hex);

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

export interface Bar {
  label: string;
  /** Segments left to right. */
  parts: { value: number; color: string; title: string }[];
  /** Text after the bar. */
  note: string;
}

/** Horizontal (optionally stacked) bars scaled to `max`; `marker` draws a dashed vertical line at that value. */
export function hbarChart(title: string, bars: Bar[], max: number, opts: { width?: number; marker?: { value: number; label: string } } = {}): string {
  const width = opts.width ?? 760;
  const labelW = Math.min(300, 20 + 7 * Math.max(4, ...bars.map((b) => b.label.length)));
  const noteW = 90;
  const plotW = width - labelW - noteW;
  const rowH = 22;
  const top = 26;
  const height = top + bars.length * rowH + 10;
  const scale = max > 0 ? plotW / max : 0;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${h(title)}</title>`,
    `<text x="0" y="14" font-weight="bold">${h(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${h(b.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${plotW}" height="${rowH - 6}" fill="#f0f0f0"/>`);
    let x = labelW;
    for (const p of b.parts) {
      const w = p.value * scale;
      if (w <= 0) continue;
      out.push(`<rect class="bar" x="${n1(x)}" y="${y + 3}" width="${n1(w)}" height="${rowH - 6}" fill="${p.color}"><title>${h(p.title)}</title></rect>`);
      x += w;
    }
    out.push(`<text x="${labelW + plotW + 6}" y="${y + 15}">${h(b.note)}</text>`);
  });
  if (opts.marker && max > 0) {
    const x = n1(labelW + opts.marker.value * scale);
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 6}" stroke="#000" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x}" y="${top - 8}" text-anchor="middle">${h(opts.marker.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

export interface Column {
  label: string;
  parts: { value: number; color: string; title: string }[];
}

/** Stacked columns (one per time bucket) with a y axis and a few x labels. */
export function stackedColumns(title: string, cols: Column[], opts: { width?: number; height?: number; legend: { label: string; color: string }[] }): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 260;
  const left = 48;
  const bottom = 40;
  const top = 40;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...cols.map((c) => c.parts.reduce((s, p) => s + p.value, 0)));
  const colW = cols.length ? plotW / cols.length : plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${h(title)}</title>`,
    `<text x="0" y="14" font-weight="bold">${h(title)}</text>`,
  ];
  let lx = 0;
  for (const l of opts.legend) {
    out.push(`<rect x="${lx}" y="22" width="10" height="10" fill="${l.color}"/><text x="${lx + 14}" y="31">${h(l.label)}</text>`);
    lx += 24 + 7 * l.label.length;
  }
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#555"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#555"/>`);
  out.push(`<text x="${left - 4}" y="${top + 4}" text-anchor="end">${max}</text>`);
  out.push(`<text x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>`);
  const every = Math.max(1, Math.ceil(cols.length / 6));
  cols.forEach((c, i) => {
    const x = left + i * colW;
    let y = top + plotH;
    for (const p of c.parts) {
      const hgt = (p.value / max) * plotH;
      if (hgt <= 0) continue;
      y -= hgt;
      out.push(`<rect class="bar" x="${n1(x + colW * 0.1)}" y="${n1(y)}" width="${n1(Math.max(0.5, colW * 0.8))}" height="${n1(hgt)}" fill="${p.color}"><title>${h(p.title)}</title></rect>`);
    }
    if (i % every === 0) out.push(`<text x="${n1(x)}" y="${top + plotH + 16}">${h(c.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
