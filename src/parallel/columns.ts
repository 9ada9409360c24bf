// The wire form of classified rows between the parse worker and the main thread: a batch is a few typed arrays and
// one string holding the free-text fields back to back, cut by an array of lengths (-1 for null), so log text of any
// content passes as is (no separators) and the clone copies one string instead of ten per row. The fields the
// store interns (owner, method, protocol, referer, user agent, upstream) travel as ids into a dictionary both sides
// keep for the whole source: each distinct value crosses once, and the main thread hands the store the same string
// object every time (its hash computed once) instead of a fresh slice per row. The worker side (`RowColumns`) stands
// in for the Store inside the worker's Pipeline, so the worker runs the very same SourceFeed code (LineStage ->
// Classifier -> RequestRow) as the single-threaded path; the main side (`RowReader`) refills one RequestRow per row
// for Store.add (which copies what it keeps).
import type { SourceState, StoreWriter } from '../../db/index.js';
import { CLASS_BY_ID, CLASS_ID } from '../classes.js';
import { emptyRequestRow, type RequestRow } from '../fields.js';
import type { UnparsedReason } from '../types.js';

// The hand-unrolled packers below follow the field table (src/fields.ts) by store kind: 'time'/'number'/'ms' are
// numbers, 'inline' free text, 'intern' dictionary ids, 'who' an index into `who`, 'class' ints; test/fields.test.ts
// round-trips a row of every field through them.
/** Numbers per row: time, status, bytes, requestTime, index into `who`. */
const NUMS = 5;
/** Free-text strings per row: remoteAddr, client, target, xff. */
const STRS = 4;
/** Dictionary ids per row: owner, method, protocol, referer, userAgent, upstreamAddr. */
const IDS = 6;
/** Distinct dictionary values the worker keeps; past it both sides start a new dictionary at the next batch. */
const DICT_MAX = 50_000;
/** Slots of the dictionary's front table, minus one. */
const FRONT_MASK = 4095;
/** Strings per `who` entry: namespace, pod, container, nodeName. */
const WHO = 4;

/** Pipeline stats moved since the previous batch: lines, requests, unparsed, skipped, then one count per class id. */
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
  /** Length of each free-text field in `text`, -1 for null; STRS per row. */
  lens: Int32Array;
  text: string;
  /** Dictionary id of each interned field, -1 for null; IDS per row. */
  ids: Int32Array;
  /** Start a new dictionary before this batch's values. */
  dictReset: boolean;
  /** Values this batch adds to the dictionary, in id order. */
  dict: string[];
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

/** Reads the rows of the batches of one source in order, as the Store takes them: one RequestRow, refilled per row. */
export class RowReader {
  private b: BatchMessage | null = null;
  private i = 0;
  private at = 0;
  private readonly dict: string[] = [];
  private readonly row: RequestRow = emptyRequestRow();

  /** The next batch (in order): takes its dictionary values. */
  load(b: BatchMessage): void {
    this.b = b;
    this.i = 0;
    this.at = 0;
    const dict = this.dict;
    if (b.dictReset) dict.length = 0;
    for (let k = 0; k < b.dict.length; k++) dict.push(b.dict[k]);
  }

  /** The next row of the batch; the same object every time (valid until the next call). */
  next(): RequestRow {
    const b = this.b!;
    const i = this.i++;
    const n = b.nums;
    const k = i * NUMS;
    const w = n[k + 4] * WHO;
    const who = b.who;
    const cc = b.cls[i * 2 + 1];
    const row = this.row;
    let j = i * STRS;
    const d = b.ids;
    const dict = this.dict;
    let m = i * IDS;
    row.time = n[k];
    row.namespace = who[w] as string;
    row.pod = who[w + 1] as string;
    row.container = who[w + 2] as string;
    row.nodeName = who[w + 3];
    row.remoteAddr = this.str(j++) as string;
    row.cls = CLASS_BY_ID[b.cls[i * 2]];
    row.owner = word(dict, d[m++]);
    row.client = this.str(j++);
    row.clientCls = cc < 0 ? null : CLASS_BY_ID[cc];
    row.method = word(dict, d[m++]);
    row.target = this.str(j++);
    row.protocol = word(dict, d[m++]);
    row.status = n[k + 1];
    row.bytes = n[k + 2];
    row.referer = word(dict, d[m++]);
    row.userAgent = word(dict, d[m++]);
    row.xff = this.str(j);
    row.requestTime = n[k + 3];
    row.upstreamAddr = word(dict, d[m]);
    return row;
  }

  private str(j: number): string | null {
    const b = this.b!;
    const len = b.lens[j];
    if (len < 0) return null;
    if (len === 0) return '';
    const at = this.at;
    this.at = at + len;
    return b.text.slice(at, at + len);
  }
}

function word(dict: string[], id: number): string | null {
  return id < 0 ? null : dict[id];
}
