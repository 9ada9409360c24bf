// The resources the emulator serves, with what discovery says about them (group, kind, scope, verbs,
// short names). Routing, discovery, tables and the model all read this one table.

export interface ResourceInfo {
  group: '' | 'apps' | 'batch' | 'discovery.k8s.io';
  version: 'v1';
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: readonly ResourceInfo[] = [
  { group: '', version: 'v1', name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'] },
  { group: '', version: 'v1', name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, verbs: RW,
    shortNames: ['no'] },
  { group: '', version: 'v1', name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, verbs: RW,
    shortNames: ['po'], categories: ['all'] },
  { group: '', version: 'v1', name: 'services', singularName: 'service', kind: 'Service', namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['svc'],
    categories: ['all'] },
  { group: '', version: 'v1', name: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true,
    verbs: RW, shortNames: ['ep'] },
  { group: 'discovery.k8s.io', version: 'v1', name: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice',
    namespaced: true, verbs: RW },
  { group: 'apps', version: 'v1', name: 'deployments', singularName: 'deployment', kind: 'Deployment', namespaced: true,
    verbs: RW, shortNames: ['deploy'], categories: ['all'] },
  { group: 'apps', version: 'v1', name: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', namespaced: true,
    verbs: RW, shortNames: ['rs'], categories: ['all'] },
  { group: 'apps', version: 'v1', name: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet',
    namespaced: true, verbs: RW, shortNames: ['sts'], categories: ['all'] },
  { group: 'apps', version: 'v1', name: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', namespaced: true,
    verbs: RW, shortNames: ['ds'], categories: ['all'] },
  { group: 'batch', version: 'v1', name: 'jobs', singularName: 'job', kind: 'Job', namespaced: true, verbs: RW,
    categories: ['all'] },
];

export function findResource(group: string, name: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.name === name);
}

export function resourceByName(name: string): ResourceInfo {
  const r = RESOURCES.find((x) => x.name === name);
  if (!r) throw new Error(`emulator: unknown resource ${name}`);
  return r;
}

export function groupVersion(r: ResourceInfo): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}
