// Switches a Service's externalTrafficPolicy for real: a JSON merge patch (PATCH, application/merge-patch+json)
// through the API server named by a kubeconfig, with its auth and TLS (client-node's applyToHTTPSOptions).
// Used by `snatscope demo --policy` and by the TUI's "p" key; works against a real cluster the same way.

import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { UserError } from '../errors.js';
import { loadKube } from '../kube/config.js';
import { safeText } from '../text.js';
import type { TrafficPolicy } from './rules.js';

/**
 * PATCHes spec.externalTrafficPolicy of Service ns/name. `kube` is a kubeconfig path or a loaded KubeConfig (its
 * current context). Resolves with the policy the server reports back; UserError when the server refuses.
 */
export async function switchPolicy(
  kube: string | KubeConfig,
  namespace: string,
  name: string,
  policy: TrafficPolicy,
  opts: { timeoutMs?: number } = {},
): Promise<TrafficPolicy> {
  if (policy !== 'Cluster' && policy !== 'Local') {
    throw new UserError(`unknown externalTrafficPolicy "${safeText(String(policy))}"`, '--policy Cluster or --policy Local');
  }
  const kc = typeof kube === 'string' ? loadKube({ kubeconfig: kube }).kc : kube;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UserError('the kubeconfig has no current cluster', '--kubeconfig PATH of a working kubeconfig');
  const base = new URL(cluster.server.endsWith('/') ? cluster.server : `${cluster.server}/`);
  const url = new URL(`api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`, base);
  const body = JSON.stringify({ spec: { externalTrafficPolicy: policy } });
  const options: https.RequestOptions = {
    method: 'PATCH',
    headers: {
      'Content-Type': 'application/merge-patch+json',
      Accept: 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'User-Agent': 'snatscope',
    },
  };
  await kc.applyToHTTPSOptions(options);
  options.protocol = url.protocol;
  options.hostname = url.hostname.replace(/^\[|\]$/g, '');
  options.port = url.port || (url.protocol === 'https:' ? 443 : 80);
  options.path = url.pathname;
  options.timeout = opts.timeoutMs ?? 10_000;
  const mod = url.protocol === 'https:' ? https : http;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = mod.request(options, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot reach the API server ${cluster.server} to patch service ${namespace}/${name} (${err.code ?? err.message})`,
        'check that the cluster (or `snatscope demo --serve`) is running')));
    req.end(body);
  });
  let parsed: { message?: string; spec?: { externalTrafficPolicy?: string } } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // a non-JSON answer: reported below by status
  }
  if (status < 200 || status >= 300) {
    const why = parsed.message ? `: ${safeText(parsed.message).slice(0, 300)}` : '';
    const hint = status === 404 ? `kubectl get service -n ${namespace} to see which services exist`
      : status === 401 || status === 403 ? 'credentials allowed to patch services (kubectl auth can-i patch services)'
      : 'kubectl patch service to see what the server says';
    throw new UserError(`the API server refused to patch service ${namespace}/${name} (HTTP ${status})${why}`, hint);
  }
  return parsed.spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster';
}
