// The policy switch (`p`): before it, what it will do (it PATCHes the live Service; the load split of the
// what-if per pod; the nodes that lose traffic; what happens to client addresses), asked as y/n. After it, the
// load split since the switch per pod, beside what the what-if predicted (the pod table's LOAD column and one line).

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { LiveSnapshot } from '../src/live/stats.js';
import type { Policy } from '../src/live/whatif.js';
import { layout } from './columns.js';
import { Line } from './Line.js';
import { clock, fit, fitName, pct, wrapWords, type Glyphs } from './text.js';
import type { Seg } from './theme.js';
import { whatIfFor } from './WhatIf.js';

/** What the UI keeps of a switch it made: when, to what, each pod's count then and its predicted share. */
export interface Switched {
  to: Policy;
  at: number;
  /** Requests per pod key when the switch went through. */
  base: Map<string, number>;
  /** The what-if's share per pod key under `to`. */
  predicted: Map<string, number>;
}

/** Records a switch to `to` at the snapshot's time, with the what-if of that moment. */
export function recordSwitch(snap: LiveSnapshot, to: Policy): Switched {
  const { result } = whatIfFor(snap, to);
  const base = new Map(snap.pods.map((p) => [p.key, p.requests]));
  const predicted = new Map(result.rows.map((r) => [`${r.namespace}/${r.pod}`, r.predicted]));
  return { to, at: snap.now, base, predicted };
}

/** Each switched pod's share of the requests since the switch (NaN for all while none arrived). */
export function splitSince(snap: LiveSnapshot, sw: Switched): Map<string, number> {
  const since = new Map<string, number>();
  let total = 0;
  for (const p of snap.pods) {
    if (!sw.predicted.has(p.key)) continue;
    const n = p.requests - (sw.base.get(p.key) ?? 0);
    since.set(p.key, n);
    total += n;
  }
  const out = new Map<string, number>();
  for (const [k, n] of since) out.set(k, total > 0 ? n / total : NaN);
  return out;
}

/** "LOAD since Local at 12:01:33: node1 49% · node2 51% (what-if 50% · 50%)": the split per node since the switch. */
export function switchedLine(snap: LiveSnapshot, sw: Switched, g: Glyphs): Seg[] {
  const split = splitSince(snap, sw);
  const byNode = new Map<string, { now: number; pred: number }>();
  for (const p of snap.pods) {
    if (!split.has(p.key)) continue;
    const n = byNode.get(p.node ?? '-') ?? { now: 0, pred: 0 };
    n.now += split.get(p.key)!;
    n.pred += sw.predicted.get(p.key)!;
    byNode.set(p.node ?? '-', n);
  }
  const nodes = [...byNode.keys()].sort();
  return [
    { text: `LOAD since ${sw.to} at ${clock(sw.at)}: `, dim: true },
    { text: nodes.map((n) => `${safeText(n)} ${pct(byNode.get(n)!.now)}`).join(` ${g.sep} `), bold: true, color: 'cyan' },
    { text: ` (what-if ${nodes.map((n) => pct(byNode.get(n)!.pred)).join(` ${g.sep} `)})`, dim: true },
  ];
}

export function PolicyConfirm({ snap, to, width, maxRows, g }: { snap: LiveSnapshot; to: Policy; width: number; maxRows: number; g: Glyphs }) {
  const { svc, result: r } = whatIfFor(snap, to);
  const name = svc ? safeText(`${svc.namespace}/${svc.name}`) : 'the Service';
  const prose: string[] = [
    `This PATCHes the live Service ${name} through the API server (spec.externalTrafficPolicy: ${to}); all its traffic changes at once.`,
    to === 'Local'
      ? r.nodesWithoutEndpoint.length > 0
        ? `Nodes that lose traffic (no ready pod, the health check takes them out): ${r.nodesWithoutEndpoint.map(safeText).join(', ')}.`
        : 'No node loses traffic: every known node has a ready pod.'
      : 'No node loses traffic: every node forwards again.',
    to === 'Local'
      ? 'Under Local kube-proxy stops SNATing external traffic (nginx sees client addresses); the load balancer sends traffic only to nodes with a ready pod and each node splits it among its own pods.'
      : 'Under Cluster kube-proxy spreads traffic over every ready pod and SNATs external traffic again (nginx sees node addresses).',
  ];
  const cols = layout(
    [
      { key: 'pod', header: 'POD', min: 16, max: 40, keep: Infinity },
      { key: 'node', header: 'NODE', min: 10, max: 20, keep: 1 },
      { key: 'now', header: 'LOAD NOW', min: 8, max: 8, right: true, keep: Infinity },
      { key: 'pred', header: `LOAD ${to.toUpperCase()}`, min: 10, max: 10, right: true, keep: Infinity },
    ],
    Math.max(0, width - 2),
    ['pod', 'node'],
  );
  const header: Seg[] = [{ text: '  ' }, ...cols.flatMap((c, i) => [...(i > 0 ? [{ text: ' ' }] : []), { text: fit(c.header, c.width, g, c.right), bold: true }])];
  // Room first for up to three pods, then for the prose (cut when the terminal is short), then for the other pods.
  const allProse = prose.flatMap((p) => wrapWords(p, Math.max(10, width - 2)));
  const fixed = 3 + (r.rows.length > 3 ? 1 : 0);
  const proseLines = allProse.slice(0, Math.max(1, maxRows - fixed - Math.min(3, Math.max(1, r.rows.length))));
  const rows = r.rows.slice(0, Math.max(1, maxRows - proseLines.length - fixed));
  return (
    <Box flexDirection="column">
      <Line segs={[{ text: `What switching ${name} to externalTrafficPolicy ${to} does`, bold: true, color: 'yellow' }]} width={width} g={g} />
      {proseLines.map((l, i) => (
        <Line key={`p${i}`} segs={[{ text: `  ${l}` }]} width={width} g={g} />
      ))}
      <Line segs={[{ text: `Load split per pod under ${to} (the what-if):`, bold: true }]} width={width} g={g} />
      <Line segs={header} width={width} g={g} />
      {rows.map((row) => {
        const segs: Seg[] = [{ text: '  ' }];
        cols.forEach((c, i) => {
          if (i > 0) segs.push({ text: ' ' });
          switch (c.key) {
            case 'pod': segs.push({ text: fitName(safeText(row.pod), c.width, g), bold: true }); break;
            case 'node': segs.push({ text: fit(row.node === null ? '-' : safeText(row.node), c.width, g) }); break;
            case 'now': segs.push({ text: fit(pct(row.current), c.width, g, true) }); break;
            case 'pred': segs.push({ text: fit(pct(row.predicted), c.width, g, true), bold: true, color: 'cyan' }); break;
          }
        });
        return <Line key={`${row.namespace}/${row.pod}`} segs={segs} width={width} g={g} />;
      })}
      {r.rows.length > rows.length ? <Line segs={[{ text: `  +${r.rows.length - rows.length} more pods (w shows them all)`, dim: true }]} width={width} g={g} /> : null}
      {r.rows.length === 0 ? <Line segs={[{ text: '  no pods behind it yet', dim: true }]} width={width} g={g} /> : null}
    </Box>
  );
}
