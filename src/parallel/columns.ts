// The wire form of classified rows between the parse worker and the main thread: a batch is a few typed arrays and
// one string holding every string field back to back, cut by an array of lengths (-1 for null), so log text of any
// content passes as is (no separators) and the clone copies one string instead of ten per row. The
// worker side (`RowColumns`) stands in for the Store inside the worker's Pipeline, so the worker runs the very same
// SourceFeed code (LineStage -> Classifier -> RequestRow) as the single-threaded path; the main side (`rowAt`)
// rebuilds each RequestRow for Store.add.
import type { SourceState, Store } from '../../db/index.js';
import { CLASSES, type AddressClass, type RequestRow, type UnparsedReason } from '../types.js';

/** Numbers per row: time, status, bytes, requestTime, index into `who`. */
const NUMS = 5;
/** Strings per row: remoteAddr, owner, client, method, target, protocol, referer, userAgent, xff, upstreamAddr. */
const STRS = 10;
/** Strings per `who` entry: namespace, pod, container, nodeName. */
const WHO = 4;

const CLASS_INDEX: Record<AddressClass, number> = { node: 0, pod: 1, private: 2, external: 3, unknown: 4 };

/** Pipeline stats moved since the previous batch: lines, requests, unparsed, skipped, then one count per class. */
export type StatsDelta = number[];

export interface BatchMessage {
  t: 'batch';
  /** Input chunks the worker had consumed completely when it cut this batch. */
  chunks: number;
  /** The feed position (lines consumed, committed ones included) after the last line this batch covers. */
  position: number;
  /** Lines seen and lines skipped (already committed) since the previous batch. */
  lines: number;
  skipped: number;
  rows: number;
  nums: Float64Array;
  /** Two per row: cls, clientCls (-1 for none). */
  cls: Int8Array;
  /** Length of each string field in `text`, -1 for null; STRS per row. */
  lens: Int32Array;
  text: string;
  /** Who the rows belong to (namespace, pod, container, nodeName): few distinct per batch, so kept once. */
  who: (string | null)[];
  /** reason, sample, reason, sample, ... in line order. */
  unparsed: string[];
  /** format, envelope, description: the first time the source's format is known. */
  detected: [string | null, string | null, string] | null;
  stats: StatsDelta;
  /** The last batch of the input. */
  done: boolean;
}

type RowStore = Pick<Store, 'source' | 'add' | 'advance' | 'unparsed' | 'sourceMeta' | 'flush' | 'pending'>;

/** Collects what a SourceFeed hands to its store into the columns of the next batch. */
export class RowColumns implements RowStore {
  rows = 0;
  private cap: number;
  private nums: Float64Array;
  private cls: Int8Array;
  private lens: Int32Array;
  /** The string fields so far, in order (joined once per batch: one copy, no rope of thousands of pieces). */
  private parts: string[] = [];
  private nparts = 0;
  private who: (string | null)[] = [];
  private unp: string[] = [];
  private lastNs: string | null = null;
  private lastPod: string | null = null;
  private lastContainer: string | null = null;
  private lastNode: string | null = null;
  private whoIndex = -1;
  private meta: [string | null, string | null] | null = null;
  /** Set by the worker: the description for "says which" arrives through the pipeline's onDetect. */
  detected: [string | null, string | null, string] | null = null;

  constructor(
    private readonly state: SourceState,
    /** Rows per batch: the worker cuts a batch when it is full. */
    readonly maxRows: number,
    private readonly onFull: () => void,
  ) {
    this.cap = maxRows;
    this.nums = new Float64Array(this.cap * NUMS);
    this.cls = new Int8Array(this.cap * 2);
    this.lens = new Int32Array(this.cap * STRS);
  }

  /** Never asks the pipeline to flush: batches are cut by the worker, commits happen on the main thread. */
  get pending(): number {
    return 0;
  }

  source(): SourceState {
    return this.state;
  }

  sourceMeta(_sourceId: number, meta: { format?: string | null; envelope?: string | null }): void {
    this.meta = [meta.format ?? null, meta.envelope ?? null];
  }

  /** Called by the worker's onDetect right after sourceMeta. */
  describe(description: string): void {
    const m = this.meta ?? [null, null];
    this.detected = [m[0], m[1], description];
  }

  add(_sourceId: number, row: RequestRow): void {
    if (
      this.whoIndex === -1 || row.namespace !== this.lastNs || row.pod !== this.lastPod ||
      row.container !== this.lastContainer || row.nodeName !== this.lastNode
    ) {
      this.whoIndex = this.who.length / WHO;
      this.who.push(row.namespace, row.pod, row.container, row.nodeName);
      this.lastNs = row.namespace;
      this.lastPod = row.pod;
      this.lastContainer = row.container;
      this.lastNode = row.nodeName;
    }
    const r = this.rows;
    const n = this.nums;
    let i = r * NUMS;
    n[i++] = row.time;
    n[i++] = row.status;
    n[i++] = row.bytes;
    n[i++] = row.requestTime;
    n[i] = this.whoIndex;
    this.cls[r * 2] = CLASS_INDEX[row.cls];
    this.cls[r * 2 + 1] = row.clientCls === null ? -1 : CLASS_INDEX[row.clientCls];
    const l = this.lens;
    let j = r * STRS;
    l[j++] = this.put(row.remoteAddr);
    l[j++] = this.put(row.owner);
    l[j++] = this.put(row.client);
    l[j++] = this.put(row.method);
    l[j++] = this.put(row.target);
    l[j++] = this.put(row.protocol);
    l[j++] = this.put(row.referer);
    l[j++] = this.put(row.userAgent);
    l[j++] = this.put(row.xff);
    l[j] = this.put(row.upstreamAddr);
    this.rows = r + 1;
    if (this.rows >= this.maxRows) this.onFull();
  }

  private put(s: string | null): number {
    if (s === null) return -1;
    if (s.length !== 0) this.parts[this.nparts++] = s;
    return s.length;
  }

  unparsed(_sourceId: number, reason: UnparsedReason, sample: string): void {
    this.unp.push(reason, sample);
  }

  advance(): void {}

  flush(): void {}

  private joined(): string {
    const parts = this.parts;
    parts.length = this.nparts;
    const text = parts.join('');
    this.nparts = 0;
    return text;
  }

  /** Everything collected since the last cut, as a batch (typed arrays are handed over, fresh ones take their place). */
  cut(): Pick<BatchMessage, 'rows' | 'nums' | 'cls' | 'lens' | 'text' | 'who' | 'unparsed' | 'detected'> {
    const out = {
      rows: this.rows,
      nums: this.nums.slice(0, this.rows * NUMS),
      cls: this.cls.slice(0, this.rows * 2),
      lens: this.lens.slice(0, this.rows * STRS),
      text: this.joined(),
      who: this.who,
      unparsed: this.unp,
      detected: this.detected,
    };
    this.rows = 0;
    this.who = [];
    this.unp = [];
    this.whoIndex = -1;
    this.detected = null;
    return out;
  }
}

/** Reads the rows of a batch in order, as the Store takes them. */
export class RowReader {
  private i = 0;
  private at = 0;

  constructor(private readonly b: BatchMessage) {}

  next(): RequestRow {
    const b = this.b;
    const i = this.i++;
    const n = b.nums;
    const k = i * NUMS;
    const w = n[k + 4] * WHO;
    const who = b.who;
    const cc = b.cls[i * 2 + 1];
    let j = i * STRS;
    const remoteAddr = this.str(j++) as string;
    const owner = this.str(j++);
    const client = this.str(j++);
    const method = this.str(j++);
    const target = this.str(j++);
    const protocol = this.str(j++);
    const referer = this.str(j++);
    const userAgent = this.str(j++);
    const xff = this.str(j++);
    const upstreamAddr = this.str(j);
    return {
      time: n[k],
      namespace: who[w] as string,
      pod: who[w + 1] as string,
      container: who[w + 2] as string,
      nodeName: who[w + 3],
      remoteAddr,
      cls: CLASSES[b.cls[i * 2]],
      owner,
      client,
      clientCls: cc < 0 ? null : CLASSES[cc],
      method,
      target,
      protocol,
      status: n[k + 1],
      bytes: n[k + 2],
      referer,
      userAgent,
      xff,
      requestTime: n[k + 3],
      upstreamAddr,
    };
  }

  private str(j: number): string | null {
    const len = this.b.lens[j];
    if (len < 0) return null;
    if (len === 0) return '';
    const at = this.at;
    this.at = at + len;
    return this.b.text.slice(at, at + len);
  }
}
