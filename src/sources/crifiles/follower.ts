// One container instance's log, read from its files in the kubelet's pods folder the way the kubelet writes them:
// the oldest rotated file first (plain or already gzipped), then the live `<restart>.log`, following rotation by file
// identity. At the end of the live file: the same file still under its name -> wait for more; renamed (rotated) ->
// once the runtime has opened the new `<restart>.log`, read the renamed one to its end through the open descriptor
// (it may be gzipped and removed meanwhile: the descriptor still reads it), then go on with the next file. A
// rotated file whose plain copy is gone is read from its `.gz` at the same uncompressed offset.
//
// The position (cursor) names the file by identity plus the uncompressed offset after the last record handed on and
// the partial lines still open, so it is exact at any moment: the pipeline commits it with the rows it covers.
// `final` (set by the owner: the container restarted, the pod was deleted) means nothing more will be written: the
// follower reads what is there to its end and is then `done`. A file named by a stored cursor that is gone is a gap,
// reported through `gap()`, never passed over silently. Opening and reading one file (plain or gzipped, at an
// uncompressed offset) is filereader.ts.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriLineSink, CriParts } from './crilines.js';
import { LogFileReader, type Current, type FollowerEvents } from './filereader.js';
import { isGzCopyOf, isSameFile, type FileIdentity } from './identity.js';
import { LIVE_KEY, instanceFiles, listDir } from './layout.js';

export type { FollowerEvents } from './filereader.js';

/** The committed position of one container instance (JSON in the store's source cursor). */
export interface InstanceCursor extends Partial<FileIdentity> {
  v: 1;
  /** Last known name of the file the offset is in. */
  file?: string;
  /** Sequence key of the last file read to its end ('' for none). */
  last?: string;
  offset?: number;
  /** The file was read to its end (it may be gone without a gap). */
  ended?: boolean;
  parts?: CriParts;
  /** The instance was read to its end: nothing more to read. */
  done?: boolean;
}

export function parseInstanceCursor(json: string | null | undefined): InstanceCursor | null {
  if (!json) return null;
  try {
    const c = JSON.parse(json) as InstanceCursor;
    return c && c.v === 1 ? c : null;
  } catch {
    return null;
  }
}

export class InstanceFollower extends LogFileReader {
  /** Nothing more will be written to this instance's log: read to the end, then be done. */
  final = false;
  done = false;
  /** The file read to its end last, while no next file is open. */
  private prev: { name: string; id: FileIdentity; end: number } | null = null;
  private last = '';
  private started = false;
  /** The file being read was seen rotated away with a newer live file after it. */
  private newerSeen = false;

  constructor(
    dir: string,
    readonly restart: number,
    sink: CriLineSink,
    private readonly stored: InstanceCursor | null,
    events: FollowerEvents,
    maxLineLength?: number,
  ) {
    super(dir, sink, events, maxLineLength);
  }

  /** The exact position after the last line handed on (JSON), or null before anything was read. */
  cursorJson(): string | null {
    if (this.done) return '{"v":1,"done":true}';
    const parts = this.lines.parts[0] || this.lines.parts[1] ? this.lines.parts : undefined;
    if (!this.started) return this.stored ? JSON.stringify(this.stored) : null;
    let c: InstanceCursor;
    // A file nothing was read from yet has no identity (its inode number may be a reused one): the position is then
    // the end of the file before it, or "after the last file read to its end".
    if (this.cur && this.cur.id.headLen > 0) {
      c = { v: 1, file: this.cur.file.name, last: this.last, ...this.cur.id, offset: this.lines.offset, parts };
    } else if (this.prev && this.prev.id.headLen > 0) {
      c = { v: 1, file: this.prev.name, last: this.last, ...this.prev.id, offset: this.prev.end, ended: true, parts };
    } else c = { v: 1, last: this.last, parts };
    return JSON.stringify(c);
  }

  /** Reads what is there (up to about `budget` bytes), following rotations; returns the bytes read. */
  async step(budget = 8 << 20): Promise<number> {
    if (this.done) return 0;
    if (!this.started) {
      this.started = true;
      if (this.stored?.done) {
        this.done = true;
        return 0;
      }
      await this.resume();
    }
    if (!this.cur) await this.openNext();
    let total = 0;
    while (this.cur && total < budget && !this.done) {
      const cur = this.cur;
      if (cur.fh === null) {
        total += await this.readGz(cur);
        await this.complete();
        continue;
      }
      const n = await this.readPlain(cur, budget - total);
      total += n;
      if (n > 0) continue;
      const state = await this.atEnd(cur);
      if (state === 'wait') {
        if (this.final) await this.finish();
        break;
      }
      // Renamed and the runtime writes elsewhere now: drain what landed after our last read, then move on.
      let more: number;
      while ((more = await this.readPlain(cur, Infinity)) > 0) total += more;
      await this.complete();
    }
    if (!this.cur && this.final && !this.done) await this.finish();
    return total;
  }

  async close(): Promise<void> {
    const fh = this.cur?.fh;
    if (fh) await fh.close().catch(() => {});
  }

  private async finish(): Promise<void> {
    await this.close();
    this.cur = null;
    this.done = true;
  }

  /** Where a stored cursor points now: the same file (renamed or not) or its gzipped copy; else a gap. */
  private async resume(): Promise<void> {
    const c = this.stored;
    if (!c) return;
    this.last = c.last ?? '';
    this.lines.parts = c.parts ?? [null, null];
    if (c.dev === undefined || c.ino === undefined || c.head === undefined || !c.headLen) return;
    const id: FileIdentity = { dev: c.dev, ino: c.ino, head: c.head, headLen: c.headLen };
    const offset = c.offset ?? 0;
    const files = instanceFiles((await listDir(this.dir)) ?? [], this.restart);
    for (const f of files) {
      const path = join(this.dir, f.name);
      if (f.gz ? await isGzCopyOf(path, id) : await isSameFile(path, id)) {
        await this.open(f, offset);
        const size = f.gz ? Infinity : (await this.cur!.fh!.stat()).size;
        if (size < offset) this.events.gap(`${f.name} is shorter than the position read before (${offset} bytes); reading on from its end`);
        return;
      }
    }
    // Nothing read from it yet: the next file after `last` is where to start (its gzipped copy, if that is all).
    if (offset === 0) return;
    this.prev = { name: c.file ?? '', id, end: offset };
    if (!c.ended) this.events.gap(`${c.file ?? 'a log file'} was removed before it was read to its end: the lines after byte ${offset} are lost`);
  }

  /** At the end of a plain file: wait for more, or is it complete (rotated away, the runtime writes elsewhere)? */
  private async atEnd(cur: Current): Promise<'wait' | 'complete'> {
    if (cur.file.key === LIVE_KEY) {
      try {
        const st = await stat(join(this.dir, cur.file.name));
        if (st.ino === cur.id.ino && st.dev === cur.id.dev) return 'wait';
        this.newerSeen = true; // renamed, and the runtime writes a new live file
        return 'complete';
      } catch {
        // Renamed and not reopened yet: lines may still land in it (wait), unless nothing more will be written.
        return this.final ? 'complete' : 'wait';
      }
    }
    const files = instanceFiles((await listDir(this.dir)) ?? [], this.restart);
    return files.some((f) => f.key > cur.file.key) || this.final ? 'complete' : 'wait';
  }

  /** The current file was read to its end: remember it (by identity and where it is now) and open the next. */
  private async complete(): Promise<void> {
    const cur = this.cur!;
    const newer = this.newerSeen;
    this.newerSeen = false;
    this.lines.endFile(cur.pos);
    await cur.fh?.close().catch(() => {});
    let key = cur.file.key;
    if (key === LIVE_KEY) {
      // Renamed: find its rotated name (plain by inode, else its .gz by its head).
      key = '';
      for (const f of instanceFiles((await listDir(this.dir)) ?? [], this.restart)) {
        if (f.key === LIVE_KEY || f.key <= this.last) continue;
        const path = join(this.dir, f.name);
        if (f.gz ? await isGzCopyOf(path, cur.id) : await isSameFile(path, cur.id)) {
          key = f.key;
          break;
        }
      }
    }
    if (key !== '' && key !== LIVE_KEY) this.last = key;
    this.prev = { name: cur.file.name, id: cur.id, end: cur.pos };
    this.cur = null;
    await this.openNext();
    if (this.cur) this.events.next?.((this.cur as Current).file.name);
    else if ((await listDir(this.dir)) === null) {
      // The folder went (the pod's logs were removed) before the instance was read to its end. A rotated file is
      // complete only once a newer one existed, so those lines are lost; after the live file, newer lines may be.
      const sure = cur.file.key !== LIVE_KEY || newer;
      this.events.gap(`the log folder was removed before the files after ${cur.file.name} were read: their lines${sure ? '' : ', if any,'} are lost`);
    }
  }

  /** The next file after the last one read to its end, skipping the one just read (renamed or gzipped). */
  private async openNext(): Promise<void> {
    const entries = await listDir(this.dir);
    if (entries === null) return;
    const prevId = this.prev?.id ?? null;
    for (const f of instanceFiles(entries, this.restart)) {
      if (f.key <= this.last) continue;
      const path = join(this.dir, f.name);
      if (prevId) {
        const same = f.gz ? await isGzCopyOf(path, prevId) : await isSameFile(path, prevId);
        if (same) {
          if (f.key === LIVE_KEY) return; // the live file read to its end: nothing newer yet
          this.last = f.key;
          continue;
        }
      }
      if (await this.open(f, 0)) return;
    }
  }

}
