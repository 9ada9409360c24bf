// The Kubernetes API emulator: a drivable cluster model and the HTTP server that serves it.

export { ClusterModel } from './model.js';
export type { EventType, ModelEvent } from './model-store.js';
export type { ClusterModelOptions, PodSpecInput } from './model-pods.js';
export { Emulator } from './server.js';
export type { FailRule, RequestRecord } from './server.js';
export type { StreamFilter } from './logs.js';
export type { DaemonSetSpec, DeploymentSpec, KubeObject, NodeSpec, ObjectMeta, ServiceSpec } from './objects.js';
export { kubeconfigText, writeKubeconfigFile } from './kubeconfig.js';
export type { KubeconfigOptions } from './kubeconfig.js';
