// Help (`?`): the keys and how to read the numbers.

import { Box } from 'ink';
import { Line } from './Line.js';
import type { Glyphs } from './text.js';

export function Help({ width, g, canSwitch }: { width: number; g: Glyphs; canSwitch: boolean }) {
  const lines: [string, string][] = [
    [`${g.up}/${g.down} j/k`, 'select a pod'],
    ['Enter', 'drill into the pod: recent requests, top clients per class'],
    ['Esc', 'back'],
    ['s', 'cycle sort: requests, SNAT ratio, name'],
    ['/', 'filter pods by name or node (Enter keeps, Esc clears)'],
    ['n', 'nodes view: which node addresses SNAT\'d requests carry'],
    ['w', 'what-if: shares under the other externalTrafficPolicy'],
    ...(canSwitch ? [['p', 'switch the Service policy (asks y/n)'] as [string, string]] : []),
    ['?', 'this help'],
    ['q, Ctrl-C', 'quit (flushes the store first)'],
  ];
  const notes = [
    'SNAT: share of requests from a node address (kube-proxy masquerade)',
    'EXT/POD/PRV/UNK: shares from external, pod, other private, unknown addresses',
    'RECOV: clients recovered from X-Forwarded-For through trusted proxies',
    'SNAT 5m: SNAT ratio per 10 s, last 5 minutes (blank: no requests)',
  ];
  return (
    <Box flexDirection="column">
      <Line segs={[{ text: 'Keys', bold: true }]} width={width} g={g} />
      {lines.map(([k, v]) => (
        <Line key={k} segs={[{ text: `  ${k.padEnd(12)}`, bold: true }, { text: v }]} width={width} g={g} />
      ))}
      <Line segs={[{ text: 'Columns', bold: true }]} width={width} g={g} />
      {notes.map((n) => (
        <Line key={n} segs={[{ text: `  ${n}` }]} width={width} g={g} />
      ))}
    </Box>
  );
}
