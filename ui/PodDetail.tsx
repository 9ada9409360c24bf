// Drill-down for one pod (Enter): its numbers, the top client addresses per class, and the most recent
// requests (newest first) with the class coloured and labelled. Every log-derived string is escaped.

import { Box } from 'ink';
import { safeField, safeText } from '../src/text.js';
import type { PodDetail as Detail, PodRow } from '../src/live/stats.js';
import { CLASSES } from '../src/types.js';
import { layout } from './columns.js';
import { Line } from './Line.js';
import { clock, count, fit, pct, type Glyphs } from './text.js';
import { CLASS_COLOR, CLASS_LABEL, type Seg } from './theme.js';

export interface PodDetailProps {
  row: PodRow | undefined;
  detail: Detail | null;
  width: number;
  maxRows: number;
  g: Glyphs;
}

export function PodDetail({ row, detail, width, maxRows, g }: PodDetailProps) {
  if (!row || !detail) {
    return <Line segs={[{ text: 'That pod is no longer tracked (Esc to go back).', dim: true }]} width={width} g={g} />;
  }
  const title: Seg[] = [
    { text: safeText(row.key), bold: true },
    { text: ` on ${row.node === null ? '-' : safeText(row.node)}` },
    { text: ` ${g.sep} ${count(row.requests)} requests ${g.sep} SNAT ` },
    { text: pct(row.snatRatio), bold: true, color: CLASS_COLOR.node },
    { text: ` (last minute ${pct(row.snatRecent)})` },
    { text: ` ${g.sep} recovered ${count(row.recovered)}` },
    { text: row.state ? ` ${g.sep} ${row.state}${row.detail ? `: ${safeText(row.detail)}` : ''}` : '' },
  ];
  const tops = CLASSES.filter((c) => detail.top[c].length > 0);
  // The client column is as wide as the widest client shown (IPv4 needs 15, IPv6 and "a > recovered" more).
  let clientWidth = 15;
  for (const r of detail.recent) clientWidth = Math.max(clientWidth, r.client.length + (r.recovered ? r.recovered.length + 3 : 0));
  const cols = layout(
    [
      { key: 'time', header: 'TIME', min: 8, max: 8, keep: 2 },
      { key: 'client', header: 'CLIENT', min: 15, max: Math.min(39, clientWidth), keep: Infinity },
      { key: 'cls', header: 'CLS', min: 4, max: 4, keep: Infinity },
      { key: 'owner', header: 'OWNER', min: 12, max: 24, keep: 3 },
      { key: 'status', header: 'ST', min: 3, max: 3, keep: Infinity },
      { key: 'method', header: 'METH', min: 4, max: 6, keep: 4 },
      { key: 'target', header: 'TARGET', min: 12, max: 60, keep: Infinity },
      { key: 'ua', header: 'USER AGENT', min: 12, max: 400, keep: 1 },
    ],
    width,
    ['method', 'client', 'owner', 'target', 'ua'],
  );
  const recentRows = Math.max(1, maxRows - 4 - Math.max(1, tops.length));
  const header: Seg[] = cols.flatMap((c, i) => [...(i > 0 ? [{ text: ' ' }] : []), { text: fit(c.header, c.width, g), bold: true }]);
  return (
    <Box flexDirection="column">
      <Line segs={title} width={width} g={g} />
      <Line segs={[{ text: 'Top clients per class', bold: true }]} width={width} g={g} />
      {tops.length === 0 ? <Line segs={[{ text: '  none yet', dim: true }]} width={width} g={g} /> : null}
      {tops.map((c) => (
        <Line
          key={c}
          width={width}
          g={g}
          segs={[
            { text: `  ${fit(CLASS_LABEL[c], 4, g)} `, color: CLASS_COLOR[c], bold: true },
            { text: detail.top[c].map((t) => `${safeText(t.addr)} x${count(t.count)}`).join(', ') },
          ]}
        />
      ))}
      <Line segs={[{ text: `Recent requests (newest first, ${detail.recent.length} kept)`, bold: true }]} width={width} g={g} />
      <Line segs={header} width={width} g={g} />
      {detail.recent.slice(0, recentRows).map((r, k) => {
        const segs: Seg[] = [];
        cols.forEach((c, i) => {
          if (i > 0) segs.push({ text: ' ' });
          const w = c.width;
          switch (c.key) {
            case 'time': segs.push({ text: clock(r.time), dim: true }); break;
            case 'client': segs.push({ text: fit(safeText(r.client) + (r.recovered ? ` > ${safeText(r.recovered)}` : ''), w, g) }); break;
            case 'cls': segs.push({ text: fit(CLASS_LABEL[r.cls], w, g), color: CLASS_COLOR[r.cls], bold: true }); break;
            case 'owner': segs.push({ text: fit(safeField(r.owner), w, g) }); break;
            case 'status': segs.push({ text: fit(String(r.status), w, g), color: r.status >= 500 ? 'red' : r.status >= 400 ? 'yellow' : undefined }); break;
            case 'method': segs.push({ text: fit(safeField(r.method), w, g) }); break;
            case 'target': segs.push({ text: fit(safeField(r.target), w, g) }); break;
            case 'ua': segs.push({ text: fit(safeField(r.userAgent), w, g), dim: true }); break;
          }
        });
        return <Line key={k} segs={segs} width={width} g={g} />;
      })}
    </Box>
  );
}
