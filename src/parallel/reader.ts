// The main side of the batches (wire.ts): `RowReader` reads one source's batches in order and refills one RequestRow per
// row for Store.add (which copies what it keeps), taking each batch's new dictionary values.
import { CLASS_BY_ID } from '../classes.js';
import { emptyRequestRow, type RequestRow } from '../fields.js';
import { IDS, NUMS, STRS, WHO, type BatchMessage } from './wire.js';

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
