// Reading one log file of a container instance for InstanceFollower (follower.ts): open it at an uncompressed offset
// (a plain file through a descriptor that keeps reading it after a rename or removal; a rotated `.gz` named by its
// head), name it by identity (dev+inode and its first bytes, identity.ts), and hand its bytes to the CRI line reader
// with their exact offsets. Which file comes next is the follower's.
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CriLines, type CriLineSink } from './crilines.js';
import { HEAD_BYTES, headHash, readGzHead, type FileIdentity } from './identity.js';
import type { LogFile } from './layout.js';

export interface FollowerEvents {
  /** Lines that can no longer be read (a file removed before it was read to its end). */
  gap(message: string): void;
  /** The follower moved on to the next file of the sequence (a rotation followed). */
  next?(file: string): void;
}

export interface Current {
  file: LogFile;
  fh: FileHandle | null;
  id: FileIdentity;
  /** Uncompressed bytes read so far (the next read's offset). */
  pos: number;
}

const CHUNK = 256 * 1024;
/** One read buffer for every follower: the owner steps followers one at a time. */
const shared = Buffer.allocUnsafe(CHUNK);
let sharedBusy = false;

/** The file being read and the bytes read from it; InstanceFollower adds which file comes next. */
export class LogFileReader {
  /** Bytes read (uncompressed). */
  bytes = 0;
  readonly lines: CriLines;
  protected cur: Current | null = null;

  constructor(
    /** The container folder. */
    readonly dir: string,
    sink: CriLineSink,
    protected readonly events: FollowerEvents,
    maxLineLength?: number,
  ) {
    this.lines = new CriLines(sink, maxLineLength);
  }

  /** Opens a file at an uncompressed offset; false when it vanished in between. */
  protected async open(f: LogFile, offset: number): Promise<boolean> {
    const path = join(this.dir, f.name);
    if (f.gz) {
      const head = await readGzHead(path);
      if (head === null) return false;
      const st = await stat(path).catch(() => null);
      if (!st) return false;
      this.cur = { file: f, fh: null, id: { dev: st.dev, ino: st.ino, head: headHash(head), headLen: head.length }, pos: offset };
    } else {
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch {
        return false;
      }
      const st = await fh.stat();
      this.cur = { file: f, fh, id: { dev: st.dev, ino: st.ino, head: headHash(Buffer.alloc(0)), headLen: 0 }, pos: offset };
      await this.refreshHead(this.cur);
    }
    this.lines.reset(offset);
    return true;
  }

  /** The head hash covers the first HEAD_BYTES once the file has them (a young file is named by fewer). */
  protected async refreshHead(cur: Current): Promise<void> {
    if (cur.fh === null || cur.id.headLen >= HEAD_BYTES) return;
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await cur.fh.read(buf, 0, HEAD_BYTES, 0);
    if (bytesRead > cur.id.headLen) cur.id = { ...cur.id, head: headHash(buf.subarray(0, bytesRead)), headLen: bytesRead };
  }

  protected async readPlain(cur: Current, budget: number): Promise<number> {
    if (sharedBusy) throw new Error('InstanceFollower.step() called while another step reads');
    sharedBusy = true;
    let total = 0;
    try {
      while (total < budget) {
        const { bytesRead } = await cur.fh!.read(shared, 0, CHUNK, cur.pos);
        if (bytesRead === 0) break;
        const at = cur.pos;
        cur.pos += bytesRead;
        total += bytesRead;
        // Named by its first bytes before any of its lines is handed on (a commit may come with the first line).
        if (cur.id.headLen < HEAD_BYTES) await this.refreshHead(cur);
        this.lines.write(shared.subarray(0, bytesRead), at);
      }
    } finally {
      sharedBusy = false;
    }
    this.bytes += total;
    return total;
  }

  /** A gzipped rotated file from the current offset to its end. */
  protected async readGz(cur: Current): Promise<number> {
    const start = cur.pos;
    let u = 0;
    const gz = createReadStream(join(this.dir, cur.file.name)).pipe(createGunzip());
    try {
      for await (const chunk of gz as AsyncIterable<Buffer>) {
        const end = u + chunk.length;
        if (end > start) {
          const from = Math.max(0, start - u);
          this.lines.write(from === 0 ? chunk : chunk.subarray(from), u + from);
        }
        u = end;
      }
    } catch (err) {
      this.events.gap(`${cur.file.name} could not be read to its end (${(err as Error).message}): lines after byte ${Math.max(u, start)} are lost`);
    }
    cur.pos = Math.max(u, start);
    const n = Math.max(0, u - start);
    this.bytes += n;
    return n;
  }
}
