// The worker side of the batches (wire.ts): `RowColumns` stands in for the Store inside the worker's Pipeline and packs
// each RequestRow a SourceFeed hands it into the columns of the next batch; the interned fields become ids into the
// source's dictionary (a front table answers most lookups with one compare).
import type { SourceState, StoreWriter } from '../../db/index.js';
import { CLASS_ID } from '../classes.js';
import type { RequestRow } from '../fields.js';
import type { UnparsedReason } from '../types.js';
import { DICT_MAX, FRONT_MASK, IDS, NUMS, STRS, WHO, type BatchMessage } from './wire.js';

type RowStore = Pick<StoreWriter, 'source' | 'add' | 'advance' | 'unparsed' | 'sourceMeta' | 'flush' | 'pending'>;

/** Collects what a SourceFeed hands to its store into the columns of the next batch. */
export class RowColumns implements RowStore {
  rows = 0;
  private cap: number;
  private nums: Float64Array;
  private cls: Int8Array;
  private lens: Int32Array;
  private ids: Int32Array;
  private dict = new Map<string, number>();
  private dictNew: string[] = [];
  /** The dictionary's values by id. */
  private keys: string[] = [];
  private dictReset = false;
  private readonly frontKey: (string | undefined)[] = new Array<string | undefined>(FRONT_MASK + 1).fill(undefined);
  private readonly frontId = new Int32Array(FRONT_MASK + 1);
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
    this.ids = new Int32Array(this.cap * IDS);
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
    this.cls[r * 2] = CLASS_ID[row.cls];
    this.cls[r * 2 + 1] = row.clientCls === null ? -1 : CLASS_ID[row.clientCls];
    const l = this.lens;
    let j = r * STRS;
    l[j++] = this.put(row.remoteAddr);
    l[j++] = this.put(row.client);
    l[j++] = this.put(row.target);
    l[j] = this.put(row.xff);
    const d = this.ids;
    let k = r * IDS;
    d[k++] = this.id(row.owner, 0);
    d[k++] = this.id(row.method, 512);
    d[k++] = this.id(row.protocol, 1024);
    d[k++] = this.id(row.referer, 1536);
    d[k++] = this.id(row.userAgent, 2048);
    d[k] = this.id(row.upstreamAddr, 2560);
    this.rows = r + 1;
    if (this.rows >= this.maxRows) this.onFull();
  }

  private put(s: string | null): number {
    if (s === null) return -1;
    if (s.length !== 0) this.parts[this.nparts++] = s;
    return s.length;
  }

  /**
   * The dictionary id of a value. A direct-mapped front table keyed by the field and the length answers most lookups
   * with one string compare (a memcmp): no hash of the whole fresh string, which the Map would compute.
   */
  private id(s: string | null, field: number): number {
    if (s === null) return -1;
    const slot = (s.length + field) & FRONT_MASK;
    if (this.frontKey[slot] === s) return this.frontId[slot];
    let id = this.dict.get(s);
    if (id === undefined) {
      // A copy of its own: the value is a slice that would keep its whole log line alive in the dictionary.
      const own = s.length < 13 ? s : (s + ' ').slice(0, -1);
      id = this.dict.size;
      this.dict.set(own, id);
      this.dictNew.push(own);
      this.keys.push(own);
    }
    this.frontKey[slot] = this.keys[id];
    this.frontId[slot] = id;
    return id;
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
  cut(): Pick<BatchMessage, 'rows' | 'nums' | 'cls' | 'lens' | 'text' | 'ids' | 'dictReset' | 'dict' | 'who' | 'unparsed' | 'detected'> {
    const out = {
      rows: this.rows,
      nums: this.nums.slice(0, this.rows * NUMS),
      cls: this.cls.slice(0, this.rows * 2),
      lens: this.lens.slice(0, this.rows * STRS),
      text: this.joined(),
      ids: this.ids.slice(0, this.rows * IDS),
      dictReset: this.dictReset,
      dict: this.dictNew,
      who: this.who,
      unparsed: this.unp,
      detected: this.detected,
    };
    this.rows = 0;
    this.dictNew = [];
    this.dictReset = false;
    if (this.dict.size > DICT_MAX) {
      this.dict.clear();
      this.keys = [];
      this.frontKey.fill(undefined);
      this.dictReset = true;
    }
    this.who = [];
    this.unp = [];
    this.whoIndex = -1;
    this.detected = null;
    return out;
  }
}
