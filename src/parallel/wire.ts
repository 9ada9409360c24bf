// The wire form of classified rows between the parse worker and the main thread: a batch is a few typed arrays and
// one string holding the free-text fields back to back, cut by an array of lengths (-1 for null), so log text of any
// content passes as is (no separators) and the clone copies one string instead of ten per row. The fields the
// store interns (owner, method, protocol, referer, user agent, upstream) travel as ids into a dictionary both sides
// keep for the whole source: each distinct value crosses once, and the main thread hands the store the same string
// object every time (its hash computed once) instead of a fresh slice per row. The worker side (`RowColumns`) stands
// in for the Store inside the worker's Pipeline, so the worker runs the very same SourceFeed code (LineStage ->
// Classifier -> RequestRow) as the single-threaded path; the main side (`RowReader`) refills one RequestRow per row
// for Store.add (which copies what it keeps).
// This file: the layout and the message; the worker side is columns.ts, the main side reader.ts.

// The hand-unrolled packer (columns.ts) and reader (reader.ts) follow the field table (src/fields.ts) by store kind:
// 'time'/'number'/'ms' are numbers, 'inline' free text, 'intern' dictionary ids, 'who' an index into `who`, 'class'
// ints; test/fields.test.ts round-trips a row of every field through them.
/** Numbers per row: time, status, bytes, requestTime, index into `who`. */
export const NUMS = 5;
/** Free-text strings per row: remoteAddr, client, target, xff. */
export const STRS = 4;
/** Dictionary ids per row: owner, method, protocol, referer, userAgent, upstreamAddr. */
export const IDS = 6;
/** Distinct dictionary values the worker keeps; past it both sides start a new dictionary at the next batch. */
export const DICT_MAX = 50_000;
/** Slots of the dictionary's front table, minus one. */
export const FRONT_MASK = 4095;
/** Strings per `who` entry: namespace, pod, container, nodeName. */
export const WHO = 4;

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
