// One node (Enter in the nodes view): its addresses, how many SNAT'd requests carried each (which one kube-proxy
// masqueraded to tells the path the packets took), and the pods on it as the pod table shows them.

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { AddressClass } from '../src/classes.js';
import type { NodeRow, PodRow } from '../src/live/stats.js';
import { Line } from './Line.js';
import { PodTable } from './PodTable.js';
import { totalsOf } from './podlist.js';
import { count, wrapWords, type Glyphs } from './text.js';
import { CLASS_COLOR, type Seg } from './theme.js';

export interface NodeViewProps {
  node: NodeRow | undefined;
  pods: PodRow[];
  /** Classes that are not client traffic (LiveSnapshot.nonClient), for the totals row. */
  nonClient: readonly AddressClass[];
  width: number;
  maxRows: number;
  g: Glyphs;
}

/** The node's addresses, each with the SNAT'd requests that carried it ("x4.3k"), carriers first. */
export function addressList(n: NodeRow): string[] {
  const carried = new Map(n.snatSources.map((s) => [s.addr, s.count]));
  const all = [...new Set([...n.snatSources.map((s) => s.addr), ...n.addresses])];
  return all.map((a) => (carried.has(a) ? `${safeText(a)} (SNAT x${count(carried.get(a)!)})` : safeText(a)));
}

export function NodeView({ node, pods, nonClient, width, maxRows, g }: NodeViewProps) {
  if (!node) return <Line segs={[{ text: 'That node is no longer known (Esc to go back).', dim: true }]} width={width} g={g} />;
  const onNode = pods.filter((p) => p.node === node.node);
  const title: Seg[] = [
    { text: safeText(node.node), bold: true },
    { text: ` ${g.sep} ${node.ready === null ? 'readiness unknown' : node.ready ? 'ready' : 'not ready'}`, color: node.ready === false ? 'red' : undefined },
    { text: ` ${g.sep} ${onNode.length} pod${onNode.length === 1 ? '' : 's'}, ${count(node.requests)} requests to ${onNode.length === 1 ? 'it' : 'them'}` },
    { text: ` ${g.sep} ` },
    { text: `${count(node.snatOwned)} SNAT'd requests entered by it`, color: node.snatOwned > 0 ? CLASS_COLOR.node : undefined },
  ];
  const addrs = addressList(node);
  const addrLines = addrs.length === 0 ? ['none known'] : wrapWords(addrs.join(', '), Math.max(10, width - 12));
  const shownAddr = addrLines.slice(0, Math.max(1, Math.min(addrLines.length, maxRows - 7)));
  return (
    <Box flexDirection="column">
      <Line segs={title} width={width} g={g} />
      {shownAddr.map((l, i) => (
        <Line key={`a${i}`} segs={[{ text: i === 0 ? 'addresses  ' : '           ', bold: true }, { text: l }]} width={width} g={g} />
      ))}
      {addrLines.length > shownAddr.length ? <Line segs={[{ text: `           +${addrLines.length - shownAddr.length} more lines`, dim: true }]} width={width} g={g} /> : null}
      <Line segs={[{ text: `Pods on ${safeText(node.node)}`, bold: true }]} width={width} g={g} />
      {onNode.length === 0 ? (
        <Line segs={[{ text: '  no tracked pod runs here', dim: true }]} width={width} g={g} />
      ) : (
        <PodTable pods={onNode} totals={totalsOf(onNode, nonClient)} selectedKey={null} width={width} maxRows={maxRows - shownAddr.length - 5} g={g} />
      )}
    </Box>
  );
}
