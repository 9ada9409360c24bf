// The demo's traffic: nginx `main` log lines over simulated time, for every pod, following the kube-proxy model in
// rules.ts. External requests arrive at --rate per second (Poisson) through a load balancer that spreads connections
// evenly over the workers it considers healthy (re-checked every second: under Local a node without an nginx pod
// fails and is dropped from rotation; until then its requests are dropped by kube-proxy); kubelet probes hit each
// nginx pod twice every 10 s from its node; the in-cluster `curl` pod calls the ClusterIP about once a second.
// Same seed, same sequence of requests (arrival times are simulated too; only the wall clock decides when they run).

import { buildClientPool, buildRequestTable, type ClientPool, type RequestTable } from './clients.js';
import { mulberry32, pickWeighted, type Rng } from './rng.js';
import {
  healthyNodes,
  isIPv6,
  probeSource,
  routeRequest,
  sourceSeenByPod,
  sourceSeenFromPod,
  type DemoNode,
  type DemoPod,
  type SourceQuery,
  type TrafficPolicy,
} from './rules.js';
import { L7_PROXY_IP, type DemoTopology } from './topology.js';

export const DEFAULT_RATE = 300;
const PROBE_PERIOD_MS = 10_000;
const CURL_PERIOD_MS = 1_000;

/** Receives one log line of `pod` stamped `timeMs`. */
export type LineSink = (pod: DemoPod, line: string, timeMs: number) => void;

export interface TrafficOptions {
  topology: DemoTopology;
  /** Simulated time the traffic starts at (ms since epoch). */
  startMs: number;
  seed?: number;
  /** External requests per second (probes and the curl pod come on top). Default 300. */
  rate?: number;
  policy?: TrafficPolicy;
  /** How often the load balancer re-checks node health. Default 1000 ms. */
  healthCheckIntervalMs?: number;
  /** User-Agent of kubelet probes, `kube-probe/<major>.<minor>` of the kubelet. */
  probeUserAgent?: string;
}

export interface TrafficStats {
  /** External requests (direct and through the proxy) that reached a pod. */
  external: number;
  proxied: number;
  probes: number;
  inCluster: number;
  /** Sent by the balancer to a node without a local endpoint under Local (before the health check noticed). */
  dropped: number;
  /** External requests per pod name. */
  perPod: Map<string, number>;
  /** External requests per entry node name. */
  perEntryNode: Map<string, number>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? '0' : '') + n;

/** nginx $time_local in UTC (the official image runs with TZ unset), cached per second. */
class TimeLocal {
  private sec = NaN;
  private text = '';
  format(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.sec) {
      this.sec = sec;
      const d = new Date(sec * 1000);
      this.text = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
    }
    return this.text;
  }
}

export class TrafficGenerator {
  readonly stats: TrafficStats;
  private policy: TrafficPolicy;
  private readonly topo: DemoTopology;
  private readonly endpoints: DemoPod[];
  private readonly rng: Rng;
  private readonly rate: number;
  private readonly pool: ClientPool;
  private readonly table: RequestTable;
  private readonly healthMs: number;
  private readonly probeUa: string;
  private readonly clock = new TimeLocal();
  private readonly query: SourceQuery;
  private lbNodes: DemoNode[];
  private lbNodes6: DemoNode[];
  private nextExternal: number;
  private nextCurl: number;
  private nextHealth: number;
  private readonly nextProbe: number[];

  constructor(opts: TrafficOptions) {
    this.topo = opts.topology;
    this.endpoints = opts.topology.nginx;
    this.policy = opts.policy ?? 'Cluster';
    this.rate = opts.rate ?? DEFAULT_RATE;
    this.rng = mulberry32(opts.seed ?? 1);
    this.pool = buildClientPool(opts.seed ?? 1, opts.topology.ipv6);
    this.table = buildRequestTable();
    this.healthMs = opts.healthCheckIntervalMs ?? 1000;
    this.probeUa = opts.probeUserAgent ?? 'kube-probe/1.32';
    this.query = { client: '', entryNode: '', pod: this.endpoints[0], policy: this.policy, cni: this.topo.cni, nodes: this.topo.nodeMap };
    this.lbNodes = [];
    this.lbNodes6 = [];
    this.checkHealth();
    this.nextHealth = opts.startMs + this.healthMs;
    this.nextExternal = opts.startMs + this.gap();
    this.nextCurl = opts.startMs + Math.floor(this.rng() * CURL_PERIOD_MS);
    // Each pod has a readiness and a liveness probe, each on its own phase within the period.
    this.nextProbe = [];
    for (let i = 0; i < this.endpoints.length * 2; i++) this.nextProbe.push(opts.startMs + Math.floor(this.rng() * PROBE_PERIOD_MS));
    this.stats = { external: 0, proxied: 0, probes: 0, inCluster: 0, dropped: 0, perPod: new Map(), perEntryNode: new Map() };
    for (const p of this.endpoints) this.stats.perPod.set(p.name, 0);
  }

  get currentPolicy(): TrafficPolicy {
    return this.policy;
  }

  /** kube-proxy saw a new externalTrafficPolicy: routing changes at once, the balancer at its next health check. */
  setPolicy(policy: TrafficPolicy): void {
    this.policy = policy;
    this.query.policy = policy;
  }

  /** Generates everything that happens up to `nowMs` (simulated), in time order. Returns the number of lines. */
  advance(nowMs: number, sink: LineSink): number {
    let n = 0;
    for (;;) {
      let t = this.nextExternal;
      let which = 0;
      if (this.nextCurl < t) { t = this.nextCurl; which = 1; }
      if (this.nextHealth < t) { t = this.nextHealth; which = 2; }
      let probe = -1;
      for (let i = 0; i < this.nextProbe.length; i++) {
        if (this.nextProbe[i] < t) { t = this.nextProbe[i]; which = 3; probe = i; }
      }
      if (t > nowMs) break;
      const ms = Math.floor(t); // arrival times are fractional; log stamps are whole milliseconds
      if (which === 0) {
        if (this.external(ms, sink)) n++;
        this.nextExternal = t + this.gap();
      } else if (which === 1) {
        this.inCluster(ms, sink);
        n++;
        this.nextCurl = t + CURL_PERIOD_MS + Math.floor(this.rng() * 8);
      } else if (which === 2) {
        this.checkHealth();
        this.nextHealth = t + this.healthMs;
      } else {
        this.probe(probe, ms, sink);
        n++;
        this.nextProbe[probe] = t + PROBE_PERIOD_MS;
      }
    }
    return n;
  }

  /** Exponential inter-arrival time for a Poisson stream at `rate`/s, in ms. */
  private gap(): number {
    return (-Math.log(1 - this.rng()) * 1000) / this.rate;
  }

  private checkHealth(): void {
    this.lbNodes = healthyNodes(this.topo.nodes, this.endpoints, this.policy);
    this.lbNodes6 = this.lbNodes.filter((n) => n.internalIp6 !== null);
  }

  private external(t: number, sink: LineSink): boolean {
    const rng = this.rng;
    const client = this.pool.clients[pickWeighted(rng, this.pool.cum)];
    const kind = this.table.kinds[pickWeighted(rng, this.table.cum)];
    const wire = client.proxied ? L7_PROXY_IP : client.addr;
    const lb = isIPv6(wire) ? this.lbNodes6 : this.lbNodes;
    if (lb.length === 0) {
      this.stats.dropped++;
      return false;
    }
    const entry = lb[Math.floor(rng() * lb.length)];
    const pod = routeRequest(rng, entry.name, this.endpoints, this.policy);
    const q = this.query;
    q.client = wire;
    q.entryNode = entry.name;
    q.pod = pod ?? this.endpoints[0];
    const remote = pod === null ? null : sourceSeenByPod(q);
    if (pod === null || remote === null) {
      this.stats.dropped++;
      return false;
    }
    this.stats.external++;
    if (client.proxied) this.stats.proxied++;
    this.stats.perPod.set(pod.name, (this.stats.perPod.get(pod.name) ?? 0) + 1);
    this.stats.perEntryNode.set(entry.name, (this.stats.perEntryNode.get(entry.name) ?? 0) + 1);
    sink(
      pod,
      `${remote} - - [${this.clock.format(t)}] "${kind.request}" ${kind.status} ${kind.bytes} "${kind.referer}" "${client.userAgent}" "${client.xff}"`,
      t,
    );
    return true;
  }

  private inCluster(t: number, sink: LineSink): void {
    const curl = this.topo.curl;
    const pod = this.endpoints[Math.floor(this.rng() * this.endpoints.length)];
    const remote = sourceSeenFromPod(curl, pod, false, this.topo.cni, this.topo.nodeMap) ?? curl.ip;
    this.stats.inCluster++;
    sink(pod, `${remote} - - [${this.clock.format(t)}] "GET / HTTP/1.1" 200 615 "-" "curl/8.7.1" "-"`, t);
  }

  private probe(i: number, t: number, sink: LineSink): void {
    const pod = this.endpoints[i >> 1];
    const remote = probeSource(pod, false, this.topo.cni, this.topo.nodeMap) ?? pod.ip;
    this.stats.probes++;
    sink(pod, `${remote} - - [${this.clock.format(t)}] "GET / HTTP/1.1" 200 615 "-" "${this.probeUa}" "-"`, t);
  }
}
