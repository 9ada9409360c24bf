// The Service(s) in front of the pods: type, externalTrafficPolicy, node ports, and one sentence on what
// that policy means for the addresses nginx sees.

import { Box } from 'ink';
import { safeText } from '../src/text.js';
import type { LiveService } from '../src/live/stats.js';
import { Line } from './Line.js';
import type { Glyphs } from './text.js';
import type { Seg } from './theme.js';

export function policyMeaning(svc: LiveService): string {
  if (svc.type !== 'NodePort' && svc.type !== 'LoadBalancer') return `${svc.type}: in-cluster traffic only; externalTrafficPolicy does not apply`;
  if (svc.externalTrafficPolicy === 'Local') return 'Local: client addresses kept; load splits per node';
  return "Cluster: kube-proxy SNATs external traffic; nginx sees node addresses";
}

export function ServiceBanner({ services, width, g, max = 2 }: { services: LiveService[]; width: number; g: Glyphs; max?: number }) {
  if (services.length === 0) return null;
  const shown = services.slice(0, max);
  return (
    <Box flexDirection="column">
      {shown.map((svc) => {
        const policy = svc.externalTrafficPolicy ?? 'Cluster';
        const segs: Seg[] = [
          { text: safeText(`${svc.namespace}/${svc.name}`), bold: true },
          { text: ` ${safeText(svc.type)}` },
        ];
        if (svc.type === 'NodePort' || svc.type === 'LoadBalancer') {
          segs.push(
            { text: ` ${g.sep} externalTrafficPolicy `, dim: true },
            { text: policy, bold: true, color: policy === 'Local' ? 'green' : 'yellow' },
          );
          if (svc.nodePorts.length > 0) segs.push({ text: ` ${g.sep} nodePorts `, dim: true }, { text: svc.nodePorts.join(',') });
        }
        return (
          <Box key={`${svc.namespace}/${svc.name}`} flexDirection="column">
            <Line segs={segs} width={width} g={g} />
            <Line segs={[{ text: `  ${policyMeaning(svc)}`, dim: true }]} width={width} g={g} />
          </Box>
        );
      })}
      {services.length > max ? <Line segs={[{ text: `  +${services.length - max} more services`, dim: true }]} width={width} g={g} /> : null}
    </Box>
  );
}
