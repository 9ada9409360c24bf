// The pods the agent reads: ONE list+watch of the pods on its node (fieldSelector spec.nodeName=NODE), narrowed to
// the selections of TARGET / -l / -n / -A. With one selection its label and field selectors go to the server too;
// with several (several TARGETs) every pod on the node is watched and each selection is matched here with the
// apiserver's selector semantics. Lifecycle changes go to `onPodEvent` (recorded in the store like watch's).
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector, type Requirement } from '../../emulator/selectors.js';
import type { KubeClient, KubeError } from '../../kube/http.js';
import type { Selection } from '../../kube/pods.js';
import { ResourceWatch, type KubeObject, type ResourceWatchOptions } from '../../kube/watch.js';
import type { WantedPod } from './nodelogs.js';

export interface NodePodsOptions {
  client: KubeClient;
  node: string;
  selections: Selection[];
  watch?: Partial<ResourceWatchOptions>;
  onChange(pods: Map<string, WantedPod>): void;
  onPodEvent?(type: 'added' | 'deleted', pod: WantedPod): void;
  onError?(err: KubeError, retryInMs: number): void;
}

interface Matcher {
  namespace: string | null;
  labels: Requirement[];
  fields: Requirement[];
  match?: (name: string) => boolean;
}

export class NodePods {
  private readonly watch: ResourceWatch<KubeObject>;
  private readonly matchers: Matcher[];
  private readonly wanted = new Map<string, WantedPod>();

  constructor(private readonly o: NodePodsOptions) {
    const sels = o.selections;
    const one = sels.length === 1 ? sels[0] : null;
    const namespaces = new Set(sels.map((s) => s.namespace));
    const ns = namespaces.size === 1 ? [...namespaces][0] : null;
    const path = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/pods` : '/api/v1/pods';
    const fieldSelector = [`spec.nodeName=${o.node}`, one?.fieldSelector].filter(Boolean).join(',');
    this.matchers = sels.map((s) => ({
      namespace: s.namespace,
      labels: parseLabelSelector(s.labelSelector),
      fields: parseFieldSelector(s.fieldSelector, 'pods'),
      match: s.match,
    }));
    this.watch = new ResourceWatch<KubeObject>(
      o.client,
      { ...o.watch, path, query: { fieldSelector, labelSelector: one?.labelSelector } },
      {
        onEvent: (type, obj) => this.onPod(type === 'DELETED', obj),
        onError: (err, ms) => o.onError?.(err, ms),
      },
    );
  }

  start(): this {
    this.watch.start();
    return this;
  }

  synced(timeoutMs?: number): Promise<boolean> {
    return this.watch.synced(timeoutMs);
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** "namespace/name" of the selected pods (views: the Services in front of them). */
  podKeys(): string[] {
    return [...this.wanted.values()].map((p) => `${p.namespace}/${p.pod}`);
  }

  get count(): number {
    return this.wanted.size;
  }

  private selected(obj: KubeObject): boolean {
    const meta = obj.metadata;
    const labels = meta.labels as Record<string, string> | undefined;
    return this.matchers.some(
      (m) =>
        (m.namespace === null || m.namespace === meta.namespace) &&
        matchLabels(m.labels, labels) &&
        matchFields(m.fields, obj) &&
        (!m.match || m.match(meta.name)),
    );
  }

  private onPod(deleted: boolean, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const had = this.wanted.get(uid);
    // A terminating pod (deletionTimestamp) still writes its last lines: only its removal ends its logs.
    const want = !deleted && this.selected(obj);
    if (want && !had) {
      const p = { namespace: obj.metadata.namespace ?? 'default', pod: obj.metadata.name, uid };
      this.wanted.set(uid, p);
      this.o.onPodEvent?.('added', p);
    } else if (!want && had) {
      this.wanted.delete(uid);
      this.o.onPodEvent?.('deleted', had);
    } else return;
    this.o.onChange(new Map(this.wanted));
  }
}
