// LiveStats: the in-memory view model behind the TUI. The pipeline writes every classified request into it
// (it is a sink: the counters are accumulators.ts); the UI reads snapshot() a few times a second and never touches
// SQLite. This file: the snapshots, plain data derived from the counters (rates over the window, SNAT ratios,
// shares, the pods' and nodes' rows, one pod's detail).

import { CLASS_BY_ID, CLASS_COUNT, CLASS_ID, NODE_ID, perShare, type AddressClass } from '../classes.js';
import { LiveCounters, SPARK_BUCKETS } from './accumulators.js';
import type { SlotRing, TopEntry } from './counters.js';
import type { StreamState, Shares, PodRow, NodeRow, RecentRequest, PodDetail, LiveSnapshot } from './types.js';

export type * from './types.js';
export type { TopEntry } from './counters.js';
export { NON_CLIENT } from './accumulators.js';

const STATE_RANK: Record<StreamState, number> = { live: 5, retrying: 4, connecting: 3, queued: 2, ended: 1 };

/** The last minute: six 10 s buckets (the current one partly filled, so 50-60 s). */
const RECENT_BUCKETS = 6;

function recentRatio(spark: SlotRing, t: number): number {
  const n = spark.sumA(t, RECENT_BUCKETS);
  return n > 0 ? spark.sumB(t, RECENT_BUCKETS) / n : NaN;
}

/** Shares per class: over `client` requests, but a non-client class's over all `total`. */
function shares(byCls: Float64Array, total: number, client: number, nonClient: Uint8Array): Shares {
  return perShare((c) => {
    const id = CLASS_ID[c];
    const of = nonClient[id] ? total : client;
    return of === 0 ? NaN : byCls[id] / of;
  });
}

export class LiveStats extends LiveCounters {
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
}
