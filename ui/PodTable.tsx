// The main table: one row per pod with requests, req/s, SNAT ratio (number + bar), shares of the other
// classes, recovered clients, stream state and a SNAT-ratio sparkline, then a totals row. Columns drop
// (least important first) to fit narrow terminals; 80 columns keep pod, node, counts, SNAT and shares.

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import { CLASS_INFO, SHARE_CLASSES, type ShareClass } from '../src/classes.js';
import type { PodRow, Shares, StreamState, Totals } from '../src/live/stats.js';
import { layout, type Col, type ColSpec } from './columns.js';
import { Line } from './Line.js';
import { bar, count, fit, fitName, pct, rate, sparkline, textWidth, type Glyphs } from './text.js';
import { CLASS_COLOR, type Seg } from './theme.js';

/** The share columns, most kept first. */
const SHARE_COLUMNS = [...SHARE_CLASSES].sort((a, b) => CLASS_INFO[b].keep - CLASS_INFO[a].keep);

const SPECS: ColSpec[] = [
  { key: 'mark', header: '', min: 1, max: 1, keep: Infinity },
  { key: 'pod', header: 'POD', min: 20, max: 28, keep: Infinity },
  { key: 'node', header: 'NODE', min: 12, max: 18, keep: 6 },
  { key: 'req', header: 'REQ', min: 6, max: 6, right: true, keep: Infinity },
  { key: 'rps', header: 'REQ/S', min: 5, max: 6, right: true, keep: 7 },
  { key: 'snat', header: 'SNAT', min: 4, max: 4, right: true, keep: Infinity },
  { key: 'bar', header: '', min: 5, max: 12, keep: 5 },
  { key: 'recent', header: '1MIN', min: 4, max: 4, right: true, keep: 7.5 },
  { key: 'load', header: 'LOAD', min: 4, max: 4, right: true, keep: 9 },
  // One share column per class but the SNAT'd one, most kept first (from the class registry).
  ...SHARE_COLUMNS.map((c): ColSpec => ({ key: `${c}%`, header: CLASS_INFO[c].header, min: 4, max: 4, right: true, keep: CLASS_INFO[c].keep })),
  { key: 'rec', header: 'RECOV', min: 5, max: 5, right: true, keep: 2 },
  { key: 'state', header: 'STATE', min: 5, max: 5, keep: 4.5 },
  { key: 'spark', header: 'SNAT 5m', min: 12, max: 30, keep: 0 },
];
const GROW = ['bar', 'pod', 'spark', 'node', 'rps'];
const SHARE_BY_KEY = new Map<string, ShareClass>(SHARE_COLUMNS.map((c) => [`${c}%`, c]));
/** Columns given up, in this order, before a pod name is cut: the trend and the muted (unknown) shares. */
const YIELD_TO_NAMES = ['spark', ...SHARE_COLUMNS.filter((c) => CLASS_INFO[c].muted).map((c) => `${c}%`)];
/** One sparkline cell is one 10 s bucket, so six make a minute: the column is a whole number of minutes wide. */
const SPARK_CELLS_PER_MIN = 6;

/** The sparkline column's label for a width in cells ("SNAT 2m"); Help says the same from the same width. */
export function sparkLabel(cells: number): string {
  return `SNAT ${Math.floor(cells / SPARK_CELLS_PER_MIN)}m`;
}

/**
 * The table's columns at `width`. `nameWidth` is the widest pod name to show: the trend and unknown-share columns
 * make way for it before a name is cut (then cut in the middle, keeping its suffix).
 */
export function podColumns(width: number, nameWidth = 0, load = false, done = false): Col[] {
  // LOAD only after a policy switch; no REQ/S or 1MIN once a --no-follow run is done (by arrival time, they would
  // only decay).
  let specs = SPECS.filter((c) => (load || c.key !== 'load') && (!done || (c.key !== 'rps' && c.key !== 'recent')));
  // Names no wider than "total (12 pods)" plus a little air; a wide terminal leaves the rest blank, not the names wide.
  const want = Math.max(nameWidth, 16) + 2;
  let cols = fill(layout(specs, width, GROW), width, want);
  for (const key of YIELD_TO_NAMES) {
    if (podWidth(cols) >= nameWidth || !cols.some((c) => c.key === key)) continue;
    specs = specs.filter((c) => c.key !== key);
    cols = fill(layout(specs, width, GROW), width, want);
  }
  return cols;
}

function podWidth(cols: Col[]): number {
  return cols.find((c) => c.key === 'pod')!.width;
}

/** Whole minutes of sparkline; the pod column takes what is left after every growable column is full, up to `want`. */
function fill(cols: Col[], width: number, want: number): Col[] {
  const spark = cols.find((c) => c.key === 'spark');
  if (spark) {
    spark.width -= spark.width % SPARK_CELLS_PER_MIN;
    spark.header = sparkLabel(spark.width);
  }
  const used = cols.reduce((n, c) => n + c.width, 0) + cols.length - 1;
  const pod = cols.find((c) => c.key === 'pod')!;
  if (used < width) pod.width += Math.min(width - used, Math.max(0, want - pod.width));
  return cols;
}

/** Red above half, yellow above none. */
function snatColor(r: number): string | undefined {
  return r > 0.5 ? 'red' : r > 0 ? 'yellow' : undefined;
}

const STATE_TEXT: Record<StreamState, [string, string | undefined]> = {
  live: ['live', 'green'],
  retrying: ['retry', 'yellow'],
  connecting: ['conn', undefined],
  queued: ['queue', undefined],
  ended: ['ended', 'gray'],
};

interface RowValues {
  name: string;
  node: string | null;
  requests: number;
  rps: number;
  snatRatio: number;
  snatRecent: number;
  shares: Shares;
  recovered: number;
  state: StreamState | null | undefined;
  spark: number[] | null;
  /** Share of the requests since the last policy switch (LOAD); undefined: not behind the switched Service. */
  load?: number;
}

function rowSegs(cols: Col[], v: RowValues, g: Glyphs, selected: boolean, bold: boolean): Seg[] {
  const segs: Seg[] = [];
  cols.forEach((c, i) => {
    if (i > 0) segs.push({ text: ' ' });
    const w = c.width;
    switch (c.key) {
      case 'mark': segs.push({ text: selected ? g.pointer : ' ', bold: true }); break;
      case 'pod': segs.push({ text: bold ? fit(v.name, w, g) : fitName(v.name, w, g), bold: bold || selected, inverse: selected }); break;
      case 'node': segs.push({ text: fit(v.node === null ? '-' : safeText(v.node), w, g) }); break;
      case 'req': segs.push({ text: fit(count(v.requests), w, g, true) }); break;
      case 'rps': segs.push({ text: fit(rate(v.rps), w, g, true) }); break;
      case 'snat': segs.push({ text: fit(pct(v.snatRatio), w, g, true), bold: true, color: snatColor(v.snatRatio) }); break;
      case 'recent': segs.push({ text: fit(pct(v.snatRecent), w, g, true), bold: true, color: snatColor(v.snatRecent) }); break;
      case 'bar': {
        const b = bar(v.snatRatio, w, g);
        const full = Number.isFinite(v.snatRatio) ? Math.round(Math.min(1, v.snatRatio) * w) : 0;
        segs.push({ text: b.slice(0, full), color: CLASS_COLOR.node }, { text: b.slice(full), dim: true });
        break;
      }
      case 'load': segs.push({ text: fit(v.load === undefined ? '' : pct(v.load), w, g, true), bold: true, color: 'cyan' }); break;
      default: {
        const cls = SHARE_BY_KEY.get(c.key);
        if (cls === undefined) break;
        const text = fit(pct(v.shares[cls]), w, g, true);
        segs.push(CLASS_INFO[cls].muted ? { text, dim: true } : { text, color: CLASS_COLOR[cls] });
        break;
      }
      case 'rec': segs.push({ text: fit(count(v.recovered), w, g, true) }); break;
      case 'state': {
        const [t, color] = v.state ? STATE_TEXT[v.state] : ['-', undefined];
        segs.push({ text: fit(v.state === undefined ? '' : t, w, g), color });
        break;
      }
      case 'spark': segs.push({ text: v.spark ? sparkline(v.spark, w, g) : ' '.repeat(w), color: 'yellow' }); break;
    }
  });
  return segs;
}

export interface PodTableProps {
  pods: PodRow[];
  totals: Totals;
  selectedKey: string | null;
  width: number;
  /** Pod rows that fit on screen; the window scrolls to keep the selection visible. */
  maxRows: number;
  g: Glyphs;
  /** Per pod key, the share of requests since the last policy switch: shown as the LOAD column when given. */
  load?: Map<string, number> | null;
  /** A --no-follow run whose streams have all ended: no REQ/S or 1MIN column. */
  done?: boolean;
}

/** How the table names a pod: "namespace/pod" when the pods span namespaces, else the pod name (escaped). */
function namer(pods: PodRow[]): (p: PodRow) => string {
  const multiNs = new Set(pods.map((p) => p.namespace)).size > 1;
  return (p) => safeText(multiNs ? p.key : p.pod);
}

/** The columns the table shows for these pods at this width (Help reads the sparkline's span from them). */
export function tableColumns(pods: PodRow[], width: number, load = false, done = false): Col[] {
  const nameOf = namer(pods);
  return podColumns(width, pods.reduce((w, p) => Math.max(w, textWidth(nameOf(p))), 0), load, done);
}

export function PodTable({ pods, totals, selectedKey, width, maxRows, g, load = null, done = false }: PodTableProps) {
  const nameOf = namer(pods);
  const cols = tableColumns(pods, width, load !== null, done);
  const header: Seg[] = cols.flatMap((c, i) => [...(i > 0 ? [{ text: ' ' }] : []), { text: fit(c.header, c.width, g, c.right), bold: true }]);
  const sel = Math.max(0, pods.findIndex((p) => p.key === selectedKey));
  const rows = Math.max(1, maxRows);
  const start = Math.max(0, Math.min(sel - Math.floor(rows / 2), pods.length - rows));
  const shown = pods.slice(start, start + rows);
  return (
    <Box flexDirection="column">
      <Line segs={header} width={width} g={g} />
      {pods.length === 0 ? <Line segs={[{ text: '  no pods yet', dim: true }]} width={width} g={g} /> : null}
      {shown.map((p) => (
        <Line
          key={p.key}
          width={width}
          g={g}
          segs={rowSegs(cols, { ...p, name: nameOf(p), load: load?.get(p.key) }, g, p.key === selectedKey, false)}
        />
      ))}
      {pods.length > shown.length ? (
        <Line segs={[{ text: `  ${start > 0 ? g.up : ' '}${start + shown.length < pods.length ? g.down : ' '} ${start + 1}-${start + shown.length} of ${pods.length}`, dim: true }]} width={width} g={g} />
      ) : null}
      <Line segs={[{ text: g.rule.repeat(width), dim: true }]} width={width} g={g} />
      <Line
        width={width}
        g={g}
        segs={rowSegs(cols, { ...totals, name: `total (${pods.length} pod${pods.length === 1 ? '' : 's'})`, node: '', state: undefined, spark: null }, g, false, true)}
      />
    </Box>
  );
}
