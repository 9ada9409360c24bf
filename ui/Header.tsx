// Top two lines: where we are looking (context, cluster, namespace, selector) and how the feed is doing
// (streams connected/queued/retrying, lines/s, req/s, unparsed lines, database path). A --no-follow run whose
// streams have all ended says it is done (and how many requests it read) instead of rates decaying to zero.

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

/** A --no-follow run whose streams have all ended: nothing more will come. */
export function isDone(snap: LiveSnapshot): boolean {
  const s = snap.streams;
  return !snap.header.follow && s.ended > 0 && s.connected + s.connecting + s.queued + s.retrying === 0;
}

/** The feed line: streams and rates, or "done: N requests; q to quit". */
function feedSegs(snap: LiveSnapshot, g: Glyphs): Seg[] {
  const s = snap.streams;
  const unparsed: Seg[] = [
    { text: ` ${g.sep} unparsed `, dim: true },
    { text: String(snap.unparsed), color: snap.unparsed > 0 ? 'yellow' : undefined },
  ];
  if (isDone(snap)) {
    return [
      { text: 'streams ', dim: true },
      { text: `${s.ended} ended` },
      { text: ` ${g.sep} ` , dim: true },
      { text: `done: ${snap.totals.requests} request${snap.totals.requests === 1 ? '' : 's'}; q to quit`, bold: true, color: 'green' },
      ...unparsed,
    ];
  }
  return [
    { text: 'streams ', dim: true },
    { text: `${s.connected} live`, color: s.connected > 0 ? 'green' : undefined },
    { text: `, ${s.queued + s.connecting} queued` },
    { text: `, ${s.retrying} retrying`, color: s.retrying > 0 ? 'yellow' : undefined },
    { text: ` ${g.sep} lines/s `, dim: true },
    { text: rate(snap.linesPerSec) },
    { text: ` ${g.sep} req/s `, dim: true },
    { text: rate(snap.requestsPerSec) },
    ...unparsed,
  ];
}

function dbSegs(snap: LiveSnapshot, g: Glyphs): Seg[] {
  const db: Seg[] = [];
  field(db, 'db', snap.header.dbPath, g);
  return db;
}

export function Header({ snap, width, g }: { snap: LiveSnapshot; width: number; g: Glyphs }) {
  const h = snap.header;
  const top: Seg[] = [{ text: 'snatscope', bold: true }];
  field(top, 'context', h.context, g);
  field(top, 'cluster', h.cluster, g);
  field(top, 'ns', h.namespace, g);
  field(top, 'selector', h.selector, g);
  const feed = feedSegs(snap, g);
  // The database path goes at the end of the feed line when it fits, else on a line of its own.
  const db = dbSegs(snap, g);
  const own = headerLines(snap, width, g) === 3;
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
  const db = dbSegs(snap, g);
  return db.length > 0 && segsWidth(feedSegs(snap, g)) + segsWidth(db) > width ? 3 : 2;
}
