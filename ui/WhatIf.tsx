// What-if view (`w`): for the Service in front of the pods, each pod's share of requests now next to the
// share predicted under the other externalTrafficPolicy (src/live/whatif.ts), with the per-node split.

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { LiveService, LiveSnapshot, PodRow } from '../src/live/stats.js';
import { whatIf, type Policy, type WhatIfResult } from '../src/live/whatif.js';
import { layout } from './columns.js';
import { Line } from './Line.js';
import { bar, fit, fitName, pct, wrapWords, type Glyphs } from './text.js';
import type { Seg } from './theme.js';

/** The Service the what-if is about: the first NodePort/LoadBalancer one, else the first. */
export function pickService(services: LiveService[]): LiveService | null {
  return services.find((s) => s.type === 'NodePort' || s.type === 'LoadBalancer') ?? services[0] ?? null;
}

/** Pods behind the Service: its listed pods, else the tracked pods of its namespace, else all. */
export function podsBehind(svc: LiveService | null, pods: PodRow[]): PodRow[] {
  if (!svc) return pods;
  if (svc.pods) {
    const names = new Set(svc.pods);
    return pods.filter((p) => names.has(p.key) || (p.namespace === svc.namespace && names.has(p.pod)));
  }
  return pods.filter((p) => p.namespace === svc.namespace);
}

/**
 * The what-if for the Service the view is about: its live pods under `to` (default: the policy it does not have),
 * over the known nodes.
 */
export function whatIfFor(snap: LiveSnapshot, to?: Policy): { svc: LiveService | null; result: WhatIfResult } {
  const svc = pickService(snap.services);
  const pods = podsBehind(svc, snap.pods).filter((p) => p.state !== 'ended');
  const from = to === undefined ? (svc?.externalTrafficPolicy ?? 'Cluster') : to === 'Local' ? 'Cluster' : 'Local';
  return { svc, result: whatIf(from, pods, snap.nodes.map((n) => n.node)) };
}

export function WhatIf({ snap, width, maxRows, g }: { snap: LiveSnapshot; width: number; maxRows: number; g: Glyphs }) {
  const { svc, result: r } = whatIfFor(snap);
  const cols = layout(
    [
      { key: 'pod', header: 'POD', min: 20, max: 40, keep: Infinity },
      { key: 'node', header: 'NODE', min: 12, max: 20, keep: Infinity },
      { key: 'now', header: 'NOW', min: 4, max: 4, right: true, keep: Infinity },
      { key: 'nowbar', header: '', min: 8, max: 16, keep: 1 },
      { key: 'pred', header: r.to.toUpperCase(), min: 7, max: 7, right: true, keep: Infinity },
      { key: 'predbar', header: '', min: 8, max: 16, keep: 2 },
    ],
    width,
    ['node', 'pod', 'nowbar', 'predbar'],
  );
  const header: Seg[] = cols.flatMap((c, i) => [...(i > 0 ? [{ text: ' ' }] : []), { text: fit(c.header, c.width, g, c.right), bold: true }]);
  const svcName = svc ? safeText(`${svc.namespace}/${svc.name}`) : 'no Service known';
  const explain =
    r.to === 'Local'
      ? 'Local: the balancer splits evenly over nodes with a ready endpoint and each node among its pods; client addresses are kept.'
      : 'Cluster: kube-proxy spreads over every ready endpoint and SNATs external traffic; nginx sees node addresses.';
  const nodeLine = r.nodes.map((n) => `${safeText(n.node)}: ${n.pods} pod${n.pods === 1 ? '' : 's'} ${pct(n.predicted)}`).join(`  ${g.sep}  `);
  return (
    <Box flexDirection="column">
      <Line
        segs={[
          { text: `What if externalTrafficPolicy were ${r.to}?`, bold: true },
          { text: ` ${g.sep} ${svcName}, now ${r.from}`, dim: true },
        ]}
        width={width}
        g={g}
      />
      {wrapWords(explain, width).map((l) => (
        <Line key={l} segs={[{ text: l, dim: true }]} width={width} g={g} />
      ))}
      <Line segs={header} width={width} g={g} />
      {r.rows.slice(0, Math.max(1, maxRows - 6)).map((row) => {
        const segs: Seg[] = [];
        cols.forEach((c, i) => {
          if (i > 0) segs.push({ text: ' ' });
          switch (c.key) {
            case 'pod': segs.push({ text: fitName(safeText(row.pod), c.width, g), bold: true }); break;
            case 'node': segs.push({ text: fit(row.node === null ? '-' : safeText(row.node), c.width, g) }); break;
            case 'now': segs.push({ text: fit(pct(row.current), c.width, g, true) }); break;
            case 'nowbar': segs.push({ text: bar(row.current, c.width, g), dim: true }); break;
            case 'pred': segs.push({ text: fit(pct(row.predicted), c.width, g, true), bold: true, color: 'cyan' }); break;
            case 'predbar': segs.push({ text: bar(row.predicted, c.width, g), color: 'cyan' }); break;
          }
        });
        return <Line key={`${row.namespace}/${row.pod}`} segs={segs} width={width} g={g} />;
      })}
      {r.rows.length === 0 ? <Line segs={[{ text: '  no pods behind it yet', dim: true }]} width={width} g={g} /> : null}
      {nodeLine ? <Line segs={[{ text: `per node under ${r.to}: `, dim: true }, { text: nodeLine }]} width={width} g={g} /> : null}
      {r.to === 'Local' && r.nodesWithoutEndpoint.length > 0 ? (
        <Line
          segs={[{ text: `no endpoint (health check takes them out): ${r.nodesWithoutEndpoint.map(safeText).join(', ')}`, color: 'yellow' }]}
          width={width}
          g={g}
        />
      ) : null}
    </Box>
  );
}
