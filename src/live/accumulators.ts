// The write side of LiveStats: the counters every classified request, unparsed line, notice and stream change goes
// into (the pipeline's sink calls write() per request), and the bounded pod table (ended or least recently seen pods
// are dropped first). Memory is bounded however long it runs: per-pod rings of fixed size, capped top-k maps.
// Time comes from an injectable now() so tests are exact. The snapshots the TUI reads are stats.ts.

import { safeText } from '../text.js';
import { CLASS_COUNT, CLASS_ID, FALLBACK_ID, NODE_ID, PROBE_CLASS, type AddressClass } from '../classes.js';
import type { RequestRow } from '../fields.js';
import { SlotRing, TopK } from './counters.js';
import type {
  StreamInfo,
  LiveServiceInput,
  LiveService,
  LiveNodeInput,
  LiveHeader,
  RecentRequest,
  LiveStatsOptions,
} from './types.js';
import { UntrustedXff } from './untrusted.js';

export const SPARK_BUCKETS = 30;
export const SPARK_MS = 10_000;

export class PodAcc {
  node: string | null = null;
  requests = 0;
  /** Requests but the non-client ones (probes). */
  clientRequests = 0;
  /** Requests per class id. */
  readonly byCls = new Float64Array(CLASS_COUNT);
  recovered = 0;
  lastSeen = 0;
  readonly rate = new SlotRing(64, 1000);
  readonly spark = new SlotRing(SPARK_BUCKETS, SPARK_MS);
  readonly recent: RecentRequest[];
  recentNext = 0;
  recentCount = 0;
  readonly top: TopK[];
  readonly streams = new Map<string, StreamInfo>();
  constructor(
    readonly namespace: string,
    readonly pod: string,
    recentSize: number,
    topK: number,
  ) {
    this.recent = new Array(recentSize);
    for (let i = 0; i < recentSize; i++) {
      this.recent[i] = { time: 0, client: '', cls: 'unknown', owner: null, recovered: null, method: null, target: null, status: 0, userAgent: null };
    }
    this.top = Array.from({ length: CLASS_COUNT }, () => new TopK(topK));
  }
}

export class NodeAcc {
  snatOwned = 0;
  readonly sources = new TopK(32);
}


/**
 * Classes that are not client traffic: the kubelet's probes (PROBE_CLASS of the class registry). The SNAT
 * ratio and the other classes' shares are over client traffic (requests minus these); their own share is over all.
 */
export const NON_CLIENT: readonly AddressClass[] = [PROBE_CLASS];

/**
 * The counters behind LiveStats: everything the sink writes (requests, unparsed lines, notices, streams, services,
 * nodes, the header) and the bounded pod table. LiveStats (stats.ts) adds the snapshots that read them.
 */
export class LiveCounters {
  protected readonly now: () => number;
  protected readonly windowSec: number;
  protected readonly recentSize: number;
  protected readonly topK: number;
  protected readonly maxPods: number;
  protected readonly started: number;
  protected readonly byNs = new Map<string, Map<string, PodAcc>>();
  protected podCount = 0;
  protected last: PodAcc | null = null;
  protected readonly ownerNodes = new Map<string, NodeAcc>();
  protected readonly global = new SlotRing(64, 1000); // a = lines, b = requests
  protected readonly globalSpark = new SlotRing(8, SPARK_MS); // a = requests, b = SNAT'd (10 s buckets, last minute)
  protected readonly untrusted = new UntrustedXff();
  protected readonly totalByCls = new Float64Array(CLASS_COUNT);
  protected totalRequests = 0;
  protected totalClient = 0;
  /** 1 per class id that is not client traffic. */
  protected readonly nonClient = new Uint8Array(CLASS_COUNT);
  protected readonly nonClientNames: AddressClass[];
  protected totalRecovered = 0;
  protected unparsedCount = 0;
  protected header: LiveHeader = { context: null, cluster: null, namespace: null, selector: null, dbPath: null, follow: true };
  protected services: LiveService[] = [];
  protected nodes: LiveNodeInput[] = [];
  protected lastNotice: { text: string; time: number } | null = null;
  /** Bumped on every change; a view can skip redrawing while it stays the same. */
  version = 0;

  constructor(opts: LiveStatsOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.windowSec = Math.max(1, Math.min(60, opts.rateWindowSec ?? 10));
    this.recentSize = Math.max(1, opts.recentSize ?? 200);
    this.topK = Math.max(1, opts.topK ?? 16);
    this.maxPods = Math.max(1, opts.maxPods ?? 500);
    this.nonClientNames = [...(opts.nonClient ?? NON_CLIENT)];
    for (const c of this.nonClientNames) this.nonClient[CLASS_ID[c]] = 1;
    this.started = this.now();
  }

  /** Sink entry point: one classified request. No allocation here beyond a new pod's first row. */
  write(row: RequestRow): void {
    const t = this.now();
    this.version++;
    let p = this.last;
    if (p === null || p.pod !== row.pod || p.namespace !== row.namespace) {
      p = this.pod(row.namespace, row.pod);
      this.last = p;
    }
    const ci = CLASS_ID[row.cls] ?? FALLBACK_ID;
    const snat = ci === NODE_ID ? 1 : 0;
    const client = this.nonClient[ci] ? 0 : 1;
    p.requests++;
    p.clientRequests += client;
    p.byCls[ci]++;
    p.lastSeen = t;
    if (row.nodeName !== null) p.node = row.nodeName;
    if (row.client !== null) {
      p.recovered++;
      this.totalRecovered++;
    }
    p.rate.add(t, 1, 0);
    p.spark.add(t, client, snat);
    const r = p.recent[p.recentNext];
    r.time = row.time;
    r.client = row.remoteAddr;
    r.cls = row.cls;
    r.owner = row.owner;
    r.recovered = row.client;
    r.method = row.method;
    r.target = row.target;
    r.status = row.status;
    r.userAgent = row.userAgent;
    p.recentNext = (p.recentNext + 1) % this.recentSize;
    if (p.recentCount < this.recentSize) p.recentCount++;
    p.top[ci].offer(row.remoteAddr);

    if (snat === 1 && row.owner !== null) {
      let n = this.ownerNodes.get(row.owner);
      if (n === undefined && this.ownerNodes.size < 1000) {
        n = new NodeAcc();
        this.ownerNodes.set(row.owner, n);
      }
      if (n !== undefined) {
        n.snatOwned++;
        n.sources.offer(row.remoteAddr);
      }
    }
    this.untrusted.add(row, t);
    this.totalRequests++;
    this.totalClient += client;
    this.totalByCls[ci]++;
    this.global.add(t, 1, 1);
    this.globalSpark.add(t, client, snat);
  }

  close(): void {}

  /** Lines that did not parse (they count toward lines/s). */
  unparsed(n: number): void {
    if (!(n > 0)) return;
    this.unparsedCount += n;
    this.version++;
    this.global.add(this.now(), n, 0);
  }

  /** A notice of the feed (queued streams, a stream error) for the status line; the newest one is kept. */
  notice(text: string): void {
    this.version++;
    this.lastNotice = { text: safeText(text), time: this.now() };
  }

  setStream(key: string, info: StreamInfo): void {
    const p = this.pod(info.namespace, info.pod);
    this.version++;
    p.streams.set(key, { ...info });
    if (info.nodeName) p.node = info.nodeName;
    if (p.lastSeen === 0) p.lastSeen = this.now();
  }

  setServices(services: readonly LiveServiceInput[]): void {
    this.version++;
    this.services = services.map((s) => {
      const ports = s.nodePorts ? [...s.nodePorts] : (s.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0);
      return {
        namespace: s.namespace,
        name: s.name,
        type: s.type ?? 'ClusterIP',
        externalTrafficPolicy: s.externalTrafficPolicy ?? null,
        nodePorts: ports,
        pods: s.pods ? [...s.pods] : null,
      };
    });
  }

  setNodes(nodes: readonly LiveNodeInput[]): void {
    this.version++;
    this.nodes = nodes.map((n) => ({ name: n.name, addresses: n.addresses ? [...n.addresses] : [], ready: n.ready }));
  }

  setHeader(h: Partial<LiveHeader>): void {
    this.version++;
    this.header = { ...this.header, ...h };
  }

  protected pod(namespace: string, pod: string): PodAcc {
    let m = this.byNs.get(namespace);
    if (m === undefined) {
      m = new Map();
      this.byNs.set(namespace, m);
    }
    let p = m.get(pod);
    if (p === undefined) {
      if (this.podCount >= this.maxPods) this.evictOne();
      p = new PodAcc(namespace, pod, this.recentSize, this.topK);
      p.lastSeen = this.now();
      m.set(pod, p);
      this.podCount++;
    }
    return p;
  }

  /** Drops one pod: an ended one (no live stream) seen longest ago, else the least recently seen. */
  private evictOne(): void {
    let victim: PodAcc | null = null;
    let victimEnded = false;
    for (const m of this.byNs.values()) {
      for (const p of m.values()) {
        let ended = p.streams.size > 0;
        for (const s of p.streams.values()) if (s.state !== 'ended') ended = false;
        if (
          victim === null ||
          (ended && !victimEnded) ||
          (ended === victimEnded && p.lastSeen < victim.lastSeen)
        ) {
          victim = p;
          victimEnded = ended;
        }
      }
    }
    if (victim === null) return;
    const m = this.byNs.get(victim.namespace)!;
    m.delete(victim.pod);
    if (m.size === 0) this.byNs.delete(victim.namespace);
    if (this.last === victim) this.last = null;
    this.podCount--;
  }
}
