// The "what to do" line under the Service banner: when SNAT is high, the audit's finding for it in one sentence,
// from the live numbers (the Service's type and externalTrafficPolicy, and the SNAT ratio of the last minute, or
// since the start while a minute has not passed), so it follows a policy switch at once.

import { safeText } from '../src/output/escape.js';
import type { LiveService } from '../src/live/stats.js';
import { pct } from './text.js';

/** SNAT ratio from which the line shows. */
export const HIGH_SNAT = 0.1;

export interface AdviceInput {
  svc: LiveService | null;
  /** SNAT ratio to judge (0..1, NaN when there is no client traffic) and what it covers ("in the last minute"). */
  ratio: number;
  span: string;
}

/** The sentence, or null while SNAT is not high. */
export function whatToDo({ svc, ratio, span }: AdviceInput): string | null {
  if (!(ratio >= HIGH_SNAT)) return null;
  const share = `${pct(ratio)} of requests ${span} carry node addresses (kube-proxy SNAT)`;
  if (!svc) return `${share}, and no Service is known in front of these pods: check its type and externalTrafficPolicy.`;
  const name = safeText(`${svc.namespace}/${svc.name}`);
  const external = svc.type === 'NodePort' || svc.type === 'LoadBalancer';
  if (external && svc.externalTrafficPolicy !== 'Local') {
    return (
      `${share} because ${name} is ${safeText(svc.type)} with externalTrafficPolicy Cluster: set Local to keep client addresses ` +
      '(w: the load per pod), or put an L7 proxy sending X-Forwarded-For in front and --trust it.'
    );
  }
  if (external) {
    return (
      `${share} although ${name} has externalTrafficPolicy Local: they reach the pods another way ` +
      '(look for a hostNetwork proxy, an Ingress or in-cluster callers through the ClusterIP).'
    );
  }
  return (
    `${share} though ${name} is ${safeText(svc.type)}: traffic arrives through something that SNATs ` +
    '(another NodePort/LoadBalancer Service, a hostNetwork proxy, or an Ingress without X-Forwarded-For).'
  );
}
