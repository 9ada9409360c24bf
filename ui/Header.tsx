// Top two lines: where we are looking (context, cluster, namespace, selector) and how the feed is doing
// (streams connected/queued/retrying, lines/s, req/s, unparsed lines, database path).

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { LiveSnapshot } from '../src/live/stats.js';
import { Line } from './Line.js';
import { rate, textWidth, type Glyphs } from './text.js';
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
    { text: `, ${s.queued + s.connecting} queued` },
    { text: `, ${s.retrying} retrying`, color: s.retrying > 0 ? 'yellow' : undefined },
    { text: ` ${g.sep} lines/s `, dim: true },
    { text: rate(snap.linesPerSec) },
    { text: ` ${g.sep} req/s `, dim: true },
    { text: rate(snap.requestsPerSec) },
    { text: ` ${g.sep} unparsed `, dim: true },
    { text: String(snap.unparsed), color: snap.unparsed > 0 ? 'yellow' : undefined },
  ];
  // The database path goes at the end of the feed line when it fits, else on a line of its own.
  const db: Seg[] = [];
  field(db, 'db', h.dbPath, g);
  const own = db.length > 0 && segsWidth(feed) + segsWidth(db) > width;
  if (db.length > 0 && !own) feed.push(...db);
  return (
    <Box flexDirection="column">
      <Line segs={top} width={width} g={g} />
      <Line segs={feed} width={width} g={g} />
      {own ? <Line segs={[{ text: 'db ', dim: true }, db[1]]} width={width} g={g} /> : null}
    </Box>
  );
}

function segsWidth(segs: Seg[]): number {
  let w = 0;
  for (const s of segs) w += textWidth(s.text);
  return w;
}

/** Lines the header takes at this width (2, or 3 when the database path needs its own). */
export function headerLines(snap: LiveSnapshot, width: number, g: Glyphs): number {
  if (!snap.header.dbPath) return 2;
  const s = snap.streams;
  const feed = `streams ${s.connected} live, ${s.queued + s.connecting} queued, ${s.retrying} retrying ${g.sep} lines/s ${rate(snap.linesPerSec)} ${g.sep} req/s ${rate(snap.requestsPerSec)} ${g.sep} unparsed ${snap.unparsed} ${g.sep} db ${safeText(snap.header.dbPath)}`;
  return textWidth(feed) > width ? 3 : 2;
}
