// LiveStats: the in-memory view model behind the TUI. The pipeline writes every classified request into it
// (it is a sink); the UI reads snapshot() a few times a second and never touches SQLite. Memory is bounded
// however long it runs: per-pod rings of fixed size, capped top-k maps, and a cap on tracked pods (ended
// or least recently seen pods are dropped first). Time comes from an injectable now() so tests are exact.

import { safeText } from '../text.js';
import { CLASS_BY_ID, CLASS_COUNT, CLASS_ID, FALLBACK_ID, NODE_ID, PROBE_CLASS, perShare, type AddressClass } from '../classes.js';
import type { RequestRow } from '../fields.js';
import { SlotRing, TopK, type TopEntry } from './counters.js';
import type {
  StreamState,
  StreamInfo,
  LiveServiceInput,
  LiveService,
  LiveNodeInput,
  LiveHeader,
  Shares,
  PodRow,
  NodeRow,
  RecentRequest,
  PodDetail,
  LiveSnapshot,
  LiveStatsOptions,
} from './types.js';
import { UntrustedXff } from './untrusted.js';

export type * from './types.js';
export type { TopEntry } from './counters.js';

const SPARK_BUCKETS = 30;
const SPARK_MS = 10_000;
const STATE_RANK: Record<StreamState, number> = { live: 5, retrying: 4, connecting: 3, queued: 2, ended: 1 };

class PodAcc {
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

class NodeAcc {
  snatOwned = 0;
  readonly sources = new TopK(32);
}

/** The last minute: six 10 s buckets (the current one partly filled, so 50-60 s). */
const RECENT_BUCKETS = 6;

function recentRatio(spark: SlotRing, t: number): number {
  const n = spark.sumA(t, RECENT_BUCKETS);
  return n > 0 ? spark.sumB(t, RECENT_BUCKETS) / n : NaN;
}

/**
 * Classes that are not client traffic: the kubelet's probes (PROBE_CLASS of the class registry). The SNAT
 * ratio and the other classes' shares are over client traffic (requests minus these); their own share is over all.
 */
export const NON_CLIENT: readonly AddressClass[] = [PROBE_CLASS];

/** Shares per class: over `client` requests, but a non-client class's over all `total`. */
function shares(byCls: Float64Array, total: number, client: number, nonClient: Uint8Array): Shares {
  return perShare((c) => {
    const id = CLASS_ID[c];
    const of = nonClient[id] ? total : client;
    return of === 0 ? NaN : byCls[id] / of;
  });
}

export class LiveStats {
  private readonly now: () => number;
  private readonly windowSec: number;
  private readonly recentSize: number;
  private readonly topK: number;
  private readonly maxPods: number;
  private readonly started: number;
  private readonly byNs = new Map<string, Map<string, PodAcc>>();
  private podCount = 0;
  private last: PodAcc | null = null;
  private readonly ownerNodes = new Map<string, NodeAcc>();
  private readonly global = new SlotRing(64, 1000); // a = lines, b = requests
  private readonly globalSpark = new SlotRing(8, SPARK_MS); // a = requests, b = SNAT'd (10 s buckets, last minute)
  private readonly untrusted = new UntrustedXff();
  private readonly totalByCls = new Float64Array(CLASS_COUNT);
  private totalRequests = 0;
  private totalClient = 0;
  /** 1 per class id that is not client traffic. */
  private readonly nonClient = new Uint8Array(CLASS_COUNT);
  private readonly nonClientNames: AddressClass[];
  private totalRecovered = 0;
  private unparsedCount = 0;
  private header: LiveHeader = { context: null, cluster: null, namespace: null, selector: null, dbPath: null, follow: true };
  private services: LiveService[] = [];
  private nodes: LiveNodeInput[] = [];
  private lastNotice: { text: string; time: number } | null = null;
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

  /** The whole view as plain data. `detail` names a pod ("namespace/pod") whose recent requests to include. */
  snapshot(opts: { detail?: string | null } = {}): LiveSnapshot {
    const t = this.now();
    const win = Math.max(1, Math.min(this.windowSec, Math.ceil((t - this.started + 1) / 1000)));
    const pods: PodRow[] = [];
    const streams = { connected: 0, connecting: 0, queued: 0, retrying: 0, ended: 0 };
    for (const m of this.byNs.values()) {
      for (const p of m.values()) {
        let state: StreamState | null = null;
        let detail: string | null = null;
        for (const s of p.streams.values()) {
          if (s.state === 'live') streams.connected++;
          else streams[s.state]++;
          if (state === null || STATE_RANK[s.state] > STATE_RANK[state]) {
            state = s.state;
            detail = s.detail ?? null;
          }
        }
        pods.push({
          key: `${p.namespace}/${p.pod}`,
          namespace: p.namespace,
          pod: p.pod,
          node: p.node,
          requests: p.requests,
          clientRequests: p.clientRequests,
          rps: p.rate.sumA(t, win) / win,
          snatRatio: p.clientRequests > 0 ? p.byCls[NODE_ID] / p.clientRequests : NaN,
          snatRecent: recentRatio(p.spark, t),
          recentRequests: p.spark.sumA(t, RECENT_BUCKETS),
          shares: shares(p.byCls, p.requests, p.clientRequests, this.nonClient),
          recovered: p.recovered,
          state,
          detail,
          spark: p.spark.ratios(t, SPARK_BUCKETS),
        });
      }
    }
    pods.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const requestsPerSec = this.global.sumB(t, win) / win;
    return {
      now: t,
      header: { ...this.header },
      linesPerSec: this.global.sumA(t, win) / win,
      requestsPerSec,
      lines: this.totalRequests + this.unparsedCount,
      unparsed: this.unparsedCount,
      streams,
      services: this.services.map((s) => ({ ...s, nodePorts: [...s.nodePorts], pods: s.pods ? [...s.pods] : null })),
      pods,
      totals: {
        requests: this.totalRequests,
        clientRequests: this.totalClient,
        rps: requestsPerSec,
        snatRatio: this.totalClient > 0 ? this.totalByCls[NODE_ID] / this.totalClient : NaN,
        snatRecent: recentRatio(this.globalSpark, t),
        shares: shares(this.totalByCls, this.totalRequests, this.totalClient, this.nonClient),
        recovered: this.totalRecovered,
      },
      nodes: this.nodeRows(pods),
      detail: opts.detail ? this.podDetail(opts.detail) : null,
      untrustedXff: this.untrusted.snapshot(t),
      nonClient: [...this.nonClientNames],
      notice: this.lastNotice ? { ...this.lastNotice } : null,
    };
  }

  /** Recent requests (newest first) and top addresses per class of one pod ("namespace/pod"). */
  podDetail(key: string, topN = 5): PodDetail | null {
    const slash = key.indexOf('/');
    const p = slash < 0 ? undefined : this.byNs.get(key.slice(0, slash))?.get(key.slice(slash + 1));
    if (!p) return null;
    const recent: RecentRequest[] = [];
    for (let k = 1; k <= p.recentCount; k++) {
      const r = p.recent[(p.recentNext - k + this.recentSize) % this.recentSize];
      recent.push({ ...r });
    }
    const top = {} as Record<AddressClass, TopEntry[]>;
    for (let i = 0; i < CLASS_COUNT; i++) top[CLASS_BY_ID[i]] = p.top[i].top(topN);
    return { key, recent, top };
  }

  private nodeRows(pods: PodRow[]): NodeRow[] {
    const rows = new Map<string, NodeRow>();
    const get = (name: string): NodeRow => {
      let r = rows.get(name);
      if (!r) {
        r = { node: name, ready: null, addresses: [], pods: 0, requests: 0, snatOwned: 0, snatSources: [] };
        rows.set(name, r);
      }
      return r;
    };
    for (const n of this.nodes) {
      const r = get(n.name);
      r.ready = n.ready ?? null;
      r.addresses = [...(n.addresses ?? [])];
    }
    for (const p of pods) {
      if (p.node === null) continue;
      const r = get(p.node);
      r.pods++;
      r.requests += p.requests;
    }
    for (const [name, acc] of this.ownerNodes) {
      const r = get(name);
      r.snatOwned = acc.snatOwned;
      r.snatSources = acc.sources.top(8);
    }
    return [...rows.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  private pod(namespace: string, pod: string): PodAcc {
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
