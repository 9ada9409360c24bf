// Top two lines: where we are looking (context, cluster, namespace, selector) and how the feed is doing
// (streams connected/queued/retrying, lines/s, req/s, unparsed lines, database path).

import { Box } from 'ink';
import { safeText } from '../src/output/escape.js';
import type { LiveSnapshot } from '../src/live/stats.js';
import { Line } from './Line.js';
import { rate, type Glyphs } from './text.js';
import type { Seg } from './theme.js';

function field(segs: Seg[], label: string, value: string | null, g: Glyphs): void {
  if (value === null || value === '') return;
  segs.push({ text: ` ${g.sep} ${label} `, dim: true }, { text: safeText(value) });
}

export function Header({ snap, width, g }: { snap: LiveSnapshot; width: number; g: Glyphs }) {
  const h = snap.header;
  const top: Seg[] = [{ text: 'snatscope', bold: true }];
  field(top, 'context', h.context, g);
  field(top, 'cluster', h.cluster, g);
  field(top, 'ns', h.namespace, g);
  field(top, 'selector', h.selector, g);

  const s = snap.streams;
  const feed: Seg[] = [
    { text: 'streams ', dim: true },
    { text: `${s.connected} live`, color: s.connected > 0 ? 'green' : undefined },
    { text: ` ${s.queued + s.connecting} queued` },
    { text: ` ${s.retrying} retrying`, color: s.retrying > 0 ? 'yellow' : undefined },
    { text: ` ${g.sep} lines/s `, dim: true },
    { text: rate(snap.linesPerSec) },
    { text: ` ${g.sep} req/s `, dim: true },
    { text: rate(snap.requestsPerSec) },
    { text: ` ${g.sep} unparsed `, dim: true },
    { text: String(snap.unparsed), color: snap.unparsed > 0 ? 'yellow' : undefined },
  ];
  field(feed, 'db', h.dbPath, g);
  return (
    <Box flexDirection="column">
      <Line segs={top} width={width} g={g} />
      <Line segs={feed} width={width} g={g} />
    </Box>
  );
}
