// What the live numbers say the user could do. The "what to do" line under the Service banner: when SNAT is high,
// the audit's finding for it in one sentence, from the Service's type and externalTrafficPolicy and the SNAT ratio of
// the last minute (so it follows a policy switch at once). The trust hint on the status line: requests from node,
// pod or private addresses carry X-Forwarded-For that no --trust covers, with the exact --trust flags to add.

import { safeText } from '../src/text.js';
import { hostCidr } from '../src/classify/trust-hint.js';
import type { LiveService, LiveSnapshot } from '../src/live/stats.js';
import { clock, count, pct } from './text.js';
import { pickService } from './WhatIf.js';

/** SNAT ratio from which the line shows. */
export const HIGH_SNAT = 0.1;

export interface AdviceInput {
  svc: LiveService | null;
  /** When the Service's policy was last seen to change (ms; -Infinity when not seen), and now. */
  policySince: number;
  now: number;
  /** SNAT ratio to judge (0..1, NaN when there is no client traffic) and what it covers ("in the last minute"). */
  ratio: number;
  span: string;
}

/** The minute the SNAT ratio judged covers. */
const RECENT_MS = 60_000;

/**
 * The Service of the view and the last minute's SNAT ratio (a finished --no-follow read: the whole read's, since the
 * minute counts arrivals, not log times); `policySince` from policyWatch().
 */
export function adviceInput(snap: LiveSnapshot, policySince: number, done: boolean): AdviceInput {
  const svc = pickService(snap.services);
  if (done) return { svc, ratio: snap.totals.snatRatio, span: 'in these logs', policySince: -Infinity, now: snap.now };
  return { svc, ratio: snap.totals.snatRecent, span: 'in the last minute', policySince, now: snap.now };
}

/**
 * When the Service's externalTrafficPolicy was last seen to change: `seen` keeps the Service and policy across
 * frames (-Infinity: as it was when first seen).
 */
export function policyWatch(seen: { key: string; policy: string | null; since: number } | null, svc: LiveService | null, now: number) {
  const key = svc ? `${svc.namespace}/${svc.name}` : '';
  const policy = svc?.externalTrafficPolicy ?? null;
  if (seen === null || seen.key !== key) return { key, policy, since: -Infinity };
  if (seen.policy !== policy) return { key, policy, since: now };
  return seen;
}

/** The sentence, or null while SNAT is not high. */
export function whatToDo({ svc, ratio, span, policySince, now }: AdviceInput): string | null {
  if (!(ratio >= HIGH_SNAT)) return null;
  // Right after a switch the minute still holds requests from before it: judging them by the new policy would be wrong.
  if (svc && now - policySince < RECENT_MS) {
    return (
      `externalTrafficPolicy changed to ${safeText(svc.externalTrafficPolicy ?? 'Cluster')} at ${clock(policySince)}; ` +
      `the last minute still holds requests from before, so 1MIN settles by ${clock(policySince + RECENT_MS)}.`
    );
  }
  const share = `${pct(ratio)} of requests ${span} are SNAT'd`;
  if (!svc) return `${share} and no Service is known in front of these pods: check its type and externalTrafficPolicy.`;
  const name = safeText(`${svc.namespace}/${svc.name}`);
  const external = svc.type === 'NodePort' || svc.type === 'LoadBalancer';
  if (external && svc.externalTrafficPolicy !== 'Local') {
    return (
      `${share} under externalTrafficPolicy Cluster: set Local to keep client addresses (see w), ` +
      'or --trust an L7 proxy in front that adds X-Forwarded-For.'
    );
  }
  if (external) {
    return (
      `${share} although ${name} has externalTrafficPolicy Local: they reach the pods another way ` +
      '(a hostNetwork proxy, an Ingress, in-cluster callers via the ClusterIP).'
    );
  }
  return (
    `${share} though ${name} is ${safeText(svc.type)}: something in front SNATs ` +
    '(another NodePort/LoadBalancer Service, a hostNetwork proxy, an Ingress without X-Forwarded-For).'
  );
}

/** How many --trust flags the hint names at most. */
const TRUST_SHOWN = 2;

/** `--trust ADDR/32` (or /128): exactly the address the requests came from. */
export function trustFlag(addr: string): string {
  return `--trust ${hostCidr(addr)}`;
}

/**
 * "try --trust 10.0.0.5/32: 120 requests from 10.0.0.5 (node) carry X-Forwarded-For no --trust covers", or null;
 * only while such requests keep coming (some in the last minute), so a hint a policy switch made moot goes away.
 */
export function trustHint(u: LiveSnapshot['untrustedXff']): string | null {
  if (u.recent === 0 || u.top.length === 0) return null;
  const shown = u.top.slice(0, TRUST_SHOWN);
  const more = u.top.length > TRUST_SHOWN ? ' and others' : '';
  const from = shown.map((s) => `${safeText(s.addr)} (${s.cls})`).join(', ');
  return `try ${shown.map((s) => trustFlag(safeText(s.addr))).join(' ')}: ${count(u.requests)} request${u.requests === 1 ? '' : 's'} from ${from}${more} carry X-Forwarded-For no --trust covers`;
}
