// Which file is which across renames, gzip and restarts of the agent: a file's identity is its device and inode
// (kept by a rename) checked against a hash of its first bytes (an inode number can be reused after a delete);
// a gzipped copy has a new inode, so it is recognised by the hash of its first uncompressed bytes alone.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** Bytes of a file's head that name it (a CRI record's nanosecond timestamp is in the first 30). */
export const HEAD_BYTES = 128;

export interface FileIdentity {
  dev: number;
  ino: number;
  /** sha256 (hex, 32 chars) of the first headLen bytes. */
  head: string;
  headLen: number;
}

export function headHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/** Up to `len` bytes from the start of a plain file. */
export async function readHead(path: string, len = HEAD_BYTES): Promise<Buffer | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Up to `len` uncompressed bytes from the start of a gzip file (null when it cannot be read). */
export function readGzHead(path: string, len = HEAD_BYTES): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    let done = false;
    const src = createReadStream(path);
    const gz = createGunzip();
    const finish = (v: Buffer | null) => {
      if (done) return;
      done = true;
      src.destroy();
      gz.destroy();
      resolve(v);
    };
    gz.on('data', (c: Buffer) => {
      parts.push(c);
      got += c.length;
      if (got >= len) finish(Buffer.concat(parts).subarray(0, len));
    });
    gz.on('end', () => finish(Buffer.concat(parts).subarray(0, len)));
    gz.on('error', () => finish(null));
    src.on('error', () => finish(null));
    src.pipe(gz);
  });
}

/** Whether the plain file at `path` is the file of `id` (same device and inode, same first bytes). */
export async function isSameFile(path: string, id: FileIdentity): Promise<boolean> {
  try {
    const st = await stat(path);
    if (st.dev !== id.dev || st.ino !== id.ino) return false;
  } catch {
    return false;
  }
  // An inode alone names nothing: the number is reused as soon as a rotated file is gzipped and removed.
  if (id.headLen === 0) return false;
  const head = await readHead(path, id.headLen);
  return head !== null && head.length === id.headLen && headHash(head) === id.head;
}

/** Whether the gzip file at `path` holds the file of `id` (same first uncompressed bytes). */
export async function isGzCopyOf(path: string, id: FileIdentity): Promise<boolean> {
  if (id.headLen === 0) return false;
  const head = await readGzHead(path, id.headLen);
  return head !== null && head.length === id.headLen && headHash(head) === id.head;
}
