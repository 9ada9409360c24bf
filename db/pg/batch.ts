// One PostgreSQL commit as it crosses from the main thread to the store's worker: request rows in columns (typed
// arrays, moved without copying), repeating strings and pod refs as local dictionary ids (each new one sent once),
// and everything else that commits with the rows (positions, unparsed counts, snapshots, events).
import type { RequestRow } from '../../src/types.js';
import { CLASS_ID, FALLBACK_ID } from '../../src/classes.js';

export interface Batch {
  seq: number;
  /** The dictionaries were cleared before this batch: local ids start again at 0. */
  reset: boolean;
  /** New local strings (local id = index + the dictionary size before). */
  strings: string[];
  /** New local pod refs: namespace, pod, container, node ('' when none). */
  pods: [string, string, string, string][];
  rows: number;
  time: Float64Array;
  source: Int32Array;
  pod: Int32Array;
  cls: Uint8Array;
  /** Local string ids, -1 for null. */
  owner: Int32Array;
  method: Int32Array;
  protocol: Int32Array;
  referer: Int32Array;
  userAgent: Int32Array;
  upstream: Int32Array;
  clientCls: Int8Array;
  status: Int32Array;
  bytes: Float64Array;
  /** ms, NaN for null. */
  requestMs: Float64Array;
  remote: string[];
  client: (string | null)[];
  target: (string | null)[];
  xff: (string | null)[];
  /** sources.id, lines (null: unchanged), cursor (undefined: unchanged). */
  positions: [number, number | null, string | null | undefined][];
  sourceMeta: [number, string | null, string | null][];
  /** source, reason, count, new samples. */
  unparsed: [number, string, number, string[]][];
  topology: [number, string][];
  services: [number, string | null, string | null, string][];
  podEvents: [number, string, string, string | null, string, string | null][];
}

const MAX_DICT = 200_000;

/** Builds batches on the main thread: add() per row is a few Map lookups and typed-array stores. */
export class BatchBuilder {
  private strDict = new Map<string, number>();
  private podDict = new Map<string, number>();
  private seq = 0;
  /** The last pod ref looked up: consecutive rows mostly share it, so no key is built per row. */
  private last: [string, string, string, string, number] = ['', '', '', '', -1];
  private cap = 0;
  private b!: Batch;

  constructor() {
    this.fresh();
  }

  get rows(): number {
    return this.b.rows;
  }

  get batch(): Batch {
    return this.b;
  }

  /** True when nothing but rows-free bookkeeping is pending (nothing to commit). */
  get empty(): boolean {
    const b = this.b;
    return b.rows === 0 && b.positions.length === 0 && b.sourceMeta.length === 0 && b.unparsed.length === 0 &&
      b.topology.length === 0 && b.services.length === 0 && b.podEvents.length === 0 && b.strings.length === 0 && b.pods.length === 0;
  }

  add(sourceId: number, row: RequestRow, time: number): void {
    const b = this.b;
    const i = b.rows;
    if (i === this.cap) this.grow();
    b.time[i] = time;
    b.source[i] = sourceId;
    b.pod[i] = this.podRef(row.namespace, row.pod, row.container, row.nodeName ?? '');
    b.cls[i] = CLASS_ID[row.cls] ?? FALLBACK_ID;
    b.owner[i] = this.str(row.owner);
    b.method[i] = this.str(row.method);
    b.protocol[i] = this.str(row.protocol);
    b.referer[i] = this.str(row.referer);
    b.userAgent[i] = this.str(row.userAgent);
    b.upstream[i] = this.str(row.upstreamAddr);
    b.clientCls[i] = row.clientCls === null ? -1 : (CLASS_ID[row.clientCls] ?? FALLBACK_ID);
    b.status[i] = row.status;
    b.bytes[i] = row.bytes;
    const rt = row.requestTime;
    b.requestMs[i] = rt === rt ? Math.round(rt * 1000) : Number.NaN;
    b.remote.push(row.remoteAddr);
    b.client.push(row.client);
    b.target.push(row.target);
    b.xff.push(row.xff);
    b.rows = i + 1;
  }

  /** Hands the open batch over (its arrays trimmed to the rows) and starts the next one. */
  take(): Batch {
    const b = this.b;
    const n = b.rows;
    const out: Batch = {
      ...b,
      time: b.time.slice(0, n), source: b.source.slice(0, n), pod: b.pod.slice(0, n), cls: b.cls.slice(0, n),
      owner: b.owner.slice(0, n), method: b.method.slice(0, n), protocol: b.protocol.slice(0, n),
      referer: b.referer.slice(0, n), userAgent: b.userAgent.slice(0, n), upstream: b.upstream.slice(0, n),
      clientCls: b.clientCls.slice(0, n), status: b.status.slice(0, n), bytes: b.bytes.slice(0, n), requestMs: b.requestMs.slice(0, n),
    };
    this.fresh();
    if (this.strDict.size + this.podDict.size > MAX_DICT) {
      this.strDict.clear();
      this.podDict.clear();
      this.b.reset = true;
    }
    return out;
  }

  /** Forgets the open batch and the dictionaries (after a failure nothing of it is trusted). */
  discard(): void {
    this.strDict.clear();
    this.podDict.clear();
    this.fresh();
    this.b.reset = true;
  }

  private fresh(): void {
    this.cap = 0;
    this.b = {
      seq: ++this.seq, reset: false, strings: [], pods: [], rows: 0,
      time: new Float64Array(0), source: new Int32Array(0), pod: new Int32Array(0), cls: new Uint8Array(0),
      owner: new Int32Array(0), method: new Int32Array(0), protocol: new Int32Array(0), referer: new Int32Array(0),
      userAgent: new Int32Array(0), upstream: new Int32Array(0), clientCls: new Int8Array(0), status: new Int32Array(0),
      bytes: new Float64Array(0), requestMs: new Float64Array(0), remote: [], client: [], target: [], xff: [],
      positions: [], sourceMeta: [], unparsed: [], topology: [], services: [], podEvents: [],
    };
    this.last[4] = -1;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const b = this.b;
    const g = <T extends Float64Array | Int32Array | Uint8Array | Int8Array>(a: T, make: new (n: number) => T): T => {
      const x = new make(cap);
      x.set(a as never);
      return x;
    };
    b.time = g(b.time, Float64Array); b.source = g(b.source, Int32Array); b.pod = g(b.pod, Int32Array); b.cls = g(b.cls, Uint8Array);
    b.owner = g(b.owner, Int32Array); b.method = g(b.method, Int32Array); b.protocol = g(b.protocol, Int32Array);
    b.referer = g(b.referer, Int32Array); b.userAgent = g(b.userAgent, Int32Array); b.upstream = g(b.upstream, Int32Array);
    b.clientCls = g(b.clientCls, Int8Array); b.status = g(b.status, Int32Array); b.bytes = g(b.bytes, Float64Array);
    b.requestMs = g(b.requestMs, Float64Array);
    this.cap = cap;
  }

  private str(s: string | null): number {
    if (s === null) return -1;
    let id = this.strDict.get(s);
    if (id === undefined) {
      id = this.strDict.size;
      this.strDict.set(s, id);
      this.b.strings.push(s);
    }
    return id;
  }

  private podRef(namespace: string, pod: string, container: string, node: string): number {
    const l = this.last;
    if (l[4] !== -1 && l[1] === pod && l[0] === namespace && l[2] === container && l[3] === node) return l[4];
    const key = `${namespace}\u0000${pod}\u0000${container}\u0000${node}`;
    let id = this.podDict.get(key);
    if (id === undefined) {
      id = this.podDict.size;
      this.podDict.set(key, id);
      this.b.pods.push([namespace, pod, container, node]);
    }
    this.last = [namespace, pod, container, node, id];
    return id;
  }
}
