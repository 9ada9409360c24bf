// The data LiveStats takes in (streams, services, nodes, header) and the plain snapshot it gives the TUI.

import type { StreamState } from '../kube/tail.js';
import type { AddressClass, ShareClass } from '../classes.js';
import type { TopEntry } from './counters.js';

/** The tail's state (src/kube/tail.ts), shown per stream. */
export type { StreamState };

/** One log stream as the TUI lists it. */
export interface StreamInfo {
  namespace: string;
  pod: string;
  container: string;
  nodeName: string | null;
  state: StreamState;
  detail?: string;
}

/** What the UI shows of a Service (accepts the topology's service objects: extra fields are ignored). */
export interface LiveServiceInput {
  namespace: string;
  name: string;
  type?: string | null;
  externalTrafficPolicy?: string | null;
  nodePorts?: readonly number[];
  ports?: readonly { nodePort?: number | null }[];
  /** "namespace/pod" or bare pod names behind the Service; when absent, the tracked pods of its namespace. */
  pods?: readonly string[];
}

export interface LiveService {
  namespace: string;
  name: string;
  type: string;
  externalTrafficPolicy: string | null;
  nodePorts: number[];
  pods: string[] | null;
}

export interface LiveNodeInput {
  name: string;
  addresses?: readonly string[];
  ready?: boolean;
}

export interface LiveHeader {
  context: string | null;
  cluster: string | null;
  namespace: string | null;
  selector: string | null;
  dbPath: string | null;
  /** false with --no-follow: once every stream has ended the run is done (the header says so). */
  follow: boolean;
}

/** Share per class other than the SNAT'd one: of client requests, a non-client class's of all (NaN without any). */
export type Shares = Record<ShareClass, number>;

export interface PodRow {
  key: string;
  namespace: string;
  pod: string;
  node: string | null;
  requests: number;
  /** Requests but the non-client ones (kubelet probes): what the SNAT ratio and the shares are over. */
  clientRequests: number;
  rps: number;
  /** Share of client requests whose remote address is a node address (SNAT); NaN with none. */
  snatRatio: number;
  /** SNAT ratio over the last minute (six 10 s buckets, so 50-60 s); NaN with no requests in it. */
  snatRecent: number;
  /** The requests snatRecent is over. */
  recentRequests: number;
  shares: Shares;
  recovered: number;
  /** Best state of the pod's log streams; null when it has none (files, stdin). */
  state: StreamState | null;
  detail: string | null;
  /** SNAT ratio per 10 s bucket, oldest first, over the last 5 minutes; NaN where a bucket had no requests. */
  spark: number[];
}

export interface Totals {
  requests: number;
  clientRequests: number;
  rps: number;
  snatRatio: number;
  /** SNAT ratio over the last minute (as PodRow.snatRecent); NaN with no requests in it. */
  snatRecent: number;
  shares: Shares;
  recovered: number;
}

export interface NodeRow {
  node: string;
  ready: boolean | null;
  addresses: string[];
  pods: number;
  /** Requests to pods on this node. */
  requests: number;
  /** SNAT'd requests whose address belongs to this node (it was the entry node). */
  snatOwned: number;
  /** Which of this node's addresses those SNAT'd requests carry. */
  snatSources: TopEntry[];
}

export interface RecentRequest {
  time: number;
  client: string;
  cls: AddressClass;
  owner: string | null;
  recovered: string | null;
  method: string | null;
  target: string | null;
  status: number;
  userAgent: string | null;
}

export interface PodDetail {
  key: string;
  /** Newest first. */
  recent: RecentRequest[];
  top: Record<AddressClass, TopEntry[]>;
}

export interface LiveSnapshot {
  now: number;
  header: LiveHeader;
  linesPerSec: number;
  requestsPerSec: number;
  lines: number;
  unparsed: number;
  streams: { connected: number; connecting: number; queued: number; retrying: number; ended: number };
  services: LiveService[];
  pods: PodRow[];
  totals: Totals;
  nodes: NodeRow[];
  detail: PodDetail | null;
  /**
   * Requests from node, pod or private addresses that carry X-Forwarded-For although no --trust covers the address
   * (so no client was recovered from it): how many, how many in the last minute, and the addresses most came from.
   */
  untrustedXff: { requests: number; recent: number; top: UntrustedSource[] };
  /** The classes that are not client traffic (their shares are over all requests, the others' over client ones). */
  nonClient: AddressClass[];
  /** The latest notice of the feed (a queued stream, a stream error), already safe for a terminal; null when none. */
  notice: { text: string; time: number } | null;
}

export interface UntrustedSource {
  addr: string;
  cls: AddressClass;
  count: number;
}

export interface LiveStatsOptions {
  now?: () => number;
  /** Sliding window for lines/s and req/s, seconds (default 10). */
  rateWindowSec?: number;
  /** Recent requests kept per pod (default 200). */
  recentSize?: number;
  /** Top addresses kept per pod and class (default 16). */
  topK?: number;
  /** Classes that are not client traffic (default NON_CLIENT: the probes). */
  nonClient?: readonly AddressClass[];
  /** Pods tracked at most (default 500). */
  maxPods?: number;
}
