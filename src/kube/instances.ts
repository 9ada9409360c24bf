// Container instances of the target pods: what selects the pods, what one instance is and its stream key, the pod
// lifecycle events, and what a pod's latest status says about one instance (keep following, read the rest, read it
// with previous=true, or end). PodStreams (pods.ts) keeps the pods and their tails.
import type { KubeObject } from './watch.js';
import type { ResumeDecision } from './tail.js';

/** Which pods: a namespace (null = all), server-side selectors, and an optional client-side name filter. */
export interface Selection {
  namespace: string | null;
  labelSelector?: string;
  fieldSelector?: string;
  match?: (podName: string) => boolean;
  /** For messages: what the user typed. */
  label?: string;
  /** For messages: the one line saying this selection matches no pod ("pod \"x\" not found in namespace y"). */
  missing?: string;
}

export interface ContainerInstance {
  namespace: string;
  pod: string;
  container: string;
  containerId: string;
  nodeName: string | null;
  /** Running when the run started (seen in the first pod list): --tail and --since apply to it. */
  atStart?: boolean;
}

export interface PodEvent {
  type: 'added' | 'deleted' | 'started' | 'restarted' | 'waiting';
  namespace: string;
  pod: string;
  nodeName: string | null;
  container?: string;
  containerId?: string;
  /** Waiting reason, restart count, ... */
  detail?: string;
  time: number;
}

/**
 * The key of a container instance's log stream, namespace/pod/container/containerID (stern's GetID): every map of
 * streams (here, the TUI's) and the stored source of each stream (`k8s:` + this) is keyed by it.
 */
export function streamKey(i: Pick<ContainerInstance, 'namespace' | 'pod' | 'container' | 'containerId'>): string {
  return `${i.namespace}/${i.pod}/${i.container}/${i.containerId}`;
}

export interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
  state?: { running?: unknown; terminated?: unknown; waiting?: { reason?: string } };
  lastState?: { terminated?: { containerID?: string } };
}

/** What a tail's container instance is doing now, from the latest pod object (undefined: the pod is gone). */
export function instanceDecision(obj: KubeObject | undefined, inst: ContainerInstance): ResumeDecision {
  if (!obj) return 'end';
  const statuses = (obj as { status?: { containerStatuses?: ContainerStatus[] } }).status?.containerStatuses ?? [];
  const cs = statuses.find((s) => s.name === inst.container);
  if (!cs) return 'end';
  if (cs.lastState?.terminated?.containerID === inst.containerId) return 'previous';
  if (cs.containerID === inst.containerId) {
    if (cs.state?.running !== undefined) return 'resume';
    if (cs.state?.terminated !== undefined) return 'final';
  }
  return 'end';
}

/** A pod lifecycle event of this pod object, now. */
export function podEvent(type: PodEvent['type'], obj: KubeObject, container?: string, containerId?: string, detail?: string): PodEvent {
  return {
    type,
    namespace: obj.metadata.namespace ?? '',
    pod: obj.metadata.name,
    nodeName: ((obj as { spec?: { nodeName?: string } }).spec?.nodeName) ?? null,
    container,
    containerId,
    detail,
    time: Date.now(),
  };
}
