// The Prometheus metrics of a watch, agent or demo run (prom-client registry), in Prometheus' conventions: a
// `snatscope_` prefix, base units, counters ending in `_total`, an `_info` gauge for joins, a build_info. Labels are
// bounded: namespace, pod, node, class, reason, service, state; never a client address (the SNAT source address is
// one of the nodes' own addresses, so it is bounded by the nodes).
//
// Requests are counted as a pipeline sink into per-pod cells and applied to the counters when their batch commits
// (`committed()`): the counters move with the store, and the lag histogram measures a line's time to its commit.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Topology } from '../classify/index.js';
import type { Sink } from '../pipeline.js';
import { CLASSES, type RequestRow } from '../types.js';

/** One source's state as a view shows it (a log stream of watch, a container instance's files of agent). */
export interface SourceStates {
  kind: 'stream' | 'file';
  states(): Iterable<string>;
}

export interface MetricsOptions {
  topology: Topology;
  version: string;
  /** The unparsed lines so far by reason (read at scrape time). */
  unparsed?: () => Record<string, number>;
  sources?: SourceStates;
  /** process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds. Default true. */
  processMetrics?: boolean;
}

/** Requests of one pod (on one node) in the open batch. */
class PodCell {
  readonly counts = new Float64Array(CLASSES.length);
  recovered = 0;
  constructor(
    readonly namespace: string,
    readonly pod: string,
    readonly node: string,
  ) {}
}

const CLASS_INDEX = new Map<string, number>(CLASSES.map((c, i) => [c, i]));

export class SnatMetrics implements Sink {
  readonly registry = new Registry();
  private readonly requests: Counter<'namespace' | 'pod' | 'node' | 'class'>;
  private readonly serviceRequests: Counter<'namespace' | 'service' | 'class'>;
  private readonly recovered: Counter<'namespace' | 'pod' | 'node'>;
  private readonly snat: Counter<'node' | 'address'>;
  private readonly reconnects: Counter;
  private readonly rotations: Counter;
  private readonly gaps: Counter;
  private readonly lag: Histogram;
  private readonly commitSeconds: Histogram;
  private cells = new Map<string, PodCell>();
  private snatCells = new Map<string, { node: string; address: string; n: number }>();
  private times: number[] = [];
  /** "namespace/pod" -> "namespace/service" of the Services selecting it (cleared on topology changes). */
  private servicesOf = new Map<string, string[]>();

  constructor(private readonly o: MetricsOptions) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'snatscope_requests_total',
      help: 'Requests stored, by the pod that logged them and the class of their remote address (node = SNAT by kube-proxy).',
      labelNames: ['namespace', 'pod', 'node', 'class'],
      registers,
    });
    this.serviceRequests = new Counter({
      name: 'snatscope_service_requests_total',
      help: 'Requests stored for the pods each Service selects, by the class of their remote address.',
      labelNames: ['namespace', 'service', 'class'],
      registers,
    });
    this.recovered = new Counter({
      name: 'snatscope_recovered_clients_total',
      help: 'Requests whose real client address was recovered from X-Forwarded-For behind a trusted proxy.',
      labelNames: ['namespace', 'pod', 'node'],
      registers,
    });
    this.snat = new Counter({
      name: 'snatscope_snat_requests_total',
      help: 'SNAT-ed requests by the node whose address they carry and that address (one of the node\'s own).',
      labelNames: ['node', 'address'],
      registers,
    });
    const unparsed = o.unparsed;
    new Counter({
      name: 'snatscope_unparsed_lines_total',
      help: 'Log lines not accepted as requests, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(unparsed?.() ?? {})) if (n > 0) this.inc({ reason }, n);
      },
    });
    const sources = o.sources;
    new Gauge({
      name: 'snatscope_sources',
      help: 'Log sources being read, by kind (stream: an API log stream; file: a container instance\'s log files) and state.',
      labelNames: ['kind', 'state'],
      registers,
      collect() {
        this.reset();
        if (!sources) return;
        const n = new Map<string, number>();
        for (const s of sources.states()) n.set(s, (n.get(s) ?? 0) + 1);
        for (const [state, v] of n) this.set({ kind: sources.kind, state }, v);
      },
    });
    this.reconnects = new Counter({ name: 'snatscope_stream_reconnects_total', help: 'Log streams reopened after a drop (each resumes exactly where it stopped).', registers });
    this.rotations = new Counter({ name: 'snatscope_file_rotations_total', help: 'Rotated log files followed to the next file of their container.', registers });
    this.gaps = new Counter({ name: 'snatscope_file_gaps_total', help: 'Log files removed before they were read to their end (lines lost).', registers });
    this.lag = new Histogram({
      name: 'snatscope_line_lag_seconds',
      help: 'Time from a line\'s timestamp to the commit of its request.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'snatscope_commit_duration_seconds',
      help: 'Time to commit one batch of requests with the positions of their sources.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const topology = o.topology;
    new Gauge({
      name: 'snatscope_service_info',
      help: 'A Service in front of pods, for joins in rules: its type and externalTrafficPolicy.',
      labelNames: ['namespace', 'service', 'type', 'external_traffic_policy'],
      registers,
      collect() {
        this.reset();
        for (const s of topology.services.values()) {
          this.set({ namespace: s.namespace, service: s.name, type: s.type, external_traffic_policy: s.externalTrafficPolicy ?? '' }, 1);
        }
      },
    });
    new Gauge({ name: 'snatscope_build_info', help: 'The snatscope build (value 1).', labelNames: ['version', 'nodejs'], registers }).set(
      { version: o.version, nodejs: process.version },
      1,
    );
    if (o.processMetrics !== false) processMetrics(registers);
  }

  /** Sink: a request of the open batch. */
  write(row: RequestRow): void {
    const node = row.nodeName ?? '';
    const key = `${row.namespace}\u0000${row.pod}\u0000${node}`;
    let cell = this.cells.get(key);
    if (cell === undefined) this.cells.set(key, (cell = new PodCell(row.namespace, row.pod, node)));
    cell.counts[CLASS_INDEX.get(row.cls) ?? CLASSES.length - 1]++;
    if (row.client !== null) cell.recovered++;
    if (row.cls === 'node') {
      const owner = row.owner ?? '';
      const sk = `${owner}\u0000${row.remoteAddr}`;
      const s = this.snatCells.get(sk);
      if (s) s.n++;
      else this.snatCells.set(sk, { node: owner, address: row.remoteAddr, n: 1 });
    }
    this.times.push(row.time);
  }

  /** The batch committed (in `seconds`): its requests count now. */
  committed(seconds: number): void {
    this.commitSeconds.observe(seconds);
    const now = Date.now();
    for (const t of this.times) this.lag.observe(Math.max(0, (now - t) / 1000));
    this.times = [];
    for (const c of this.cells.values()) {
      const services = this.services(c.namespace, c.pod);
      for (let i = 0; i < CLASSES.length; i++) {
        const n = c.counts[i];
        if (n === 0) continue;
        this.requests.inc({ namespace: c.namespace, pod: c.pod, node: c.node, class: CLASSES[i] }, n);
        for (const s of services) this.serviceRequests.inc({ namespace: c.namespace, service: s, class: CLASSES[i] }, n);
      }
      if (c.recovered > 0) this.recovered.inc({ namespace: c.namespace, pod: c.pod, node: c.node }, c.recovered);
    }
    this.cells = new Map();
    for (const s of this.snatCells.values()) this.snat.inc({ node: s.node, address: s.address }, s.n);
    this.snatCells = new Map();
  }

  /** The batch was rolled back: its requests are not counted. */
  abandoned(): void {
    this.cells = new Map();
    this.snatCells = new Map();
    this.times = [];
  }

  /** Pods or Services changed: which Services select which pods is looked up again. */
  topologyChanged(): void {
    this.servicesOf = new Map();
  }

  reconnect(): void {
    this.reconnects.inc();
  }

  rotation(): void {
    this.rotations.inc();
  }

  gap(): void {
    this.gaps.inc();
  }

  /** The exposition text (what /metrics serves). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private services(namespace: string, pod: string): string[] {
    const key = `${namespace}/${pod}`;
    let out = this.servicesOf.get(key);
    if (out) return out;
    out = [];
    const p = this.o.topology.pods.get(key);
    if (p) {
      for (const s of this.o.topology.services.values()) {
        const sel = s.selector;
        if (s.namespace !== namespace || !sel || Object.keys(sel).length === 0) continue;
        if (Object.keys(sel).every((k) => p.labels[k] === sel[k])) out.push(s.name);
      }
    }
    this.servicesOf.set(key, out);
    return out;
  }
}

/**
 * The standard process metrics, read cheaply at scrape time. prom-client's collectDefaultMetrics() costs ~10 ms per
 * scrape (file descriptors, heap spaces, GC and event-loop histograms) and names some gauges like counters.
 */
function processMetrics(registers: Registry[]): void {
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent in seconds.',
    registers,
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch in seconds.', registers }).set(
    Math.round(Date.now() / 1000 - process.uptime()),
  );
}
