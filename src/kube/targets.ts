// TARGET arguments the way kubectl and stern take them: a pod name, KIND/NAME for deploy(ment), sts/statefulset,
// ds/daemonset, rs/replicaset, job, svc/service (their pod selector is read from the object: spec.selector with
// matchLabels/matchExpressions, or a service's spec.selector map), or a pod-name regex (a bare word that is not an
// existing pod's name is a regex, like stern's query). `-l SELECTOR` narrows every target (or is the target), `-n`/`-A`
// say where. Each target becomes a Selection for pods.ts.
import { UserError } from '../errors.js';
import { safeText } from '../text.js';
import { KubeError, type KubeClient } from './http.js';
import type { Selection } from './pods.js';

export type TargetKind = 'pod' | 'deployment' | 'statefulset' | 'daemonset' | 'replicaset' | 'job' | 'service' | 'regex';

export interface ParsedTarget {
  kind: TargetKind;
  name: string;
  /** What the user typed (for messages). */
  text: string;
}

const KINDS: Record<string, TargetKind> = {
  po: 'pod', pod: 'pod', pods: 'pod',
  deploy: 'deployment', deployment: 'deployment', deployments: 'deployment',
  'deployment.apps': 'deployment', 'deployments.apps': 'deployment',
  sts: 'statefulset', statefulset: 'statefulset', statefulsets: 'statefulset',
  ds: 'daemonset', daemonset: 'daemonset', daemonsets: 'daemonset',
  rs: 'replicaset', replicaset: 'replicaset', replicasets: 'replicaset',
  job: 'job', jobs: 'job', 'job.batch': 'job', 'jobs.batch': 'job',
  svc: 'service', service: 'service', services: 'service',
};

const API: Record<Exclude<TargetKind, 'pod' | 'regex'>, string> = {
  deployment: '/apis/apps/v1/namespaces/%s/deployments/',
  statefulset: '/apis/apps/v1/namespaces/%s/statefulsets/',
  daemonset: '/apis/apps/v1/namespaces/%s/daemonsets/',
  replicaset: '/apis/apps/v1/namespaces/%s/replicasets/',
  job: '/apis/batch/v1/namespaces/%s/jobs/',
  service: '/api/v1/namespaces/%s/services/',
};

const SHORT: Record<TargetKind, string> = {
  pod: 'pod', deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', replicaset: 'rs', job: 'job', service: 'svc', regex: '',
};

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function parseTarget(text: string): ParsedTarget {
  const slash = text.indexOf('/');
  if (slash > 0) {
    const kindText = text.slice(0, slash).toLowerCase();
    const name = text.slice(slash + 1);
    const kind = KINDS[kindText];
    if (kind) {
      if (!DNS_NAME.test(name)) {
        throw new UserError(`"${safeText(name)}" in ${safeText(text)} is not a valid name`, `${kindText}/NAME with a lower-case DNS name`);
      }
      return { kind, name, text };
    }
    if (/^[a-z.]+$/.test(kindText)) {
      throw new UserError(
        `unknown resource type "${safeText(kindText)}" in ${safeText(text)}`,
        'pod/NAME, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME, or a pod-name regex',
      );
    }
  }
  if (DNS_NAME.test(text)) return { kind: 'pod', name: text, text };
  compileRegex(text);
  return { kind: 'regex', name: text, text };
}

function compileRegex(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch {
    throw new UserError(`"${safeText(text)}" is not a pod name or a valid regular expression`, 'a pod name, KIND/NAME, or a regex like "^nginx-"');
  }
}

export interface TargetScope {
  /** The namespace to use (flag, context, default). */
  namespace: string;
  /** -A: every namespace. */
  allNamespaces: boolean;
  /** -l SELECTOR. */
  labelSelector?: string;
}

/** Turns TARGET arguments into pod selections, reading workload and service selectors from the API. */
export async function resolveTargets(client: KubeClient, targets: string[], scope: TargetScope): Promise<Selection[]> {
  const ns = scope.allNamespaces ? null : scope.namespace;
  const l = scope.labelSelector?.trim() || undefined;
  const where = ns === null ? 'in any namespace' : `in namespace ${ns}`;
  const withL = l ? ` with -l ${l}` : '';
  if (targets.length === 0) {
    return [{ namespace: ns, labelSelector: l, label: l ? `-l ${l}` : ns ? `all pods in ${ns}` : 'all pods',
      missing: safeText(l ? `no pods match -l ${l} ${where}` : `no pods ${where}`) }];
  }
  const out: Selection[] = [];
  for (const text of targets) {
    const t = parseTarget(text);
    if (t.kind === 'pod') {
      // An exact pod name when such a pod exists (kubectl), else a regex over pod names (stern).
      if (ns !== null && (await exists(client, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${t.name}`))) {
        out.push({ namespace: ns, fieldSelector: `metadata.name=${t.name}`, labelSelector: l, label: `pod/${t.name}`,
          missing: safeText(`pod "${t.name}"${withL} not found ${where}`) });
        continue;
      }
      const re = compileRegex(t.name);
      out.push({ namespace: ns, labelSelector: l, match: (name) => re.test(name), label: t.text,
        missing: safeText(`pod "${t.name}" not found ${where} (no pod name matches it either${withL})`) });
      continue;
    }
    if (t.kind === 'regex') {
      const re = compileRegex(t.name);
      out.push({ namespace: ns, labelSelector: l, match: (name) => re.test(name), label: t.text,
        missing: safeText(`no pod name matches "${t.name}" ${where}${withL}`) });
      continue;
    }
    if (ns === null) {
      throw new UserError(`${safeText(text)} names one object, so it needs a namespace, not -A`, `-n NAMESPACE ${safeText(text)}`);
    }
    const selector = await workloadSelector(client, t, ns);
    out.push({ namespace: ns, labelSelector: l ? `${selector},${l}` : selector, label: `${SHORT[t.kind]}/${t.name}`,
      missing: safeText(`${SHORT[t.kind]}/${t.name} selects no pods ${where} (selector ${selector}${l ? `,${l}` : ''})`) });
  }
  return out;
}

/** Whether a namespace exists: false only on a 404 (a 403 cannot tell, so it counts as there). */
export async function namespaceExists(client: KubeClient, ns: string): Promise<boolean> {
  try {
    return await exists(client, `/api/v1/namespaces/${encodeURIComponent(ns)}`);
  } catch (err) {
    if (err instanceof KubeError && (err.status === 401 || err.status === 403)) return true;
    throw err;
  }
}

async function exists(client: KubeClient, path: string): Promise<boolean> {
  try {
    await client.getJson(path);
    return true;
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) return false;
    throw err;
  }
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The label selector (as a query string) of a workload or service. */
async function workloadSelector(client: KubeClient, t: ParsedTarget, ns: string): Promise<string> {
  const kind = t.kind as keyof typeof API;
  let obj: { spec?: { selector?: LabelSelector | Record<string, string> } };
  try {
    obj = await client.getJson(API[kind].replace('%s', encodeURIComponent(ns)) + t.name);
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) {
      throw new UserError(`${kind} "${t.name}" not found in namespace ${ns}`, `kubectl get ${SHORT[kind]} -n ${ns}, or -n NAMESPACE`);
    }
    if (err instanceof KubeError && (err.status === 401 || err.status === 403)) throw new UserError(err.message, err.hint ?? undefined);
    throw err;
  }
  const sel = obj.spec?.selector;
  const text = kind === 'service' ? mapSelector(sel as Record<string, string> | undefined) : labelSelectorText(sel as LabelSelector | undefined);
  if (!text) {
    throw new UserError(
      `${kind} ${ns}/${t.name} has no pod selector`,
      kind === 'service' ? 'a service with spec.selector, or -l SELECTOR' : '-l SELECTOR',
    );
  }
  return text;
}

function mapSelector(sel: Record<string, string> | undefined): string {
  return sel ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : '';
}

/** A metav1.LabelSelector as the query syntax (`a=b,c in (x,y),d notin (z),e,!f`). */
export function labelSelectorText(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${vals})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${vals})`); break;
      case 'Exists': parts.push(e.key); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
    }
  }
  return parts.join(',');
}
