// Builders for the Kubernetes JSON objects the emulator serves (Node, Pod, Service, Namespace, Deployment,
// ReplicaSet), shaped like a real v1.32 apiserver returns them.

import { createHash, randomUUID } from 'node:crypto';
import type { ContainerLog } from './containerlog.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  [key: string]: unknown;
}

/** A Kubernetes object as JSON. Objects handed out by the model are snapshots: treat them as read-only. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export const KUBE_VERSION = 'v1.32.4';

/** RFC3339 with whole seconds, as metav1.Time serialises. */
export function rfc3339(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function newMeta(name: string, namespace: string | undefined, labels?: Record<string, string>,
  annotations?: Record<string, string>): ObjectMeta {
  const meta: ObjectMeta = { name, ...(namespace !== undefined ? { namespace } : {}), uid: randomUUID(),
    resourceVersion: '0', creationTimestamp: rfc3339() };
  if (labels && Object.keys(labels).length) meta.labels = { ...labels };
  if (annotations && Object.keys(annotations).length) meta.annotations = { ...annotations };
  return meta;
}

/** The 10-character pod-template-hash kube-controller-manager derives (alphabet without vowels). */
export function templateHash(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i] % alphabet.length];
  return out;
}

export interface NodeSpec {
  name: string;
  internalIP: string;
  internalIPv6?: string;
  externalIP?: string;
  podCIDRs: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ready?: boolean;
}

export function nodeObject(n: NodeSpec): KubeObject {
  const labels = {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels,
  };
  const addresses = [{ type: 'InternalIP', address: n.internalIP }];
  if (n.internalIPv6) addresses.push({ type: 'InternalIP', address: n.internalIPv6 });
  if (n.externalIP) addresses.push({ type: 'ExternalIP', address: n.externalIP });
  addresses.push({ type: 'Hostname', address: n.name });
  const now = rfc3339();
  const ready = n.ready ?? true;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: newMeta(n.name, undefined, labels, { 'node.alpha.kubernetes.io/ttl': '0', ...n.annotations }),
    spec: { podCIDR: n.podCIDRs[0], podCIDRs: [...n.podCIDRs] },
    status: {
      addresses,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady',
        message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready',
        lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-emulated', containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBE_VERSION, kubeProxyVersion: KUBE_VERSION, machineID: '', systemUUID: '', bootID: '' },
    },
  };
}

/** One container of a pod as the model tracks it. */
export interface ContainerState {
  name: string;
  image: string;
  /** Current instance (its containerId is the status containerID). */
  log: ContainerLog;
  /** The instance before the last restart (`previous=true`). */
  previous: ContainerLog | null;
  restartCount: number;
  /** Waiting reason (ContainerCreating, CrashLoopBackOff, ...) or null when running. */
  waiting: string | null;
  startedAt: number;
  lastTerminated: { exitCode: number; reason: string; startedAt: number; finishedAt: number; containerID: string } | null;
}

export interface PodState {
  meta: ObjectMeta;
  nodeName: string;
  ips: string[];
  hostNetwork: boolean;
  containers: ContainerState[];
  startMs: number;
}

export function podObject(p: PodState, hostIPs: string[]): KubeObject {
  const allReady = p.containers.every((c) => c.waiting === null);
  const neverStarted = p.containers.some((c) => !c.log.started && c.previous === null);
  const start = rfc3339(p.startMs);
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null,
    lastTransitionTime: start });
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: p.meta,
    spec: {
      nodeName: p.nodeName,
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      containers: p.containers.map((c) => ({ name: c.name, image: c.image, imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {}, terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File' })),
      restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler',
      serviceAccountName: 'default', terminationGracePeriodSeconds: 30, enableServiceLinks: true,
    },
    status: {
      phase: neverStarted ? 'Pending' : 'Running',
      conditions: [cond('PodReadyToStartContainers', !neverStarted), cond('Initialized', true), cond('Ready', allReady),
        cond('ContainersReady', allReady), cond('PodScheduled', true)],
      hostIP: hostIPs[0] ?? '',
      hostIPs: hostIPs.map((ip) => ({ ip })),
      ...(p.ips.length ? { podIP: p.ips[0], podIPs: p.ips.map((ip) => ({ ip })) } : {}),
      startTime: start,
      qosClass: 'BestEffort',
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        image: c.image.includes(':') ? `docker.io/library/${c.image}` : `docker.io/library/${c.image}:latest`,
        imageID: `docker.io/library/${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
        ...(c.log.started ? { containerID: c.log.containerId } : {}),
        ready: c.waiting === null,
        started: c.waiting === null,
        restartCount: c.restartCount,
        state: c.waiting === null ? { running: { startedAt: rfc3339(c.startedAt) } }
          : { waiting: { reason: c.waiting, ...(c.waiting === 'CrashLoopBackOff'
            ? { message: `back-off 10s restarting failed container=${c.name} pod=${p.meta.name}_${p.meta.namespace}(${p.meta.uid})` } : {}) } },
        lastState: c.lastTerminated ? { terminated: { exitCode: c.lastTerminated.exitCode, reason: c.lastTerminated.reason,
          startedAt: rfc3339(c.lastTerminated.startedAt), finishedAt: rfc3339(c.lastTerminated.finishedAt),
          containerID: c.lastTerminated.containerID } } : {},
      })),
    },
  };
}

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: newMeta(name, undefined, { 'kubernetes.io/metadata.name': name }),
    spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

export interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
}

export interface ServiceSpec {
  namespace: string;
  name: string;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  selector?: Record<string, string>;
  ports: ServicePortSpec[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  clusterIP?: string;
  externalIPs?: string[];
  /** LoadBalancer status ingress addresses. */
  loadBalancerIPs?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function serviceObject(s: ServiceSpec, clusterIP: string, nextNodePort: () => number): KubeObject {
  const type = s.type ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const spec: Record<string, unknown> = {
    type,
    ...(s.selector ? { selector: { ...s.selector } } : {}),
    clusterIP, clusterIPs: [clusterIP],
    ipFamilies: [clusterIP.includes(':') ? 'IPv6' : 'IPv4'], ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster', sessionAffinity: 'None',
    ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP', port: p.port,
      targetPort: p.targetPort ?? p.port, ...(external ? { nodePort: p.nodePort ?? nextNodePort() } : {}) })),
  };
  if (external) {
    spec.externalTrafficPolicy = s.externalTrafficPolicy ?? 'Cluster';
    if (type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') spec.healthCheckNodePort = nextNodePort();
    if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts = true;
  }
  if (s.externalIPs?.length) spec.externalIPs = [...s.externalIPs];
  return {
    apiVersion: 'v1', kind: 'Service', metadata: newMeta(s.name, s.namespace, s.labels, s.annotations), spec,
    status: { loadBalancer: type === 'LoadBalancer' && s.loadBalancerIPs?.length
      ? { ingress: s.loadBalancerIPs.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface DeploymentSpec {
  namespace: string;
  name: string;
  selector: Record<string, string> | LabelSelectorSpec;
  replicas?: number;
  labels?: Record<string, string>;
  image?: string;
}

function toSelector(sel: Record<string, string> | LabelSelectorSpec): LabelSelectorSpec {
  return 'matchLabels' in sel || 'matchExpressions' in sel ? structuredClone(sel as LabelSelectorSpec)
    : { matchLabels: { ...(sel as Record<string, string>) } };
}

export function deploymentObject(d: DeploymentSpec): KubeObject {
  const selector = toSelector(d.selector);
  const replicas = d.replicas ?? 1;
  const meta = newMeta(d.name, d.namespace, d.labels ?? selector.matchLabels,
    { 'deployment.kubernetes.io/revision': '1' });
  meta.generation = 1;
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
    spec: { replicas, selector, template: { metadata: { labels: { ...selector.matchLabels } },
      spec: { containers: [{ name: 'nginx', image: d.image ?? 'nginx:1.27' }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
    status: { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  };
}

export interface DaemonSetSpec {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  image: string;
  hostNetwork?: boolean;
}

export function daemonSetObject(d: DaemonSetSpec, nodes: number): KubeObject {
  const meta = newMeta(d.name, d.namespace, { ...d.selector }, { 'deprecated.daemonset.template.generation': '1' });
  meta.generation = 1;
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta,
    spec: { selector: { matchLabels: { ...d.selector } },
      template: { metadata: { labels: { ...d.selector } }, spec: { ...(d.hostNetwork ? { hostNetwork: true } : {}),
        containers: [{ name: d.name, image: d.image }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
    status: { currentNumberScheduled: nodes, desiredNumberScheduled: nodes, numberAvailable: nodes, numberMisscheduled: 0,
      numberReady: nodes, observedGeneration: 1, updatedNumberScheduled: nodes },
  };
}

export function replicaSetObject(namespace: string, deployment: string, hash: string, owner: KubeObject | undefined,
  labels: Record<string, string>): KubeObject {
  const meta = newMeta(`${deployment}-${hash}`, namespace, { ...labels, 'pod-template-hash': hash });
  meta.generation = 1;
  if (owner) meta.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment,
    uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }];
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta,
    spec: { replicas: 1, selector: { matchLabels: { ...labels, 'pod-template-hash': hash } } },
    status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 },
  };
}
