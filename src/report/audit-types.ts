// What an audit holds (src/report/audit.ts builds it; findings, the renderers and the JSON output read it).
import type { ClassCounts } from '../../db/index.js';
import type { PodCoverage } from './coverage.js';
import type { LoopbackSource, TrustHint } from './hints.js';
import type { PeriodStats } from './periods.js';

export interface AuditQuery {
  from: number;
  until: number;
  namespace?: string;
  pod?: string;
  node?: string;
  /** An address or CIDR: requests whose remote address or recovered client is inside. */
  client?: string;
}

export interface AddrCount {
  addr: string;
  /** Owning node (class node) or "namespace/pod" / node (class pod); null otherwise. */
  owner: string | null;
  requests: number;
}

export interface ClientSeen {
  addr: string;
  cls: string;
  /** True when the address was recovered from X-Forwarded-For. */
  recovered: boolean;
  requests: number;
  first: number;
  last: number;
  pods: string[];
}

export interface AuditPod {
  namespace: string;
  pod: string;
  node: string | null;
  requests: number;
  classes: ClassCounts;
  /** node / (requests - probe); null when there is no client traffic. */
  snatRatio: number | null;
  recovered: number;
}

export interface Audit {
  from: number;
  until: number;
  filter: { namespace: string | null; pod: string | null; node: string | null; client: string | null };
  totals: { requests: number; classes: ClassCounts; snatRatio: number | null; recovered: number };
  pods: AuditPod[];
  timeline: { minute: number; classes: ClassCounts }[];
  topRemotes: Record<string, AddrCount[]>;
  snatSources: { node: string; addrs: AddrCount[]; requests: number; receivingNodes: string[] }[];
  recoveredClients: { client: string; cls: string; via: string[]; requests: number }[];
  statusByClass: Record<string, Record<string, number>>;
  /** Every client, by first seen (the text forms show the top --limit by requests). */
  clients: ClientSeen[];
  /** Kept for the JSON contract: the JSON holds every client, so always 0. */
  clientsOmitted: number;
  coverage: PodCoverage[];
  /** Per stored Service selecting pods in the audit: its policy periods in the window with their numbers. */
  policyPeriods: PeriodStats[][];
  /** The same without the filter (namespace, pod, node, client), when one is set; else empty. */
  unfiltered: PeriodStats[][];
  /** Node/pod/private addresses whose X-Forwarded-For no --trust covers, most requests first. */
  trustHints: TrustHint[];
  /** Requests from loopback (a proxy inside the pod). */
  loopback: LoopbackSource[];
  findings: string[];
  notes: string[];
}
