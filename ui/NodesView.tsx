// Nodes view (`n`): per node, the pods on it and the requests they got, and, for SNAT'd requests, which of
// the node's addresses they carried (kube-proxy masquerades to the address of the interface the packet
// leaves by: InternalIP, tunnel or bridge address), so an operator can see which node was the entry point.
// ↑↓/jk select a node; Enter shows that node (NodeView): its addresses and the pods on it.

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { NodeRow } from '../src/live/stats.js';
import { layout } from './columns.js';
import { Line } from './Line.js';
import { count, fit, type Glyphs } from './text.js';
import { CLASS_COLOR, type Seg } from './theme.js';

/** The selected node's row: the one named, else the first. */
export function selectedNode(nodes: NodeRow[], name: string | null): NodeRow | undefined {
  return nodes.find((n) => n.node === name) ?? nodes[0];
}

export function NodesView({ nodes, selected, width, maxRows, g }: { nodes: NodeRow[]; selected: string | null; width: number; maxRows: number; g: Glyphs }) {
  const cols = layout(
    [
      { key: 'mark', header: '', min: 1, max: 1, keep: Infinity },
      { key: 'node', header: 'NODE', min: 16, max: 28, keep: Infinity },
      { key: 'ready', header: 'READY', min: 5, max: 5, keep: 1 },
      { key: 'pods', header: 'PODS', min: 4, max: 4, right: true, keep: Infinity },
      { key: 'req', header: 'REQ', min: 6, max: 6, right: true, keep: Infinity },
      { key: 'snat', header: 'SNAT', min: 6, max: 6, right: true, keep: Infinity },
      { key: 'src', header: "ADDRESSES ON SNAT'D REQUESTS", min: 20, max: 400, keep: Infinity },
    ],
    width,
    ['node', 'src'],
  );
  const header: Seg[] = cols.flatMap((c, i) => [...(i > 0 ? [{ text: ' ' }] : []), { text: fit(c.header, c.width, g, c.right), bold: true }]);
  const sel = selectedNode(nodes, selected)?.node ?? null;
  const rows = Math.max(1, maxRows);
  const at = Math.max(0, nodes.findIndex((n) => n.node === sel));
  const start = Math.max(0, Math.min(at - Math.floor(rows / 2), nodes.length - rows));
  const shown = nodes.slice(start, start + rows);
  return (
    <Box flexDirection="column">
      <Line segs={[{ text: 'Nodes', bold: true }, { text: ` ${g.sep} REQ: requests to pods on the node ${g.sep} SNAT: requests that entered by it`, dim: true }]} width={width} g={g} />
      <Line segs={header} width={width} g={g} />
      {nodes.length === 0 ? <Line segs={[{ text: '  no nodes known yet', dim: true }]} width={width} g={g} /> : null}
      {shown.map((n) => {
        const isSel = n.node === sel;
        const segs: Seg[] = [];
        cols.forEach((c, i) => {
          if (i > 0) segs.push({ text: ' ' });
          switch (c.key) {
            case 'mark': segs.push({ text: isSel ? g.pointer : ' ', bold: true }); break;
            case 'node': segs.push({ text: fit(safeText(n.node), c.width, g), bold: true, inverse: isSel }); break;
            case 'ready': segs.push({ text: fit(n.ready === null ? '-' : n.ready ? 'yes' : 'no', c.width, g), color: n.ready === false ? 'red' : undefined }); break;
            case 'pods': segs.push({ text: fit(String(n.pods), c.width, g, true) }); break;
            case 'req': segs.push({ text: fit(count(n.requests), c.width, g, true) }); break;
            case 'snat': segs.push({ text: fit(count(n.snatOwned), c.width, g, true), color: n.snatOwned > 0 ? CLASS_COLOR.node : undefined }); break;
            case 'src': {
              const list = n.snatSources.map((s) => `${safeText(s.addr)} x${count(s.count)}`).join(', ');
              segs.push({ text: fit(list || '-', c.width, g) });
              break;
            }
          }
        });
        return <Line key={n.node} segs={segs} width={width} g={g} />;
      })}
      {nodes.length > shown.length ? (
        <Line segs={[{ text: `  ${start > 0 ? g.up : ' '}${start + shown.length < nodes.length ? g.down : ' '} ${start + 1}-${start + shown.length} of ${nodes.length}`, dim: true }]} width={width} g={g} />
      ) : null}
    </Box>
  );
}
