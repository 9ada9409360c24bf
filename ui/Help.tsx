// Help (`?`): the keys and how to read the numbers.

import { Box } from 'ink';
import { Line } from './Line.js';
import { CLASS_INFO, SHARE_CLASSES } from '../src/classes.js';
import { NON_CLIENT } from '../src/live/stats.js';
import { sparkLabel } from './PodTable.js';
import type { Glyphs } from './text.js';
import type { Seg } from './theme.js';

export interface HelpProps {
  width: number;
  g: Glyphs;
  canSwitch: boolean;
  /** Cells of the table's sparkline column at this width, 0 when the table has none. */
  sparkCells: number;
  /** Lines it may take. */
  maxRows: number;
}

export function Help({ width, g, canSwitch, sparkCells, maxRows }: HelpProps) {
  const lines: [string, string][] = [
    [`${g.up}/${g.down} j/k`, 'select a pod'],
    ['Enter', 'drill into the pod: recent requests, top clients per class'],
    ['Esc', 'back'],
    ['s', 'cycle sort: requests, SNAT ratio, name'],
    ['/', 'filter pods by name or node (Enter keeps, Esc clears)'],
    ['n', 'nodes view: which node addresses SNAT\'d requests carry; Enter: a node\'s pods and addresses'],
    ['w', 'what-if: shares under the other externalTrafficPolicy'],
    ...(canSwitch ? [['p', 'switch the Service policy: shows what it does (a PATCH of the live Service), asks y/n'] as [string, string]] : []),
    ['?', 'this help'],
    ['q, Ctrl-C', 'quit (flushes the store first)'],
  ];
  const notes = [
    `SNAT: share of client requests${NON_CLIENT.length ? ` (all but ${NON_CLIENT.join(', ')})` : ''} from a node address (kube-proxy masquerade) since the start`,
    '1MIN: the SNAT share over the last minute (a policy switch shows here first)',
    `${SHARE_CLASSES.map((c) => CLASS_INFO[c].header).join(' ')}: shares of the client requests from ${SHARE_CLASSES.join(', ')} addresses` +
      (NON_CLIENT.length ? ` (${NON_CLIENT.map((c) => CLASS_INFO[c].header).join(' ')}: of all requests)` : ''),
    'RECOV: clients recovered from X-Forwarded-For through trusted proxies',
    ...(canSwitch ? ['LOAD (after p): each pod\'s share of the requests since the policy switch'] : []),
    sparkCells > 0
      ? `${sparkLabel(sparkCells)}: SNAT ratio per 10 s, last ${sparkCells / 6} minute${sparkCells === 6 ? '' : 's'}, newest right (blank: no requests)`
      : `SNAT trend (${sparkLabel(12)} and up): a wider terminal shows the SNAT ratio per 10 s`,
  ];
  const all: Seg[][] = [
    [{ text: 'Keys', bold: true }],
    ...lines.map(([k, v]): Seg[] => [{ text: `  ${k.padEnd(12)}`, bold: true }, { text: v }]),
    [{ text: 'Columns', bold: true }],
    ...notes.map((n): Seg[] => [{ text: `  ${n}` }]),
  ];
  // A short terminal shows what fits and says how much is left out.
  const shown = all.length <= maxRows ? all : all.slice(0, Math.max(1, maxRows - 1));
  return (
    <Box flexDirection="column">
      {shown.map((segs, i) => (
        <Line key={i} segs={segs} width={width} g={g} />
      ))}
      {shown.length < all.length ? <Line segs={[{ text: `  +${all.length - shown.length} more lines in a taller terminal`, dim: true }]} width={width} g={g} /> : null}
    </Box>
  );
}
