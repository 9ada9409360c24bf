// Inline SVG charts for the HTML report (no scripts, no external assets): horizontal bars and stacked columns,
// each with a legend and an axis with round ticks and grid lines, so a screenshot or a PDF reads without tooltips.
// Every label goes through escapeHtml; numbers are formatted here, so nothing from a log reaches markup raw.
import { CLASS_INFO, perClass } from '../classes.js';
import { escapeHtml as h } from './escape.js';

/** Chart colour per class (from the class registry). */
export const CLASS_COLORS: Readonly<Record<string, string>> = perClass((c) => CLASS_INFO[c].hex);

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();
const GRID = '#e2e2e2';
const AXIS = '#555';

export interface LegendItem {
  label: string;
  color: string;
  /** Drawn as a dashed line instead of a swatch (a marker). */
  dashed?: boolean;
}

/** Round tick values 0..top (top >= max) with about `count` steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5, minStep = 0): number[] {
  if (!(max > 0)) return [0, Math.max(1, minStep)];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(minStep, ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow);
  const top = Math.ceil(max / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** Swatches (or dashed lines) with labels, wrapped to `width`; returns the markup and its height. */
function legend(items: LegendItem[], x0: number, y0: number, width: number): { svg: string[]; height: number } {
  const out: string[] = [];
  let x = x0;
  let y = y0;
  for (const l of items) {
    const w = 30 + 7 * l.label.length;
    if (x > x0 && x + w > width) {
      x = x0;
      y += 16;
    }
    out.push(
      l.dashed
        ? `<line x1="${x}" y1="${y + 5}" x2="${x + 10}" y2="${y + 5}" stroke="#000" stroke-dasharray="3 2"/>`
        : `<rect x="${x}" y="${y}" width="10" height="10" fill="${l.color}"/>`,
      `<text x="${x + 14}" y="${y + 9}">${h(l.label)}</text>`,
    );
    x += w;
  }
  return { svg: out, height: items.length ? y - y0 + 16 : 0 };
}

function open(title: string, width: number, height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${h(title)}</title>`,
    `<text x="0" y="14" font-weight="bold">${h(title)}</text>`,
  ];
}

export interface Bar {
  label: string;
  /** Segments left to right. */
  parts: { value: number; color: string; title: string }[];
  /** Text after the bar. */
  note: string;
}

export interface HbarOptions {
  width?: number;
  /** A dashed vertical line at that value (e.g. the --fail-above threshold). */
  marker?: { value: number; label: string };
  legend: LegendItem[];
  /** Tick label for an axis value (default: the number). */
  tick?: (v: number) => string;
  /** Axis title under the ticks. */
  axis: string;
  /** Fixed axis ticks (e.g. 0..100% for a ratio); default round ticks over the data. */
  ticks?: number[];
}

/** Horizontal (optionally stacked) bars with an x axis (ticks, grid lines) and a legend above. */
export function hbarChart(title: string, bars: Bar[], max: number, opts: HbarOptions): string {
  const width = opts.width ?? 760;
  const labelW = Math.min(300, 20 + 7 * Math.max(4, ...bars.map((b) => b.label.length)));
  const noteW = Math.max(60, 12 + 7 * Math.max(0, ...bars.map((b) => b.note.length)));
  const plotW = width - labelW - noteW;
  const rowH = 22;
  const lg = legend(opts.legend, 0, 22, width);
  const top = 26 + lg.height + 4;
  const plotH = bars.length * rowH;
  const height = top + plotH + 40;
  const ticks = opts.ticks ?? niceTicks(max, 5, 1);
  const scaleMax = ticks.at(-1)! || 1;
  const scale = plotW / scaleMax;
  const fmt = opts.tick ?? ((v: number) => String(v));
  const out = open(title, width, height);
  out.push(...lg.svg);
  for (const t of ticks) {
    const x = n1(labelW + t * scale);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="${GRID}"/>`);
    out.push(`<text class="tick" x="${x}" y="${top + plotH + 14}" text-anchor="middle">${h(fmt(t))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${h(b.label)}</text>`);
    let x = labelW;
    for (const p of b.parts) {
      const w = p.value * scale;
      if (w <= 0) continue;
      out.push(`<rect class="bar" x="${n1(x)}" y="${y + 3}" width="${n1(w)}" height="${rowH - 6}" fill="${p.color}"><title>${h(p.title)}</title></rect>`);
      x += w;
    }
    out.push(`<text x="${labelW + plotW + 6}" y="${y + 15}">${h(b.note)}</text>`);
  });
  out.push(`<line x1="${labelW}" y1="${top + plotH}" x2="${labelW + plotW}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  out.push(`<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  out.push(`<text x="${labelW + plotW / 2}" y="${top + plotH + 32}" text-anchor="middle" fill="${AXIS}">${h(opts.axis)}</text>`);
  if (opts.marker) {
    const x = n1(labelW + Math.min(opts.marker.value, scaleMax) * scale);
    out.push(`<line class="marker" x1="${x}" y1="${top - 2}" x2="${x}" y2="${top + plotH}" stroke="#000" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

export interface Column {
  label: string;
  parts: { value: number; color: string; title: string }[];
}

export interface ColumnOptions {
  width?: number;
  height?: number;
  legend: LegendItem[];
  /** Axis titles. */
  xAxis: string;
  yAxis: string;
  /** Vertical dashed lines at fractional column positions (0 = left edge of the first column), labelled. */
  markers?: { at: number; label: string }[];
}

/** Stacked columns (one per time bucket) with a y axis (round ticks, grid lines), x labels, markers and a legend. */
export function stackedColumns(title: string, cols: Column[], opts: ColumnOptions): string {
  const width = opts.width ?? 760;
  const lg = legend(opts.legend, 0, 22, width);
  const top = 26 + lg.height + 18;
  const left = 56;
  const bottom = 44;
  const plotW = width - left - 10;
  const plotH = (opts.height ?? 280) - 80;
  const height = top + plotH + bottom;
  const max = Math.max(0, ...cols.map((c) => c.parts.reduce((s, p) => s + p.value, 0)));
  const ticks = niceTicks(max, 5, 1);
  const scaleMax = ticks.at(-1)!;
  const colW = cols.length ? plotW / cols.length : plotW;
  const out = open(title, width, height);
  out.push(...lg.svg);
  for (const t of ticks) {
    const y = n1(top + plotH - (t / scaleMax) * plotH);
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${GRID}"/>`);
    out.push(`<text class="tick" x="${left - 5}" y="${Number(y) + 4}" text-anchor="end">${t}</text>`);
  }
  const every = Math.max(1, Math.ceil(cols.length / 8));
  cols.forEach((c, i) => {
    const x = left + i * colW;
    let y = top + plotH;
    for (const p of c.parts) {
      const hgt = (p.value / scaleMax) * plotH;
      if (hgt <= 0) continue;
      y -= hgt;
      out.push(`<rect class="bar" x="${n1(x + colW * 0.1)}" y="${n1(y)}" width="${n1(Math.max(0.5, colW * 0.8))}" height="${n1(hgt)}" fill="${p.color}"><title>${h(p.title)}</title></rect>`);
    }
    if (i % every === 0) {
      out.push(`<line x1="${n1(x)}" y1="${top + plotH}" x2="${n1(x)}" y2="${top + plotH + 4}" stroke="${AXIS}"/>`);
      out.push(`<text class="tick" x="${n1(x)}" y="${top + plotH + 16}" text-anchor="middle">${h(c.label)}</text>`);
    }
  });
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" fill="${AXIS}">${h(opts.xAxis)}</text>`);
  out.push(`<text x="12" y="${top + plotH / 2}" text-anchor="middle" fill="${AXIS}" transform="rotate(-90 12 ${top + plotH / 2})">${h(opts.yAxis)}</text>`);
  for (const m of opts.markers ?? []) {
    const x = n1(left + m.at * colW);
    out.push(`<line class="marker" x1="${x}" y1="${top - 14}" x2="${x}" y2="${top + plotH}" stroke="#000" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    // The label to the right of the line, or to its left near the right edge.
    const rightSide = Number(x) + 8 + 7 * m.label.length < width;
    out.push(`<text x="${Number(x) + (rightSide ? 4 : -4)}" y="${top - 4}" font-weight="bold"${rightSide ? '' : ' text-anchor="end"'}>${h(m.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
