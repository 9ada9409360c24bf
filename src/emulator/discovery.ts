// Discovery documents in the legacy form kubectl falls back to: /version, /api (APIVersions), /api/v1 and
// /apis/{group}/{version} (APIResourceList, with verbs and short names), /apis (APIGroupList).

import { KUBE_VERSION } from './objects.js';
import { RESOURCES, groupVersion } from './resources.js';

export function versionInfo(): object {
  const [major, minor] = KUBE_VERSION.slice(1).split('.');
  return { major, minor, emulationMajor: major, emulationMinor: minor, minCompatibilityMajor: major,
    minCompatibilityMinor: String(Number(minor) - 1), gitVersion: KUBE_VERSION,
    gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2025-04-22T16:00:00Z',
    goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64' };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

const GROUPS = ['apps', 'batch', 'discovery.k8s.io'] as const;

function groupEntry(name: string): object {
  const gv = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(groupEntry) };
}

/** The APIGroup document for /apis/{group}, or null for an unknown group. */
export function apiGroup(name: string): object | null {
  return (GROUPS as readonly string[]).includes(name) ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name) } : null;
}

/** The APIResourceList for a group version ('' group is the core /api/v1), or null if not served. */
export function apiResourceList(group: string, version: string): object | null {
  if (version !== 'v1' || (group !== '' && !(GROUPS as readonly string[]).includes(group))) return null;
  const resources: object[] = [];
  for (const r of RESOURCES) {
    if (r.group !== group) continue;
    resources.push({ name: r.name, singularName: r.singularName, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}) });
    if (r.name === 'pods') {
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
      resources.push({ name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    }
    if (r.name === 'services') {
      resources.push({ name: 'services/status', singularName: '', namespaced: true, kind: 'Service', verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? 'v1' : `${group}/v1`, resources };
}

export { groupVersion };
