// Text helpers for the TUI: glyph sets (Unicode, with an ASCII fallback for terminals that cannot show
// it), bars, sparklines, number formats and fitting a string to a column width. Widths are counted in
// terminal cells (wide East Asian characters and emoji take two, combining marks none).
import { percent } from '../src/text.js';

export interface Glyphs {
  unicode: boolean;
  barFull: string;
  barEmpty: string;
  spark: readonly string[];
  ellipsis: string;
  sep: string;
  pointer: string;
  rule: string;
  up: string;
  down: string;
}

const UNICODE: Glyphs = {
  unicode: true,
  barFull: '█',
  barEmpty: '░',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  ellipsis: '…',
  sep: '·',
  pointer: '>',
  rule: '─',
  up: '↑',
  down: '↓',
};

const ASCII: Glyphs = {
  unicode: false,
  barFull: '#',
  barEmpty: '.',
  spark: ['_', '.', '-', ':', '=', '+', '*', '#'],
  ellipsis: '~',
  sep: '|',
  pointer: '>',
  rule: '-',
  up: '^',
  down: 'v',
};

/** False when the locale (LC_ALL, else LC_CTYPE, else LANG) lacks UTF-8, or on the Linux console. */
export function detectUnicode(env: Record<string, string | undefined> = process.env): boolean {
  if (env.TERM === 'linux') return false;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

export function glyphs(unicode: boolean): Glyphs {
  return unicode ? UNICODE : ASCII;
}

/** Cells one code point takes in a terminal. */
export function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Cut to `width` cells (ending in an ellipsis when cut) and pad with spaces; `right` pads on the left. */
export function fit(s: string, width: number, g: Glyphs = UNICODE, right = false): string {
  if (width <= 0) return '';
  const w = textWidth(s);
  if (w <= width) return right ? ' '.repeat(width - w) + s : s + ' '.repeat(width - w);
  let out = '';
  let used = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (used + cw > width - 1) break;
    out += ch;
    used += cw;
  }
  return out + g.ellipsis + ' '.repeat(Math.max(0, width - 1 - used));
}

/**
 * Cut a Kubernetes name to `width` cells in the middle, keeping its distinguishing tail: the last `-` or `/`
 * segment (a pod's random suffix, a StatefulSet ordinal), so `nginx-vx5s2mprjh-7xkqp` becomes
 * `nginx-vx5s…-7xkqp`, never `nginx-vx5s2mprjh-7x…`. Pads to `width` like fit().
 */
export function fitName(s: string, width: number, g: Glyphs = UNICODE): string {
  if (width <= 0) return '';
  const w = textWidth(s);
  if (w <= width) return s + ' '.repeat(width - w);
  if (width < 4) return fit(s, width, g);
  const chars = [...s];
  const cut = Math.max(s.lastIndexOf('-'), s.lastIndexOf('/'));
  // The tail: the last segment with its separator, at most two thirds of the width (a long tail keeps its end).
  let tailLen = cut > 0 ? chars.length - [...s.slice(0, cut)].length : 0;
  const maxTail = Math.floor(((width - 1) * 2) / 3);
  if (tailLen === 0 || tailLen > maxTail) tailLen = Math.min(maxTail, Math.floor((width - 1) / 2));
  let tail = '';
  let used = 0;
  for (let i = chars.length - 1; i >= chars.length - tailLen && i >= 0; i--) {
    const cw = charWidth(chars[i].codePointAt(0)!);
    if (used + cw > maxTail) break;
    tail = chars[i] + tail;
    used += cw;
  }
  let head = '';
  for (const ch of chars) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (used + cw > width - 1) break;
    head += ch;
    used += cw;
  }
  return head + g.ellipsis + tail + ' '.repeat(Math.max(0, width - 1 - used));
}

/** Horizontal bar of `width` cells, `ratio` of it filled; blank for NaN. */
export function bar(ratio: number, width: number, g: Glyphs): string {
  if (width <= 0) return '';
  if (!Number.isFinite(ratio)) return ' '.repeat(width);
  const full = Math.max(0, Math.min(width, Math.round(ratio * width)));
  return g.barFull.repeat(full) + g.barEmpty.repeat(width - full);
}

/** Sparkline of the last `width` values (0..1); a space where a value is NaN. */
export function sparkline(values: readonly number[], width: number, g: Glyphs): string {
  let out = '';
  const start = Math.max(0, values.length - width);
  for (let i = start; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) out += ' ';
    else out += g.spark[Math.max(0, Math.min(g.spark.length - 1, Math.round(v * (g.spark.length - 1))))];
  }
  return ' '.repeat(Math.max(0, width - (values.length - start))) + out;
}

/** "37%", "100%", ">99%" for 0.997, "-" for NaN. */
export function pct(r: number): string {
  return Number.isFinite(r) ? percent(r) : '-';
}

/** Compact count: 999, 1.2k, 45k, 1.2M. */
export function count(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${Math.round(n / 1_000_000)}M`;
}

/** Rate with one decimal below 100, whole above, compact above 10k. */
export function rate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 100) return n.toFixed(1);
  if (n < 10_000) return String(Math.round(n));
  return count(Math.round(n));
}

/** Local wall-clock HH:MM:SS of a ms timestamp; '--:--:--' when unknown. */
export function clock(ms: number): string {
  if (!Number.isFinite(ms)) return '--:--:--';
  const d = new Date(ms);
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Splits prose into lines of at most `width` cells at spaces. */
export function wrapWords(s: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && textWidth(line) + 1 + textWidth(word) > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
