// Nodes, pods and their workloads (ReplicaSets of Deployments, DaemonSets) of the emulated cluster. A pod's status is
// the model's (PodState, rendered by objects.ts podObject); its containers' lifecycle and logs are model.ts.

import { ContainerLog } from './containerlog.js';
import { mergePatch } from './merge.js';
import { type EventType, key } from './model-store.js';
import { ServiceModel } from './model-services.js';
import {
  type ContainerState, type DaemonSetSpec, type DeploymentSpec, type KubeObject, type NodeSpec, type PodState,
  daemonSetObject, deploymentObject, rfc3339, newMeta, nodeObject, podObject, replicaSetObject, templateHash,
} from './objects.js';

export interface PodSpecInput {
  namespace: string;
  name: string;
  nodeName: string;
  /** Pod IP ('' for none; a hostNetwork pod without one gets its node's InternalIPs). */
  ip: string;
  /** All pod IPs (dual stack); defaults to [ip]. */
  ips?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  containers: (string | { name: string; image?: string; waiting?: string })[];
  ownerKind?: string;
  ownerName?: string;
  hostNetwork?: boolean;
}

export interface ClusterModelOptions {
  /** Events kept for watch replay; a watch from an older resourceVersion gets 410 Expired. */
  historySize?: number;
  /** Lines kept per container instance. */
  maxLogLines?: number;
}

export class PodModel extends ServiceModel {
  protected readonly pods = new Map<string, PodState>();
  protected readonly maxLogLines: number;

  constructor(opts: ClusterModelOptions = {}) {
    super(opts.historySize ?? 1000);
    this.maxLogLines = opts.maxLogLines ?? 50_000;
  }

  override deleteObject(resource: string, namespace: string | undefined, name: string): boolean {
    if (resource === 'pods') return this.deletePod(namespace ?? 'default', name);
    return super.deleteObject(resource, namespace, name);
  }

  /** Merge-patches an object (labels/annotations only for pods, whose status the model owns). */
  override patch(resource: string, namespace: string | undefined, name: string, patch: unknown): KubeObject | undefined {
    if (resource === 'pods') {
      const p = this.pods.get(key(namespace, name));
      if (!p) return undefined;
      const meta = (patch as { metadata?: { labels?: unknown; annotations?: unknown } } | null)?.metadata;
      p.meta = { ...p.meta };
      if (meta?.labels !== undefined) p.meta.labels = mergePatch(p.meta.labels ?? {}, meta.labels) as Record<string, string>;
      if (meta?.annotations !== undefined) {
        p.meta.annotations = mergePatch(p.meta.annotations ?? {}, meta.annotations) as Record<string, string>;
      }
      return this.commitPod(p, 'MODIFIED');
    }
    return super.patch(resource, namespace, name, patch);
  }

  // ---- nodes ------------------------------------------------------------------------------------

  addNode(spec: NodeSpec): KubeObject {
    if (this.get('nodes', undefined, spec.name)) throw new Error(`emulator: node ${spec.name} exists`);
    return this.commit('nodes', 'ADDED', nodeObject(spec));
  }

  deleteNode(name: string): boolean {
    return this.deleteObject('nodes', undefined, name);
  }

  getNode(name: string): KubeObject | undefined {
    return this.get('nodes', undefined, name);
  }

  listNodes(): KubeObject[] {
    return this.list('nodes');
  }

  // ---- pods -------------------------------------------------------------------------------------

  private hostIPs(nodeName: string): string[] {
    const node = this.getNode(nodeName);
    const addrs = (node?.status?.addresses ?? []) as { type: string; address: string }[];
    return addrs.filter((a) => a.type === 'InternalIP').map((a) => a.address);
  }

  protected commitPod(p: PodState, type: EventType): KubeObject {
    p.meta = { ...p.meta };
    return this.commit('pods', type, podObject(p, this.hostIPs(p.nodeName)));
  }

  private pod(namespace: string, name: string): PodState {
    const p = this.pods.get(key(namespace, name));
    if (!p) throw new Error(`emulator: no pod ${namespace}/${name}`);
    return p;
  }

  protected container(namespace: string, pod: string, container: string): [PodState, ContainerState] {
    const p = this.pod(namespace, pod);
    const c = p.containers.find((x) => x.name === container);
    if (!c) throw new Error(`emulator: pod ${namespace}/${pod} has no container ${container}`);
    return [p, c];
  }

  addPod(spec: PodSpecInput): KubeObject {
    const k = key(spec.namespace, spec.name);
    if (this.pods.has(k)) throw new Error(`emulator: pod ${k} exists`);
    this.ensureNamespace(spec.namespace);
    const labels = { ...spec.labels };
    const meta = newMeta(spec.name, spec.namespace, labels, spec.annotations);
    if (spec.ownerKind && spec.ownerName) {
      let ownerKind = spec.ownerKind;
      let ownerName = spec.ownerName;
      let ownerGroup = ownerKind === 'Node' ? 'v1' : ownerKind === 'Job' ? 'batch/v1' : 'apps/v1';
      if (ownerKind === 'Deployment') {
        const hash = templateHash(`${spec.namespace}/${spec.ownerName}`);
        labels['pod-template-hash'] = hash;
        meta.labels = { ...labels };
        ownerKind = 'ReplicaSet';
        ownerName = `${spec.ownerName}-${hash}`;
        ownerGroup = 'apps/v1';
        if (!this.get('replicasets', spec.namespace, ownerName)) {
          this.commit('replicasets', 'ADDED', replicaSetObject(spec.namespace, spec.ownerName, hash,
            this.get('deployments', spec.namespace, spec.ownerName), spec.labels ?? {}));
        }
      }
      const ownerRes = { ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs' }[ownerKind];
      const owner = ownerRes ? this.get(ownerRes, spec.namespace, ownerName) : undefined;
      meta.ownerReferences = [{ apiVersion: ownerGroup, kind: ownerKind, name: ownerName,
        uid: owner?.metadata.uid ?? newMeta(ownerName, undefined).uid, controller: true, blockOwnerDeletion: true }];
    }
    const now = Date.now();
    const containers: ContainerState[] = spec.containers.map((c) => {
      const cs = typeof c === 'string' ? { name: c } : c;
      const waiting = 'waiting' in cs && cs.waiting ? cs.waiting : null;
      return { name: cs.name, image: ('image' in cs && cs.image) || 'nginx:1.27',
        log: new ContainerLog({ started: waiting === null, maxLines: this.maxLogLines }), previous: null, restartCount: 0,
        waiting, startedAt: now, lastTerminated: null };
    });
    const ips = spec.ips ?? (spec.ip ? [spec.ip] : spec.hostNetwork ? this.hostIPs(spec.nodeName) : []);
    const p: PodState = { meta, nodeName: spec.nodeName, ips, hostNetwork: spec.hostNetwork ?? false, containers, startMs: now };
    this.pods.set(k, p);
    return this.commitPod(p, 'ADDED');
  }

  /** Deletes a pod at once (no grace period): its follow log streams end cleanly. */
  deletePod(namespace: string, name: string): boolean {
    const k = key(namespace, name);
    const p = this.pods.get(k);
    if (!p) return false;
    this.pods.delete(k);
    p.meta = { ...p.meta, deletionTimestamp: rfc3339() };
    for (const c of p.containers) c.log.close();
    this.commitPod(p, 'DELETED');
    return true;
  }

  getPod(namespace: string, name: string): KubeObject | undefined {
    return this.get('pods', namespace, name);
  }

  listPods(namespace?: string): KubeObject[] {
    return this.list('pods', namespace);
  }

  /** Internal pod state (containers and their logs) for the log endpoint. */
  podState(namespace: string, name: string): PodState | undefined {
    return this.pods.get(key(namespace, name));
  }

  /** A DaemonSet whose pods are added with ownerKind 'DaemonSet' (status counts them as scheduled on every node). */
  addDaemonSet(spec: DaemonSetSpec): KubeObject {
    this.ensureNamespace(spec.namespace);
    return this.commit('daemonsets', 'ADDED', daemonSetObject(spec, this.listNodes().length));
  }

  addDeployment(spec: DeploymentSpec): KubeObject {
    this.ensureNamespace(spec.namespace);
    return this.commit('deployments', 'ADDED', deploymentObject(spec));
  }
}
